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
