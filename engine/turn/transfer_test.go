package turn

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

// deskBot hands conversations to agents and to the bot billing-bot. Its
// escalation_failed dialog retries the transfer at once, the loop that
// max_transfer_attempts (2 here) must break.
const deskBot = `botctl: 1
bot:
  name: desk
  welcome: hello
  max_transfer_attempts: 2
  transfer_failed_message: "No agent can take this now, ${user.name}. Please try later."
variables: {skill: billing, topic: "", plan: basic, note: ""}
dialogs:
  hello:
    steps: [{say: "Hi! Say agent, quiet agent or billing."}]
  agent:
    starters: [agent]
    steps:
      - transfer:
          to: agent
          message: "Hold on while I connect you with an agent."
          skill: "${vars.skill}"
          agent: "4711"
          tags: [bot-handoff, desk]
        on_failure: sorry
        next: end
      - id: sorry
        say: "I can't reach our agents right now."
  quiet:
    starters: [quiet agent]
    steps:
      - delay: 2s
        transfer: {to: agent, message: "", tags: [quiet]}
  busy:
    starters: [{event: agent_escalation_failed}]
    steps:
      - say: "All agents are busy; trying again."
      - goto: agent
  back:
    starters: [{event: agent_done}]
    steps:
      - say: "Welcome back, ${user.name}! Tags: ${conversation.tags}"
  note:
    starters: [{event: note}]
    steps: [{say: "Noted."}]
  billing:
    starters: ["billing*"]
    steps:
      - set: {topic: input, plan: '"pro"', note: '"from desk"'}
      - transfer: {to: bot, bot: billing-bot, context: true, message: "Passing you to billing.", tags: [from-desk]}
        on_failure: no_billing
        next: end
      - id: no_billing
        say: "Billing is closed."
  plain:
    starters: [other bot]
    steps:
      - transfer: {to: bot, bot: billing-bot}
`

func TestTransferToAgentWithMessage(t *testing.T) {
	bot := compileBot(t, deskBot)
	p := &mocks{}
	st := check(t, bot, p, `
< Hi! Say agent, quiet agent or billing.
? conversation.owner == "bot" && conversation.tags == []
> agent
< Hold on while I connect you with an agent.
<< transfer to=agent skill=billing agent=4711
? conversation.owner == "agent"
? conversation.tags == ["bot-handoff", "desk"] && "desk" in conversation.tags
`)
	want := []*Transfer{{To: "agent", Skill: "billing", Agent: "4711", Tags: []string{"bot-handoff", "desk"},
		Dialog: "agent", Message: "Hold on while I connect you with an agent."}}
	if !reflect.DeepEqual(p.transfers, want) {
		t.Errorf("transfers requested = %+v, want %+v", p.transfers, want)
	}
	if st.Owner != OwnerAgent || st.Dialog != "" || st.Wait != WaitNone || st.Transfer == nil || st.Transfer.Skill != "billing" {
		t.Errorf("state after the handover = %+v", st)
	}
}

func TestTransferWithoutMessage(t *testing.T) {
	bot := compileBot(t, deskBot)
	check(t, bot, nil, `
< Hi! Say agent, quiet agent or billing.
> quiet agent
<< transfer to=agent
? conversation.owner == "agent" && conversation.tags == ["quiet"]
`)
	// With no message, the step's delay goes to the transfer action.
	st := NewState(bot, "c", testNow, nil, nil)
	st, r, err := Drive(context.Background(), bot, st, Input{Kind: Message, Text: "quiet agent"}, &Context{Now: testNow}, &mocks{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Outputs) != 1 || r.Outputs[0].Kind != OutTransfer || r.Outputs[0].Delay != 2*time.Second {
		t.Errorf("outputs = %+v, want one transfer action after 2s", r.Outputs)
	}
	if st.Owner != OwnerAgent {
		t.Errorf("owner = %q", st.Owner)
	}
}

// TestTransferTurnByTurn shows the steps a host that does not use Drive
// sees: the message and the request, then, once requested, the action and
// the owner change.
func TestTransferTurnByTurn(t *testing.T) {
	bot := compileBot(t, deskBot)
	ctx := &Context{Now: testNow}
	st := NewState(bot, "c", testNow, nil, nil)
	st, r, err := Run(bot, st, Input{Kind: Message, Text: "agent"}, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Outputs) != 1 || r.Outputs[0].Line() != "< Hold on while I connect you with an agent." {
		t.Errorf("step outputs = %+v", r.Outputs)
	}
	if len(r.Effects) != 1 || r.Effects[0].Kind != EffTransfer || r.Effects[0].Transfer.Skill != "billing" {
		t.Fatalf("step effects = %+v", r.Effects)
	}
	if st.Owner != OwnerBot || st.Wait != WaitTransfer || len(st.Tags) != 0 {
		t.Errorf("while requesting: owner %q wait %q tags %q", st.Owner, st.Wait, st.Tags)
	}
	if _, _, err := Run(bot, st, Input{Kind: Message, Text: "hello"}, ctx); !errors.Is(err, ErrBusy) {
		t.Errorf("a message while the transfer is requested: err = %v, want ErrBusy", err)
	}
	data, _ := Marshal(st)
	if st, err = Unmarshal(data); err != nil {
		t.Fatal(err)
	}
	st, r, err = Run(bot, st, Input{Kind: TransferDone}, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Outputs) != 1 || r.Outputs[0].Line() != "<< transfer to=agent skill=billing agent=4711" {
		t.Errorf("outputs once requested = %+v", r.Outputs)
	}
	if st.Owner != OwnerAgent || st.Wait != WaitNone || !reflect.DeepEqual(st.Tags, []string{"bot-handoff", "desk"}) {
		t.Errorf("once requested: owner %q wait %q tags %q", st.Owner, st.Wait, st.Tags)
	}
	if _, _, err := Run(bot, st, Input{Kind: TransferDone}, ctx); !errors.Is(err, ErrNotWaiting) {
		t.Errorf("a second TransferDone: err = %v, want ErrNotWaiting", err)
	}
}

// TestTransferRequestFails: a transfer that cannot even be requested takes
// on_failure (or says transfer_failed_message), shows no transfer action,
// adds no tags and leaves the bot in charge; the next request goes through.
func TestTransferRequestFails(t *testing.T) {
	bot := compileBot(t, deskBot)
	p := &mocks{transferErrs: []error{errBoom, errBoom, nil}}
	check(t, bot, p, `
< Hi! Say agent, quiet agent or billing.
> agent
< Hold on while I connect you with an agent.
< I can't reach our agents right now.
? conversation.owner == "bot" && conversation.tags == []
> quiet agent
< No agent can take this now, Ann. Please try later.
? conversation.owner == "bot" && conversation.tags == []
> agent
< Hold on while I connect you with an agent.
<< transfer to=agent skill=billing agent=4711
? conversation.owner == "agent"
`)
	st := NewState(bot, "c", testNow, nil, nil)
	_, r, err := Drive(context.Background(), bot, st, Input{Kind: Message, Text: "agent"}, &Context{Now: testNow}, &mocks{transferErr: errBoom})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Errors, []string{"transfer could not be requested: boom"}) {
		t.Errorf("errors = %q", r.Errors)
	}
}

// TestEscalationFailsOnceThenSucceeds: the failure runs the
// agent_escalation_failed dialog (which transfers again); agent_done then
// hands back and runs its dialog.
func TestEscalationFailsOnceThenSucceeds(t *testing.T) {
	bot := compileBot(t, deskBot)
	st := check(t, bot, nil, `
< Hi! Say agent, quiet agent or billing.
> agent
< Hold on while I connect you with an agent.
<< transfer to=agent skill=billing agent=4711
>> agent_escalation_failed
< All agents are busy; trying again.
< Hold on while I connect you with an agent.
<< transfer to=agent skill=billing agent=4711
? conversation.owner == "agent"
> are you there?
>> agent_done
< Welcome back, Ann! Tags: ["bot-handoff","desk"]
? conversation.owner == "bot"
> agent
< Hold on while I connect you with an agent.
<< transfer to=agent skill=billing agent=4711
>> agent_escalation_failed
< All agents are busy; trying again.
< Hold on while I connect you with an agent.
<< transfer to=agent skill=billing agent=4711
`)
	if st.TransferFailures != 1 {
		t.Errorf("transfer failures = %d, want 1 (agent_done reset the count)", st.TransferFailures)
	}
}

// TestEscalationFailsPastMax: the max_transfer_attempts-th failure in a row,
// and every one after it, sends transfer_failed_message and starts no
// dialog; agent_done resets the count.
func TestEscalationFailsPastMax(t *testing.T) {
	bot := compileBot(t, deskBot)
	check(t, bot, nil, `
< Hi! Say agent, quiet agent or billing.
> agent
< Hold on while I connect you with an agent.
<< transfer to=agent skill=billing agent=4711
>> agent_escalation_failed
< All agents are busy; trying again.
< Hold on while I connect you with an agent.
<< transfer to=agent skill=billing agent=4711
>> agent_escalation_failed
< No agent can take this now, Ann. Please try later.
? conversation.owner == "bot"
> quiet agent
<< transfer to=agent
>> agent_escalation_failed
< No agent can take this now, Ann. Please try later.
> quiet agent
<< transfer to=agent
>> agent_done
< Welcome back, Ann! Tags: ["bot-handoff","desk","quiet"]
> quiet agent
<< transfer to=agent
>> agent_escalation_failed
< All agents are busy; trying again.
< Hold on while I connect you with an agent.
<< transfer to=agent skill=billing agent=4711
`)
}

// TestEscalationDefaults: with no event-starter dialogs nothing is said on
// a failure or on agent_done, and the default max (3) and message apply.
func TestEscalationDefaults(t *testing.T) {
	bot := compileBot(t, header+`dialogs:
  agent:
    starters: [agent]
    steps: [{transfer: {to: agent}}]
`)
	st := check(t, bot, nil, `
> agent
<< transfer to=agent
>> agent_escalation_failed
> agent
<< transfer to=agent
>> agent_escalation_failed
> agent
<< transfer to=agent
>> agent_escalation_failed
< Not able to transfer to Agent at this time. Please try later.
> agent
<< transfer to=agent
>> agent_done
? conversation.owner == "bot"
`)
	if st.TransferFailures != 0 || st.Transfer != nil {
		t.Errorf("after agent_done: failures %d transfer %+v", st.TransferFailures, st.Transfer)
	}
}

// TestMessagesWhileAgentOwns: messages are recorded (turn, input) with no
// reply, not even from an interrupting starter; events other than the agent
// events are refused, and so are agent events while the bot owns it.
func TestMessagesWhileAgentOwns(t *testing.T) {
	bot := compileBot(t, deskBot)
	st := check(t, bot, nil, `
< Hi! Say agent, quiet agent or billing.
>> agent_done
!! event agent_done refused: `+ErrNoAgent.Error()+`
>> agent_escalation_failed
!! event agent_escalation_failed refused: `+ErrNoAgent.Error()+`
>> note
< Noted.
> agent
< Hold on while I connect you with an agent.
<< transfer to=agent skill=billing agent=4711
? conversation.turn == 3
> hello? anyone?
> agent
> billing please
? conversation.owner == "agent" && conversation.turn == 6 && input == "billing please"
>> note
!! event note refused: `+ErrAgentOwns.Error()+`
>> upload name=a.pdf type=application/pdf size=10
!! event upload refused: `+ErrAgentOwns.Error()+`
? conversation.turn == 6
>> agent_done
< Welcome back, Ann! Tags: ["bot-handoff","desk"]
? conversation.turn == 7 && input == "billing please"
`)
	if st.Owner != OwnerBot {
		t.Errorf("owner = %q", st.Owner)
	}

	// Start, too, is refused while an agent owns the conversation.
	st.Owner, st.Transfer = OwnerAgent, &Transfer{To: "agent"}
	if _, _, err := Run(bot, st, Input{Kind: Start}, nil); !errors.Is(err, ErrAgentOwns) || err.Error() != "start refused: "+ErrAgentOwns.Error() {
		t.Errorf("start while the agent owns it: err = %v", err)
	}
	// The trace says why the bot is silent.
	_, r, err := Run(bot, st, Input{Kind: Message, Text: "hi"}, &Context{Now: testNow, Trace: true})
	if err != nil || len(r.Outputs) != 0 || len(r.Trace) != 1 || r.Trace[0].String() != "agent: message for the agent; the bot does not answer" {
		t.Errorf("message while the agent owns it: %v %+v", err, r)
	}
}
