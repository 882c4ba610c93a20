package integration_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/integration"
	"github.com/botctl/botctl/engine/turn"
)

// botSrc templates the user's answer into a URL path, a URL's query and a
// query parameter, and routes failures to a step that shows result.error.
const botSrc = `botctl: 1
bot:
  name: hostile
  welcome: start
  error_message: "Sorry, something went wrong."
  env: [API]
  secrets: [TOKEN]
variables:
  x: ""
  seen: ""
integrations:
  lookup:
    url: "${env.API}/orders/${vars.x}"
    query: {q: "${vars.x}"}
    headers: {Authorization: "Bearer ${secret.TOKEN}"}
    timeout: 500ms
    post: {seen: 'result.body'}
  search:
    url: "${env.API}/search?term=${vars.x}&page=1"
    timeout: 500ms
  unguarded:
    url: "${env.API}/unguarded"
    timeout: 500ms
dialogs:
  start:
    steps:
      - ask: "Order?"
        save: x
      - call: lookup
        on_failure: failed
      - call: search
        on_failure: failed
      - say: "Done: ${vars.seen}"
      - end
      - id: failed
        say: "Failed: ${result.error}"
  bare:
    starters: [bare]
    steps:
      - call: unguarded
      - say: "not reached on failure"
`

func loadBot(t testing.TB) *graph.Bot {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bot.yaml")
	if err := os.WriteFile(path, []byte(botSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	bot, diags := engine.Load(path)
	if diags.HasErrors() {
		t.Fatalf("bot does not compile:\n%v", diags.Err())
	}
	return bot
}

// host performs calls with a Client and records the requests.
type host struct {
	*integration.Client
	mu   sync.Mutex
	reqs []*turn.Request
}

func (h *host) Call(ctx context.Context, req *turn.Request) turn.CallResult {
	h.mu.Lock()
	h.reqs = append(h.reqs, req)
	h.mu.Unlock()
	return h.Client.Call(ctx, req)
}
func (h *host) Transfer(context.Context, *turn.Transfer) error    { return nil }
func (h *host) Store(context.Context, *turn.File) (string, error) { return "f1", nil }

// converse starts a conversation with dialog ("" for the welcome dialog),
// answers its question with answer when there is one, and returns the
// bot's lines in the last turn.
func converse(t testing.TB, bot *graph.Bot, p turn.Performer, api, dialog, answer string) string {
	t.Helper()
	c := &turn.Context{Now: time.Now(), Env: map[string]string{"API": api}, Secrets: map[string]string{"TOKEN": "tok-5ecret"}}
	st := turn.NewState(bot, "c1", c.Now, nil, nil)
	st, reply, err := turn.Drive(context.Background(), bot, st, turn.Input{Kind: turn.Start, Dialog: dialog}, c, p)
	if err != nil {
		t.Fatal(err)
	}
	if answer != "" {
		_, reply, err = turn.Drive(context.Background(), bot, st, turn.Input{Kind: turn.Message, Text: answer}, c, p)
		if err != nil {
			t.Fatal(err)
		}
	}
	var lines []string
	for _, o := range reply.Outputs {
		lines = append(lines, o.Line())
	}
	return strings.Join(lines, "\n")
}

// TestHostileValuesStayInThePath: user text templated into the path and the
// query reaches the server as one path segment and one query value.
func TestHostileValuesStayInThePath(t *testing.T) {
	bot := loadBot(t)
	type hit struct{ path, escaped, rawQuery string }
	var mu sync.Mutex
	var hits []hit
	s, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits = append(hits, hit{r.URL.Path, r.URL.EscapedPath(), r.URL.RawQuery})
		mu.Unlock()
		io.WriteString(w, "ok")
	})
	values := []string{"../", "../../admin", "..", "?admin=1", "#top", "a b", "ünï/cødé", "%2F", "a&b=c", "1;2", "+", "a/b", "..."}
	refused := map[string]bool{"../": true, "../../admin": true, "..": true}
	for _, x := range values {
		hits = nil
		h := &host{Client: newClient(t)}
		got := converse(t, bot, h, s.URL, "", x)
		if refused[x] {
			want := `< Failed: refused: the url path has a ".." segment once decoded`
			if got != want || len(hits) != 0 {
				t.Errorf("%q: bot said %q and the server saw %v; want %q and no request", x, got, hits, want)
			}
			continue
		}
		if got != "< Done: ok" || len(hits) != 2 {
			t.Errorf("%q: bot said %q, server saw %d requests", x, got, len(hits))
			continue
		}
		// lookup: one segment after /orders/, holding exactly x; q == x.
		lookup := hits[0]
		seg, ok := strings.CutPrefix(lookup.escaped, "/orders/")
		dec, err := url.PathUnescape(seg)
		if !ok || strings.Contains(seg, "/") || err != nil || dec != x {
			t.Errorf("%q: path %q does not hold it as one segment", x, lookup.escaped)
		}
		if q, err := url.ParseQuery(lookup.rawQuery); err != nil || len(q) != 1 || len(q["q"]) != 1 || q.Get("q") != x {
			t.Errorf("%q: query %q, want q=%q only", x, lookup.rawQuery, x)
		}
		// search: the value templated into the URL's own query string.
		search := hits[1]
		if q, err := url.ParseQuery(search.rawQuery); err != nil || len(q) != 2 || q.Get("term") != x || q.Get("page") != "1" {
			t.Errorf("%q: search query %q, want term=%q&page=1", x, search.rawQuery, x)
		}
		if search.path != "/search" {
			t.Errorf("%q: search path %q", x, search.path)
		}
	}
}

// TestFailureRoutes: each failure reaches the bot's failure route as
// result.error; the turn with a timeout returns within timeout + 10%.
func TestFailureRoutes(t *testing.T) {
	bot := loadBot(t)
	done := make(chan struct{})
	defer close(done)
	hanging, _ := server(t, hang(done))
	notFound, _ := server(t, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	badJSON, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "<html>")
	})
	refused := closedPort(t)
	tests := []struct{ api, want string }{
		{hanging.URL, "< Failed: timeout after 500ms"},
		{notFound.URL, "< Failed: status 404 is not a success"},
		{badJSON.URL, "< Failed: invalid JSON in response (Content-Type application/json): invalid character '<' looking for beginning of value (at byte 1)"},
		{"http://" + refused, "< Failed: connection refused by " + refused},
		{"ftp://files.acme.example", `< Failed: url scheme "ftp" is not allowed: use http or https`},
	}
	for _, tt := range tests {
		start := time.Now()
		got := converse(t, bot, &host{Client: newClient(t)}, tt.api, "", "12345")
		if got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.api, got, tt.want)
		}
		if d := time.Since(start); d > 550*time.Millisecond {
			t.Errorf("%s: the turn took %v, more than the 500ms timeout + 10%%", tt.api, d)
		}
	}
	// A failure with no rule sends error_message and ends the dialog.
	if got := converse(t, bot, &host{Client: newClient(t)}, notFound.URL, "bare", ""); got != "< Sorry, something went wrong." {
		t.Errorf("no failure rule: got %q", got)
	}
}
