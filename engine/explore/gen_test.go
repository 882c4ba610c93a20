package explore

import (
	"regexp"
	"slices"
	"testing"

	"github.com/botctl/botctl/engine/cond"
)

func TestMatching(t *testing.T) {
	for _, tc := range []struct {
		re   string
		want []string
	}{
		{`^\d{5}$`, []string{"01234", "12345"}},
		{`^T-\d+$`, []string{"T-0", "T-1"}},
		{`(?i)\b(track(ing)?|parcel)\b`, []string{"track"}},
		{`^[A-Z]{2}-[a-c]{3}$`, []string{"AB-cab", "BC-abc"}},
		{`^(yes|no)?$`, nil}, // the empty string matches, but is no answer
	} {
		got := matching(regexp.MustCompile(tc.re))
		if tc.want == nil {
			for _, s := range got {
				if s != "" {
					t.Errorf("matching(%s) = %q", tc.re, got)
				}
			}
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("matching(%s) = %q, want %q", tc.re, got, tc.want)
		}
	}
}

func TestNotMatching(t *testing.T) {
	for _, re := range []string{`^\d{5}$`, `^abc$`, `.`} {
		r := regexp.MustCompile(re)
		s := notMatching(r)
		if re == `.` {
			if s != "" {
				t.Errorf("notMatching(%s) = %q, but %s matches every text but the empty one", re, s, re)
			}
			continue
		}
		if r.MatchString(s) {
			t.Errorf("notMatching(%s) = %q, which matches", re, s)
		}
	}
}

func TestLiterals(t *testing.T) {
	e, err := cond.Compile(`answer != "00000" && answer > 90000 || vars.x == 1.5`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"00000", "90000", "90001", "89999", "1.5", "2.5"}
	if got := literals(e); !slices.Equal(got, want) {
		t.Errorf("literals = %q, want %q", got, want)
	}
}

// FuzzMatching checks that every text matching builds for a pattern is one
// the pattern matches, whatever the pattern.
func FuzzMatching(f *testing.F) {
	for _, s := range []string{`^\d{5}$`, `(?i)\b(a|b)+\b`, `^[^a-z]{2,4}x?$`, `\p{Greek}+`, `^$`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		for _, s := range matching(re) {
			if !re.MatchString(s) {
				t.Fatalf("matching(%q) gave %q, which it does not match", pattern, s)
			}
		}
		if s := notMatching(re); s != "" && re.MatchString(s) {
			t.Fatalf("notMatching(%q) gave %q, which it matches", pattern, s)
		}
	})
}
