package turn

import (
	"strings"

	"github.com/botctl/botctl/engine/graph"
)

// choiceOption is one choice of a question with the other words that mean
// it, as entity.Choice will be.
type choiceOption struct {
	Value    string
	Synonyms []string
}

// fuzzyChoice matches an answer that is not exactly one of a choice
// question's labels or numbers: a synonym of a choice (from a list
// entity), or a near miss of a choice or a synonym ("bussiness"). It
// returns the canonical choice and why it matched, for the trace.
func fuzzyChoice(a *graph.Ask, text string) (value any, why string, ok bool) {
	opts := make([]choiceOption, len(a.Choices))
	for i, c := range a.Choices {
		opts[i].Value = c
		if i < len(a.Synonyms) {
			opts[i].Synonyms = a.Synonyms[i]
		}
	}
	i, why := matchChoice(text, opts)
	if i < 0 || i >= len(a.Choices) {
		return nil, why, false
	}
	return a.Choices[i], why, true
}

// matchChoice stands in for entity.MatchChoice(answer, options), with the
// same contract: the index of the option the answer means, or -1, and why.
// When package entity has MatchChoice, this body becomes a call to it
// (converting options to []entity.Choice); until then it matches a
// synonym exactly, or one edit away from a value or a synonym (both of
// four letters or more) when exactly one option is that close.
func matchChoice(answer string, options []choiceOption) (int, string) {
	norm := Normalize(answer)
	if norm == "" {
		return -1, "an empty answer"
	}
	for i, o := range options {
		for _, s := range o.Synonyms {
			if Normalize(s) == norm {
				return i, "synonym " + quoteText(s) + " of " + quoteText(o.Value)
			}
		}
	}
	best, bestWord := -1, ""
	for i, o := range options {
		for _, w := range append([]string{o.Value}, o.Synonyms...) {
			nw := Normalize(w)
			if len(nw) < 4 || len(norm) < 4 || !withinOneEdit(norm, nw) {
				continue
			}
			if best >= 0 && best != i {
				return -1, "close to both " + quoteText(options[best].Value) + " and " + quoteText(o.Value)
			}
			best, bestWord = i, w
		}
	}
	if best < 0 {
		return -1, "matches no choice"
	}
	if bestWord == options[best].Value {
		return best, "near miss of " + quoteText(bestWord)
	}
	return best, "near miss of " + quoteText(bestWord) + ", a synonym of " + quoteText(options[best].Value)
}

// withinOneEdit reports whether a and b differ by at most one inserted,
// deleted or substituted byte, or two swapped neighbours.
func withinOneEdit(a, b string) bool {
	if a == b {
		return true
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		if a[i+1:] == b[i+1:] {
			return true // substitution
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:] // swap
	}
	return a[i:] == b[i+1:] // insertion
}

func quoteText(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
