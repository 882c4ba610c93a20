package entity

import (
	"strings"
	"testing"
)

func TestMatchChoice(t *testing.T) {
	options := []Choice{
		{Value: "Economy", Synonyms: []string{"cheapest", "coach"}},
		{Value: "Business", Synonyms: []string{"firm", "business class"}},
		{Value: "First class", Synonyms: []string{"first", "best"}},
		{Value: "Yes"},
		{Value: "Bag"},
		{Value: "Big"},
	}
	tests := []struct {
		answer string
		index  int
		why    string
	}{
		{"business", 1, `"business" is "Business"`},
		{"  BUSINESS!! ", 1, `"  BUSINESS!! " is "Business"`},
		{"first-class", 2, `"first-class" is "First class"`},
		{"firm", 1, `"firm" is a synonym of "Business"`},
		{"Coach", 0, `"Coach" is a synonym of "Economy"`},
		{"bussiness", 1, `"bussiness" is 1 edit from "Business"`},
		{"buisness", 1, `"buisness" is 1 edit from "Business"`},
		{"bsuiness clas", 1, `"bsuiness clas" is 2 edits from "business class", a synonym of "Business"`},
		{"econmy", 0, `"econmy" is 1 edit from "Economy"`},
		{"cheapset", 0, `"cheapset" is 1 edit from "cheapest", a synonym of "Economy"`},
		// Two edits are too many under 8 letters.
		{"ecnmy", -1, `"ecnmy" matches no choice`},
		// Nothing approximate under 4 letters.
		{"yse", -1, `"yse" matches no choice`},
		{"bog", -1, `"bog" matches no choice`},
		{"", -1, `"" matches no choice`},
		{"?!", -1, `"?!" matches no choice`},
		{"something else", -1, `"something else" matches no choice`},
		{strings.Repeat("business ", 1000), -1, `"` + strings.Repeat("business ", 1000) + `" matches no choice`},
	}
	for _, tt := range tests {
		index, why := MatchChoice(tt.answer, options)
		if index != tt.index || why != tt.why {
			t.Errorf("MatchChoice(%q) = %d, %q; want %d, %q", tt.answer, index, why, tt.index, tt.why)
		}
	}
}

func TestMatchChoiceAmbiguous(t *testing.T) {
	tests := []struct {
		answer  string
		options []Choice
		index   int
		why     string
	}{
		{"cat", []Choice{{Value: "cat"}, {Value: "Cat"}}, 0, `"cat" is "cat"`},
		{"dog", []Choice{{Value: "canine", Synonyms: []string{"dog"}}, {Value: "hound", Synonyms: []string{"Dog"}}}, -1,
			`"dog" is a synonym of both "canine" and "hound"`},
		// A value beats another option's synonym.
		{"dog", []Choice{{Value: "canine", Synonyms: []string{"dog"}}, {Value: "dog"}}, 1, `"dog" is "dog"`},
		{"pasta", []Choice{{Value: "paste"}, {Value: "pastas"}}, -1, `"pasta" is as close to "paste" as to "pastas"`},
		{"pasta", []Choice{{Value: "paste"}, {Value: "pastry"}}, 0, `"pasta" is 1 edit from "paste"`},
		{"pasta", nil, -1, `"pasta" matches no choice`},
	}
	for _, tt := range tests {
		index, why := MatchChoice(tt.answer, tt.options)
		if index != tt.index || why != tt.why {
			t.Errorf("MatchChoice(%q, %v) = %d, %q; want %d, %q", tt.answer, tt.options, index, why, tt.index, tt.why)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"", "", 2, 0},
		{"abc", "abc", 2, 0},
		{"abc", "acb", 2, 1}, // a swap is one edit
		{"abc", "ab", 2, 1},
		{"kitten", "sitting", 5, 3},
		{"kitten", "sitting", 2, 3}, // over the limit: limit+1
		{"café", "cafe", 2, 1},
		{"ca", "abc", 5, 3}, // optimal string alignment, not full Damerau
	}
	for _, tt := range tests {
		if got := distance([]rune(tt.a), []rune(tt.b), tt.limit); got != tt.want {
			t.Errorf("distance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}

func FuzzMatchChoice(f *testing.F) {
	f.Add("bussiness", "business", "firm")
	f.Add("Econmy", "economy", "")
	f.Add("", "", "")
	f.Add("\xff\xfe", "é", "e")
	f.Fuzz(func(t *testing.T, answer, value, synonym string) {
		options := []Choice{{Value: value, Synonyms: []string{synonym}}, {Value: "other"}}
		index, why := MatchChoice(answer, options)
		if index < -1 || index >= len(options) {
			t.Fatalf("MatchChoice(%q) = %d: out of range", answer, index)
		}
		if why == "" {
			t.Fatalf("MatchChoice(%q) gave no reason", answer)
		}
		if index >= 0 && normalize(answer) == "" {
			t.Fatalf("MatchChoice(%q) = %d for an empty answer", answer, index)
		}
		if n := normalize(value); n != "" && n == normalize(answer) && index != 0 {
			t.Fatalf("MatchChoice(%q) = %d, want 0: it is the first value", answer, index)
		}
	})
}
