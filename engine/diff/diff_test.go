package diff

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/graph"
)

// load compiles one bot written in a test; the header and variables are
// added so that the test only writes the dialogs.
func load(t *testing.T, name, dialogs string) *graph.Bot {
	t.Helper()
	src := "botctl: 1\nbot:\n  name: shop\n" +
		"variables:\n  number: \"\"\n  email: \"\"\n  size: \"\"\n  doc: null\n" +
		"integrations:\n  lookup:\n    url: https://example.com/orders\n  other:\n    url: https://example.com/other\n" +
		"dialogs:\n" + dialogs
	path := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bot, diags := engine.Load(path)
	if diags.HasErrors() {
		t.Fatalf("%s does not compile: %v\n%s", name, diags, src)
	}
	return bot
}

// summary is a Report in a few words per line, without positions (the
// bots of these tests live in temporary directories):
//
//	step-changed order.number [question]
//	unmigratable order.number: question changed
func summary(r Report) string {
	var b strings.Builder
	for _, c := range r.Changes {
		b.WriteString(string(c.Kind) + " " + name(c.Old, c.New))
		if c.Kind == StepMoved {
			b.WriteString(" " + strconv.Itoa(c.Old.Step) + "->" + strconv.Itoa(c.New.Step))
		}
		if len(c.Fields) > 0 {
			b.WriteString(" [" + strings.Join(c.Fields, " ") + "]")
		}
		b.WriteString("\n")
	}
	for _, u := range r.Unmigratable {
		b.WriteString("unmigratable " + name(&u.Old, u.New) + ": " + u.Reason + "\n")
	}
	return b.String()
}

const base = `  order:
    starters: [order]
    steps:
      - id: number
        ask: "Your order number?"
        save: number
      - id: lookup
        call: lookup
      - say: "Thanks."
`

func TestCompare(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{
			name: "same bot",
			old:  base, new: base,
			want: "",
		},
		{
			// A goto step never falls through, so the step after it is not
			// one of its targets.
			name: "step inserted after a goto",
			old:  "  order:\n    starters: [order]\n    steps:\n      - {id: jump, goto: done}\n      - {id: done, say: Done.}\n",
			new:  "  order:\n    starters: [order]\n    steps:\n      - {id: jump, goto: done}\n      - {id: extra, say: Extra.}\n      - {id: done, say: Done.}\n",
			want: "step-added order.extra\n",
		},
		{
			// The new question is added; the old one keeps its key, is
			// not moved (its number changes, its place among the others
			// does not) and migrates.
			name: "question inserted before another",
			old:  base,
			new: `  order:
    starters: [order]
    steps:
      - id: email
        ask: "Your email?"
        save: email
      - id: number
        ask: "Your order number?"
        save: number
      - id: lookup
        call: lookup
      - say: "Thanks."
`,
			want: "step-added order.email\n",
		},
		{
			name: "question text changed",
			old:  base,
			new:  strings.Replace(base, "Your order number?", "Which order?", 1),
			want: "step-changed order.number [question]\n" +
				"unmigratable order.number: question changed\n",
		},
		{
			name: "save target changed",
			old:  base,
			new:  strings.Replace(base, "save: number", "save: email", 1),
			want: "step-changed order.number [save]\n" +
				"unmigratable order.number: saves to another variable\n",
		},
		{
			name: "answer type changed",
			old:  base,
			new:  strings.Replace(base, "save: number", "save: number\n        type: integer", 1),
			want: "step-changed order.number [type]\n" +
				"unmigratable order.number: answer type changed\n",
		},
		{
			name: "choices changed",
			old:  strings.Replace(base, "save: number", "save: size\n        type: choice\n        choices: [S, M]", 1),
			new:  strings.Replace(base, "save: number", "save: size\n        type: choice\n        choices: [S, M, L]", 1),
			want: "step-changed order.number [choices]\n" +
				"unmigratable order.number: choices changed\n",
		},
		{
			name: "file question accepts other types",
			old:  strings.Replace(base, "save: number", "save: doc\n        type: file\n        accept: [pdf]", 1),
			new:  strings.Replace(base, "save: number", "save: doc\n        type: file\n        accept: [pdf, png]", 1),
			want: "step-changed order.number [accept]\n" +
				"unmigratable order.number: accepted file types changed\n",
		},
		{
			// What follows a question may change: that is what migrating
			// is for.
			name: "retry and rules changed",
			old:  base,
			new: strings.Replace(base, "save: number", "save: number\n        retry: \"Again?\"\n"+
				"        rules:\n          - {when: 'answer == \"0\"', goto: end}", 1),
			want: "step-changed order.number [targets]\n",
		},
		{
			name: "step removed",
			old:  base,
			new:  strings.Replace(base, "      - id: number\n        ask: \"Your order number?\"\n        save: number\n", "", 1),
			want: "step-removed order.number\n" +
				"unmigratable order.number: removed\n",
		},
		{
			name: "call of another integration",
			old:  base,
			new:  strings.Replace(base, "call: lookup", "call: other", 1),
			want: "step-changed order.lookup [integration]\n" +
				"unmigratable order.lookup: calls another integration\n",
		},
		{
			name: "ask becomes say",
			old:  base,
			new:  strings.Replace(base, "ask: \"Your order number?\"\n        save: number", "say: \"Your order number?\"", 1),
			want: "step-changed order.number [kind]\n" +
				"unmigratable order.number: step kind changed\n",
		},
		{
			name: "dialog renamed",
			old:  base,
			new:  strings.Replace(base, "  order:", "  orders:", 1),
			want: "dialog-removed order\n" +
				"dialog-added orders\n" +
				"unmigratable order.number: dialog renamed or removed\n" +
				"unmigratable order.lookup: dialog renamed or removed\n",
		},
		{
			// A step without an id is known by its content: change it and
			// it is another step.
			name: "step without id changed",
			old: `  order:
    steps:
      - ask: "Your order number?"
        save: number
      - say: "Thanks."
`,
			new: `  order:
    steps:
      - ask: "Which order?"
        save: number
      - say: "Thanks."
`,
			want: "step-removed order#1\n" +
				"step-added order#1\n" +
				"unmigratable order#1: removed\n",
		},
		{
			// Steps without ids keep their keys when others are inserted;
			// their numbers change, and both are shown.
			name: "step without id shifted",
			old: `  order:
    steps:
      - ask: "Your order number?"
        save: number
      - say: "Thanks."
`,
			new: `  order:
    steps:
      - say: "Hello."
      - ask: "Your order number?"
        save: number
      - say: "Thanks."
`,
			want: "step-added order#1\n",
		},
		{
			name: "steps reordered",
			old: `  order:
    steps:
      - {id: a, say: "A"}
      - {id: b, say: "B"}
      - {id: c, say: "C"}
`,
			new: `  order:
    steps:
      - {id: c, say: "C"}
      - {id: a, say: "A"}
      - {id: b, say: "B"}
`,
			// c moved; a and b keep their order. Implicit next targets
			// follow the order: c now goes on to a, b to the end.
			want: "step-moved order.c 3->1\n" +
				"step-changed order.c [targets]\n" +
				"step-changed order.b [targets]\n",
		},
		{
			name: "message of a step with an id changed",
			old:  base + "      - {id: bye, say: \"Bye.\"}\n",
			new:  base + "      - {id: bye, say: \"Goodbye.\"}\n",
			want: "step-changed order.bye [messages]\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Compare(load(t, "old", tt.old), load(t, "new", tt.new))
			if got := summary(r); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			if r.Compatible() != !strings.Contains(tt.want, "unmigratable") {
				t.Errorf("Compatible() = %v", r.Compatible())
			}
		})
	}
}
