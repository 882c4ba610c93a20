package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/turn"
)

// A welcome dialog that makes a call holds its new conversation while the
// call is in flight: a turn on the same server that learns the id from
// the webhook of the welcome's first message waits for the call, rather
// than taking the lease, held by its own server, for one whose holder is
// gone and settling the call as unknown under the creating request.
func TestCreateHoldsItsConversationDuringTheWelcomeCall(t *testing.T) {
	bot := writeBot(t, `botctl: 1
bot: {name: greeter, welcome: hello}
integrations:
  seen: {method: POST, url: "https://crm.example/seen"}
dialogs:
  hello:
    steps:
      - say: "Hello!"
      - call: seen
      - say: "Noted."
`)
	caller := &stallingCaller{started: make(chan struct{}), release: make(chan struct{})}
	var e *env
	answered := make(chan response, 1)
	e = newEnv(t, WithStore(store.NewMemory()), WithBots(bot), WithCaller(caller), WithOnEvent(func(ev Event) {
		if m, ok := ev.Data.(Message); ok && m.Text == "Hello!" {
			go func() {
				answered <- e.do("POST", "/v1/conversations/"+ev.Conversation+"/complete", adminKey, map[string]string{"text": "hi"})
			}()
		}
	}))
	go func() {
		<-caller.started
		time.Sleep(100 * time.Millisecond) // time for the turn to reach the conversation
		close(caller.release)
	}()
	r := e.do("POST", "/v1/conversations", adminKey, map[string]any{"bot": "greeter"})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var c CreateResponse
	r.decode(t, &c)
	if got := lines(c.Messages); got != "< Hello!\n< Noted.\n" {
		t.Errorf("welcome: %q", got)
	}
	tr := <-answered
	if tr.status != http.StatusOK || strings.Contains(tr.String(), "call_outcome_unknown") {
		t.Errorf("the turn during the welcome call: %d %s", tr.status, tr.body)
	}
	if n := caller.calls.Load(); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}

// signalHandler is a quiet slog.Handler that closes seen at the first
// record with the message msg.
type signalHandler struct {
	slog.Handler
	msg  string
	once *sync.Once
	seen chan struct{}
}

func (h signalHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.once.Do(func() { close(h.seen) })
	}
	return nil
}

func (h signalHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h signalHandler) WithGroup(string) slog.Handler      { return h }

// A message of send that fails because another replica's effect outlasts
// its turn is still recorded in the conversation (receive shows why), and
// recording it does not cost the other replica its result.
func TestSendFailedDuringAnotherReplicasCall(t *testing.T) {
	bot := writeBot(t, `botctl: 1
bot: {name: payer}
integrations:
  pay: {method: POST, url: "https://pay.example/pay"}
dialogs:
  pay:
    starters: ["pay"]
    steps:
      - call: pay
      - say: "paid"
`)
	st := store.NewMemory()
	slow := &stallingCaller{started: make(chan struct{}), release: make(chan struct{})}
	a := newEnv(t, WithStore(st), WithBots(bot), WithCaller(slow))
	c := a.create(map[string]any{"bot": "payer"})
	paid := make(chan response, 1)
	go func() {
		paid <- a.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, map[string]string{"text": "pay"})
	}()
	<-slow.started

	failed := signalHandler{Handler: slog.NewTextHandler(io.Discard, nil), msg: "queued message failed", once: &sync.Once{}, seen: make(chan struct{})}
	b := newEnv(t, WithStore(st), WithBots(bot), WithTurnTimeout(50*time.Millisecond), WithLogger(slog.New(failed)))
	b.do("POST", "/v1/conversations/"+c.ID+"/send", c.Token, map[string]string{"text": "hello?"}).want(t, http.StatusAccepted)
	select {
	case <-failed.seen:
	case <-time.After(10 * time.Second):
		t.Fatal("the queued message did not fail")
	}
	close(slow.release)
	if r := <-paid; r.status != http.StatusOK || !strings.Contains(r.String(), "paid") {
		t.Errorf("the call's turn: %d %s, want 200 paid", r.status, r.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.s.queues.waitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	var conv ConversationResponse
	b.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &conv)
	var recorded bool
	for _, m := range conv.Messages {
		if m.Kind == KindError && m.Input == "hello?" && m.Code == CodeConflict {
			recorded = true
		}
	}
	if !recorded {
		t.Errorf("the failed message is not in the conversation:\n%s", lines(conv.Messages))
	}
}

// namingCaller answers every call with 200 and counts them by
// integration.
type namingCaller struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *namingCaller) Call(ctx context.Context, req *turn.Request) turn.CallResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[req.Integration.Name]++
	return turn.CallResult{Status: 200, Body: map[string]any{}}
}

// A retry of a request whose turn was cut off, and then cut off again
// while its settled outcome made a call, is still that request's retry:
// it gets the outcome, and its input is not taken a second time.
func TestRetryAfterTwoCrashes(t *testing.T) {
	bot := writeBot(t, `botctl: 1
bot: {name: payer}
integrations:
  pay: {method: POST, url: "https://pay.example/pay"}
  check: {method: GET, url: "https://pay.example/status"}
dialogs:
  pay:
    starters: ["pay"]
    steps:
      - call: pay
      - say: "paid"
  unknown:
    starters: [{event: call_outcome_unknown}]
    steps:
      - call: check
      - say: "checked"
`)
	st := store.NewMemory()
	pay := map[string]string{"text": "pay"}
	first := &stallingCaller{started: make(chan struct{}), release: make(chan struct{})}
	a := newEnv(t, WithStore(st), WithBots(bot), WithCaller(first))
	c := a.create(map[string]any{"bot": "payer"})
	cut := make(chan response, 2)
	go func() {
		cut <- a.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, pay, "Idempotency-Key", "pay-1")
	}()
	<-first.started

	second := &stallingCaller{started: make(chan struct{}), release: make(chan struct{})}
	b := newEnv(t, WithStore(st), WithBots(bot), WithCaller(second))
	b.clock.Add(2 * time.Minute) // past a's lease
	go func() {
		cut <- b.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, pay, "Idempotency-Key", "pay-1")
	}()
	<-second.started // the retry's settled outcome calls check, and b stops there

	third := &namingCaller{}
	d := newEnv(t, WithStore(st), WithBots(bot), WithCaller(third))
	d.clock.Add(5 * time.Minute) // past b's lease
	d.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, pay, "Idempotency-Key", "pay-1").want(t, http.StatusOK)
	if n := third.calls["pay"]; n != 0 {
		t.Errorf("the retry paid again (%d calls)", n)
	}
	var conv ConversationResponse
	d.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &conv)
	if n := strings.Count(lines(conv.Messages), "> pay\n"); n != 1 {
		t.Errorf("the message is in the log %d times:\n%s", n, lines(conv.Messages))
	}
	close(first.release)
	close(second.release)
	<-cut
	<-cut
}

// An Idempotency-Key reused with another input is refused while the
// first request's effect is unsettled too: the other input does not get
// the first one's outcome as its answer.
func TestKeyReusedForAnotherInputAfterACrash(t *testing.T) {
	bot := writeBot(t, `botctl: 1
bot: {name: payer}
integrations:
  pay: {method: POST, url: "https://pay.example/pay"}
dialogs:
  pay:
    starters: ["pay*"]
    steps:
      - call: pay
      - say: "paid"
`)
	st := store.NewMemory()
	crashed := &stallingCaller{started: make(chan struct{}), release: make(chan struct{})}
	a := newEnv(t, WithStore(st), WithBots(bot), WithCaller(crashed))
	c := a.create(map[string]any{"bot": "payer"})
	cut := make(chan response, 1)
	go func() {
		cut <- a.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, map[string]string{"text": "pay 10"}, "Idempotency-Key", "k1")
	}()
	<-crashed.started

	b := newEnv(t, WithStore(st), WithBots(bot), WithCaller(&namingCaller{}))
	b.clock.Add(2 * time.Minute) // past a's lease
	r := b.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, map[string]string{"text": "pay 99"}, "Idempotency-Key", "k1")
	if r.status != http.StatusUnprocessableEntity || r.errorCode(t) != CodeIdempotencyMismatch {
		t.Errorf("the key reused for another message: %d %s, want 422 %s", r.status, r.body, CodeIdempotencyMismatch)
	}
	close(crashed.release)
	<-cut
}
