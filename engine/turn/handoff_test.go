package turn

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// billingBot receives conversations from desk. It declares topic and plan
// (also declared by desk) and invoice (not).
const billingBot = `botctl: 1
bot:
  name: billing-bot
  welcome: welcome
variables: {topic: "", plan: free, invoice: none}
nlu:
  out_of_scope: [billing, billing department, talk to billing, I have a question]
intents:
  charged_twice:
    examples: [I was charged twice, you took my money two times, double charge on my card, charged two times for one order, there is a duplicate payment]
dialogs:
  welcome:
    steps:
      - say: "Billing here. intent=${params.intent} message=${params.message} input=${input} topic=${vars.topic} plan=${vars.plan} invoice=${vars.invoice} tags=${conversation.tags}"
  duplicate:
    starters: [{intent: charged_twice}]
    steps:
      - say: "Sorry about the double charge (${intent.name})."
  invoices:
    starters: ["billing question*"]
    steps:
      - say: "About your question (${params.message}) on the ${vars.plan} plan: turn ${conversation.turn}."
`

func TestTransferToBotSingleHost(t *testing.T) {
	bot := compileBot(t, deskBot)
	st := check(t, bot, nil, `
< Hi! Say agent, quiet agent or billing.
> billing question about my invoice
< Passing you to billing.
<< transfer to=bot bot=billing-bot
? conversation.owner == "bot" && conversation.tags == ["from-desk"]
> hello?
!! the conversation was handed to the bot billing-bot, which answers it from now on; this bot takes no more input
>> agent_done
!! the conversation was handed to the bot billing-bot, which answers it from now on; this bot takes no more input
`)
	if st.HandedTo != "billing-bot" || st.Transfer == nil || !st.Transfer.Context || st.Transfer.Dialog != "billing" {
		t.Errorf("state after the handover = %+v %+v", st, st.Transfer)
	}
	_, _, err := Run(bot, st, Input{Kind: Message, Text: "x"}, nil)
	var h *HandedOffError
	if !errors.Is(err, ErrHandedOff) || !errors.As(err, &h) || h.Bot != "billing-bot" {
		t.Errorf("err = %v, want a HandedOffError naming billing-bot", err)
	}
	// A bot transfer that cannot be requested (no such bot here) takes on_failure.
	check(t, bot, &mocks{transferErr: errors.New("no bot billing-bot in this server")}, `
< Hi! Say agent, quiet agent or billing.
> billing
< Passing you to billing.
< Billing is closed.
? conversation.tags == []
> agent
< Hold on while I connect you with an agent.
< I can't reach our agents right now.
`)
}

// handOver runs desk until it hands the conversation to billing-bot with
// message text, then starts billing-bot on the state Handoff builds.
func handOver(t *testing.T, text string) (from, to State, in Input, lines []string) {
	t.Helper()
	desk := compileBot(t, deskBot)
	billing := compileBot(t, billingBot)
	ctx := &Context{Now: testNow}
	from = NewState(desk, "c7", testNow, map[string]any{"name": "Ann"}, map[string]any{"source": "web"})
	from, _, err := Drive(context.Background(), desk, from, Input{Kind: Start}, ctx, &mocks{})
	if err != nil {
		t.Fatal(err)
	}
	if from, _, err = Drive(context.Background(), desk, from, Input{Kind: Message, Text: text}, ctx, &mocks{}); err != nil {
		t.Fatal(err)
	}
	before, _ := Marshal(from)
	st, in, err := Handoff(from, billing)
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := Marshal(from); string(after) != string(before) {
		t.Errorf("Handoff modified the sending state")
	}
	st, r, err := Drive(context.Background(), billing, st, in, ctx, &mocks{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range r.Outputs {
		lines = append(lines, o.Line())
	}
	return from, st, in, lines
}

func TestHandoffWithContext(t *testing.T) {
	// The last message matches a starter of the receiving bot: that dialog
	// runs, with the sender's values of the variables billing-bot declares.
	_, st, in, lines := handOver(t, "billing question about my invoice")
	if !reflect.DeepEqual(in, Input{Kind: Start, Dialog: "invoices"}) {
		t.Errorf("input = %+v", in)
	}
	want := []string{"< About your question (billing question about my invoice) on the pro plan: turn 3."}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("billing-bot said\n%q\nwant\n%q", lines, want)
	}
	wantVars := map[string]any{"topic": "billing question about my invoice", "plan": "pro", "invoice": "none"}
	if !reflect.DeepEqual(st.Vars, wantVars) {
		t.Errorf("vars = %v, want %v", st.Vars, wantVars)
	}
	wantParams := map[string]any{"source": "web", "intent": "billing", "message": "billing question about my invoice"}
	if !reflect.DeepEqual(st.Params, wantParams) {
		t.Errorf("params = %v, want %v", st.Params, wantParams)
	}
	if st.ID != "c7" || st.Bot != "billing-bot" || st.Owner != OwnerBot || st.Turn != 3 || st.HandedTo != "" || st.Transfer != nil ||
		!reflect.DeepEqual(st.Tags, []string{"from-desk"}) || st.User["name"] != "Ann" || !st.StartedAt.Equal(testNow) {
		t.Errorf("receiving state = %+v", st)
	}

	// An intent of billing-bot: the classifier of the receiving bot hears it.
	_, _, in, lines = handOver(t, "billing: I was charged twice on my card")
	want = []string{"< Sorry about the double charge (charged_twice)."}
	if !reflect.DeepEqual(in, Input{Kind: Start, Dialog: "duplicate"}) || !reflect.DeepEqual(lines, want) {
		t.Errorf("input %+v, billing-bot said\n%q\nwant\n%q", in, lines, want)
	}

	// No starter of billing-bot matches: its welcome dialog runs, with the context.
	_, _, in, lines = handOver(t, "billing")
	want = []string{`< Billing here. intent=billing message=billing input=billing topic=billing plan=pro invoice=none tags=["from-desk"]`}
	if !reflect.DeepEqual(in, Input{Kind: Start}) || !reflect.DeepEqual(lines, want) {
		t.Errorf("input %+v, billing-bot said\n%q\nwant\n%q", in, lines, want)
	}
}

func TestHandoffWithoutContext(t *testing.T) {
	from, st, in, lines := handOver(t, "other bot")
	want := []string{`< Billing here. intent= message= input= topic= plan=free invoice=none tags=[]`}
	if !reflect.DeepEqual(in, Input{Kind: Start}) || !reflect.DeepEqual(lines, want) {
		t.Errorf("input %+v, billing-bot said\n%q\nwant\n%q", in, lines, want)
	}
	if st.Params != nil || st.Input != "" || st.ID != from.ID || st.User["name"] != "Ann" {
		t.Errorf("receiving state = %+v", st)
	}
}

func TestHandoffRefusals(t *testing.T) {
	desk := compileBot(t, deskBot)
	billing := compileBot(t, billingBot)
	st := NewState(desk, "c", testNow, nil, nil)
	if _, _, err := Handoff(st, billing); !errors.Is(err, ErrNoHandoff) {
		t.Errorf("no handoff: err = %v", err)
	}
	st.HandedTo, st.Transfer = "billing-bot", &Transfer{To: "bot", Bot: "billing-bot"}
	if _, _, err := Handoff(st, desk); err == nil || err.Error() != "the conversation was handed to the bot billing-bot, not to the bot desk" {
		t.Errorf("wrong bot: err = %v", err)
	}
	if _, _, err := Handoff(st, nil); err == nil || err.Error() != "the conversation was handed to the bot billing-bot, not to no bot" {
		t.Errorf("nil bot: err = %v", err)
	}
}

// TestExampleBotsHandoff hands the signup example to acme-support with
// context: "where is my order" starts acme-support's order_status dialog.
func TestExampleBotsHandoff(t *testing.T) {
	bots := exampleBots(t)
	signup, acme := bots["signup"], bots["acme-support"]
	ctx := &Context{Now: testNow, Env: map[string]string{"ORDERS_API": "http://o.test", "SUPPORT_API": "http://s.test"}}
	st := NewState(signup, "c", testNow, map[string]any{"name": "Ann"}, nil)
	st, _, err := Drive(context.Background(), signup, st, Input{Kind: Start}, ctx, anyMocks{})
	if err != nil {
		t.Fatal(err)
	}
	st, r, err := Drive(context.Background(), signup, st, Input{Kind: Message, Text: "where is my order"}, ctx, anyMocks{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Outputs); n < 2 || r.Outputs[n-1].Line() != "<< transfer to=bot bot=acme-support" || st.HandedTo != "acme-support" {
		t.Fatalf("signup did not hand over: %+v", r.Outputs)
	}
	next, in, err := Handoff(st, acme)
	if err != nil {
		t.Fatal(err)
	}
	if in.Dialog != "order_status" || next.Params[ParamIntent] != "order_question" {
		t.Errorf("input %+v params %v", in, next.Params)
	}
	next, r, err = Drive(context.Background(), acme, next, in, ctx, anyMocks{})
	if err != nil || len(r.Outputs) == 0 || next.Dialog != "order_status" {
		t.Errorf("acme-support did not start order_status: %v %+v", err, r.Outputs)
	}
}
