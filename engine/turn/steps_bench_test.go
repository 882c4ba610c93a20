package turn

import (
	"context"
	"testing"
)

// stepsBot has one small dialog per step kind, each started by its own
// word, so that a turn is a starter match, the step of that kind, and the
// end of the dialog (or the question it asks). Templates and expressions
// read variables, as real bots' do.
const stepsBot = header + `  env: [API]
  secrets: [TOKEN]
variables: {amount: 0, name: "", tier: basic, tries: 0, status: processing, eta: ""}
integrations:
  lookup:
    url: "${env.API}/orders/${vars.amount}"
    headers: {Authorization: "Bearer ${secret.TOKEN}"}
    pre: {tries: 'vars.tries + 1'}
    success: 'result.status == 200'
    post:
      status: 'result.body.status'
      eta: 'result.body?.eta ?? ""'
dialogs:
  say:
    starters: [say]
    steps:
      - say: "Hello ${user.name}, your order ${vars.amount} is ${vars.status}."
        buttons: [Track it, Talk to us]
  ask:
    starters: [ask]
    steps:
      - ask: "How many would you like?"
        save: amount
        type: integer
        validate: 'answer > 0 && answer < 1000'
        retry: "Please give a number from 1 to 999."
  set:
    starters: [set]
    steps:
      - set:
          tries: 'vars.tries + 1'
          tier: 'vars.amount > 100 ? "gold" : "basic"'
          name: '"Ann"'
      - say: "Done."
  branch:
    starters: [branch]
    steps:
      - branch:
          - {when: 'vars.amount > 500', goto: big}
          - {when: 'vars.amount > 100', goto: medium}
          - {else: small}
      - {id: big, say: "A big one.", next: end}
      - {id: medium, say: "A medium one.", next: end}
      - {id: small, say: "A small one."}
  call:
    starters: [call]
    steps:
      - call: lookup
        rules:
          - {when: failure, goto: failed}
      - say: "Your order is ${vars.status}, arriving ${vars.eta}."
      - end
      - {id: failed, say: "The order system is down."}
  transfer:
    starters: [transfer]
    steps:
      - transfer:
          to: agent
          message: "Connecting you with ${vars.tier} support."
          skill: orders
  goto:
    starters: [goto]
    steps:
      - goto: target
  target:
    steps:
      - say: "You came through a goto."
  ending:
    starters: [end]
    steps:
      - say: "Bye for now."
      - end
      - say: "never said"
`

// stepMocks answers every call with a 200 and accepts every transfer and
// file, without recording anything (a benchmark runs millions of turns).
type stepMocks struct{}

var okResult = CallResult{Status: 200, Body: map[string]any{"status": "shipped", "eta": "2026-03-20"}}

func (stepMocks) Call(context.Context, *Request) CallResult    { return okResult }
func (stepMocks) Transfer(context.Context, *Transfer) error    { return nil }
func (stepMocks) Store(context.Context, *File) (string, error) { return "f-1", nil }

// benchStep runs one turn — input on a conversation that has taken setup —
// with Drive, so that calls and transfers are performed (by stepMocks).
func benchStep(b *testing.B, input Input, setup ...Input) {
	bot := compileBot(b, stepsBot)
	ctx := &Context{Now: testNow, Env: map[string]string{"API": "http://api.test"}, Secrets: map[string]string{"TOKEN": "t0ken"}}
	st := NewState(bot, "b", testNow, map[string]any{"name": "Ann"}, nil)
	st.Vars["amount"] = 250
	for _, in := range setup {
		var err error
		if st, _, err = Drive(context.Background(), bot, st, in, ctx, stepMocks{}); err != nil {
			b.Fatal(err)
		}
	}
	_, r, err := Drive(context.Background(), bot, st, input, ctx, stepMocks{})
	if err != nil || len(r.Errors) > 0 {
		b.Fatalf("turn failed: %v %v", err, r.Errors)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Drive(context.Background(), bot, st, input, ctx, stepMocks{}); err != nil {
			b.Fatal(err)
		}
	}
}

func msg(text string) Input { return Input{Kind: Message, Text: text} }

// BenchmarkStep runs one turn per step kind: a starter, the step, and the
// end of its dialog. Ask is the answer to an integer question with a
// validate expression; call and transfer include performing the effect.
func BenchmarkStep(b *testing.B) {
	b.Run("say", func(b *testing.B) { benchStep(b, msg("say")) })
	b.Run("ask", func(b *testing.B) { benchStep(b, msg("42"), msg("ask")) })
	b.Run("set", func(b *testing.B) { benchStep(b, msg("set")) })
	b.Run("branch", func(b *testing.B) { benchStep(b, msg("branch")) })
	b.Run("call", func(b *testing.B) { benchStep(b, msg("call")) })
	b.Run("transfer", func(b *testing.B) { benchStep(b, msg("transfer")) })
	b.Run("goto", func(b *testing.B) { benchStep(b, msg("goto")) })
	b.Run("end", func(b *testing.B) { benchStep(b, msg("end")) })
}

// TestStepsBot checks that each dialog of the step benchmarks does what
// its benchmark claims to measure.
func TestStepsBot(t *testing.T) {
	bot := compileBot(t, stepsBot)
	ctx := &Context{Now: testNow, Env: map[string]string{"API": "http://api.test"}, Secrets: map[string]string{"TOKEN": "t0ken"}}
	cases := []struct {
		setup, input string
		want         []string
	}{
		{"", "say", []string{"< Hello Ann, your order 250 is processing.", "<< buttons Track it | Talk to us"}},
		{"ask", "42", nil},
		{"", "set", []string{"< Done."}},
		{"", "branch", []string{"< A medium one."}},
		{"", "call", []string{"< Your order is shipped, arriving 2026-03-20."}},
		{"", "transfer", []string{"< Connecting you with basic support.", "<< transfer to=agent skill=orders"}},
		{"", "goto", []string{"< You came through a goto."}},
		{"", "end", []string{"< Bye for now."}},
	}
	for _, c := range cases {
		st := NewState(bot, "b", testNow, map[string]any{"name": "Ann"}, nil)
		st.Vars["amount"] = 250
		var err error
		if c.setup != "" {
			if st, _, err = Drive(context.Background(), bot, st, msg(c.setup), ctx, stepMocks{}); err != nil {
				t.Fatal(err)
			}
		}
		st, r, err := Drive(context.Background(), bot, st, msg(c.input), ctx, stepMocks{})
		if err != nil || len(r.Errors) > 0 {
			t.Fatalf("%s: %v %v", c.input, err, r.Errors)
		}
		var got []string
		for _, o := range r.Outputs {
			got = append(got, o.Line())
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: got %q, want %q", c.input, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: got %q, want %q", c.input, got, c.want)
				break
			}
		}
		if c.input == "42" && st.Vars["amount"] != 42 {
			t.Errorf("ask: amount = %v, want 42", st.Vars["amount"])
		}
	}
}
