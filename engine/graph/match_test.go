package graph

import (
	"regexp"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"order status", "order status"},
		{"  Order   STATUS\t", "order status"},
		{"order\nstatus", "order status"},
		{"ÉTÉ  à\u00a0Paris", "été à paris"},
		{" ", ""},
		{"file_upload_success:*", "file_upload_success:*"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { Normalize("already normal text") }); n != 0 {
		t.Errorf("Normalize of normal text allocates %v times", n)
	}
}

// starters builds an index from "dialog:kind:text" specs, in declaration
// order; a dialog name ending in "!" is an interrupt dialog.
func starters(specs ...string) Starters {
	dialogs := map[string]*Dialog{}
	var all []*Starter
	for _, spec := range specs {
		f := strings.SplitN(spec, ":", 3)
		name, interrupt := strings.CutSuffix(f[0], "!")
		d := dialogs[name]
		if d == nil {
			d = &Dialog{Name: name, Interrupt: interrupt}
			dialogs[name] = d
		}
		st := &Starter{Text: f[2], Dialog: d}
		switch f[1] {
		case "pattern":
			st.Norm = Normalize(f[2])
			st.Kind = Exact
			if strings.Contains(st.Norm, "*") {
				st.Kind = Wildcard
				st.Parts = WildcardParts(st.Norm)
			}
		case "regex":
			st.Kind = Regex
			st.Re = regexp.MustCompile("(?i)" + f[2])
		case "event":
			st.Kind = Event
			st.Norm = Normalize(f[2])
			if strings.Contains(st.Norm, "*") {
				st.Parts = WildcardParts(st.Norm)
			}
		}
		all = append(all, st)
	}
	return IndexStarters(all)
}

func TestMatchPrecedence(t *testing.T) {
	s := starters(
		"track:regex:\\btrack(ing)?\\b",
		"wild_short:pattern:order*",
		"wild_long:pattern:order status*",
		"status:pattern:order status",
		"status2:pattern:Order  Status", // same text, declared later: never wins
		"where:pattern:where is my order*",
		"mid:pattern:cancel * order",
		"any_tie1:pattern:*refund*",
		"any_tie2:pattern:*refund*",
		"help!:pattern:help",
		"help_wild!:pattern:help *",
		"num:regex:^\\d{5}$",
	)
	tests := []struct{ text, want string }{
		{"order status", "status"},           // exact beats every wildcard and regex
		{"  ORDER   status ", "status"},      // case and white space do not matter
		{"order status please", "wild_long"}, // longest literal text first
		{"order 12345", "wild_short"},        // the shorter wildcard still matches
		{"orders", "wild_short"},             // '*' matches inside a word
		{"order", "wild_short"},              // '*' matches the empty text
		{"where is my order?", "where"},      //
		{"cancel my order", "mid"},           // '*' in the middle
		{"cancel order", ""},                 // "cancel * order" needs the spaces around *
		{"i want a refund now", "any_tie1"},  // equal literal length: declaration order
		{"tracking my parcel", "track"},      // regexes come last
		{"order tracking", "wild_short"},     // a wildcard beats a regex declared earlier
		{"I want TRACKING", "track"},         // regexes are case-insensitive
		{"12345", "num"},                     //
		{" 12345 ", "num"},                   // regexes see the trimmed message
		{"hello", ""},                        // no match
		{"", ""},                             //
		{"help", "help"},                     //
		{"help me", "help_wild"},             //
	}
	for _, tt := range tests {
		got := ""
		if st := s.Match(tt.text); st != nil {
			got = st.Dialog.Name
		}
		if got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}

	interrupt := []struct{ text, want string }{
		{"help", "help"},
		{"help me now", "help_wild"},
		{"order status", ""}, // not an interrupt dialog
		{"12345", ""},
	}
	for _, tt := range interrupt {
		got := ""
		if st := s.MatchInterrupt(tt.text); st != nil {
			got = st.Dialog.Name
		}
		if got != tt.want {
			t.Errorf("MatchInterrupt(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestMatchEvent(t *testing.T) {
	s := starters(
		"any_upload:event:file_upload_success:*",
		"done:event:agent_done",
		"done2:event:agent_done",
		"specific:event:file_upload_success:Successfully processed*",
		"failed:event:agent_escalation_failed",
		"everything:event:*",
	)
	tests := []struct{ name, want string }{
		{"agent_done", "done"},
		{"AGENT_DONE", "done"},
		{"agent_escalation_failed", "failed"},
		{"file_upload_success:Successfully processed the file.", "specific"},
		{"file_upload_success:Stored.", "any_upload"},
		{"file_upload_failed:Oops", "everything"},
	}
	for _, tt := range tests {
		got := ""
		if st := s.MatchEvent(tt.name); st != nil {
			got = st.Dialog.Name
		}
		if got != tt.want {
			t.Errorf("MatchEvent(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	p := starters("a:pattern:x")
	if st := p.MatchEvent("x"); st != nil {
		t.Errorf("a pattern starter matched an event")
	}
}

func TestIndexStartersOrder(t *testing.T) {
	s := starters("a:pattern:x*", "b:pattern:xyz*", "c:pattern:*y*", "d:pattern:xy*")
	var got []string
	for _, st := range s.Wildcards {
		got = append(got, st.Dialog.Name)
	}
	if strings.Join(got, " ") != "b d a c" {
		t.Errorf("wildcard order = %v, want [b d a c]", got)
	}
	if s.Wildcards[0].Order != 1 {
		t.Errorf("Order of b = %d, want 1", s.Wildcards[0].Order)
	}
}

func BenchmarkMatch(b *testing.B) {
	specs := []string{"track:regex:\\btrack(ing)?\\b"}
	for i := 0; i < 200; i++ {
		specs = append(specs, "d:pattern:topic "+strings.Repeat("x", i%7)+string(rune('a'+i%26))+"*")
		specs = append(specs, "e:pattern:question "+string(rune('a'+i%26))+strings.Repeat("y", i))
	}
	s := starters(specs...)
	for _, text := range []string{"question a", "Topic xxb and more", "where is my tracking"} {
		b.Run(text, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s.Match(text)
			}
		})
	}
}
