package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
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
	turn := make(chan response, 1)
	e = newEnv(t, WithStore(store.NewMemory()), WithBots(bot), WithCaller(caller), WithOnEvent(func(ev Event) {
		if m, ok := ev.Data.(Message); ok && m.Text == "Hello!" {
			go func() {
				turn <- e.do("POST", "/v1/conversations/"+ev.Conversation+"/complete", adminKey, map[string]string{"text": "hi"})
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
	tr := <-turn
	if tr.status != http.StatusOK || strings.Contains(tr.String(), "call_outcome_unknown") {
		t.Errorf("the turn during the welcome call: %d %s", tr.status, tr.body)
	}
	if n := caller.calls.Load(); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}
