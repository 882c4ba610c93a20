package compile

import (
	"strings"
	"testing"
)

func keysOf(t *testing.T, src string) []string {
	t.Helper()
	bot, diags := compileSrc(t, src)
	if bot == nil {
		t.Fatalf("compile: %v", diags)
	}
	var keys []string
	for _, s := range bot.Dialog("d").Steps {
		keys = append(keys, s.Key)
	}
	return keys
}

const keysBot = `botctl: 1
bot: {name: k}
variables: {a: "", b: ""}
dialogs:
  d:
    starters: [go]
    steps:
%s`

// A step's key is its id, or a hash of its content that inserting,
// removing or moving other steps leaves alone.
func TestStepKeys(t *testing.T) {
	v1 := keysOf(t, strings.Replace(keysBot, "%s", `      - ask: "A?"
        save: a
      - id: second
        ask: "B?"
        save: b
      - say: done
      - say: done
`, 1))
	if v1[1] != "second" {
		t.Errorf("a step with an id has key %q, want its id", v1[1])
	}
	if !strings.HasPrefix(v1[0], "~") || len(v1[0]) != 13 {
		t.Errorf("content key %q, want ~ and 12 hex digits", v1[0])
	}
	if v1[3] != v1[2]+".2" {
		t.Errorf("identical steps: %q and %q, want the second to be the first's with .2", v1[2], v1[3])
	}
	v2 := keysOf(t, strings.Replace(keysBot, "%s", `      - say: inserted
      - ask: 'A?'
        save: a
        next: second
      - id: second
        ask: "B?"
        save: b
      - say: done
`, 1))
	if v2[1] != v1[0] {
		t.Errorf("after an insertion, quoting and next changed, the question's key is %q, want %q", v2[1], v1[0])
	}
	if v2[3] != v1[2] {
		t.Errorf("the say's key moved: %q, want %q", v2[3], v1[2])
	}
	v3 := keysOf(t, strings.Replace(keysBot, "%s", `      - ask: "A, please?"
        save: a
`, 1))
	if v3[0] == v1[0] {
		t.Errorf("a changed question kept its key %q", v3[0])
	}
}
