package entity

import (
	"slices"
	"strings"
)

// phrase is a list value or one of its synonyms, as lower-cased words.
type phrase struct {
	words []string
	list  string
	value string
}

// compileLists indexes every value and synonym by its first word.
func compileLists(lists []List) map[string][]phrase {
	if len(lists) == 0 {
		return nil
	}
	idx := map[string][]phrase{}
	for _, l := range lists {
		for _, v := range l.Values {
			for _, term := range append([]string{v.Value}, v.Synonyms...) {
				toks := tokenize(term)
				if len(toks) == 0 {
					continue
				}
				words := make([]string, len(toks))
				for i, t := range toks {
					words[i] = t.low
				}
				idx[words[0]] = append(idx[words[0]], phrase{words: words, list: l.Name, value: v.Value})
			}
		}
	}
	for _, ps := range idx {
		// Longest first; among equals, the lists' and values' order.
		slices.SortStableFunc(ps, func(a, b phrase) int { return len(b.words) - len(a.words) })
	}
	return idx
}

// lists adds, at each word, the longest value or synonym of a list that
// starts there. Words match whole and in any case; between the words of
// a phrase the message may have white space, or one "-", "'" or "." with
// white space around it or not ("St. Etienne", "Saint-Étienne").
func (m *message) lists(idx map[string][]phrase) {
	if idx == nil {
		return
	}
	for k, t := range m.toks {
		for _, p := range idx[t.low] {
			if m.matches(k, p.words) {
				m.add(p.list, t.start, m.toks[k+len(p.words)-1].end, p.value, prioList)
				break
			}
		}
	}
}

func (m *message) matches(k int, words []string) bool {
	if k+len(words) > len(m.toks) {
		return false
	}
	for i := 1; i < len(words); i++ {
		if m.toks[k+i].low != words[i] || !m.phraseGap(k+i-1) {
			return false
		}
	}
	return true
}

func (m *message) phraseGap(k int) bool {
	switch strings.TrimSpace(m.text[m.toks[k].end:m.toks[k+1].start]) {
	case "", "-", "'", "’", ".":
		return true
	}
	return false
}
