package turn

import (
	"strings"
	"testing"
)

const header = "botctl: 1\nbot:\n  name: t\n"

func TestStartersPrecedence(t *testing.T) {
	bot := compileBot(t, header+`dialogs:
  regex:
    starters: [{regex: 'order'}]
    steps: [{say: regex}]
  short_wild:
    starters: ["order*"]
    steps: [{say: short wildcard}]
  long_wild:
    starters: ["order stat*"]
    steps: [{say: long wildcard}]
  exact:
    starters: ["Order   Status"]
    steps: [{say: exact}]
`)
	check(t, bot, nil, `
> order status
< exact
> ORDER  status
< exact
> order stats please
< long wildcard
> order 123
< short wildcard
> my order
< regex
> hello
< `+DefaultFallback+`
`)
}

func TestFallbackDialog(t *testing.T) {
	bot := compileBot(t, header+`  fallback: fb
dialogs:
  fb:
    steps: [{say: "I heard ${input}"}]
`)
	check(t, bot, nil, `
> something odd
< I heard something odd
`)
}

func TestInterrupt(t *testing.T) {
	bot := compileBot(t, header+`variables: {name: ""}
dialogs:
  ask_name:
    starters: [name]
    steps:
      - {ask: "Your name?", save: name}
      - say: Hello ${vars.name}
  help:
    starters: [help]
    steps: [{say: Plain help}]
  cancel:
    interrupt: true
    starters: [cancel]
    steps: [{say: Cancelled}]
`)
	check(t, bot, nil, `
> name
< Your name?
> help
< Hello help
> name
< Your name?
> cancel
< Cancelled
> Bob
< `+DefaultFallback+`
`)
}

func TestStepGuard(t *testing.T) {
	bot := compileBot(t, header+`  error_message: Broken.
variables: {n: 0}
dialogs:
  spin:
    starters: [spin]
    steps:
      - id: a
        set: {n: 'vars.n + 1'}
      - branch:
          - {when: 'vars.n > 0', goto: a}
      - ask: never
        save: n
`)
	st := NewState(bot, "x", testNow, nil, nil)
	st, reply, err := Run(bot, st, Input{Kind: Message, Text: "spin"}, &Context{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(reply.Outputs) != 1 || reply.Outputs[0].Text != "Broken." {
		t.Errorf("outputs = %+v, want the error message", reply.Outputs)
	}
	if len(reply.Errors) != 1 || !strings.Contains(reply.Errors[0], "without waiting for the user") {
		t.Errorf("errors = %q", reply.Errors)
	}
	if st.Dialog != "" || st.Wait != WaitNone {
		t.Errorf("dialog not ended: %+v", st)
	}
}

func TestTurnIsPure(t *testing.T) {
	bot := compileBot(t, header+`variables: {n: 0, tags: []}
dialogs:
  inc:
    starters: [inc]
    steps: [{set: {n: 'vars.n + 1'}}, {say: "${vars.n}"}]
`)
	st := NewState(bot, "x", testNow, nil, nil)
	before, _ := Marshal(st)
	st2, _, err := Run(bot, st, Input{Kind: Message, Text: "inc"}, &Context{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := Marshal(st)
	if string(before) != string(after) {
		t.Errorf("Turn modified its input state:\n%s\n%s", before, after)
	}
	if st2.Vars["n"] != 1 {
		t.Errorf("n = %v, want 1", st2.Vars["n"])
	}
}

// TestMessageRefusalMatchesTurn: what a host checks before queuing a
// message is exactly what Turn refuses it with.
func TestMessageRefusalMatchesTurn(t *testing.T) {
	bot := compileBot(t, header+`dialogs:
  d:
    starters: [hi]
    steps: [{say: hello}]
`)
	base := NewState(bot, "c", testNow, nil, nil)
	states := map[string]func(*State){
		"open":      func(*State) {},
		"closed":    func(s *State) { s.Owner = OwnerClosed },
		"handed":    func(s *State) { s.HandedTo = "other" },
		"agent":     func(s *State) { s.Owner = OwnerAgent },
		"call":      func(s *State) { s.Wait = WaitCall },
		"upload":    func(s *State) { s.Wait = WaitUpload },
		"transfer":  func(s *State) { s.Wait = WaitTransfer },
		"answer":    func(s *State) { s.Wait = WaitAnswer },
		"other bot": func(s *State) { s.Bot = "someone-else" },
	}
	for name, set := range states {
		st := base.clone()
		set(&st)
		_, _, turnErr := Run(bot, st, Input{Kind: Message, Text: "hi"}, &Context{Now: testNow})
		checkErr := MessageRefusal(bot, st)
		if (turnErr == nil) != (checkErr == nil) || (turnErr != nil && turnErr.Error() != checkErr.Error()) {
			t.Errorf("%s: Turn refuses with %v, MessageRefusal says %v", name, turnErr, checkErr)
		}
	}
}
