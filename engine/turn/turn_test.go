package turn

import (
	"strings"
	"testing"
)

const header = "botctl: 1\nbot:\n  name: t\n"

func TestSayAndButtons(t *testing.T) {
	bot := compileBot(t, header+`  welcome: hello
variables: {n: 20, f: 1520.5}
dialogs:
  hello:
    steps:
      - say: ["Hi ${user.name}!", "n=${vars.n} f=${vars.f} ok=${vars.n > 3} none=${nil} list=${[1, 'a']}"]
        buttons: [Yes, "No ${vars.n}"]
      - say: "Literal $${not} template"
`)
	check(t, bot, nil, `
< Hi Ann!
< n=20 f=1520.5 ok=true none= list=[1,"a"]
<< buttons Yes | No 20
< Literal ${not} template
`)
}

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

func TestAskTypesAndRetries(t *testing.T) {
	bot := compileBot(t, header+`variables: {n: 0, pick: "", ok: false}
dialogs:
  start:
    starters: [go]
    steps:
      - ask: "How many?"
        save: n
        type: integer
        validate: 'answer > 0'
        max_attempts: 3
        on_fail: failed
      - ask: Which one?
        save: pick
        type: choice
        choices: [Red, Green]
      - ask: Sure?
        save: ok
        type: yes_no
        retry: "Yes or no, please. Sure?"
      - say: "n=${vars.n} pick=${vars.pick} ok=${vars.ok}"
      - end
      - id: failed
        say: Giving up.
`)
	check(t, bot, nil, `
> go
< How many?
> many
< Please enter a whole number, like 42.
> 0
< Please enter a whole number, like 42.
> 4
< Which one?
<< buttons Red | Green
> blue
< Please choose one of: Red, Green.
> 2
< Sure?
> maybe
< Yes or no, please. Sure?
> yep
< n=4 pick=Green ok=true
> go
< How many?
> a
< Please enter a whole number, like 42.
> b
< Please enter a whole number, like 42.
> c
< Giving up.
`)
}

func TestAskDefaultOnFailSaysErrorMessage(t *testing.T) {
	bot := compileBot(t, header+`  error_message: "Oops, ${user.name}."
variables: {d: ""}
dialogs:
  start:
    starters: [go]
    steps:
      - {ask: "When?", save: d, type: date, max_attempts: 1}
      - say: "Got ${vars.d}"
`)
	check(t, bot, nil, `
> go
< When?
> someday
< Oops, Ann.
> go
< When?
> tomorrow
< Got 2026-03-15
`)
}

func TestRulesAfterAsk(t *testing.T) {
	bot := compileBot(t, header+`variables: {amount: 0}
dialogs:
  start:
    starters: [go]
    steps:
      - ask: Amount?
        save: amount
        type: number
        rules:
          - {when: 'answer > 100', goto: big}
      - say: small ${vars.amount}
      - end
      - id: big
        say: big ${vars.amount}
`)
	check(t, bot, nil, `
> go
< Amount?
> 250.5
< big 250.5
> go
< Amount?
> 3
< small 3
`)
}

func TestSetBranchGoto(t *testing.T) {
	bot := compileBot(t, header+`variables: {count: 0}
dialogs:
  loop:
    starters: [count]
    steps:
      - id: top
        set: {count: 'vars.count + 1'}
      - branch:
          - {when: 'vars.count < 3', goto: top}
          - {when: 'vars.count == 3', goto: other.done}
          - {else: end}
  other:
    starters: [other]
    steps:
      - say: other start
      - id: done
        say: "counted ${vars.count}"
`)
	check(t, bot, nil, `
> count
< counted 3
> count
> other
< other start
< counted 4
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

func TestCloseRefusesLaterMessages(t *testing.T) {
	bot := compileBot(t, header+`dialogs:
  bye:
    starters: [bye]
    steps: [{say: Bye}, close]
`)
	st := check(t, bot, nil, `
> bye
< Bye
<< close
> hello
!! `+ErrClosed.Error()+`
`)
	if st.Owner != OwnerClosed {
		t.Errorf("owner = %q, want closed", st.Owner)
	}
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
