package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/integration"
	"github.com/botctl/botctl/engine/turn"
)

// secret has characters that URL and JSON escaping change, so that the
// test also catches the escaped forms.
const secret = `s3cr/t +ü&="x"`

// secretForms are the ways the secret can appear in text.
var secretForms = []string{secret, url.QueryEscape(secret), url.PathEscape(secret), jsonInner(secret), "s3cr"}

func jsonInner(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// TestSecretsNeverLeak sends requests carrying a secret (in a header, the
// path, the query and the body) into every failure mode and to a server
// that echoes it back, and searches every output — result errors, bodies
// and headers, the log at debug level, Describe — for the secret.
func TestSecretsNeverLeak(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	done := make(chan struct{})
	defer close(done)

	echo, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"auth": r.Header.Get("Authorization"), "uri": r.RequestURI, "body": string(b),
			secret: []any{r.URL.Query().Get("key")},
		})
	})
	echoText, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json") // claims JSON, is not
		w.WriteHeader(500)
		fmt.Fprintf(w, "<html>bad token %s</html>", r.Header.Get("Authorization"))
	})
	hanging, _ := server(t, hang(done))
	tlsServer := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	tlsServer.Config.ErrorLog = slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)
	defer tlsServer.Close()
	away, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://elsewhere.test/"+url.PathEscape(secret), http.StatusFound)
	})
	refused := closedPort(t)

	c := newClient(t, integration.WithSecrets(secret, ""), integration.WithLogger(logger))
	withSecret := func(base string) *turn.Request {
		req := get(base + "/orders/" + url.PathEscape(secret) + "?key=" + url.QueryEscape(secret))
		req.Method = "POST"
		req.Headers = [][2]string{{"Authorization", "Bearer " + secret}, {"X-Api-Key", secret}}
		req.Body, _ = json.Marshal(map[string]string{"token": secret})
		req.Timeout = 200 * time.Millisecond
		req.Retries = 1
		return req
	}
	reqs := map[string]*turn.Request{
		"echo":      withSecret(echo.URL),
		"echo text": withSecret(echoText.URL),
		"timeout":   withSecret(hanging.URL),
		"tls":       withSecret(tlsServer.URL),
		"redirect":  withSecret(away.URL),
		"refused":   withSecret("http://" + refused),
		"no scheme": withSecret(""),
		"bad url":   withSecret("http://%zz"),
		"no host":   withSecret("http://"),
		"allowed":   withSecret("http://" + refused),
	}
	var outputs []string
	for name, req := range reqs {
		cl := c
		if name == "allowed" {
			cl = newClient(t, integration.WithSecrets(secret), integration.WithLogger(logger), integration.WithAllowedHosts("api.acme.example"))
		}
		res := cl.Call(context.Background(), req)
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, name+" result: "+string(b), name+" describe: "+cl.Describe(req))
		if name == "echo" && !strings.Contains(string(b), `"auth":"Bearer [redacted]"`) {
			t.Errorf("echo: the body was not kept with the secret redacted: %s", b)
		}
	}
	outputs = append(outputs, "logs: "+logs.String())
	if !strings.Contains(logs.String(), `"msg":"integration attempt"`) {
		t.Errorf("no debug log was written:\n%s", logs.String())
	}
	for _, out := range outputs {
		for _, form := range secretForms {
			if strings.Contains(out, form) {
				t.Errorf("the secret (as %q) leaked into %s", form, out)
			}
		}
	}
}

// TestSecretsNeverLeakThroughTheBot runs the bot of bot_test.go with a
// server that echoes the Authorization header, and searches what the
// conversation shows, traces and stores.
func TestSecretsNeverLeakThroughTheBot(t *testing.T) {
	bot := loadBot(t)
	s, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Header.Get("Authorization"))
	})
	c := &turn.Context{Now: time.Now(), Env: map[string]string{"API": s.URL}, Secrets: map[string]string{"TOKEN": secret}, Trace: true}
	p := &host{Client: newClient(t, integration.WithSecrets(secret))}
	st := turn.NewState(bot, "c1", c.Now, nil, nil)
	st, _, err := turn.Drive(context.Background(), bot, st, turn.Input{Kind: turn.Start}, c, p)
	if err != nil {
		t.Fatal(err)
	}
	st, reply, err := turn.Drive(context.Background(), bot, st, turn.Input{Kind: turn.Message, Text: "12345"}, c, p)
	if err != nil {
		t.Fatal(err)
	}
	state, _ := turn.Marshal(st)
	var out []string
	for _, o := range reply.Outputs {
		out = append(out, o.Line())
	}
	for _, tr := range reply.Trace {
		out = append(out, tr.String())
	}
	out = append(out, reply.Errors...)
	out = append(out, string(state))
	all := strings.Join(out, "\n")
	if !strings.Contains(all, "< Done: Bearer [redacted]") {
		t.Errorf("the echoed header did not come back redacted:\n%s", all)
	}
	for _, form := range secretForms {
		if strings.Contains(all, form) {
			t.Errorf("the secret (as %q) leaked:\n%s", form, all)
		}
	}
}
