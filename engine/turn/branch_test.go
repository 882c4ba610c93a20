package turn

import (
	"testing"
)

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

// A branch takes the first rule that holds, else goes on to the next
// step; a condition that fails says error_message and ends the dialog.
func TestBranch(t *testing.T) {
	bot := compileBot(t, header+`  error_message: Broken.
variables: {n: 0, m: {}}
dialogs:
  size:
    starters: ["size *"]
    steps:
      - set: {n: 'int(trim(input[5:]))'}
      - branch:
          - {when: 'vars.n > 100', goto: big}
          - {when: 'vars.n > 10', goto: medium}
          - {when: 'vars.n > 100000', goto: never}
      - say: "Small: ${vars.n}."
      - end
      - {id: big, say: Big., next: end}
      - {id: medium, say: Medium., next: end}
      - {id: never, say: Never.}
  other:
    starters: [other]
    steps:
      - branch:
          - {when: 'false', goto: never}
          - {else: done}
      - {id: never, say: Never., next: end}
      - {id: done, say: Else.}
  broken:
    starters: [broken]
    steps:
      - branch:
          - {when: 'vars.m.x.y > 1', goto: never}
      - say: Never.
      - {id: never, say: Never either.}
`)
	check(t, bot, nil, `
> size 5000
< Big.
> size 50
< Medium.
> size 5
< Small: 5.
> other
< Else.
> broken
< Broken.
`)
}
