package server

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCreateSaysWelcome(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	if !strings.HasPrefix(c.ID, "c_") || len(c.ID) != 34 {
		t.Errorf("id = %q, want c_ and 32 hex digits", c.ID)
	}
	if c.Bot != "shop" || c.Owner != "bot" || c.Cursor != 3 {
		t.Errorf("bot, owner, cursor = %q, %q, %d; want shop, bot, 3", c.Bot, c.Owner, c.Cursor)
	}
	if got, want := lines(c.Messages), "< Hi Ann!\n<< buttons Order | Agent\n"; got != want {
		t.Errorf("welcome:\n%s\nwant:\n%s", got, want)
	}
	b := c.Messages[1]
	if b.Seq != 3 || b.Action != "buttons" || !reflect.DeepEqual(b.Buttons, []string{"Order", "Agent"}) || b.Bot != "shop" {
		t.Errorf("buttons message = %+v", b)
	}
	if got := c.TokenExpiresAt.Sub(e.clock.Now()); got < 24*time.Hour-time.Second || got > 24*time.Hour {
		t.Errorf("token expires in %v, want 24h", got)
	}
}

func TestCompleteRunsATurn(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	tr := e.say(c.ID, c.Token, "order")
	if got, want := lines(tr.Messages), "< Order number?\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	tr = e.say(c.ID, c.Token, "12")
	if got, want := lines(tr.Messages), "< Three digits, please.\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	tr = e.say(c.ID, c.Token, "123")
	if got, want := lines(tr.Messages), "< Order 123 is shipped.\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	if tr.Turn != 4 || tr.Owner != "bot" || tr.Bot != "shop" || tr.ID != c.ID {
		t.Errorf("turn response = %+v", tr)
	}
	if len(e.mocks.Calls) != 1 || e.mocks.Calls[0].Request.URL != "http://orders.test/orders/123" {
		t.Errorf("calls = %+v", e.mocks.Calls)
	}
	var conv ConversationResponse
	e.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &conv)
	if conv.Variables["order"] != "123" || conv.Variables["status"] != "shipped" || conv.Turn != 4 || conv.Owner != "bot" {
		t.Errorf("conversation = %+v", conv)
	}
	if conv.Cursor != tr.Cursor {
		t.Errorf("cursor %d, turn's cursor %d", conv.Cursor, tr.Cursor)
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	a := e.create(nil)
	b := e.create(nil)
	text := map[string]string{"text": "hi"}
	expired := e.s.keys.Token(a.ID, e.clock.Now().Add(-time.Second))
	tampered := a.Token[:len(a.Token)-2] + "xx"
	forged := deriveKeys([]byte("another secret, 32 bytes or more")).Token(a.ID, e.clock.Now().Add(time.Hour))
	tests := []struct {
		name, method, path, auth string
		body                     any
		status                   int
		code                     string
	}{
		{"no credentials", "POST", "/v1/conversations/" + a.ID + "/complete", "", text, 401, CodeUnauthorized},
		{"unknown key", "POST", "/v1/conversations/" + a.ID + "/complete", "not-a-key-nor-a-token", text, 401, CodeUnauthorized},
		{"expired token", "POST", "/v1/conversations/" + a.ID + "/complete", expired, text, 401, CodeUnauthorized},
		{"tampered token", "POST", "/v1/conversations/" + a.ID + "/complete", tampered, text, 401, CodeUnauthorized},
		{"token signed with another secret", "POST", "/v1/conversations/" + a.ID + "/complete", forged, text, 401, CodeUnauthorized},
		{"token for A on B: complete", "POST", "/v1/conversations/" + b.ID + "/complete", a.Token, text, 403, CodeForbidden},
		{"token for A on B: send", "POST", "/v1/conversations/" + b.ID + "/send", a.Token, text, 403, CodeForbidden},
		{"token for A on B: receive", "POST", "/v1/conversations/" + b.ID + "/receive", a.Token, nil, 403, CodeForbidden},
		{"token for A on B: events", "POST", "/v1/conversations/" + b.ID + "/events", a.Token, map[string]string{"type": "agent_done"}, 403, CodeForbidden},
		{"token on create", "POST", "/v1/conversations", a.Token, map[string]string{"bot": "shop"}, 403, CodeForbidden},
		{"token on get", "GET", "/v1/conversations/" + a.ID, a.Token, nil, 403, CodeForbidden},
		{"token on token", "POST", "/v1/conversations/" + a.ID + "/token", a.Token, nil, 403, CodeForbidden},
		{"token on transcript", "GET", "/v1/conversations/" + a.ID + "/transcript", a.Token, nil, 403, CodeForbidden},
		{"token on interactions", "GET", "/v1/interactions?point=record:1", a.Token, nil, 403, CodeForbidden},
		{"token on start", "POST", "/v1/interactions/remind_me/start", a.Token, nil, 403, CodeForbidden},
		{"no key on create", "POST", "/v1/conversations", "", map[string]string{"bot": "shop"}, 401, CodeUnauthorized},
		{"no key on get", "GET", "/v1/conversations/" + a.ID, "", nil, 401, CodeUnauthorized},
		{"no key on transcript", "GET", "/v1/conversations/" + a.ID + "/transcript", "", nil, 401, CodeUnauthorized},
		{"no key on interactions", "GET", "/v1/interactions?point=record:1", "", nil, 401, CodeUnauthorized},
		{"no key on start", "POST", "/v1/interactions/remind_me/start", "", nil, 401, CodeUnauthorized},
		{"no key on token", "POST", "/v1/conversations/" + a.ID + "/token", "", nil, 401, CodeUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, tt.auth, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if code := r.errorCode(t); code != tt.code {
				t.Errorf("code %q, want %q", code, tt.code)
			}
		})
	}
	// A basic-auth header is not a bearer credential.
	r := e.do("POST", "/v1/conversations/"+a.ID+"/complete", "", text, "Authorization", "Basic YWRtaW46YWRtaW4=")
	if r.status != 401 || r.errorCode(t) != CodeUnauthorized {
		t.Errorf("basic auth: %d %s", r.status, r.body)
	}
	// What does work: the conversation's token on its own conversation,
	// and the admin key everywhere.
	e.say(a.ID, a.Token, "hi")
	e.say(b.ID, adminKey, "hi")
	// A new token from the token call works; the old one still does.
	var tok TokenResponse
	e.do("POST", "/v1/conversations/"+a.ID+"/token", adminKey, map[string]int{"ttl": 60}).want(t, 200).decode(t, &tok)
	if got := tok.ExpiresAt.Sub(e.clock.Now()); got < 59*time.Second || got > 60*time.Second {
		t.Errorf("token ttl %v, want 60s", got)
	}
	e.say(a.ID, tok.Token, "hi")
	e.clock.Add(61 * time.Second)
	r = e.do("POST", "/v1/conversations/"+a.ID+"/complete", tok.Token, text)
	if r.status != 401 || !strings.Contains(string(r.body), "expired") {
		t.Errorf("after 61s: %d %s", r.status, r.body)
	}
	e.say(a.ID, a.Token, "hi")
	e.clock.Add(24 * time.Hour)
	r = e.do("POST", "/v1/conversations/"+a.ID+"/complete", a.Token, text)
	if r.status != 401 {
		t.Errorf("after 24h: %d %s", r.status, r.body)
	}
}

// Without API keys (a server on loopback) every caller is admin, but a
// token still only grants its own conversation.
func TestOpenServer(t *testing.T) {
	e := newEnv(t)
	s, err := New(WithLogger(quietLogger()), WithTokenSecret(testSecret), WithBots(e.s.bots.List()...), WithCaller(e.mocks))
	if err != nil {
		t.Fatal(err)
	}
	e.s = s
	e.hs.Config.Handler = s
	var c CreateResponse
	e.do("POST", "/v1/conversations", "", map[string]string{"bot": "shop"}).want(t, 201).decode(t, &c)
	var d CreateResponse
	e.do("POST", "/v1/conversations", "", map[string]string{"bot": "shop"}).want(t, 201).decode(t, &d)
	e.say(c.ID, "", "hi")
	e.do("GET", "/v1/conversations/"+c.ID, "", nil).want(t, 200)
	r := e.do("POST", "/v1/conversations/"+d.ID+"/complete", c.Token, map[string]string{"text": "hi"})
	if r.status != 403 {
		t.Errorf("token for another conversation on an open server: %d %s", r.status, r.body)
	}
}

func TestNewRefusesWeakSecrets(t *testing.T) {
	for _, o := range []Option{WithAPIKeys("short"), WithTokenSecret([]byte("short")), WithTokenTTL(0), WithMaxBody(10)} {
		if _, err := New(o); err == nil {
			t.Errorf("New accepted a bad option")
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	e.say(c.ID, c.Token, "order")
	first := e.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, map[string]string{"text": "123"}, "Idempotency-Key", "k-1").want(t, 200)
	if first.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("first answer marked as replayed")
	}
	again := e.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, map[string]string{"text": "123"}, "Idempotency-Key", "k-1").want(t, 200)
	if string(again.body) != string(first.body) {
		t.Errorf("replayed body\n%s\nfirst\n%s", again.body, first.body)
	}
	if again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay not marked")
	}
	if len(e.mocks.Calls) != 1 {
		t.Errorf("%d integration calls, want 1: the retry must not run the turn again", len(e.mocks.Calls))
	}
	var conv ConversationResponse
	e.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &conv)
	if conv.Turn != 3 {
		t.Errorf("turn %d, want 3", conv.Turn)
	}
	// Concurrent retries of one key run the turn once.
	var wg sync.WaitGroup
	bodies := make([]string, 10)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, map[string]string{"text": "hello"}, "Idempotency-Key", "k-2")
			bodies[i] = fmt.Sprint(r.status, " ", string(r.body))
		}()
	}
	wg.Wait()
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Errorf("answers differ:\n%s\n%s", b, bodies[0])
		}
	}
	e.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &conv)
	if conv.Turn != 4 {
		t.Errorf("turn %d after 10 retries of one message, want 4", conv.Turn)
	}
	for _, k := range []string{strings.Repeat("k", 256), "has space"} {
		r := e.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, map[string]string{"text": "x"}, "Idempotency-Key", k)
		if r.status != 400 || r.errorCode(t) != CodeBadRequest {
			t.Errorf("key %.10q: %d %s", k, r.status, r.body)
		}
	}
}

func TestConcurrentCompletes(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.say(c.ID, c.Token, fmt.Sprintf("message %d", i))
		}()
	}
	wg.Wait()
	checkAppliedOnce(t, e, c.ID, n)
}

// checkAppliedOnce checks that the n messages "message 0".."message n-1"
// each appear once in the log, and that the conversation had n turns after
// its start.
func checkAppliedOnce(t *testing.T, e *env, id string, n int) {
	t.Helper()
	var conv ConversationResponse
	e.do("GET", "/v1/conversations/"+id, adminKey, nil).want(t, 200).decode(t, &conv)
	if conv.Turn != n+1 {
		t.Errorf("turn %d, want %d", conv.Turn, n+1)
	}
	var rr ReceiveResponse
	e.do("POST", "/v1/conversations/"+id+"/receive", adminKey, map[string]int{"after": 0}).want(t, 200).decode(t, &rr)
	seen := map[string]int{}
	for _, m := range rr.Messages {
		if m.Kind == KindUser {
			seen[m.Text]++
		}
	}
	for i := range n {
		if k := fmt.Sprintf("message %d", i); seen[k] != 1 {
			t.Errorf("%q is in the log %d times", k, seen[k])
		}
	}
	if len(seen) != n {
		t.Errorf("%d user messages, want %d", len(seen), n)
	}
}

func TestSendReceive(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	var sr SendResponse
	e.do("POST", "/v1/conversations/"+c.ID+"/send", c.Token, map[string]string{"text": "order"}).want(t, 202).decode(t, &sr)
	if sr.ID != c.ID || !sr.Queued || sr.Cursor != c.Cursor {
		t.Errorf("send = %+v", sr)
	}
	var rr ReceiveResponse
	e.do("POST", "/v1/conversations/"+c.ID+"/receive", c.Token, map[string]any{"after": sr.Cursor, "wait": 5}).want(t, 200).decode(t, &rr)
	got := lines(rr.Messages)
	if want := "> order\n< Order number?\n"; got != want {
		t.Errorf("receive:\n%s\nwant:\n%s", got, want)
	}
	// Nothing new: an immediate receive returns nothing and keeps the cursor.
	var empty ReceiveResponse
	e.do("POST", "/v1/conversations/"+c.ID+"/receive", c.Token, map[string]any{"after": rr.Cursor}).want(t, 200).decode(t, &empty)
	if len(empty.Messages) != 0 || empty.Cursor != rr.Cursor {
		t.Errorf("empty receive = %+v, cursor was %d", empty, rr.Cursor)
	}
	// A receive waiting when the message is sent gets the answer.
	done := make(chan ReceiveResponse)
	go func() {
		var rr2 ReceiveResponse
		e.do("POST", "/v1/conversations/"+c.ID+"/receive", c.Token, map[string]any{"after": rr.Cursor, "wait": 10}).want(t, 200).decode(t, &rr2)
		done <- rr2
	}()
	time.Sleep(50 * time.Millisecond)
	e.do("POST", "/v1/conversations/"+c.ID+"/send", c.Token, map[string]string{"text": "123"}).want(t, 202)
	select {
	case rr2 := <-done:
		if got, want := lines(rr2.Messages), "> 123\n< Order 123 is shipped.\n"; got != want {
			t.Errorf("waiting receive:\n%s\nwant:\n%s", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a waiting receive did not return after send")
	}
	// Several sends keep their order.
	for i := range 5 {
		e.do("POST", "/v1/conversations/"+c.ID+"/send", c.Token, map[string]string{"text": fmt.Sprintf("message %d", i)}).want(t, 202)
	}
	if err := e.s.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	var all ReceiveResponse
	e.do("POST", "/v1/conversations/"+c.ID+"/receive", c.Token, map[string]any{"after": 0, "limit": 1000}).want(t, 200).decode(t, &all)
	var users []string
	for _, m := range all.Messages {
		if m.Kind == KindUser {
			users = append(users, m.Text)
		}
	}
	if got, want := strings.Join(users, ","), "order,123,message 0,message 1,message 2,message 3,message 4"; got != want {
		t.Errorf("user messages in order %s, want %s", got, want)
	}
	// After Drain, send is refused.
	r := e.do("POST", "/v1/conversations/"+c.ID+"/send", c.Token, map[string]string{"text": "late"})
	if r.status != 503 {
		t.Errorf("send after drain: %d %s", r.status, r.body)
	}
}

func TestSendIdempotency(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	first := e.do("POST", "/v1/conversations/"+c.ID+"/send", c.Token, map[string]string{"text": "order"}, "Idempotency-Key", "s-1").want(t, 202)
	if err := e.s.queues.waitIdle(t.Context()); err != nil {
		t.Fatal(err)
	}
	again := e.do("POST", "/v1/conversations/"+c.ID+"/send", c.Token, map[string]string{"text": "order"}, "Idempotency-Key", "s-1").want(t, 202)
	if string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replayed send %s (%v), first %s", again.body, again.header, first.body)
	}
	var conv ConversationResponse
	e.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &conv)
	if conv.Turn != 2 {
		t.Errorf("turn %d, want 2", conv.Turn)
	}
}

func TestCloseThenRefuse(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	tr := e.say(c.ID, c.Token, "bye")
	if got, want := lines(tr.Messages), "< Bye!\n<< close\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	if tr.Owner != "closed" {
		t.Errorf("owner %q", tr.Owner)
	}
	for _, path := range []string{"/complete", "/send"} {
		r := e.do("POST", "/v1/conversations/"+c.ID+path, c.Token, map[string]string{"text": "hello?"})
		if r.status != 409 || r.errorCode(t) != CodeClosed {
			t.Errorf("%s after close: %d %s", path, r.status, r.body)
		}
	}
	r := e.do("POST", "/v1/conversations/"+c.ID+"/events", c.Token, map[string]string{"type": "agent_done"})
	if r.status != 409 || r.errorCode(t) != CodeClosed {
		t.Errorf("event after close: %d %s", r.status, r.body)
	}
}

func TestAgentHandoverAndEvents(t *testing.T) {
	var events []Event
	var mu sync.Mutex
	e := newEnv(t, WithOnEvent(func(ev Event) { mu.Lock(); events = append(events, ev); mu.Unlock() }))
	c := e.create(nil)
	// agent_done while the bot owns the conversation is refused.
	r := e.do("POST", "/v1/conversations/"+c.ID+"/events", c.Token, map[string]string{"type": "agent_done"})
	if r.status != 422 || r.errorCode(t) != CodeEventRefused {
		t.Errorf("agent_done with no agent: %d %s", r.status, r.body)
	}
	tr := e.say(c.ID, c.Token, "agent")
	if got, want := lines(tr.Messages), "< Connecting you.\n<< transfer to=agent skill=sales\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	if tr.Owner != "agent" || tr.Messages[1].Transfer == nil || tr.Messages[1].Transfer.Skill != "sales" {
		t.Errorf("transfer = %+v", tr)
	}
	// Messages for the agent get no reply from the bot.
	tr = e.say(c.ID, c.Token, "hello, anyone?")
	if len(tr.Messages) != 0 || tr.Owner != "agent" {
		t.Errorf("message while an agent owns it: %+v", tr)
	}
	// Other events are refused while an agent owns the conversation.
	r = e.do("POST", "/v1/conversations/"+c.ID+"/events", c.Token, map[string]string{"type": "nudge"})
	if r.status != 409 || r.errorCode(t) != CodeAgentOwns {
		t.Errorf("custom event while an agent owns it: %d %s", r.status, r.body)
	}
	var back TurnResponse
	e.do("POST", "/v1/conversations/"+c.ID+"/events", c.Token, map[string]string{"type": "agent_done"}).want(t, 200).decode(t, &back)
	if got, want := lines(back.Messages), "< Welcome back.\n"; got != want || back.Owner != "bot" {
		t.Errorf("agent_done: %s (owner %s)", got, back.Owner)
	}
	var conv ConversationResponse
	e.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &conv)
	if !reflect.DeepEqual(conv.Tags, []string{"human"}) {
		t.Errorf("tags = %v", conv.Tags)
	}
	var rr ReceiveResponse
	e.do("POST", "/v1/conversations/"+c.ID+"/receive", c.Token, nil).want(t, 200).decode(t, &rr)
	for _, m := range rr.Messages {
		if m.Kind == KindUser && m.Text == "hello, anyone?" && m.Owner != "agent" {
			t.Errorf("a message for the agent is not marked: %+v", m)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var types []string
	for _, ev := range events {
		types = append(types, ev.Type)
		if ev.Conversation != c.ID || ev.Bot != "shop" || ev.ID == "" {
			t.Errorf("event %+v", ev)
		}
	}
	if got, want := strings.Join(types, " "), "message message message message transfer message agent_done message"; got != want {
		t.Errorf("events: %s\nwant:    %s", got, want)
	}
}

func TestHandoffToAnotherBot(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	tr := e.say(c.ID, c.Token, "billing: my invoice is wrong")
	want := "< Passing you to billing.\n<< transfer to=bot bot=billing\n< Let's look at your invoice (order none).\n"
	if got := lines(tr.Messages); got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	if tr.Bot != "billing" || tr.Messages[2].Bot != "billing" || tr.Messages[0].Bot != "shop" {
		t.Errorf("turn = %+v", tr)
	}
	tr = e.say(c.ID, c.Token, "hello")
	if tr.Bot != "billing" {
		t.Errorf("the next turn ran on %s", tr.Bot)
	}
	var conv ConversationResponse
	e.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &conv)
	if conv.Bot != "billing" || conv.Params["intent"] != "billing" || conv.Params["message"] != "billing: my invoice is wrong" {
		t.Errorf("conversation = %+v", conv)
	}
}

// A transfer to a bot this server does not host cannot be requested.
func TestHandoffToAMissingBot(t *testing.T) {
	e := newEnv(t)
	e.s.bots.Set(loadBot(t, "testdata/bots/shop.yaml"))
	c := e.create(nil)
	tr := e.say(c.ID, c.Token, "billing")
	if got, want := lines(tr.Messages), "< Passing you to billing.\n< Not able to transfer to Agent at this time. Please try later.\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	if tr.Bot != "shop" {
		t.Errorf("bot %s", tr.Bot)
	}
}

func TestUpload(t *testing.T) {
	files := &MemoryFiles{}
	e := newEnv(t, WithFiles(files))
	c := e.create(nil)
	e.say(c.ID, c.Token, "receipt")
	// A JSON upload has no bytes.
	r := e.do("POST", "/v1/conversations/"+c.ID+"/events", c.Token, map[string]string{"type": "upload"})
	if r.status != 415 || r.errorCode(t) != CodeUnsupportedMedia {
		t.Errorf("JSON upload: %d %s", r.status, r.body)
	}
	pdf := []byte("%PDF-1.4 a receipt")
	r = e.upload(c.ID, c.Token, "receipt.pdf", "application/pdf", pdf)
	var tr TurnResponse
	r.want(t, 200).decode(t, &tr)
	if got, want := lines(tr.Messages), "< Processing the file…\n< Successfully processed the file.\n< Got receipt.pdf.\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	var conv ConversationResponse
	e.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &conv)
	receipt, _ := conv.Variables["receipt"].(map[string]any)
	id, _ := receipt["id"].(string)
	if receipt["name"] != "receipt.pdf" || receipt["type"] != "application/pdf" || receipt["size"] != float64(len(pdf)) {
		t.Errorf("receipt = %v", receipt)
	}
	if data, ok := files.Get(c.ID, id); !ok || string(data) != string(pdf) {
		t.Errorf("stored file %q: %q, %v", id, data, ok)
	}
	// The event is in the log with its fields.
	var rr ReceiveResponse
	e.do("POST", "/v1/conversations/"+c.ID+"/receive", c.Token, nil).want(t, 200).decode(t, &rr)
	found := false
	for _, m := range rr.Messages {
		if m.Kind == KindEvent && m.Text == "upload" {
			found = true
			if !reflect.DeepEqual(m.Fields, map[string]string{"name": "receipt.pdf", "type": "application/pdf", "size": "18"}) {
				t.Errorf("upload fields %v", m.Fields)
			}
		}
	}
	if !found {
		t.Errorf("no upload event in the log")
	}
	// No file question waits now.
	r = e.upload(c.ID, c.Token, "receipt.pdf", "application/pdf", pdf)
	if r.status != 422 || r.errorCode(t) != CodeEventRefused {
		t.Errorf("upload with no question: %d %s", r.status, r.body)
	}
	// A file of a type not accepted, or larger than max_size, gets the
	// invalid message.
	e.say(c.ID, c.Token, "receipt")
	r = e.upload(c.ID, c.Token, "notes.txt", "", []byte("hello"))
	r.want(t, 200).decode(t, &tr)
	if got, want := lines(tr.Messages), "< The file type is invalid. Upload one of these types: pdf, png.\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	r = e.upload(c.ID, c.Token, "big.png", "image/png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 1<<20)...))
	r.want(t, 200).decode(t, &tr)
	if got, want := lines(tr.Messages), "< The file type is invalid. Upload one of these types: pdf, png.\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	// Larger than 5MB: refused before the bot sees it.
	r = e.upload(c.ID, c.Token, "huge.pdf", "application/pdf", make([]byte, MaxUpload+1))
	if r.status != 413 || r.errorCode(t) != CodeTooLarge {
		t.Errorf("6MB upload: %d %.200s", r.status, r.body)
	}
}

// StopWaiting answers waiting receives at once.
func TestStopWaitingEndsLongPolls(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	done := make(chan response)
	go func() {
		done <- e.do("POST", "/v1/conversations/"+c.ID+"/receive", c.Token, map[string]any{"after": c.Cursor, "wait": 30})
	}()
	time.Sleep(50 * time.Millisecond)
	e.s.StopWaiting()
	select {
	case r := <-done:
		var rr ReceiveResponse
		r.want(t, 200).decode(t, &rr)
		if len(rr.Messages) != 0 || rr.Cursor != c.Cursor {
			t.Errorf("receive = %+v", rr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a waiting receive did not answer after StopWaiting")
	}
}
