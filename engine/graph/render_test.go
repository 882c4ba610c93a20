package graph

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/botctl/botctl/engine/cond"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// updateGolden reports whether golden files should be rewritten: with
// -update, or with BOTCTL_UPDATE_GOLDEN=1 so that `go test ./...` can do it
// for every package at once.
func updateGolden() bool {
	return *update || os.Getenv("BOTCTL_UPDATE_GOLDEN") == "1"
}

func tmpl(s string) *cond.Template { return &cond.Template{Source: s} }
func expr(s string) *cond.Expr     { return &cond.Expr{Source: s} }

// testBot builds by hand a bot that uses every kind of step, target and
// rule, and text that needs escaping in both formats.
func testBot() *Bot {
	b := &Bot{Name: "acme-support"}
	dialog := func(name string, starters ...*Starter) *Dialog {
		d := &Dialog{Name: name, Starters: starters}
		for _, s := range starters {
			s.Dialog = d
		}
		b.Dialogs = append(b.Dialogs, d)
		return d
	}
	step := func(d *Dialog, id string, kind StepKind) *Step {
		s := &Step{Dialog: d, Index: len(d.Steps), ID: id, Kind: kind}
		d.Steps = append(d.Steps, s)
		return s
	}
	to := func(s *Step) Target { return Target{Kind: ToStep, Step: s} }

	welcome := dialog("welcome")
	order := dialog("order_status",
		&Starter{Kind: Exact, Text: "order status"},
		&Starter{Kind: Wildcard, Text: "where is my order*"},
		&Starter{Kind: Regex, Text: `\btrack(ing)?\b`},
	)
	agent := dialog("agent",
		&Starter{Kind: Regex, Text: `agent|human|"person"`},
		&Starter{Kind: Event, Text: "agent_escalation_failed"},
	)
	sorry := dialog("sorry")
	menu := dialog("menu",
		&Starter{Kind: Exact, Text: "menu"},
		&Starter{Kind: Exact, Text: "help"},
		&Starter{Kind: Exact, Text: "options"},
		&Starter{Kind: Wildcard, Text: "what can you do*"},
		&Starter{Kind: Exact, Text: "start over"},
		&Starter{Kind: Exact, Text: "a very long starter pattern that goes on and on"},
	)
	b.Welcome, b.Fallback = welcome, menu
	b.Interactions = []*Interaction{{ID: "remind_me", Dialog: menu}}
	lookup := &Integration{Name: "order_lookup"}
	b.Integrations = []*Integration{lookup}

	// welcome: set, then a branch with an else.
	wSet := step(welcome, "", StepSet)
	wSet.Set = []Assign{{Var: "tries", Expr: expr("0")}, {Var: "skill", Expr: expr(`"billing"`)}}
	wBranch := step(welcome, "route", StepBranch)
	wSet.Next = to(wBranch)

	// order_status: ask with rules and on_fail, call with rules, say, vip.
	ask := step(order, "", StepAsk)
	ask.Ask = &Ask{
		Text: tmpl("What is your \"order\" number?"), Save: "order_number", Type: RegexAnswer,
		HasOnFail: true,
	}
	call := step(order, "lookup", StepCall)
	call.Call = lookup
	say := step(order, "", StepSay)
	say.Say = []*cond.Template{tmpl("Your order is ${ vars.status }.\nThanks for   waiting, have a wonderful day!"), tmpl("second")}
	vip := step(order, "vip", StepSay)
	vip.Say = []*cond.Template{tmpl("VIP <b>treatment</b> & | #quot; `x`")}
	ask.Next = to(call)
	ask.Rules = []Rule{{Kind: WhenExpr, When: expr("answer > 90000"), Target: to(vip)}}
	call.Next = to(say)
	call.Rules = []Rule{
		{Kind: WhenSuccess, Target: to(say)},
		{Kind: WhenExpr, When: expr(`result.status == 404 && result.body.message != "not \\found"`), Target: to(say)},
	}
	call.OnFailure, call.HasOnFailure = Target{Kind: ToStep}, true // a nil step is the end
	say.Next = Target{Kind: ToEnd}
	vip.Next = Target{Kind: ToClose}

	// agent: transfer with on_failure, then an end step.
	tr := step(agent, "handoff", StepTransfer)
	tr.Transfer = &TransferSpec{To: "agent", Message: tmpl("Hold on")}
	bye := step(agent, "bye", StepEnd)
	tr.Next = to(bye)

	// sorry: only reached by jumps; say then close.
	sSay := step(sorry, "", StepSay)
	sSay.Say = []*cond.Template{tmpl("Sorry!")}
	sClose := step(sorry, "", StepClose)
	sSay.Next = to(sClose)
	tr.OnFailure, tr.HasOnFailure = to(sSay), true
	ask.Ask.OnFail = to(sSay)

	// menu: a choice question, a transfer to another bot, a goto.
	choose := step(menu, "choose", StepAsk)
	choose.Ask = &Ask{Text: tmpl("Pick one:"), Save: "topic", Type: Choice, Choices: []string{"Orders", "Billing"}}
	toBot := step(menu, "", StepTransfer)
	toBot.Transfer = &TransferSpec{To: "bot", Bot: "billing-bot", Context: true}
	back := step(menu, "", StepGoto)
	back.Goto = to(ask)
	choose.Rules = []Rule{{Kind: WhenExpr, When: expr(`answer == "Billing"`), Target: to(toBot)}}
	choose.Next = to(back)
	toBot.Next = Target{Kind: ToEnd}

	wBranch.Branch = []Rule{
		{Kind: WhenExpr, When: expr("vars.tries > 3"), Target: to(tr)},
		{Kind: WhenExpr, When: expr("params.topic == \"orders\"\n  && user.vip"), Target: Target{Kind: ToStep, Step: ask}},
		{Kind: WhenElse, Target: to(choose)},
	}
	wBranch.Next = Target{Kind: ToEnd} // not drawn: the else always wins

	b.Index()
	return b
}

func TestRender(t *testing.T) {
	renders := []struct {
		ext string
		fn  func(w *bytes.Buffer, b *Bot, dialog string) error
	}{
		{"dot", func(w *bytes.Buffer, b *Bot, d string) error { return DOT(w, b, d) }},
		{"mmd", func(w *bytes.Buffer, b *Bot, d string) error { return Mermaid(w, b, d) }},
	}
	for _, dialog := range []string{"", "order_status", "menu"} {
		for _, r := range renders {
			name := dialog
			if name == "" {
				name = "all"
			}
			name += "." + r.ext
			t.Run(name, func(t *testing.T) {
				var b bytes.Buffer
				if err := r.fn(&b, testBot(), dialog); err != nil {
					t.Fatal(err)
				}
				golden(t, filepath.Join("testdata", name), b.Bytes())
				// The output is deterministic.
				var again bytes.Buffer
				if err := r.fn(&again, testBot(), dialog); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b.Bytes(), again.Bytes()) {
					t.Error("two renderings of the same bot differ")
				}
			})
		}
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if updateGolden() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to rewrite it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestRenderUnknownDialog(t *testing.T) {
	tests := []struct {
		bot    *Bot
		dialog string
		want   string
	}{
		{testBot(), "order_stats", "bot acme-support has no dialog `order_stats`; did you mean `order_status`?"},
		{testBot(), "billing", "bot acme-support has no dialog `billing`; its dialogs are welcome, order_status, agent, sorry, menu"},
		{&Bot{}, "x", "the bot has no dialog `x`; it has no dialogs"},
	}
	for _, tt := range tests {
		for _, fn := range []func(*bytes.Buffer, *Bot, string) error{
			func(w *bytes.Buffer, b *Bot, d string) error { return DOT(w, b, d) },
			func(w *bytes.Buffer, b *Bot, d string) error { return Mermaid(w, b, d) },
		} {
			var b bytes.Buffer
			err := fn(&b, tt.bot, tt.dialog)
			if err == nil || err.Error() != tt.want {
				t.Errorf("dialog %q: got error %v, want %q", tt.dialog, err, tt.want)
			}
			if b.Len() != 0 {
				t.Errorf("dialog %q: wrote %q before failing", tt.dialog, b.String())
			}
		}
	}
}

func TestRenderEmptyBot(t *testing.T) {
	var b bytes.Buffer
	if err := DOT(&b, &Bot{Name: `we"ird`}, ""); err != nil {
		t.Fatal(err)
	}
	want := "digraph \"we\\\"ird\" {\n" +
		"  graph [fontname=\"Helvetica\"];\n" +
		"  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n" +
		"  edge [fontname=\"Helvetica\", fontsize=9];\n" +
		"}\n"
	if b.String() != want {
		t.Errorf("DOT: got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := Mermaid(&b, &Bot{}, ""); err != nil {
		t.Fatal(err)
	}
	if want := "flowchart TD\n"; b.String() != want {
		t.Errorf("Mermaid: got %q, want %q", b.String(), want)
	}
	if err := DOT(&b, nil, ""); err == nil || err.Error() != "no bot to draw" {
		t.Errorf("DOT(nil): got %v", err)
	}
}

func TestDOTEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{`plain`, `plain`},
		{`say "hi"`, `say \"hi\"`},
		{`a\b`, `a\\b`},
		{`\n is not a line break`, `\\n is not a line break`},
		{"two\nlines", `two\nlines`},
		{`ünïcødé {}<>|;`, `ünïcødé {}<>|;`},
	}
	for _, tt := range tests {
		if got := dotEscape(tt.in); got != tt.want {
			t.Errorf("dotEscape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMermaidEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{`plain text`, `plain text`},
		{`say "hi"`, `say #quot;hi#quot;`},
		{`<b>bold</b> & co`, `#lt;b#gt;bold#lt;/b#gt; #amp; co`},
		{`a | b`, `a #124; b`},
		{"`code`", `#96;code#96;`},
		{`#1 step`, `#1 step`},
		{`#quot; stays`, `#35;quot; stays`},
		{`#; #x`, `#; #x`},
		{"two\nlines", `two<br>lines`},
		{`([{}])`, `([{}])`},
		{`end`, `end`},
		{`Pick one: a; b`, `Pick one: a; b`},
		{`Which style: "x"; y`, `Which style#58; #quot;x#quot;; y`},
		{`classDef a:#f00;`, `classDef a#58;#35;f00;`},
	}
	for _, tt := range tests {
		if got := mermaidEscape(tt.in); got != tt.want {
			t.Errorf("mermaidEscape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven chr!", 10, "eleven ch…"},
		{"cut at a space here", 9, "cut at a…"},
		{"  folded \n\t white   space ", 40, "folded white space"},
		{"ctrl\x00\x07chars", 40, "ctrlchars"},
		{"ünïcødé ünïcødé", 8, "ünïcødé…"},
		{"", 5, ""},
	}
	for _, tt := range tests {
		if got := shorten(tt.in, tt.max); got != tt.want {
			t.Errorf("shorten(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestTargetName(t *testing.T) {
	orders := &Dialog{Name: "orders"}
	menu := &Dialog{Name: "menu"}
	first := &Step{Dialog: orders, Index: 0}
	ask := &Step{Dialog: orders, Index: 1, ID: "ask_number"}
	third := &Step{Dialog: orders, Index: 2}
	from := &Step{Dialog: orders, Index: 3}
	other := &Step{Dialog: menu, Index: 0}
	tests := []struct {
		from *Step
		to   Target
		want string
	}{
		{from, Target{Kind: ToStep, Step: ask}, "ask_number"},
		{from, Target{Kind: ToStep, Step: first}, "#1"},
		{other, Target{Kind: ToStep, Step: first}, "orders"},
		{other, Target{Kind: ToStep, Step: ask}, "orders.ask_number"},
		{other, Target{Kind: ToStep, Step: third}, "orders#3"},
		{from, Target{Kind: ToClose}, "close"},
		{from, Target{}, "end"},
	}
	for _, tt := range tests {
		if got := targetName(tt.from, tt.to); got != tt.want {
			t.Errorf("targetName(%s, %v) = %q, want %q", tt.from.Name(), tt.to, got, tt.want)
		}
	}
}
