package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/webhook"
)

const testKey = "serve-test-admin-key-0123"

// served is a `botctl serve` process started by a test.
type served struct {
	cmd    *exec.Cmd
	url    string
	mu     sync.Mutex // guards stderr, which a goroutine writes
	stderr *bytes.Buffer
	exited chan struct{} // closed once the process has exited and been waited for
}

// log is what the process wrote on stderr so far.
func (s *served) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

var listening = regexp.MustCompile(`msg=listening url=(http://\S+)`)

// startServe runs botctl serve with args and waits until it listens.
func startServe(t *testing.T, dir string, args ...string) *served {
	t.Helper()
	cmd := exec.Command("botctl", append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "BOTCTL_API_KEY="+testKey)
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &served{cmd: cmd, stderr: &bytes.Buffer{}, exited: make(chan struct{})}
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.exited
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			s.mu.Lock()
			s.stderr.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { cmd.Wait(); pw.Close(); close(s.exited) }()
	select {
	case s.url = <-found:
	case <-time.After(20 * time.Second):
		t.Fatalf("botctl serve did not start:\n%s", s.log())
	}
	return s
}

func (s *served) post(t *testing.T, path, auth, body string) (int, []byte, error) {
	req, err := http.NewRequest("POST", s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+auth)
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// TestServeSurvivesSIGKILL drives a served file store with concurrent
// completes, kills the server with SIGKILL, restarts it, and checks that
// every turn that got a 200 is stored.
func TestServeSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts botctl serve twice")
	}
	dir := t.TempDir()
	bot, err := filepath.Abs("../../dialogs/acme-support")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--store", "file:" + filepath.Join(dir, "data", "botctl.db"), bot}
	s := startServe(t, dir, args...)
	status, body, err := s.post(t, "/v1/conversations", testKey, `{"bot": "acme-support"}`)
	if err != nil || status != 201 {
		t.Fatalf("create: %d %s %v", status, body, err)
	}
	var c struct{ ID, Token string }
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatal(err)
	}

	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				text := fmt.Sprintf("worker %d message %d", w, i)
				status, _, err := s.post(t, "/v1/conversations/"+c.ID+"/complete", c.Token, `{"text": "`+text+`"}`)
				if err != nil {
					return // the server is gone
				}
				if status == 200 {
					mu.Lock()
					acked = append(acked, text)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	if err := s.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 10 {
		t.Fatalf("only %d turns were acknowledged before the kill", len(acked))
	}

	s = startServe(t, dir, args...)
	stored := map[string]int{}
	for after := int64(0); ; {
		status, body, err = s.post(t, "/v1/conversations/"+c.ID+"/receive", testKey, fmt.Sprintf(`{"after": %d}`, after))
		if err != nil || status != 200 {
			t.Fatalf("receive after restart: %d %s %v", status, body, err)
		}
		var rr struct {
			Messages []struct{ Kind, Text string }
			Cursor   int64
		}
		if err := json.Unmarshal(body, &rr); err != nil {
			t.Fatal(err)
		}
		if len(rr.Messages) == 0 {
			break
		}
		for _, m := range rr.Messages {
			if m.Kind == "user" {
				stored[m.Text]++
			}
		}
		after = rr.Cursor
	}
	for _, text := range acked {
		if stored[text] != 1 {
			t.Errorf("%q got a 200 but is stored %d times", text, stored[text])
		}
	}
	t.Logf("%d turns acknowledged before SIGKILL, %d stored", len(acked), len(stored))
	// The conversation goes on after the restart, with the same token.
	status, body, err = s.post(t, "/v1/conversations/"+c.ID+"/complete", c.Token, `{"text": "hi"}`)
	if err != nil || status != 200 {
		t.Errorf("complete after restart: %d %s %v", status, body, err)
	}
}

// TestServeWebhookAndWatch runs serve with --webhook and --watch: turns
// post signed events, and an edited bot takes new conversations while a
// running one finishes on its version.
func TestServeWebhookAndWatch(t *testing.T) {
	if testing.Short() {
		t.Skip("starts botctl serve")
	}
	secret := []byte("webhook-secret-for-the-test")
	var (
		mu     sync.Mutex
		events []string
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(secret, r.Header, body, time.Now(), time.Minute); err != nil {
			t.Errorf("webhook request: %v", err)
			w.WriteHeader(401)
			return
		}
		var ev struct{ Type, Conversation string }
		json.Unmarshal(body, &ev)
		mu.Lock()
		events = append(events, ev.Type)
		mu.Unlock()
		w.WriteHeader(204)
	}))
	defer receiver.Close()

	dir := t.TempDir()
	bot := filepath.Join(dir, "greeter.yaml")
	write := func(greeting string) {
		src := "botctl: 1\nbot: {name: greeter, welcome: welcome}\nvariables: {name: \"\"}\ndialogs:\n  welcome:\n    steps:\n" +
			"      - ask: \"" + greeting + "\"\n        save: name\n      - say: \"Bye, ${vars.name}.\"\n      - close\n"
		tmp := bot + ".tmp"
		if err := os.WriteFile(tmp, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, bot); err != nil {
			t.Fatal(err)
		}
	}
	write("Name?")
	t.Setenv("BOTCTL_WEBHOOK_SECRET", string(secret))
	s := startServe(t, dir, "--store", "memory", "--drain-timeout", "100ms", "--watch", "--webhook", receiver.URL, bot)
	create := func() (string, string, string) {
		status, body, err := s.post(t, "/v1/conversations", testKey, `{}`)
		if err != nil || status != 201 {
			t.Fatalf("create: %d %s %v", status, body, err)
		}
		var c struct {
			ID, Token string
			Messages  []struct{ Text string }
		}
		json.Unmarshal(body, &c)
		return c.ID, c.Token, c.Messages[0].Text
	}
	oldID, oldToken, greeting := create()
	if greeting != "Name?" {
		t.Fatalf("greeting %q", greeting)
	}
	write("Who are you?")
	deadline := time.Now().Add(10 * time.Second)
	for greeting == "Name?" && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		_, _, greeting = create()
	}
	if greeting != "Who are you?" {
		t.Fatalf("the edited bot was not reloaded: %q", greeting)
	}
	status, body, err := s.post(t, "/v1/conversations/"+oldID+"/complete", oldToken, `{"text": "Ann"}`)
	if err != nil || status != 200 || !strings.Contains(string(body), `"text":"Bye, Ann."`) {
		t.Errorf("the running conversation: %d %s %v", status, body, err)
	}
	for time.Now().Before(deadline) {
		mu.Lock()
		all := strings.Join(events, " ")
		mu.Unlock()
		if strings.Contains(all, "closed") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(events, " "); !strings.HasSuffix(got, "message message closed") || !strings.HasPrefix(got, "message") {
		t.Errorf("webhook events: %s", got)
	}
	// SIGTERM stops it gracefully.
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop on SIGINT")
	}
	if !s.cmd.ProcessState.Success() {
		t.Errorf("serve exited with %v", s.cmd.ProcessState)
	}
}

// TestServeTimerAfterSIGKILL: an inactivity timer that falls due while the
// server is down (killed with SIGKILL) fires once when it starts again.
func TestServeTimerAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts botctl serve twice")
	}
	dir := t.TempDir()
	bot := filepath.Join(dir, "idle.yaml")
	src := "botctl: 1\nbot: {name: idle, welcome: hello, inactivity: 2s}\nvariables: {name: \"\"}\ndialogs:\n" +
		"  hello:\n    steps:\n      - ask: \"Name?\"\n        save: name\n      - say: \"Hi ${vars.name}.\"\n" +
		"  nudge:\n    starters: [{event: inactive}]\n    steps: [{say: \"Still there?\"}]\n"
	if err := os.WriteFile(bot, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--store", "file:" + filepath.Join(dir, "data", "botctl.db"), bot}
	s := startServe(t, dir, args...)
	status, body, err := s.post(t, "/v1/conversations", testKey, `{"bot": "idle"}`)
	if err != nil || status != 201 {
		t.Fatalf("create: %d %s %v", status, body, err)
	}
	var c struct{ ID, Token string }
	json.Unmarshal(body, &c)
	if err := s.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown
		t.Fatal(err)
	}
	<-s.exited
	time.Sleep(2500 * time.Millisecond) // the timer falls due while no server runs

	s = startServe(t, dir, args...)
	nudges := func() int {
		status, body, err := s.post(t, "/v1/conversations/"+c.ID+"/receive", c.Token, `{"after": 0}`)
		if err != nil || status != 200 {
			t.Fatalf("receive: %d %s %v", status, body, err)
		}
		return strings.Count(string(body), "Still there?")
	}
	deadline := time.Now().Add(10 * time.Second)
	for nudges() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the timer that fell due while the server was down did not fire after the restart")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond) // a few more polls
	if n := nudges(); n != 1 {
		t.Errorf("the timer fired %d times, want once", n)
	}
	// The question still waits: the answer is taken.
	status, body, err = s.post(t, "/v1/conversations/"+c.ID+"/complete", c.Token, `{"text": "Ann"}`)
	if err != nil || status != 200 || !strings.Contains(string(body), "Hi Ann.") {
		t.Errorf("the answer after the nudge: %d %s %v", status, body, err)
	}
}

// TestServeDrainsOnSIGTERM sends SIGTERM to botctl serve while a turn
// waits for its integration call (a service on 127.0.0.1 the test holds):
// the server goes on listening for --drain-timeout with /readyz and new
// conversations answering 503 draining, the turn's client gets its 200,
// then the server stops listening and exits 0. A second signal ends a
// drain at once.
func TestServeDrainsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("starts botctl serve")
	}
	called := make(chan struct{}, 1)
	release := make(chan struct{})
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called <- struct{}{}
		<-release
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status": "shipped"}`)
	}))
	defer svc.Close()
	defer close(release)
	dir := t.TempDir()
	bot := filepath.Join(dir, "slow.yaml")
	src := "botctl: 1\nbot: {name: slow, env: [SVC]}\nvariables: {status: \"\"}\n" +
		"integrations:\n  lookup: {url: \"${env.SVC}/orders/1\", post: {status: 'result.body.status'}}\n" +
		"dialogs:\n  order:\n    starters: [order]\n    steps:\n      - call: lookup\n      - say: \"Your order has ${vars.status}.\"\n"
	if err := os.WriteFile(bot, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SVC", svc.URL)
	get := func(s *served, path string) int {
		resp, err := http.Get(s.url + path)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	waitDraining := func(s *served) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); get(s, "/readyz") != 503; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("/readyz does not answer 503 after SIGTERM:\n%s", s.log())
			}
		}
	}

	t.Run("drain", func(t *testing.T) {
		s := startServe(t, dir, "--store", "memory", "--allow-host", "127.0.0.1", "--drain-timeout", "2s", bot)
		if got := get(s, "/readyz"); got != 200 {
			t.Fatalf("GET /readyz before SIGTERM: %d", got)
		}
		status, body, err := s.post(t, "/v1/conversations", testKey, `{"bot": "slow"}`)
		if err != nil || status != 201 {
			t.Fatalf("create: %d %s %v", status, body, err)
		}
		var c struct{ ID, Token string }
		json.Unmarshal(body, &c)
		type answer struct {
			status int
			body   []byte
			err    error
		}
		inflight := make(chan answer, 1)
		go func() {
			status, body, err := s.post(t, "/v1/conversations/"+c.ID+"/complete", c.Token, `{"text": "order"}`)
			inflight <- answer{status, body, err}
		}()
		<-called
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		sent := time.Now()
		waitDraining(s)
		req, _ := http.NewRequest("POST", s.url+"/v1/conversations", strings.NewReader(`{"bot": "slow"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("create during the drain: %v", err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" || !strings.Contains(string(body), `"code":"draining"`) {
			t.Errorf("create during the drain: %d, Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		if got := get(s, "/healthz"); got != 200 {
			t.Errorf("GET /healthz during the drain: %d", got)
		}
		release <- struct{}{} // the turn's call returns, without closing release for the next subtest
		a := <-inflight
		if a.err != nil || a.status != 200 || !strings.Contains(string(a.body), "Your order has shipped.") {
			t.Errorf("the turn under way: %d %s %v", a.status, a.body, a.err)
		}
		select {
		case <-s.exited:
		case <-time.After(15 * time.Second):
			t.Fatalf("serve did not exit after the drain:\n%s", s.log())
		}
		if d := time.Since(sent); d < 2*time.Second {
			t.Errorf("serve exited %v after SIGTERM, before its 2s drain ended", d)
		}
		if !s.cmd.ProcessState.Success() {
			t.Errorf("serve exited with %v:\n%s", s.cmd.ProcessState, s.log())
		}
		if _, err := net.DialTimeout("tcp", strings.TrimPrefix(s.url, "http://"), time.Second); err == nil {
			t.Error("something still listens on the server's address after it exited")
		}
		for _, line := range []string{`msg="draining:`, `msg="shutting down:`, "msg=stopped"} {
			if !strings.Contains(s.log(), line) {
				t.Errorf("no %s line:\n%s", line, s.log())
			}
		}
	})

	t.Run("second signal", func(t *testing.T) {
		s := startServe(t, dir, "--store", "memory", "--drain-timeout", "1m", bot)
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		waitDraining(s)
		time.Sleep(100 * time.Millisecond) // for serve to put back the default handling
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			t.Fatalf("a second SIGTERM did not end the drain:\n%s", s.log())
		}
		if s.cmd.ProcessState.Success() || strings.Contains(s.log(), "msg=stopped") {
			t.Errorf("after a second signal: %v\n%s", s.cmd.ProcessState, s.log())
		}
	})
}
