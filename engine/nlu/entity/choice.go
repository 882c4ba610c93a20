package entity

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Choice is one option of a question with buttons: the value a button
// shows and other ways to say it.
type Choice struct {
	Value    string
	Synonyms []string
}

// MatchChoice returns the index of the option that a typed answer picks,
// or -1 when none does, and why, in a few words fit for a trace line.
//
// Answers and options are compared normalised: in lower case, with runs
// of anything but letters and digits read as one space. An answer picks,
// in this order:
//
//   - the first option whose value it is;
//   - the option of which it is a synonym, when only one has it;
//   - the option whose value or synonym it is closest to by Damerau–
//     Levenshtein distance (letters added, removed, changed or swapped),
//     within 1 edit when the shorter of the two has 4 to 7 letters and 2
//     edits from 8 letters on, when no other option is as close. Nothing
//     shorter than 4 letters is matched approximately.
func MatchChoice(answer string, options []Choice) (index int, why string) {
	a := normalize(answer)
	if a == "" {
		return -1, fmt.Sprintf("%q matches no choice", answer)
	}
	for i, o := range options {
		if normalize(o.Value) == a {
			return i, fmt.Sprintf("%q is %q", answer, o.Value)
		}
	}
	found := -1
	for i, o := range options {
		for _, syn := range o.Synonyms {
			if normalize(syn) != a {
				continue
			}
			if found >= 0 && found != i {
				return -1, fmt.Sprintf("%q is a synonym of both %q and %q", answer, options[found].Value, o.Value)
			}
			found = i
		}
	}
	if found >= 0 {
		return found, fmt.Sprintf("%q is a synonym of %q", answer, options[found].Value)
	}

	la := utf8.RuneCountInString(a)
	best, bestDist, bestTerm, tie := -1, 0, "", -1
	for i, o := range options {
		for _, term := range append([]string{o.Value}, o.Synonyms...) {
			t := normalize(term)
			lt := utf8.RuneCountInString(t)
			limit := maxEdits(min(la, lt))
			if limit == 0 || abs(la-lt) > limit {
				continue
			}
			d := distance([]rune(a), []rune(t), limit)
			if d > limit {
				continue
			}
			switch {
			case best < 0 || d < bestDist:
				best, bestDist, bestTerm, tie = i, d, term, -1
			case d == bestDist && i != best:
				tie = i
			}
		}
	}
	switch {
	case best < 0:
		return -1, fmt.Sprintf("%q matches no choice", answer)
	case tie >= 0:
		return -1, fmt.Sprintf("%q is as close to %q as to %q", answer, options[best].Value, options[tie].Value)
	}
	edits := "edits"
	if bestDist == 1 {
		edits = "edit"
	}
	why = fmt.Sprintf("%q is %d %s from %q", answer, bestDist, edits, bestTerm)
	if bestTerm != options[best].Value {
		why += fmt.Sprintf(", a synonym of %q", options[best].Value)
	}
	return best, why
}

// maxEdits is how many edits an approximate match may take, given the
// length of the shorter string: short words are too close to each other
// for a typo to be told from another word.
func maxEdits(n int) int {
	switch {
	case n < 4:
		return 0
	case n < 8:
		return 1
	}
	return 2
}

func normalize(s string) string {
	toks := tokenize(s)
	if len(toks) == 1 {
		return toks[0].low
	}
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = t.low
	}
	return strings.Join(words, " ")
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// distance returns the optimal string alignment distance between a and
// b (Levenshtein with swaps of adjacent letters), or limit+1 as soon as
// it is known to exceed limit.
func distance(a, b []rune, limit int) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}
