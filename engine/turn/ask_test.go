package turn

import (
	"testing"
)

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
<< buttons Red | Green
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

// TestAskRetryKeepsButtons checks that a retry text carries the question's
// buttons again, as a chat shows buttons with the last message only; the
// answer that uses up the attempts goes to on_fail without them.
func TestAskRetryKeepsButtons(t *testing.T) {
	bot := compileBot(t, header+`variables: {pick: "", size: ""}
dialogs:
  start:
    starters: [go]
    steps:
      - ask: Which one?
        save: pick
        type: choice
        choices: [Red, Green]
        retry: "Red or Green, ${user.name}?"
        max_attempts: 2
        on_fail: failed
      - ask: Size?
        save: size
        type: regex
        pattern: '^(S|M|L)$'
        buttons: ["S", "M", "${vars.pick == 'Red' ? 'L' : 'XL'}"]
      - say: "${vars.pick} ${vars.size}"
      - end
      - id: failed
        say: Giving up.
`)
	check(t, bot, nil, `
> go
< Which one?
<< buttons Red | Green
> blue
< Red or Green, Ann?
<< buttons Red | Green
> red
< Size?
<< buttons S | M | L
> huge
< That doesn't look right. Please try again.
<< buttons S | M | L
> M
< Red M
> go
< Which one?
<< buttons Red | Green
> blue
< Red or Green, Ann?
<< buttons Red | Green
> pink
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
