package server

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
)

func TestMetrics(t *testing.T) {
	bs := &brokenStore{Store: store.NewMemory()}
	e := newEnv(t, WithStore(bs))
	a := e.create(nil)
	b := e.create(nil)
	e.say(a.ID, a.Token, "order")
	e.say(a.ID, a.Token, "123")
	e.say(b.ID, b.Token, "agent")
	e.do("POST", "/v1/conversations/"+b.ID+"/events", b.Token, `{"type": "agent_escalation_failed"}`).want(t, 200)
	e.do("POST", "/v1/conversations/"+a.ID+"/events", a.Token, `{"type": "agent_done"}`).want(t, 422)
	e.say(a.ID, a.Token, "bye")
	bs.broken.Store(true)
	e.do("POST", "/v1/conversations/"+a.ID+"/complete", a.Token, `{"text": "hi"}`).want(t, 503)
	bs.broken.Store(false)

	r := e.do("GET", "/metrics", "", nil).want(t, 200)
	text := string(r.body)
	for _, want := range []string{
		`botctl_turns_total{bot="shop",input="start",outcome="ok"} 2`,
		`botctl_turns_total{bot="shop",input="message",outcome="ok"} 4`,
		`botctl_turns_total{bot="shop",input="event",outcome="ok"} 1`,
		`botctl_turns_total{bot="shop",input="event",outcome="refused"} 1`,
		`botctl_turn_duration_seconds_count{bot="shop"} 7`,
		`botctl_conversations{bot="shop",owner="bot"} 1`,
		`botctl_conversations{bot="shop",owner="closed"} 1`,
		`botctl_conversations{bot="shop",owner="agent"} 0`,
		`botctl_conversations_created_total{bot="shop"} 2`,
		`botctl_integration_calls_total{bot="shop",integration="lookup",result="2xx"} 1`,
		`botctl_store_errors_total{op="get"} 1`,
		`botctl_http_requests_total{code="503",route="complete"} 1`,
		`botctl_http_requests_total{code="422",route="events"} 1`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", text)
	}
}

func TestHealthz(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/healthz", "", nil).want(t, 200)
	if got := strings.TrimSpace(string(r.body)); got != `{"status":"ok"}` {
		t.Errorf("healthz = %s", got)
	}
}

// TestMetricsCodeZero checks the code="0" of botctl_http_requests_total: a
// request answered with nothing because its client went away first, here
// a receive that waited.
func TestMetricsCodeZero(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	ctx, cancel := context.WithCancel(context.Background())
	body := fmt.Sprintf(`{"after": %d, "wait": 10}`, c.Cursor)
	req := httptest.NewRequest("POST", "/v1/conversations/"+c.ID+"/receive", strings.NewReader(body)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	time.AfterFunc(50*time.Millisecond, cancel)
	w := httptest.NewRecorder()
	e.s.ServeHTTP(w, req)
	if w.Body.Len() != 0 {
		t.Errorf("a receive whose client went away answered %d %s", w.Code, w.Body)
	}
	text := string(e.do("GET", "/metrics", "", nil).want(t, 200).body)
	if want := `botctl_http_requests_total{code="0",route="receive"} 1`; !strings.Contains(text, want+"\n") {
		t.Errorf("metrics lack %s:\n%s", want, text)
	}
}
