package server

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/transcript"
)

// The export of a conversation one bot handed to another is the first
// bot's part: it ends with the transfer, has only that bot's mocks, and
// replays with botctl test's runner.
func TestExportEndsAtHandoff(t *testing.T) {
	start := time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)
	mocks := mock.NewPerformer(mock.Set{"order_lookup": {{Status: 200, Body: map[string]any{"status": "shipped"}}}})
	e := newEnv(t,
		WithBots(loadBot(t, "testdata/bots/signup.yaml"), loadBot(t, "testdata/bots/orders.yaml")),
		WithCaller(mocks),
		WithClock(func() time.Time { return start }),
	)
	c := e.create(map[string]any{"bot": "signup"})
	if got, want := lines(c.Messages), "< Welcome! What is your name?\n"; got != want {
		t.Fatalf("welcome:\n%swant\n%s", got, want)
	}
	tr := e.say(c.ID, c.Token, "Ann")
	if got, want := lines(tr.Messages), "< Thanks, Ann. Passing you to our orders team.\n<< transfer to=bot bot=orders\n< Orders here. Hi Ann!\n"; got != want {
		t.Fatalf("handoff:\n%swant\n%s", got, want)
	}
	e.say(c.ID, c.Token, "order")
	if got, want := lines(e.say(c.ID, c.Token, "123").Messages), "< Order 123 is shipped.\n"; got != want {
		t.Fatalf("orders bot:\n%swant\n%s", got, want)
	}
	if len(mocks.Calls) != 1 {
		t.Fatalf("%d calls, want 1", len(mocks.Calls))
	}

	r := e.do("GET", "/v1/conversations/"+c.ID+"/transcript", adminKey, nil).want(t, 200)
	abs, _ := filepath.Abs("testdata/bots/signup.yaml")
	got := strings.NewReplacer(c.ID, "CONVERSATION", filepath.ToSlash(abs), "BOT").Replace(string(r.body))
	want := `---
bot: BOT
id: CONVERSATION
now: "2025-06-02T09:30:00Z"
---
< Welcome! What is your name?
> Ann
< Thanks, Ann. Passing you to our orders team.
<< transfer to=bot bot=orders
# handed to the bot orders: the rest of the conversation (5 more messages) happened in orders; botctl test runs one bot, so the transcript ends here
`
	if got != want {
		t.Errorf("export:\n%s\nwant:\n%s", got, want)
	}
	path := filepath.Join(t.TempDir(), "signup.transcript")
	if err := os.WriteFile(path, r.body, 0o644); err != nil {
		t.Fatal(err)
	}
	res := (&transcript.Runner{}).Run(path)
	if !res.Passed() {
		t.Errorf("the exported transcript does not pass:\n%v\n%v\n%s", res.Diags, res.Failures,
			transcript.Diff(res.Path, res.Expected, res.Actual, false))
	}
}

// text/plain and form bodies are read as JSON only from requests with an
// Authorization header: without one (a server with no API keys), a web page
// of another origin could post them without a preflight.
func TestContentTypes(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	complete := "/v1/conversations/" + c.ID + "/complete"
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
		e.do("POST", complete, c.Token, []byte(`{"text": "hi"}`), "Content-Type", ct).want(t, 200)
	}
	open, err := New(WithLogger(quietLogger()), WithStore(e.s.store), WithTokenSecret(testSecret), WithBots(e.s.bots.List()...), WithCaller(e.mocks))
	if err != nil {
		t.Fatal(err)
	}
	e.hs.Config.Handler = open
	tests := []struct{ path, ctype, message string }{
		{"/v1/conversations", "text/plain", `the body must be JSON (Content-Type: application/json), not "text/plain"; other types are read as JSON only from requests with an Authorization header`},
		{"/v1/conversations", "text/plain; charset=utf-8", `the body must be JSON (Content-Type: application/json), not "text/plain; charset=utf-8"; other types are read as JSON only from requests with an Authorization header`},
		{"/v1/conversations", "application/x-www-form-urlencoded", `the body must be JSON (Content-Type: application/json), not "application/x-www-form-urlencoded"; other types are read as JSON only from requests with an Authorization header`},
		{"/v1/conversations", "", "the body needs Content-Type: application/json"},
		{complete, "text/plain", `the body must be JSON (Content-Type: application/json), not "text/plain"; other types are read as JSON only from requests with an Authorization header`},
		{"/v1/interactions/remind_me/start", "text/plain", `the body must be JSON (Content-Type: application/json), not "text/plain"; other types are read as JSON only from requests with an Authorization header`},
	}
	for _, tt := range tests {
		r := e.do("POST", tt.path, "", []byte(`{"bot": "shop", "text": "hi"}`), "Content-Type", tt.ctype)
		var b errorBody
		r.decode(t, &b)
		if r.status != 415 || b.Error.Code != CodeUnsupportedMedia || b.Error.Message != tt.message {
			t.Errorf("%s as %q without Authorization: %d %s", tt.path, tt.ctype, r.status, r.body)
		}
	}
	e.do("POST", "/v1/conversations", "", []byte(`{"bot": "shop"}`), "Content-Type", "application/json").want(t, 201)
	e.do("POST", "/v1/conversations", "", []byte(`{"bot": "shop"}`), "Content-Type", "application/vnd.botctl+json").want(t, 201)
	// A token still makes text/plain acceptable, on its own conversation.
	e.do("POST", complete, c.Token, []byte(`{"text": "hi"}`), "Content-Type", "text/plain").want(t, 200)
	// An empty body, where the call takes none, needs no type.
	e.do("POST", "/v1/conversations/"+c.ID+"/receive", "", nil).want(t, 200)
	e.do("POST", "/v1/conversations/"+c.ID+"/receive", "", []byte{}, "Content-Type", "application/x-www-form-urlencoded").want(t, 200)
}

// send refuses what complete refuses before the turn runs, with the same
// answer; here the conversation went to a bot the server does not host.
func TestSendRefusesWhatCompleteRefuses(t *testing.T) {
	st := store.NewMemory()
	e := newEnv(t, WithStore(st))
	c := e.create(nil)
	e.say(c.ID, c.Token, "billing please") // handed to billing
	shopOnly, err := New(WithLogger(quietLogger()), WithStore(st), WithAPIKeys(adminKey), WithTokenSecret(testSecret),
		WithBots(loadBot(t, "testdata/bots/shop.yaml")), WithCaller(e.mocks))
	if err != nil {
		t.Fatal(err)
	}
	e.hs.Config.Handler = shopOnly
	body := map[string]string{"text": "hello"}
	complete := e.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, body)
	send := e.do("POST", "/v1/conversations/"+c.ID+"/send", c.Token, body)
	if complete.status != 409 || complete.errorCode(t) != CodeConflict {
		t.Fatalf("complete: %d %s", complete.status, complete.body)
	}
	if send.status != complete.status || string(send.body) != string(complete.body) {
		t.Errorf("send: %d %s\ncomplete: %d %s", send.status, send.body, complete.status, complete.body)
	}
}

// A queued message that fails when its turn comes leaves an error message
// that receive shows.
func TestQueuedSendFailureIsVisible(t *testing.T) {
	bc := &blockingCaller{started: make(chan struct{}, 1), release: make(chan struct{})}
	e := newEnv(t, WithCaller(bc))
	c := e.create(nil)
	e.say(c.ID, c.Token, "order")
	send := func(text string, headers ...string) {
		t.Helper()
		e.do("POST", "/v1/conversations/"+c.ID+"/send", c.Token, map[string]string{"text": text}, headers...).want(t, 202)
	}
	send("123") // runs, and blocks in the integration call
	<-bc.started
	send("bye")                             // queued: closes the conversation
	send("hello?", "Idempotency-Key", "h1") // queued: refused when its turn comes
	close(bc.release)
	if err := e.s.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	var rr ReceiveResponse
	e.do("POST", "/v1/conversations/"+c.ID+"/receive", c.Token, map[string]any{"after": c.Cursor}).want(t, 200).decode(t, &rr)
	if got, want := lines(rr.Messages), "> order\n< Order number?\n> 123\n< Order 123 is late.\n> bye\n< Bye!\n<< close\n"+
		"! closed: the conversation is closed; start a new conversation\n"; got != want {
		t.Errorf("receive:\n%swant\n%s", got, want)
	}
	last := rr.Messages[len(rr.Messages)-1]
	if last.Kind != KindError || last.Code != CodeClosed || last.Input != "hello?" || last.Key != "h1" ||
		last.Text != "the conversation is closed; start a new conversation" || last.Seq != rr.Cursor {
		t.Errorf("error message = %+v", last)
	}
}

// limit counts messages, not the log entries clients do not see; the
// cursor is the seq of the last entry examined.
func TestReceiveLimitCountsMessages(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	e.say(c.ID, c.Token, "order")
	e.say(c.ID, c.Token, "123")
	// The log: 1 start, 2 Hi Ann!, 3 buttons, 4 > order, 5 Order number?,
	// 6 > 123, 7 the integration call, 8 Order 123 is shipped.
	recv := func(body map[string]any) ReceiveResponse {
		t.Helper()
		var rr ReceiveResponse
		e.do("POST", "/v1/conversations/"+c.ID+"/receive", c.Token, body).want(t, 200).decode(t, &rr)
		return rr
	}
	tests := []struct {
		after, limit int
		want         string
		cursor       int64
	}{
		{6, 1, "< Order 123 is shipped.\n", 8},
		{0, 1, "< Hi Ann!\n", 2},
		{5, 2, "> 123\n< Order 123 is shipped.\n", 8},
		{4, 2, "< Order number?\n> 123\n", 6},
		{0, 0, "< Hi Ann!\n<< buttons Order | Agent\n> order\n< Order number?\n> 123\n< Order 123 is shipped.\n", 8},
		{8, 5, "", 8},
	}
	for _, tt := range tests {
		rr := recv(map[string]any{"after": tt.after, "limit": tt.limit})
		if got := lines(rr.Messages); got != tt.want || rr.Cursor != tt.cursor {
			t.Errorf("after %d limit %d: cursor %d, messages\n%swant cursor %d,\n%s", tt.after, tt.limit, rr.Cursor, got, tt.cursor, tt.want)
		}
	}
	// Paging with limit 1 sees every message once.
	var all []string
	after := int64(0)
	for range 20 {
		rr := recv(map[string]any{"after": after, "limit": 1})
		if len(rr.Messages) == 0 {
			break
		}
		all = append(all, rr.Messages[0].Text)
		after = rr.Cursor
	}
	if got, want := strings.Join(all, "|"), "Hi Ann!|buttons Order | Agent|order|Order number?|123|Order 123 is shipped."; got != want {
		t.Errorf("paged: %s\nwant:  %s", got, want)
	}
	for _, limit := range []int{-1, 1001} {
		r := e.do("POST", "/v1/conversations/"+c.ID+"/receive", c.Token, map[string]int{"limit": limit})
		var b errorBody
		r.decode(t, &b)
		if r.status != 400 || b.Error.Message != "limit must be from 1 to 1000 (0 or left out: 1000)" {
			t.Errorf("limit %d: %d %s", limit, r.status, r.body)
		}
	}
	// A cursor past the end of the log is a mistake, not a place to wait.
	r := e.do("POST", "/v1/conversations/"+c.ID+"/receive", c.Token, map[string]int{"after": 9})
	var b errorBody
	r.decode(t, &b)
	if r.status != 400 || b.Error.Code != CodeBadRequest || b.Error.Message != "after is 9, past the conversation's last entry (8); pass a cursor an earlier answer gave" {
		t.Errorf("after 9: %d %s", r.status, r.body)
	}
}

// A complete (or an event) on a conversation with queued messages runs
// after them.
func TestCompleteWaitsForQueuedSends(t *testing.T) {
	bc := &blockingCaller{started: make(chan struct{}, 1), release: make(chan struct{})}
	e := newEnv(t, WithCaller(bc))
	release := sync.OnceFunc(func() { close(bc.release) })
	defer release() // also when the test fails: the server's Close waits for the turns
	c := e.create(nil)
	e.say(c.ID, c.Token, "order")
	e.do("POST", "/v1/conversations/"+c.ID+"/send", c.Token, map[string]string{"text": "123"}).want(t, 202)
	<-bc.started // the first message's turn holds the conversation
	const n = 10
	for i := range n {
		e.do("POST", "/v1/conversations/"+c.ID+"/send", c.Token, map[string]string{"text": fmt.Sprintf("message %d", i)}).want(t, 202)
	}
	done := make(chan TurnResponse)
	go func() { done <- e.say(c.ID, c.Token, "last") }()
	events := make(chan response)
	go func() {
		time.Sleep(20 * time.Millisecond)
		events <- e.do("POST", "/v1/conversations/"+c.ID+"/events", c.Token, map[string]string{"type": "ping"})
	}()
	// Both wait in the conversation's queue, behind the ten messages.
	deadline := time.Now().Add(5 * time.Second)
	for e.s.queues.waiting(c.ID) != n+2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d turns wait in the queue, want %d: the complete and the event do not wait behind the queued messages", e.s.queues.waiting(c.ID), n+2)
		}
		time.Sleep(time.Millisecond)
	}
	release()
	tr := <-done
	(<-events).want(t, 200)
	if got, want := lines(tr.Messages), "< Sorry, I didn't understand that. Could you say it another way?\n"; got != want {
		t.Errorf("complete answered\n%swant\n%s", got, want)
	}
	if err := e.s.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	var rr ReceiveResponse
	e.do("POST", "/v1/conversations/"+c.ID+"/receive", c.Token, nil).want(t, 200).decode(t, &rr)
	var order []string
	for _, m := range rr.Messages {
		if m.Kind == KindUser || m.Kind == KindEvent {
			order = append(order, m.Text)
		}
	}
	want := "order,123,message 0,message 1,message 2,message 3,message 4,message 5,message 6,message 7,message 8,message 9,last,ping"
	if got := strings.Join(order, ","); got != want {
		t.Errorf("inputs in the order\n%s\nwant\n%s", got, want)
	}
}

// Every answer says Cache-Control: no-store.
func TestNoStore(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	for _, r := range []struct{ method, path, auth string }{
		{"GET", "/metrics", ""},
		{"GET", "/v1/openapi.json", ""},
		{"GET", "/healthz", ""},
		{"GET", "/readyz", ""},
		{"GET", "/v1/conversations/" + c.ID, adminKey},
		{"GET", "/v1/conversations/" + c.ID + "/transcript", adminKey},
		{"GET", "/v1/conversations/" + c.ID, ""},
		{"GET", "/nowhere", ""},
		{"PUT", "/metrics", ""},
	} {
		resp := e.do(r.method, r.path, r.auth, nil)
		if got := resp.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s %s (%d): Cache-Control %q", r.method, r.path, resp.status, got)
		}
	}
	pprof := e.s.RequireAdmin(nil)
	e.hs.Config.Handler = pprof
	if got := e.do("GET", "/debug/pprof/", "", nil).header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("RequireAdmin: Cache-Control %q", got)
	}
}

// A server without API keys still checks the tokens it is sent.
func TestOpenServerChecksTokens(t *testing.T) {
	e := newEnv(t)
	open, err := New(WithLogger(quietLogger()), WithTokenSecret(testSecret), WithBots(e.s.bots.List()...), WithCaller(e.mocks), WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	e.hs.Config.Handler = open
	var c CreateResponse
	e.do("POST", "/v1/conversations", "", map[string]string{"bot": "shop"}).want(t, 201).decode(t, &c)
	foreign := deriveKeys([]byte("another secret, 32 bytes or more")).Token(c.ID, e.clock.Now().Add(time.Hour))
	expired := open.keys.Token(c.ID, e.clock.Now().Add(-time.Second))
	for name, cred := range map[string]string{
		"tampered":      c.Token[:len(c.Token)-2] + "xx",
		"foreign":       foreign,
		"malformed":     "v1.garbage",
		"not a token":   "some-api-key-0123456789",
		"expired token": expired,
	} {
		for _, call := range []struct{ method, path string }{
			{"POST", "/v1/conversations/" + c.ID + "/complete"},
			{"GET", "/v1/conversations/" + c.ID},
			{"POST", "/v1/conversations"},
		} {
			r := e.do(call.method, call.path, cred, map[string]string{"text": "hi"})
			if r.status != 401 || r.errorCode(t) != CodeUnauthorized {
				t.Errorf("%s on %s %s: %d %s", name, call.method, call.path, r.status, r.body)
			}
		}
	}
	e.say(c.ID, c.Token, "hi")
	e.say(c.ID, "", "hi")
}

// An Idempotency-Key is scoped by the call, and bound to its body.
func TestIdempotencyKeyScope(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	conv := "/v1/conversations/" + c.ID
	k := []string{"Idempotency-Key", "same-key"}
	first := e.do("POST", conv+"/complete", c.Token, map[string]string{"text": "order"}, k...).want(t, 200)
	// The same key on send is another key: the message is queued, not
	// answered with complete's reply.
	var sr SendResponse
	r := e.do("POST", conv+"/send", c.Token, map[string]string{"text": "12"}, k...).want(t, 202)
	r.decode(t, &sr)
	if r.header.Get("Idempotent-Replayed") != "" || !sr.Queued {
		t.Errorf("send with complete's key: %s %v", r.body, r.header)
	}
	if err := e.s.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	var ev TurnResponse
	e.do("POST", conv+"/events", c.Token, map[string]string{"type": "ping"}, k...).want(t, 200).decode(t, &ev)
	if ev.Turn != 4 {
		t.Errorf("the event with complete's key did not run: %+v", ev)
	}
	// The same key and body on complete: the first answer.
	again := e.do("POST", conv+"/complete", c.Token, map[string]string{"text": "order"}, k...).want(t, 200)
	if string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay:\n%s\nfirst:\n%s", again.body, first.body)
	}
	// The same key with another body: refused, on each call.
	for _, call := range []struct {
		path string
		body any
	}{
		{"/complete", map[string]string{"text": "bye"}},
		{"/send", map[string]string{"text": "bye"}},
		{"/events", map[string]string{"type": "pong"}},
		{"/events", map[string]any{"type": "ping", "fields": map[string]string{"a": "b"}}},
	} {
		r := e.do("POST", conv+call.path, c.Token, call.body, k...)
		var b errorBody
		r.decode(t, &b)
		if r.status != 422 || b.Error.Code != CodeIdempotencyMismatch ||
			b.Error.Message != `the Idempotency-Key "same-key" was already used on this call with a different body; use a new key for a new request` {
			t.Errorf("%s with another body: %d %s", call.path, r.status, r.body)
		}
	}
	var conv2 ConversationResponse
	e.do("GET", conv, adminKey, nil).want(t, 200).decode(t, &conv2)
	if conv2.Turn != 4 || conv2.Owner != "bot" {
		t.Errorf("turn %d, owner %s: a refused key ran a turn", conv2.Turn, conv2.Owner)
	}
}

// GET shows "upload" while a file question waits, names the bot a
// conversation was handed to, and carries the messages and the transcript.
func TestGetConversation(t *testing.T) {
	e := newEnv(t, WithClock(func() time.Time { return time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC) }))
	get := func(id string) ConversationResponse {
		t.Helper()
		var conv ConversationResponse
		e.do("GET", "/v1/conversations/"+id, adminKey, nil).want(t, 200).decode(t, &conv)
		return conv
	}
	c := e.create(nil)
	e.say(c.ID, c.Token, "order")
	if w := get(c.ID).Waiting; w != "answer" {
		t.Errorf("waiting %q during a question, want answer", w)
	}
	c = e.create(nil)
	e.say(c.ID, c.Token, "receipt")
	if w := get(c.ID).Waiting; w != "upload" {
		t.Errorf("waiting %q during a file question, want upload", w)
	}
	c = e.create(nil)
	e.say(c.ID, c.Token, "billing: my invoice")
	conv := get(c.ID)
	if conv.Bot != "billing" || conv.HandedTo != "billing" || conv.Waiting != "" {
		t.Errorf("after the handoff: bot %q, handed_to %q, waiting %q", conv.Bot, conv.HandedTo, conv.Waiting)
	}
	if got, want := lines(conv.Messages), "< Hi Ann!\n<< buttons Order | Agent\n"+
		"> billing: my invoice\n< Passing you to billing.\n<< transfer to=bot bot=billing\n< Let's look at your invoice (order none).\n"; got != want {
		t.Errorf("messages:\n%swant\n%s", got, want)
	}
	r := e.do("GET", "/v1/conversations/"+c.ID+"/transcript", adminKey, nil).want(t, 200)
	if conv.Transcript != string(r.body) {
		t.Errorf("transcript:\n%s\nthe export:\n%s", conv.Transcript, r.body)
	}
	// The field is in the JSON as docs/api.md names it.
	var raw map[string]json.RawMessage
	e.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).decode(t, &raw)
	for _, f := range []string{"transcript", "messages", "handed_to"} {
		if _, ok := raw[f]; !ok {
			t.Errorf("no %s in %s", f, strings.Join(fieldNames(raw), ", "))
		}
	}
}

func fieldNames(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
