package server

import (
	"reflect"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/mock"
)

// orderMocks answers the shop bot's lookup with two statuses: the first
// call of a conversation gets "shipped", every later one "lost".
var orderMocks = mock.Set{"lookup": {
	{Status: 200, Body: map[string]any{"status": "shipped"}},
	{Status: 200, Body: map[string]any{"status": "lost"}},
}}

// lookup asks the shop bot about an order and returns its answer.
func (e *env) lookup(c CreateResponse, order string) string {
	e.t.Helper()
	if got, want := lines(e.say(c.ID, c.Token, "order").Messages), "< Order number?\n"; got != want {
		e.t.Fatalf("got\n%swant\n%s", got, want)
	}
	return lines(e.say(c.ID, c.Token, order).Messages)
}

// TestMocksPerConversation checks WithMocks: two conversations, their
// lookups interleaved, each get the mocks in its own order — the first,
// then the second, which repeats — and the Caller is not used.
func TestMocksPerConversation(t *testing.T) {
	e := newEnv(t, WithMocks(orderMocks))
	a, b := e.create(nil), e.create(nil)
	steps := []struct {
		conv  CreateResponse
		order string
		want  string
	}{
		{a, "101", "< Order 101 is shipped.\n"},
		{b, "201", "< Order 201 is shipped.\n"},
		{a, "102", "< Order 102 is lost.\n"},
		{a, "103", "< Order 103 is lost.\n"},
		{b, "202", "< Order 202 is lost.\n"},
		{b, "203", "< Order 203 is lost.\n"},
	}
	for i, s := range steps {
		if got := e.lookup(s.conv, s.order); got != s.want {
			t.Errorf("step %d, order %s: got\n%swant\n%s", i+1, s.order, got, s.want)
		}
	}
	if len(e.mocks.Calls) != 0 {
		t.Errorf("the Caller was called with mocks set: %+v", e.mocks.Calls)
	}
	// A conversation started after many calls still gets the first mock.
	c := e.create(nil)
	if got, want := e.lookup(c, "301"), "< Order 301 is shipped.\n"; got != want {
		t.Errorf("a new conversation: got\n%swant\n%s", got, want)
	}
}

// TestMocksAfterRestart checks that the count of a conversation's calls
// comes from its stored log, not from the process: a new server on the
// same store goes on with the second mock for a conversation that made a
// call, and starts a new one at the first.
func TestMocksAfterRestart(t *testing.T) {
	e := newEnv(t, WithMocks(orderMocks))
	a := e.create(nil)
	if got, want := e.lookup(a, "101"), "< Order 101 is shipped.\n"; got != want {
		t.Fatalf("got\n%swant\n%s", got, want)
	}
	again := newEnv(t, WithStore(e.s.store), WithMocks(orderMocks))
	if got, want := again.lookup(a, "102"), "< Order 102 is lost.\n"; got != want {
		t.Errorf("after the restart: got\n%swant\n%s", got, want)
	}
	b := again.create(nil)
	if got, want := again.lookup(b, "201"), "< Order 201 is shipped.\n"; got != want {
		t.Errorf("a new conversation after the restart: got\n%swant\n%s", got, want)
	}
}

// TestMocksCountCalls checks the count read from a log: the calls up to
// a turn's starting entry, by integration, read a few entries at a time.
func TestMocksCountCalls(t *testing.T) {
	e := newEnv(t, WithMocks(orderMocks))
	a := e.create(nil)
	for _, order := range []string{"101", "102", "103"} {
		e.lookup(a, order)
	}
	// The log: start, the welcome's say and buttons (1-3), then per
	// lookup: > order, < Order number?, > 101, the call, < Order 101 is
	// shipped. The calls are entries 7, 12 and 17 of 18.
	rec, err := e.s.store.Get(t.Context(), a.ID)
	if err != nil || rec.LastSeq != 18 {
		t.Fatalf("last seq %d, %v; want 18", rec.LastSeq, err)
	}
	defer func(n int) { logPage = n }(logPage)
	logPage = 4
	for _, c := range []struct {
		last int64
		want map[string]int
	}{
		{18, map[string]int{"lookup": 3}},
		{17, map[string]int{"lookup": 3}},
		{16, map[string]int{"lookup": 2}},
		{12, map[string]int{"lookup": 2}},
		{11, map[string]int{"lookup": 1}},
		{6, map[string]int{}},
		{0, map[string]int{}},
	} {
		got, err := e.s.countCalls(t.Context(), a.ID, c.last)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("up to entry %d: %v, %v; want %v", c.last, got, err, c.want)
		}
	}
}

// A mock that echoes a secret is redacted like a real response: neither
// the answer, the variables nor the exported transcript show it.
func TestMocksRedactSecrets(t *testing.T) {
	secret, ok := lookupTestEnv("ORDERS_TOKEN")
	if !ok || secret == "" {
		t.Fatal("the test environment has no ORDERS_TOKEN")
	}
	e := newEnv(t, WithMocks(mock.Set{"lookup": {{Status: 200, Body: map[string]any{"status": "token " + secret}}}}))
	c := e.create(nil)
	got := e.lookup(c, "101")
	conv := e.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).String()
	export := e.do("GET", "/v1/conversations/"+c.ID+"/transcript", adminKey, nil).want(t, 200).String()
	for what, s := range map[string]string{"answer": got, "conversation": conv, "transcript": export} {
		if strings.Contains(s, secret) {
			t.Errorf("the %s shows the secret:\n%s", what, s)
		}
	}
}
