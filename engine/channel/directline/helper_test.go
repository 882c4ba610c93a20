package directline

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/server"
)

const testSecret = "dl-test-secret-0123456789"

// clock is a settable clock for tokens.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a server hosting testdata/pizza.yaml with its Direct Line
// channel, on a loopback port.
type env struct {
	t     *testing.T
	srv   *server.Server
	dl    *Handler
	http  *httptest.Server
	clock *clock
	base  string // the Direct Line domain
}

func newEnv(t *testing.T) *env {
	t.Helper()
	g, ds := engine.Load("testdata/pizza.yaml")
	if ds.HasErrors() {
		t.Fatalf("load: %v", ds)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		quiet = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := server.New(server.WithBots(&server.Bot{Bot: g}), server.WithLogger(quiet),
		server.WithEnv(func(k string) (string, bool) {
			if k == "DL_SECRET" {
				return testSecret, true
			}
			return "", false
		}))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, clock: &clock{t: time.Now()}}
	e.dl = New(srv, WithLogger(quiet), WithClock(e.clock.Now))
	mux := http.NewServeMux()
	mux.Handle("/directline/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if testing.Verbose() {
			t.Logf("%s %s", r.Method, r.URL.Path)
		}
		e.dl.ServeHTTP(w, r)
	}))
	mux.Handle("/", srv)
	e.http = httptest.NewServer(mux) // 127.0.0.1
	t.Cleanup(e.http.Close)
	e.base = e.http.URL + "/directline/pizza/v3/directline"
	return e
}

// do makes a request with the Bearer credential cred and decodes a JSON
// answer into out (when not nil). It returns the status.
func (e *env) do(method, path, cred string, body, out any) int {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

// dlErr is Direct Line's error body.
type dlErr struct {
	Error struct{ Code, Message string } `json:"error"`
}

// startConv generates a token and starts its conversation.
func (e *env) startConv() Conversation {
	e.t.Helper()
	var gen Conversation
	if st := e.do("POST", "/tokens/generate", testSecret, map[string]any{"user": map[string]string{"id": "u1", "name": "Ada"}}, &gen); st != 200 {
		e.t.Fatalf("generate: %d", st)
	}
	var c Conversation
	if st := e.do("POST", "/conversations", gen.Token, nil, &c); st != 201 {
		e.t.Fatalf("start: %d", st)
	}
	if c.ConversationID != gen.ConversationID || c.StreamURL == "" {
		e.t.Fatalf("start = %+v, generated %+v", c, gen)
	}
	return c
}

// texts renders activities as "type from: text [buttons]" lines.
func texts(acts []Activity) []string {
	var out []string
	for _, a := range acts {
		s := a.Type + " " + a.From.Role
		if a.Name != "" {
			s += " " + a.Name
		}
		if a.Text != "" {
			s += ": " + a.Text
		}
		if a.Suggested != nil {
			s += " ["
			for i, b := range a.Suggested.Actions {
				if i > 0 {
					s += "|"
				}
				s += b.Title
			}
			s += "]"
		}
		out = append(out, s)
	}
	return out
}
