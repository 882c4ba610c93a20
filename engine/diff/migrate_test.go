package diff

import (
	"regexp"
	"testing"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
)

// bot builds by hand a bot with one dialog "d" holding one step "s", so
// that Migratable can be given what compile never builds (a question that
// saves to an undeclared variable).
func bot(step *graph.Step, vars ...string) *graph.Bot {
	d := &graph.Dialog{Name: "d"}
	step.Dialog, step.ID, step.Key = d, "s", "s"
	d.Steps = []*graph.Step{step}
	b := &graph.Bot{Name: "b", Dialogs: []*graph.Dialog{d}}
	for _, v := range vars {
		b.Variables = append(b.Variables, graph.Variable{Name: v})
	}
	b.Index()
	return b
}

func renamed(b *graph.Bot) *graph.Bot {
	b.Name = "b2"
	return b
}

func ask(text, save string, typ graph.AnswerType) *graph.Step {
	return &graph.Step{Kind: graph.StepAsk, Ask: &graph.Ask{Text: &cond.Template{Source: text}, Save: save, Type: typ}}
}

func TestMigratable(t *testing.T) {
	withPattern := func(s *graph.Step, re string) *graph.Step {
		s.Ask.Pattern = regexp.MustCompile(re)
		return s
	}
	transfer := func(to, name string) *graph.Step {
		return &graph.Step{Kind: graph.StepTransfer, Transfer: &graph.TransferSpec{To: to, Bot: name}}
	}
	call := func(name, method, url string) *graph.Step {
		return &graph.Step{Kind: graph.StepCall, Call: &graph.Integration{Name: name, Method: method, URL: &cond.Template{Source: url}}}
	}
	tests := []struct {
		name     string
		old, new *graph.Bot
		key      string
		want     string // "" for migratable
	}{
		{"same question", bot(ask("Q?", "x", graph.Text), "x"), bot(ask("Q?", "x", graph.Text), "x"), "s", ""},
		{"question changed", bot(ask("Q?", "x", graph.Text), "x"), bot(ask("Q!", "x", graph.Text), "x"), "s", "question changed"},
		{"save undeclared", bot(ask("Q?", "x", graph.Text), "x"), bot(ask("Q?", "x", graph.Text)), "s", "save variable not declared"},
		{"unknown key", bot(ask("Q?", "x", graph.Text), "x"), bot(ask("Q?", "x", graph.Text), "x"), "t", "not in the old version"},
		{
			"pattern changed",
			bot(withPattern(ask("Q?", "x", graph.RegexAnswer), `^\d+$`), "x"),
			bot(withPattern(ask("Q?", "x", graph.RegexAnswer), `^\d{5}$`), "x"),
			"s", "pattern changed",
		},
		{"transfer to the same bot", bot(transfer("bot", "sales")), bot(transfer("bot", "sales")), "s", ""},
		{"transfer to another bot", bot(transfer("bot", "sales")), bot(transfer("bot", "support")), "s", "transfers elsewhere"},
		{"transfer to an agent", bot(transfer("bot", "sales")), bot(transfer("agent", "")), "s", "transfers elsewhere"},
		{"same call", bot(call("i", "GET", "u")), bot(call("i", "GET", "u")), "s", ""},
		{"call's URL changed", bot(call("i", "GET", "u")), bot(call("i", "GET", "v")), "s", "integration request changed"},
		{"call's method changed", bot(call("i", "GET", "u")), bot(call("i", "POST", "u")), "s", "integration request changed"},
		{"bot renamed", bot(ask("Q?", "x", graph.Text), "x"), renamed(bot(ask("Q?", "x", graph.Text), "x")), "s", "bot renamed"},
	}
	for _, tt := range tests {
		ok, why := Migratable(tt.old, tt.new, "d", tt.key)
		if ok != (tt.want == "") || why != tt.want {
			t.Errorf("%s: Migratable = %v, %q; want %v, %q", tt.name, ok, why, tt.want == "", tt.want)
		}
	}
}

// TestMigratableInserted checks the case migration exists for: a question
// inserted before another leaves the other's conversations movable.
func TestMigratableInserted(t *testing.T) {
	old := load(t, "old", base)
	new := load(t, "new", `  order:
    steps:
      - {id: email, ask: "Your email?", save: email}
      - id: number
        ask: "Your order number?"
        save: number
`)
	if ok, why := Migratable(old, new, "order", "number"); !ok {
		t.Errorf("number: not migratable: %s", why)
	}
	if ok, why := Migratable(old, new, "order", "lookup"); ok || why != "removed" {
		t.Errorf("lookup: Migratable = %v, %q; want false, \"removed\"", ok, why)
	}
}
