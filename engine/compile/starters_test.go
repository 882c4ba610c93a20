package compile

import "testing"

// TestStarterPrecedence compiles starters spread over two files and checks
// The precedence of docs/language.md §6.3 through the compiled index: exact, then wildcard
// (longest literal text first), then regex, ties by declaration order with
// files in lexical order.
func TestStarterPrecedence(t *testing.T) {
	a := `botctl: 1
bot:
  name: t
dialogs:
  regex_first:
    starters:
      - regex: 'order'
    steps: [end]
  short_wild:
    starters: ["order*"]
    steps: [end]
  tie_a:
    starters: ["*refund*"]
    steps: [end]
  help:
    interrupt: true
    starters: ["help*", {event: "file_upload_success:*"}]
    steps: [end]
`
	b := `dialogs:
  exact:
    starters: ["Order   Status"]
    steps: [end]
  long_wild:
    starters: ["order status *"]
    steps: [end]
  tie_b:
    starters: ["*refund*"]
    steps: [end]
  done:
    starters: [{event: agent_done}, {pattern: "Agent done"}]
    steps: [end]
`
	bot, diags := compileFiles(t, "a.yaml", a, "b.yaml", b)
	// The tie is deliberate; the compiler says which copy wins.
	want := "b.yaml:9:16: warning[shadowed-starter]: dialog tie_b: starter \"*refund*\" never applies: dialog tie_a has the same one, at a.yaml:13:16, and the first one wins\n"
	if got := diagLines(diags); got != want {
		t.Fatalf("diagnostics:\n%s\nwant:\n%s", got, want)
	}
	tests := []struct {
		text, want, interrupt string
	}{
		{"order status", "exact", ""},
		{"ORDER status", "exact", ""},
		{"order status please", "long_wild", ""},
		{"order 123", "short_wild", ""},
		{"my order", "regex_first", ""},
		{"a refund please", "tie_a", ""},
		{"help me", "help", "help"},
		{"agent done", "done", ""},
		{"agent_done", "", ""}, // events are not messages
		{"nothing", "", ""},
	}
	for _, tt := range tests {
		got, gotInt := "", ""
		if st := bot.Starters.Match(tt.text); st != nil {
			got = st.Dialog.Name
		}
		if st := bot.Starters.MatchInterrupt(tt.text); st != nil {
			gotInt = st.Dialog.Name
		}
		if got != tt.want || gotInt != tt.interrupt {
			t.Errorf("%q: Match = %q, MatchInterrupt = %q; want %q, %q", tt.text, got, gotInt, tt.want, tt.interrupt)
		}
	}
	for name, want := range map[string]string{
		"agent_done":                        "done",
		"file_upload_success:Stored.":       "help",
		"file_upload_failed:Could not read": "",
	} {
		got := ""
		if st := bot.Starters.MatchEvent(name); st != nil {
			got = st.Dialog.Name
		}
		if got != want {
			t.Errorf("MatchEvent(%q) = %q, want %q", name, got, want)
		}
	}
	var order []string
	for _, st := range bot.Starters.Wildcards {
		order = append(order, st.Dialog.Name)
	}
	if got, want := fmtList(order), "long_wild tie_a tie_b short_wild help"; got != want {
		t.Errorf("wildcard precedence = %s, want %s", got, want)
	}
}

func fmtList(l []string) string {
	s := ""
	for i, x := range l {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s
}
