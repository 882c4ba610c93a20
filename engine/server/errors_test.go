package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/turn"
)

// brokenStore fails every operation while broken is set, as a store whose
// server is down does.
type brokenStore struct {
	store.Store
	broken atomic.Bool
}

var errDown = errors.New("dial tcp 127.0.0.1:6379: connection refused")

func (b *brokenStore) Get(ctx context.Context, id string) (store.Record, error) {
	if b.broken.Load() {
		return store.Record{}, errDown
	}
	return b.Store.Get(ctx, id)
}

func (b *brokenStore) Create(ctx context.Context, rec store.Record, msgs []store.Message) error {
	if b.broken.Load() {
		return errDown
	}
	return b.Store.Create(ctx, rec, msgs)
}

func (b *brokenStore) Ping(ctx context.Context) error {
	if b.broken.Load() {
		return errDown
	}
	return nil
}

// blockingCaller holds every integration call until release is closed.
type blockingCaller struct {
	started chan struct{}
	release chan struct{}
}

func (b *blockingCaller) Call(ctx context.Context, req *turn.Request) turn.CallResult {
	b.started <- struct{}{}
	<-b.release
	return turn.CallResult{Status: 200, Body: map[string]any{"status": "late"}}
}

type panickingCaller struct{}

func (panickingCaller) Call(context.Context, *turn.Request) turn.CallResult { panic("boom") }

func TestErrorCodes(t *testing.T) {
	bs := &brokenStore{Store: store.NewMemory()}
	e := newEnv(t, WithStore(bs))
	c := e.create(nil)
	conv := "/v1/conversations/" + c.ID
	big := `{"text": "` + strings.Repeat("x", DefaultMaxBody) + `"}`
	tests := []struct {
		name, method, path, auth string
		body                     any
		headers                  []string
		status                   int
		code, message            string
	}{
		{"empty text", "POST", conv + "/complete", c.Token, `{"text": "  "}`, nil, 400, CodeBadRequest, "text must not be empty"},
		{"no text", "POST", conv + "/complete", c.Token, `{}`, nil, 400, CodeBadRequest, `the body needs a text: {"text": "..."}`},
		{"long text", "POST", conv + "/complete", c.Token, `{"text": "` + strings.Repeat("x", MaxText+1) + `"}`, nil, 400, CodeBadRequest, "text is 8193 bytes long; the most a message takes is 8192"},
		{"unknown bot", "POST", "/v1/conversations", adminKey, `{"bot": "shopp"}`, nil, 400, CodeBadRequest, "no bot named \"shopp\" here; did you mean `shop`?"},
		{"no bot named", "POST", "/v1/conversations", adminKey, `{}`, nil, 400, CodeBadRequest, "this server hosts several bots; name one: billing, shop"},
		{"unknown dialog", "POST", "/v1/conversations", adminKey, `{"bot": "shop", "dialog": "nope"}`, nil, 400, CodeBadRequest, `the bot shop has no dialog "nope"`},
		{"interaction and dialog", "POST", "/v1/conversations", adminKey, `{"bot": "shop", "dialog": "order", "interaction": "remind_me"}`, nil, 400, CodeBadRequest, "give interaction or dialog, not both"},
		{"negative cursor", "POST", conv + "/receive", c.Token, `{"after": -1}`, nil, 400, CodeBadRequest, "after must be 0 or a seq from an earlier answer, not -1"},
		{"long wait", "POST", conv + "/receive", c.Token, `{"wait": 31}`, nil, 400, CodeBadRequest, "wait is in seconds, from 0 to 30"},
		{"event without type", "POST", conv + "/events", c.Token, `{}`, nil, 400, CodeBadRequest, "the event needs a type: agent_done, agent_escalation_failed or another event name"},
		{"bad token ttl", "POST", conv + "/token", adminKey, `{"ttl": -5}`, nil, 400, CodeBadRequest, "ttl is in seconds, from 1 to a year (0: the server's default)"},
		{"syntax", "POST", conv + "/complete", c.Token, `{"text": `, nil, 400, CodeInvalidJSON, "the body is not valid JSON: it ends too early"},
		{"not an object", "POST", conv + "/complete", c.Token, `["hi"]`, nil, 400, CodeInvalidJSON, "the body must be a JSON object"},
		{"null", "POST", conv + "/complete", c.Token, `null`, nil, 400, CodeInvalidJSON, "the body must be a JSON object"},
		{"empty body", "POST", conv + "/complete", c.Token, ``, nil, 400, CodeInvalidJSON, "the body is empty; it must be a JSON object"},
		{"wrong type", "POST", conv + "/complete", c.Token, `{"text": 5}`, nil, 400, CodeInvalidJSON, "field text must be a string, not number"},
		{"two values", "POST", conv + "/complete", c.Token, `{"text": "a"} {"text": "b"}`, nil, 400, CodeInvalidJSON, "the body must hold one JSON value; more follows at offset 14"},
		{"bad character", "POST", conv + "/complete", c.Token, `{"text": 'hi'}`, nil, 400, CodeInvalidJSON, "the body is not valid JSON: invalid character '\\'' looking for beginning of value (at offset 10)"},
		{"unknown field", "POST", conv + "/complete", c.Token, `{"text": "hi", "txt": "hi"}`, nil, 400, CodeUnknownField, `unknown field "txt"`},
		{"unknown field in create", "POST", "/v1/conversations", adminKey, `{"bot": "shop", "users": {}}`, nil, 400, CodeUnknownField, `unknown field "users"`},
		{"unknown conversation", "POST", "/v1/conversations/c_nope/complete", adminKey, `{"text": "hi"}`, nil, 404, CodeNotFound, "no such conversation"},
		{"unknown conversation get", "GET", "/v1/conversations/c_nope", adminKey, nil, nil, 404, CodeNotFound, "no such conversation"},
		{"unknown route", "GET", "/v2/conversations", adminKey, nil, nil, 404, CodeNotFound, "no such route: GET /v2/conversations"},
		{"wrong method", "GET", conv + "/complete", adminKey, nil, nil, 405, CodeMethodNotAllowed, "GET is not allowed on " + conv + "/complete; use POST"},
		{"too large", "POST", conv + "/complete", c.Token, big, nil, 413, CodeTooLarge, "the body is larger than 65536 bytes"},
		{"not JSON", "POST", conv + "/complete", c.Token, []byte("<text>hi</text>"), []string{"Content-Type", "application/xml"}, 415, CodeUnsupportedMedia, `the body must be JSON (Content-Type: application/json), not "application/xml"`},
		{"refused event", "POST", conv + "/events", c.Token, `{"type": "agent_escalation_failed"}`, nil, 422, CodeEventRefused, "event agent_escalation_failed refused: no agent owns the conversation; agent_done and agent_escalation_failed apply only after a transfer to an agent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, tt.auth, tt.body, tt.headers...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, tt.status, r.body)
			}
			var b errorBody
			r.decode(t, &b)
			if b.Error.Code != tt.code || b.Error.Message != tt.message {
				t.Errorf("error %q: %s\nwant  %q: %s", b.Error.Code, b.Error.Message, tt.code, tt.message)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	t.Run("method not allowed names the methods", func(t *testing.T) {
		r := e.do("PUT", conv, adminKey, nil)
		if r.status != 405 || r.header.Get("Allow") != "DELETE, GET, HEAD" {
			t.Errorf("%d, Allow %q", r.status, r.header.Get("Allow"))
		}
	})
	t.Run("store unavailable", func(t *testing.T) {
		bs.broken.Store(true)
		defer bs.broken.Store(false)
		for _, r := range []response{
			e.do("POST", conv+"/complete", c.Token, `{"text": "hi"}`),
			e.do("POST", "/v1/conversations", adminKey, `{"bot": "shop"}`),
			e.do("GET", "/readyz", "", nil),
		} {
			if r.status != 503 || r.errorCode(t) != CodeStoreUnavailable {
				t.Errorf("%d %s", r.status, r.body)
			}
			if strings.Contains(string(r.body), "6379") {
				t.Errorf("the store's error leaks to the client: %s", r.body)
			}
		}
	})
}

func TestConflictWhenTheBotIsGone(t *testing.T) {
	st := store.NewMemory()
	e := newEnv(t, WithStore(st))
	c := e.create(nil)
	other, err := New(WithLogger(quietLogger()), WithStore(st), WithBots(loadBot(t, "testdata/bots/billing.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	e.hs.Config.Handler = other
	r := e.do("POST", "/v1/conversations/"+c.ID+"/complete", "", `{"text": "hi"}`)
	if r.status != 409 || r.errorCode(t) != CodeConflict {
		t.Errorf("%d %s", r.status, r.body)
	}
	empty, err := New(WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	e.hs.Config.Handler = empty
	r = e.do("POST", "/v1/conversations", "", `{}`)
	if r.status != 409 || r.errorCode(t) != CodeConflict {
		t.Errorf("create with no bots: %d %s", r.status, r.body)
	}
}

func TestPanicIsInternalError(t *testing.T) {
	e := newEnv(t, WithCaller(panickingCaller{}))
	c := e.create(nil)
	e.say(c.ID, c.Token, "order")
	r := e.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, `{"text": "123"}`)
	if r.status != 500 || r.errorCode(t) != CodeInternal {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if strings.Contains(string(r.body), "boom") {
		t.Errorf("the panic leaks to the client: %s", r.body)
	}
	// The conversation is not stuck: its lock was released.
	done := make(chan struct{})
	go func() {
		e.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, `{"text": "123"}`)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the conversation stayed locked after a panic")
	}
}

func TestTooManyQueuedMessages(t *testing.T) {
	bc := &blockingCaller{started: make(chan struct{}, 1), release: make(chan struct{})}
	e := newEnv(t, WithCaller(bc))
	e.s.queueMax = 2
	c := e.create(nil)
	e.say(c.ID, c.Token, "order")
	send := func() response {
		return e.do("POST", "/v1/conversations/"+c.ID+"/send", c.Token, `{"text": "123"}`)
	}
	send().want(t, 202) // runs, and blocks in the integration call
	<-bc.started
	send().want(t, 202)
	send().want(t, 202)
	r := send()
	if r.status != http.StatusTooManyRequests || r.errorCode(t) != CodeTooManyRequests {
		t.Errorf("%d %s", r.status, r.body)
	}
	close(bc.release)
	go func() {
		for range bc.started {
		}
	}()
	if err := e.s.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// A client cannot send the events botctl raises itself.
func TestOwnEventsRefusedOverHTTP(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	for _, name := range []string{"call_outcome_unknown", "file_upload_failed:x"} {
		r := e.do("POST", "/v1/conversations/"+c.ID+"/events", c.Token, map[string]string{"type": name})
		if r.status != 422 || r.errorCode(t) != CodeEventRefused {
			t.Errorf("event %s: %d %s, want 422 event_refused", name, r.status, r.body)
		}
	}
}
