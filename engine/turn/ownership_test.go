package turn

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// propBot has every way of changing owner: transfers to an agent (with and
// without a message, retried by the escalation_failed dialog), to another
// bot, close; and things to be in the middle of: a question, a file
// question, a custom event.
const propBot = `botctl: 1
bot:
  name: prop
  welcome: hello
  max_transfer_attempts: 2
variables: {n: 0, f: null}
dialogs:
  hello:
    steps: [{say: Hi}]
  agent:
    interrupt: true
    starters: [agent]
    steps:
      - transfer: {to: agent, message: "Connecting you.", skill: support, tags: [handoff]}
        on_failure: sorry
      - id: sorry
        say: Nobody to connect to.
  quiet:
    starters: [quiet]
    steps: [{transfer: {to: agent}}]
  count:
    starters: [count]
    steps:
      - {ask: "How many?", save: n, type: integer, max_attempts: 2}
      - say: "n=${vars.n}"
  file:
    starters: [file]
    steps:
      - {ask: "Send a PDF.", save: f, type: file, accept: [pdf]}
      - say: Thanks.
  busy:
    starters: [{event: agent_escalation_failed}]
    steps:
      - say: Busy, trying again.
      - goto: agent
  back:
    starters: [{event: agent_done}]
    steps: [{say: "Back with the bot."}]
  ping:
    starters: [{event: ping}]
    steps: [{say: pong}]
  bye:
    starters: [bye]
    steps: [{say: Bye}, close]
  other:
    starters: [other bot]
    steps: [{transfer: {to: bot, bot: elsewhere, context: true}}]
`

// flakyTransfers fails transfer requests at random.
type flakyTransfers struct {
	anyMocks
	r *rand.Rand
}

func (f flakyTransfers) Transfer(context.Context, *Transfer) error {
	if f.r.IntN(4) == 0 {
		return errBoom
	}
	return nil
}

// randomInput picks a message or an event; the inputs that end the
// conversation (bye, other bot) are rare, so that long stretches of
// handoffs are explored.
func randomInput(r *rand.Rand) Input {
	switch n := r.IntN(100); {
	case n < 1:
		return Input{Kind: Message, Text: "bye"}
	case n < 2:
		return Input{Kind: Message, Text: "other bot"}
	case n < 45:
		msgs := []string{"agent", "agent", "quiet", "count", "3", "many", "file", "hello", "", "Agent please"}
		return Input{Kind: Message, Text: msgs[r.IntN(len(msgs))]}
	case n < 65:
		return Input{Kind: Event, Event: EventAgentDone}
	case n < 85:
		return Input{Kind: Event, Event: EventEscalationFail}
	case n < 90:
		return Input{Kind: Event, Event: EventUpload, Fields: map[string]string{"name": "a.pdf", "type": "application/pdf", "size": "10"}}
	case n < 95:
		return Input{Kind: Event, Event: "ping"}
	default:
		return Input{Kind: Event, Event: "custom"}
	}
}

func describeInput(in Input) string {
	if in.Kind == Event {
		return ">> " + in.Event
	}
	return "> " + in.Text
}

// checkOwnerState reports what is wrong with a state between turns.
func checkOwnerState(st State) error {
	switch st.Owner {
	case OwnerBot, OwnerAgent, OwnerClosed:
	default:
		return fmt.Errorf("owner %q is none of bot, agent, closed", st.Owner)
	}
	if st.Wait != WaitNone && st.Wait != WaitAnswer {
		return fmt.Errorf("between turns the conversation waits for %q", st.Wait)
	}
	switch {
	case st.Owner == OwnerAgent && (st.Transfer == nil || st.Transfer.To != "agent"):
		return fmt.Errorf("an agent owns the conversation but no transfer to an agent is in force: %+v", st.Transfer)
	case st.Owner == OwnerAgent && (st.Dialog != "" || st.Wait != WaitNone):
		return fmt.Errorf("an agent owns the conversation but the bot is in dialog %q waiting for %q", st.Dialog, st.Wait)
	case st.HandedTo != "" && (st.Transfer == nil || st.Transfer.To != "bot" || st.Transfer.Bot != st.HandedTo || st.Owner != OwnerBot):
		return fmt.Errorf("handed to %q, but owner %q, transfer %+v", st.HandedTo, st.Owner, st.Transfer)
	case st.Owner == OwnerBot && st.HandedTo == "" && st.Transfer != nil:
		return fmt.Errorf("the bot owns the conversation but a transfer is in force: %+v", st.Transfer)
	case st.TransferFailures < 0:
		return fmt.Errorf("transfer failures %d", st.TransferFailures)
	}
	return nil
}

// TestOwnershipProperty feeds random sequences of messages and events to a
// bot that transfers, and checks after every input that the conversation is
// in a valid owner state, that the bot never answers while an agent owns
// the conversation, and that every input that makes no sense in the owner
// state is refused and changes nothing.
func TestOwnershipProperty(t *testing.T) {
	bot := compileBot(t, propBot)
	seen := map[string]int{}
	for seed := uint64(1); seed <= 300; seed++ {
		r := rand.New(rand.NewPCG(seed, 42))
		p := flakyTransfers{r: r}
		ctx := &Context{Now: testNow}
		st := NewState(bot, "p", testNow, nil, nil)
		st, _, err := Drive(context.Background(), bot, st, Input{Kind: Start}, ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		var history []string
		for i := 0; i < 80; i++ {
			in := randomInput(r)
			history = append(history, describeInput(in))
			fail := func(format string, args ...any) {
				t.Helper()
				t.Fatalf("seed %d, after\n%s\n%s", seed, strings.Join(history, "\n"), fmt.Sprintf(format, args...))
			}
			before, _ := Marshal(st)
			owner, handed := st.Owner, st.HandedTo != ""
			next, reply, err := Drive(context.Background(), bot, st, in, ctx, p)
			agentEvent := in.Kind == Event && (in.Event == EventAgentDone || in.Event == EventEscalationFail)

			// What must be refused, is, and changes nothing.
			var want error
			switch {
			case owner == OwnerClosed:
				want = ErrClosed
			case handed:
				want = ErrHandedOff
			case owner == OwnerAgent && in.Kind == Event && !agentEvent:
				want = ErrAgentOwns
			case owner == OwnerBot && agentEvent:
				want = ErrNoAgent
			}
			if want != nil {
				if !errors.Is(err, want) {
					fail("err = %v, want %v", err, want)
				}
				seen["refused "+want.Error()]++
			}
			if err != nil {
				if errors.Is(err, ErrNoFileAsked) {
					seen["no file asked"]++
				} else if want == nil {
					fail("unexpected refusal: %v", err)
				}
				if after, _ := Marshal(next); string(after) != string(before) {
					fail("a refused input changed the state:\n%s\n%s", before, after)
				}
				if len(reply.Outputs) > 0 || len(reply.Effects) > 0 {
					fail("a refused input produced %+v", reply)
				}
				if owner == OwnerClosed || handed {
					// Over: go on with a new conversation.
					st, _, _ = Drive(context.Background(), bot, NewState(bot, "p", testNow, nil, nil), Input{Kind: Start}, ctx, p)
					history = append(history, "# new conversation")
				}
				continue
			}

			// The bot never answers while an agent owns the conversation.
			if owner == OwnerAgent && !agentEvent {
				if len(reply.Outputs) > 0 || len(reply.Effects) > 0 || next.Owner != OwnerAgent {
					fail("the bot answered while an agent owns the conversation: %+v, owner after %q", reply.Outputs, next.Owner)
				}
				if next.Turn != st.Turn+1 || next.Input != in.Text {
					fail("the message was not recorded: turn %d→%d, input %q", st.Turn, next.Turn, next.Input)
				}
				seen["message for the agent"]++
			}
			// Within a reply, nothing follows the handover to an agent.
			for j, o := range reply.Outputs {
				if o.Kind == OutTransfer && o.Transfer.To == "agent" && j != len(reply.Outputs)-1 {
					fail("outputs after the transfer to an agent: %+v", reply.Outputs[j:])
				}
			}
			if err := checkOwnerState(next); err != nil {
				fail("%v\nstate: %+v", err, next)
			}
			data, _ := Marshal(next)
			back, err := Unmarshal(data)
			if err != nil {
				fail("%v", err)
			}
			if again, _ := Marshal(back); string(again) != string(data) {
				fail("the state does not survive a JSON round trip:\n%s\n%s", data, again)
			}
			if owner != next.Owner {
				seen[owner+" → "+next.Owner]++
			}
			switch {
			case in.Event == EventEscalationFail && next.TransferFailures >= bot.MaxTransferAttempts:
				if len(reply.Outputs) != 1 || reply.Outputs[0].Text != "Not able to transfer to Agent at this time. Please try later." || next.Owner != OwnerBot {
					fail("failure %d in a row: owner %q, outputs %+v, want transfer_failed_message alone", next.TransferFailures, next.Owner, reply.Outputs)
				}
				seen["past max_transfer_attempts"]++
			case in.Event == EventEscalationFail:
				if next.TransferFailures != st.TransferFailures+1 || len(reply.Outputs) == 0 || reply.Outputs[0].Text != "Busy, trying again." {
					fail("failure %d in a row: outputs %+v, want the busy dialog", next.TransferFailures, reply.Outputs)
				}
			case in.Event == EventAgentDone:
				if next.TransferFailures != 0 || next.Owner != OwnerBot || len(reply.Outputs) != 1 || reply.Outputs[0].Text != "Back with the bot." {
					fail("agent_done: failures %d, owner %q, outputs %+v", next.TransferFailures, next.Owner, reply.Outputs)
				}
			}
			st = next
		}
	}
	// The walk must have gone everywhere that matters.
	for _, k := range []string{"bot → agent", "agent → bot", "bot → closed", "message for the agent",
		"refused " + ErrNoAgent.Error(), "refused " + ErrAgentOwns.Error(), "refused " + ErrClosed.Error(),
		"refused " + ErrHandedOff.Error(), "past max_transfer_attempts"} {
		if seen[k] == 0 {
			t.Errorf("the random walk never saw %q; seen: %v", k, seen)
		}
	}
}
