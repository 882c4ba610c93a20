package turn

import "testing"

// Each assignment of a set sees the ones before it; one that fails stops
// the set (those before it stay set), says error_message and ends the
// dialog.
func TestSet(t *testing.T) {
	bot := compileBot(t, header+`  error_message: Broken.
variables: {a: 0, b: 0, c: "", m: {}}
dialogs:
  chain:
    starters: [chain]
    steps:
      - set: {a: 'vars.a + 1', b: 'vars.a * 10', c: '"a=" + string(vars.a)'}
      - say: "a=${vars.a} b=${vars.b} c=${vars.c}"
  broken:
    starters: [broken]
    steps:
      - set: {a: '5', b: 'vars.m.x.y', c: '"never"'}
      - say: Never.
`)
	check(t, bot, nil, `
> chain
< a=1 b=10 c=a=1
> chain
< a=2 b=20 c=a=2
> broken
< Broken.
? vars.a == 5 && vars.b == 20 && vars.c == "a=2"
`)
}
