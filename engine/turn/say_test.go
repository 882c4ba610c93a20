package turn

import (
	"strings"
	"testing"
	"time"
)

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

// A template that fails stops the say where it is: what came before it is
// said, then error_message, and the dialog ends; the author sees why.
func TestSayTemplateFails(t *testing.T) {
	bot := compileBot(t, header+`  error_message: "Broken, ${user.name}."
variables: {n: 1}
dialogs:
  d:
    starters: [go]
    steps:
      - say: ["First.", "${vars.n.x}", "Never."]
      - say: Never either.
`)
	st := NewState(bot, "c", testNow, map[string]any{"name": "Ann"}, nil)
	_, r, err := Run(bot, st, Input{Kind: Message, Text: "go"}, &Context{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, o := range r.Outputs {
		lines = append(lines, o.Line())
	}
	if got, want := strings.Join(lines, "\n"), "< First.\n< Broken, Ann."; got != want {
		t.Errorf("outputs:\n%s\nwant:\n%s", got, want)
	}
	if len(r.Errors) != 1 || r.Errors[0] != "d#1: cannot fetch x from int" {
		t.Errorf("errors = %q", r.Errors)
	}
}

// The step's delay comes before its first message only.
func TestSayDelay(t *testing.T) {
	bot := compileBot(t, header+`dialogs:
  d:
    starters: [go]
    steps:
      - {delay: 2s, say: [One, Two]}
`)
	_, r, err := Run(bot, NewState(bot, "c", testNow, nil, nil), Input{Kind: Message, Text: "go"}, &Context{Now: testNow})
	if err != nil || len(r.Outputs) != 2 || r.Outputs[0].Delay != 2*time.Second || r.Outputs[1].Delay != 0 {
		t.Errorf("outputs %+v, %v; want One after 2s, then Two at once", r.Outputs, err)
	}
}
