package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/server"
)

const hello = "botctl: 1\nbot: {name: hello}\ndialogs:\n  hi:\n    starters: [hi]\n    steps: [{say: Hello}]\n"

// syncBuffer is a log that Run writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func writeBot(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRun serves a bot from a file store, answers a request, and stops
// gracefully when the context is cancelled, leaving the token secret it
// made next to the database.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	bot := writeBot(t, dir, "bots/hello/bot.yaml", hello)
	var log syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{
			Paths: []string{filepath.Join(dir, "bots")}, Addr: "127.0.0.1:0",
			Store:    "file:" + filepath.Join(dir, "data", "botctl.db"),
			TokenTTL: time.Hour, ShutdownTimeout: 5 * time.Second, OnNewVersion: server.Finish,
			Logger: slog.New(slog.NewTextHandler(&log, nil)),
		})
	}()
	url := waitListening(t, &log, done)
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /healthz: %s", resp.Status)
	}
	if !strings.Contains(log.String(), "bots=hello ") {
		t.Errorf("the listening line does not name the bot from %s:\n%s", bot, log.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop when its context was cancelled")
	}
	if !strings.Contains(log.String(), "msg=stopped") {
		t.Errorf("no stopped line:\n%s", log.String())
	}
	secret, from, err := FindTokenSecret("", "", "file:"+filepath.Join(dir, "data", "botctl.db"))
	if err != nil || len(secret) != 64 || from != filepath.Join(dir, "data", "token-secret") {
		t.Errorf("the token secret made next to the store: %q from %q, %v", secret, from, err)
	}
}

var listening = regexp.MustCompile(`msg=listening url=(http://\S+)`)

func waitListening(t *testing.T, log *syncBuffer, done <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(log.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("Run returned before listening: %v\n%s", err, log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("Run did not listen:\n%s", log.String())
	return ""
}

// TestRunRefuses checks the errors Run gives before it listens, by kind.
func TestRunRefuses(t *testing.T) {
	dir := t.TempDir()
	bot := writeBot(t, dir, "bot.yaml", hello)
	broken := writeBot(t, dir, "broken.yaml", strings.Replace(hello, "{say: Hello}", "{goto: nowhere}", 1))
	same := writeBot(t, dir, "same.yaml", hello)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		name   string
		cfg    Config
		want   string
		config bool // an *engine.ConfigError
	}{
		{"no key beyond loopback", Config{Paths: []string{bot}, Addr: "0.0.0.0:0", Store: "memory"},
			"refusing to listen on 0.0.0.0:0 without an API key", false},
		{"bad webhook", Config{Paths: []string{bot}, Addr: "127.0.0.1:0", Store: "memory", Webhook: "ftp://x"},
			"the scheme must be http or https", true},
		{"bad policy", Config{Paths: []string{bot}, Addr: "127.0.0.1:0", Store: "memory", OnNewVersion: "stay"},
			`on-new-version is "stay"`, true},
		{"webhook without secret", Config{Paths: []string{bot}, Addr: "127.0.0.1:0", Store: "memory", Webhook: "http://127.0.0.1:1/"},
			"--webhook needs a secret", false},
		{"two of one name", Config{Paths: []string{bot, same}, Addr: "127.0.0.1:0", Store: "memory"},
			"two bots are named hello: " + bot + " and " + same, false},
		{"bad allowed host", Config{Paths: []string{bot}, Addr: "127.0.0.1:0", Store: "memory", AllowHosts: []string{"http://x/"}},
			"", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.Logger, c.cfg.TokenTTL = quiet, time.Hour
			if c.cfg.OnNewVersion == "" {
				c.cfg.OnNewVersion = server.Migrate
			}
			err := Run(context.Background(), c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			var ce *engine.ConfigError
			if errors.As(err, &ce) != c.config {
				t.Errorf("%v: a ConfigError is %v, want %v", err, !c.config, c.config)
			}
		})
	}
	err := Run(context.Background(), Config{Paths: []string{broken}, Store: "memory", OnNewVersion: server.Finish, Logger: quiet})
	var le *engine.LoadError
	if !errors.As(err, &le) || !le.Diags.HasErrors() || !strings.Contains(err.Error(), "nowhere") {
		t.Errorf("a broken bot: %v", err)
	}
}

func TestBotPaths(t *testing.T) {
	dir := t.TempDir()
	writeBot(t, dir, "bots/a/bot.yaml", hello)
	writeBot(t, dir, "bots/b/bot.yml", hello)
	writeBot(t, dir, "bots/.hidden/bot.yaml", hello)
	writeBot(t, dir, "bots/notes/README", "")
	single := writeBot(t, dir, "one.yaml", hello)
	got, err := botPaths([]string{filepath.Join(dir, "bots"), single, filepath.Join(dir, "bots", "a")})
	want := []string{filepath.Join(dir, "bots", "a"), filepath.Join(dir, "bots", "b"), single, filepath.Join(dir, "bots", "a")}
	if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("botPaths = %v, %v; want %v", got, err, want)
	}
	empty := filepath.Join(dir, "bots", "notes")
	if _, err := botPaths([]string{empty}); err == nil || err.Error() != empty+": no bot here: neither YAML files nor directories of them" {
		t.Errorf("a directory without bots: %v", err)
	}
	if _, err := botPaths([]string{filepath.Join(dir, "missing")}); err == nil || !strings.HasSuffix(err.Error(), "missing: no such file or directory") {
		t.Errorf("a missing path: %v", err)
	}
}

func TestTokenSecret(t *testing.T) {
	dir := t.TempDir()
	spec := "file:" + filepath.Join(dir, "data", "botctl.db")
	if _, _, err := FindTokenSecret("", "", spec); err == nil || !strings.Contains(err.Error(), "start botctl serve with this store once") {
		t.Errorf("finding a secret nobody made: %v", err)
	}
	made, from, err := tokenSecret("", "", spec, true)
	if err != nil || !strings.HasSuffix(from, "token-secret (new)") {
		t.Fatalf("making one: %q %v", from, err)
	}
	info, err := os.Stat(filepath.Join(dir, "data", "token-secret"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the secret file: %v %v", info, err)
	}
	again, _, err := tokenSecret("", "", spec, true)
	if err != nil || !bytes.Equal(again, made) {
		t.Errorf("a second start made another secret: %q, %v", again, err)
	}
	env := strings.Repeat("e", 32)
	if got, from, _ := FindTokenSecret(" "+env+"\n", "", spec); string(got) != env || from != "BOTCTL_TOKEN_SECRET" {
		t.Errorf("the environment does not come first: %q from %q", got, from)
	}
	if _, _, err := FindTokenSecret("short", "", "memory"); err == nil ||
		err.Error() != "the token secret in BOTCTL_TOKEN_SECRET is 5 bytes long; it needs at least 32 (make one with: openssl rand -hex 32)" {
		t.Errorf("a short secret: %v", err)
	}
	if _, _, err := tokenSecret("", "", "redis://127.0.0.1:1/0", true); err == nil || !strings.Contains(err.Error(), "replicas on one Redis must share it") {
		t.Errorf("redis without a secret: %v", err)
	}
	if _, _, err := tokenSecret("", "", "postgres://u:pw@127.0.0.1:1/db", true); err == nil || !strings.Contains(err.Error(), "replicas on one PostgreSQL database must share it") {
		t.Errorf("postgres without a secret: %v", err)
	}
	if _, _, err := FindTokenSecret("", "", "memory"); err == nil {
		t.Error("link found a secret for a memory store")
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "[::1]:80": true, "localhost:1": true,
		"0.0.0.0:80": false, ":8080": false, "10.0.0.1:80": false, "nonsense": false,
	} {
		if got := loopback(addr); got != want {
			t.Errorf("loopback(%q) = %v", addr, got)
		}
	}
}

// TestRunDrains cancels Run while a turn waits for its integration call:
// during the drain the server still listens, /readyz and new work answer
// 503 draining with a Retry-After, and the turn under way finishes with a
// 200; then the listener is closed and Run returns.
func TestRunDrains(t *testing.T) {
	called := make(chan struct{})
	release := make(chan struct{})
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(called)
		<-release
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status": "shipped"}`)
	}))
	defer svc.Close()
	dir := t.TempDir()
	bot := writeBot(t, dir, "slow.yaml", `botctl: 1
bot: {name: slow, env: [SVC]}
variables: {status: ""}
integrations:
  lookup: {url: "${env.SVC}/orders/1", post: {status: 'result.body.status'}}
dialogs:
  order:
    starters: [order]
    steps:
      - call: lookup
      - say: "Your order has ${vars.status}."
`)
	var log syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	const drain = 1500 * time.Millisecond
	go func() {
		done <- Run(ctx, Config{
			Paths: []string{bot}, Addr: "127.0.0.1:0", Store: "memory", AllowHosts: []string{"127.0.0.1"},
			TokenTTL: time.Hour, DrainTimeout: drain, ShutdownTimeout: 5 * time.Second, OnNewVersion: server.Finish,
			Logger: slog.New(slog.NewTextHandler(&log, nil)),
			Getenv: func(k string) string { return map[string]string{"SVC": svc.URL}[k] },
		})
	}()
	url := waitListening(t, &log, done)
	post := func(path, auth, body string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("POST %s: %v", path, err)
			return nil, ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := post("/v1/conversations", "", `{"bot": "slow"}`)
	if resp == nil || resp.StatusCode != 201 {
		t.Fatalf("create: %v %s", resp, body)
	}
	var c struct{ ID, Token string }
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		status int
		body   string
	}
	inflight := make(chan answer, 1)
	go func() {
		resp, body := post("/v1/conversations/"+c.ID+"/complete", c.Token, `{"text": "order"}`)
		if resp == nil {
			inflight <- answer{}
			return
		}
		inflight <- answer{resp.StatusCode, body}
	}()
	<-called
	cancel()
	start := time.Now()

	deadline := time.Now().Add(drain / 2)
	for {
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			t.Fatalf("GET /readyz during the drain: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode == 503 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still answers %d after the drain began", resp.StatusCode)
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, body = post("/v1/conversations", "", `{"bot": "slow"}`)
	if resp == nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, `"code":"draining"`) {
		t.Errorf("create during the drain: %v %s", resp, body)
	}
	if resp, err := http.Get(url + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET /healthz during the drain: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	close(release)
	a := <-inflight
	if a.status != 200 || !strings.Contains(a.body, "Your order has shipped.") {
		t.Errorf("the turn under way: %d %s", a.status, a.body)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the drain")
	}
	if d := time.Since(start); d < drain {
		t.Errorf("Run returned %v after the cancel, before the drain of %v ended", d, drain)
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Second); err == nil {
		t.Error("the listener is still open after Run returned")
	}
	for _, line := range []string{`msg="draining:`, `msg="shutting down:`, "msg=stopped"} {
		if !strings.Contains(log.String(), line) {
			t.Errorf("no %s line:\n%s", line, log.String())
		}
	}
}
