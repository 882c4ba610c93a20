package entity

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// now is a Wednesday.
var now = time.Date(2026, 3, 18, 10, 0, 0, 0, time.UTC)

// show renders entities as `type "text" value`, one per line, so that a
// table states the whole expected result.
func show(es []Entity) string {
	var b strings.Builder
	for _, e := range es {
		v := e.Value
		if a, ok := v.(map[string]any); ok {
			v = fmt.Sprintf("%v %v", a["value"], a["currency"])
		}
		fmt.Fprintf(&b, "%s %q %v\n", e.Type, e.Text, v)
	}
	return b.String()
}

// check runs the extractor on each input and compares the rendered result.
func check(t *testing.T, x *Extractor, tests []struct{ in, want string }) {
	t.Helper()
	for _, tt := range tests {
		got := show(x.Extract(tt.in, now, nil))
		want := strings.TrimLeft(tt.want, "\n")
		if want != "" && !strings.HasSuffix(want, "\n") {
			want += "\n"
		}
		if got != want {
			t.Errorf("Extract(%q):\ngot:\n%swant:\n%s", tt.in, got, want)
		}
	}
}

func TestResolveOverlaps(t *testing.T) {
	check(t, nil, []struct{ in, want string }{
		{"", ""},
		{"nothing here", ""},
		// The digits of longer entities are not numbers too.
		{"on 2026-12-24 at 15:30 for $12, call 415-555-0100 or bob42@x.com", `
date "2026-12-24" 2026-12-24
time "at 15:30" 15:30
amount "$12" 12 USD
phone "415-555-0100" 4155550100
email "bob42@x.com" bob42@x.com
`},
		// A date and a time side by side stay two entities.
		{"tomorrow at 3", `
date "tomorrow" 2026-03-19
time "at 3" 15:00
`},
		{"3pm tomorrow", `
time "3pm" 15:00
date "tomorrow" 2026-03-19
`},
		// The longer reading wins: an amount over a time.
		{"at 3 dollars", `amount "3 dollars" 3 USD`},
	})
}

func TestListBeatsBuiltinOfSameLength(t *testing.T) {
	x := New([]List{{Name: "floor", Values: []ListValue{{Value: "ground", Synonyms: []string{"first"}}}}})
	check(t, x, []struct{ in, want string }{
		{"the first floor", `floor "first" ground`},
		{"the 1st floor", `ordinal "1st" 1`},
	})
}

func TestLocation(t *testing.T) {
	late := time.Date(2026, 3, 18, 23, 30, 0, 0, time.UTC)
	east := time.FixedZone("UTC+2", 2*3600)
	tests := []struct {
		loc  *time.Location
		want string
	}{
		{nil, "2026-03-19"},
		{time.UTC, "2026-03-19"},
		{east, "2026-03-20"}, // already the 19th there
	}
	for _, tt := range tests {
		es := New(nil).Extract("tomorrow", late, tt.loc)
		if len(es) != 1 || es[0].Value != tt.want {
			t.Errorf("Extract(tomorrow) in %v = %v, want %s", tt.loc, es, tt.want)
		}
	}
}

func TestZeroExtractor(t *testing.T) {
	var x Extractor
	if got := show(x.Extract("2 apples", now, nil)); got != "number \"2\" 2\n" {
		t.Errorf("zero Extractor: got %q", got)
	}
}

// validate checks the invariants every result keeps.
func validate(t *testing.T, text string, es []Entity) {
	t.Helper()
	end := 0
	for i, e := range es {
		if e.Start < 0 || e.Start >= e.End || e.End > len(text) {
			t.Fatalf("Extract(%q)[%d] = %+v: offsets out of range", text, i, e)
		}
		if text[e.Start:e.End] != e.Text {
			t.Fatalf("Extract(%q)[%d] = %+v: Text is not text[Start:End] = %q", text, i, e, text[e.Start:e.End])
		}
		if e.Start < end {
			t.Fatalf("Extract(%q)[%d] = %+v: overlaps or precedes the one before", text, i, e)
		}
		end = e.End
		if e.Type == "" || e.Value == nil {
			t.Fatalf("Extract(%q)[%d] = %+v: no type or value", text, i, e)
		}
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"Can I book a table for 4 tomorrow at 8pm? My email is Bob@Example.com",
		"I paid $12 and 9,99 EUR and 1,250.50 dollars, USD 40, 40 bucks, £5, €9.99",
		"call +33 6 12 34 56 78 or (415) 555-0100 on 2026-12-24 at 15:30",
		"twenty-one extra large pizzas, one hundred and five, minus three",
		"in two weeks, next monday, 24/12/2026, December 24th, 2026, 3 days ago",
		"at 3 o'clock, 3:30 p.m., noon, 12/24/2026, 1.2.3, 2nd, first, a@b@c.co.",
		"\xff$\x00€,9 +( 1", "at 7 o’clock", "€", "9,",
	} {
		f.Add(s)
	}
	x := New(testLists)
	f.Fuzz(func(t *testing.T, text string) {
		validate(t, text, x.Extract(text, now, nil))
	})
}

var testLists = []List{
	{Name: "size", Values: []ListValue{
		{Value: "large", Synonyms: []string{"big", "extra large", "XL"}},
		{Value: "small", Synonyms: []string{"tiny"}},
	}},
	{Name: "city", Values: []ListValue{
		{Value: "New York", Synonyms: []string{"NYC", "new york city", "the big apple"}},
		{Value: "Saint-Étienne", Synonyms: []string{"St. Etienne"}},
	}},
}

func BenchmarkExtract(b *testing.B) {
	x := New(testLists)
	const msg = "Hi, can I get 2 large pizzas delivered tomorrow at 7pm to New York? It should be under $40, call me at 415-555-0100."
	b.ReportAllocs()
	for b.Loop() {
		x.Extract(msg, now, time.UTC)
	}
}

// TestLongMessageIsLinear guards against work that grows with the square
// of a message's entities: 50,000 numbers would then take minutes.
func TestLongMessageIsLinear(t *testing.T) {
	text := strings.Repeat("1 two 3pm ", 10000)
	start := time.Now()
	es := New(testLists).Extract(text, now, nil)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Extract of %d bytes took %v", len(text), d)
	}
	if len(es) != 30000 {
		t.Errorf("Extract found %d entities, want 30000", len(es))
	}
	validate(t, text, es)
}
