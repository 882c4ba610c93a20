package transcript

import (
	"strings"
	"testing"
)

func TestQuotePair(t *testing.T) {
	long := strings.Repeat("a", 100)
	tests := []struct{ a, b, wantA, wantB string }{
		{"< short", "< shirt", `"< short"`, `"< shirt"`},
		// A difference in the middle: both sides are cut, around it.
		{long + "X" + long, long + "Y" + long,
			`"…` + strings.Repeat("a", 35) + "X" + strings.Repeat("a", 34) + `…"`,
			`"…` + strings.Repeat("a", 35) + "Y" + strings.Repeat("a", 34) + `…"`},
		// At the start: only the ends are cut.
		{"X" + long, "Y" + long, `"X` + strings.Repeat("a", 69) + `…"`, `"Y` + strings.Repeat("a", 69) + `…"`},
		// One line is the other and more: the shorter ends where it ends.
		{long, long + "tail", `"…` + strings.Repeat("a", 66) + `"`, `"…` + strings.Repeat("a", 66) + `tail"`},
		// Runes, not bytes.
		{strings.Repeat("é", 80) + "1", strings.Repeat("é", 80) + "2",
			`"…` + strings.Repeat("é", 69) + `1"`, `"…` + strings.Repeat("é", 69) + `2"`},
	}
	for _, tt := range tests {
		a, b := quotePair(tt.a, tt.b)
		if a != tt.wantA || b != tt.wantB {
			t.Errorf("quotePair(%q, %q)\n got  %s %s\n want %s %s", tt.a, tt.b, a, b, tt.wantA, tt.wantB)
		}
	}
}
