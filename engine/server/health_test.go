package server

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
)

// /healthz is liveness only: it answers 200 while the store is down, and
// /readyz, which asks the store, answers 503 store_unavailable.
func TestHealthzAndReadyzWithTheStoreDown(t *testing.T) {
	bs := &brokenStore{Store: store.NewMemory()}
	e := newEnv(t, WithStore(bs))
	e.do("GET", "/readyz", "", nil).want(t, 200)
	bs.broken.Store(true)
	if r := e.do("GET", "/readyz", "", nil); r.status != 503 || r.errorCode(t) != CodeStoreUnavailable {
		t.Errorf("readyz with the store down: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/healthz", "", nil); r.status != 200 || r.String() != "{\"status\":\"ok\"}\n" {
		t.Errorf("healthz with the store down: %d %s", r.status, r.body)
	}
	bs.broken.Store(false)
	e.do("GET", "/readyz", "", nil).want(t, 200)
}

// A draining server refuses new work with 503 draining and a Retry-After,
// says so on /readyz, stays live, serves reads, ends the receives that
// wait, and lets the turn under way finish with its answer.
func TestBeginDrain(t *testing.T) {
	bot := writeBot(t, `botctl: 1
bot: {name: slow, welcome: hi}
integrations:
  seen: {method: POST, url: "https://crm.example/seen"}
dialogs:
  slow:
    starters: [slow]
    steps:
      - call: seen
      - say: "Noted."
  hi:
    starters: [hi]
    steps:
      - say: "Hello."
`)
	caller := &stallingCaller{started: make(chan struct{}), release: make(chan struct{})}
	e := newEnv(t, WithBots(bot), WithCaller(caller))
	var c CreateResponse
	e.do("POST", "/v1/conversations", adminKey, map[string]any{"bot": "slow"}).want(t, 201).decode(t, &c)
	var other CreateResponse
	e.do("POST", "/v1/conversations", adminKey, map[string]any{"bot": "slow"}).want(t, 201).decode(t, &other)
	conv := "/v1/conversations/" + c.ID

	inflight := make(chan response, 1)
	go func() { inflight <- e.do("POST", conv+"/complete", c.Token, `{"text": "slow"}`) }()
	<-caller.started
	polling := make(chan response, 1)
	wait := fmt.Sprintf(`{"after": %d, "wait": 30}`, other.Cursor)
	go func() { polling <- e.do("POST", "/v1/conversations/"+other.ID+"/receive", other.Token, wait) }()
	time.Sleep(50 * time.Millisecond) // for the receive to wait

	e.s.BeginDrain()
	if !e.s.Draining() {
		t.Error("Draining() is false after BeginDrain")
	}
	select {
	case r := <-polling:
		if r.status != 200 {
			t.Errorf("the receive waiting when the drain began: %d %s", r.status, r.body)
		}
	case <-time.After(5 * time.Second):
		t.Error("the receive waiting when the drain began did not end")
	}
	for _, r := range []struct {
		name string
		r    response
	}{
		{"readyz", e.do("GET", "/readyz", "", nil)},
		{"create", e.do("POST", "/v1/conversations", adminKey, `{"bot": "slow"}`)},
		{"complete", e.do("POST", "/v1/conversations/"+other.ID+"/complete", other.Token, `{"text": "hi"}`)},
		{"send", e.do("POST", "/v1/conversations/"+other.ID+"/send", other.Token, `{"text": "hi"}`)},
		{"events", e.do("POST", "/v1/conversations/"+other.ID+"/events", other.Token, `{"type": "agent_done"}`)},
		{"start", e.do("POST", "/v1/interactions/any/start", adminKey, nil)},
		{"receive that would wait", e.do("POST", "/v1/conversations/"+other.ID+"/receive", other.Token, wait)},
	} {
		if r.r.status != 503 || r.r.errorCode(t) != CodeDraining || r.r.header.Get("Retry-After") != "1" {
			t.Errorf("%s while draining: %d, Retry-After %q: %s", r.name, r.r.status, r.r.header.Get("Retry-After"), r.r.body)
		}
	}
	e.do("GET", "/healthz", "", nil).want(t, 200)
	e.do("GET", "/v1/conversations/"+other.ID, adminKey, nil).want(t, 200)
	e.do("POST", "/v1/conversations/"+other.ID+"/receive", other.Token, `{}`).want(t, 200)
	start := time.Now()
	e.do("POST", "/v1/conversations/"+other.ID+"/receive", other.Token, `{"wait": 30}`).want(t, 200) // has messages: answered at once
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a receive with messages waited %v while draining", d)
	}

	close(caller.release)
	r := <-inflight
	var tr TurnResponse
	r.want(t, 200).decode(t, &tr)
	if got := lines(tr.Messages); got != "< Noted.\n" {
		t.Errorf("the turn under way: %q", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.s.Drain(ctx); err != nil {
		t.Errorf("Drain: %v", err)
	}
}
