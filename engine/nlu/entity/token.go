package entity

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is a run of letters and digits: a word, a number, or both ("3pm").
type token struct {
	start, end int
	low        string // lower-cased
	digits     bool   // ASCII digits only
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func tokenize(s string) []token {
	toks := make([]token, 0, 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			i += n
			continue
		}
		start, digits, lower := i, true, true
		for i < len(s) {
			r, n = utf8.DecodeRuneInString(s[i:])
			if !isWordRune(r) {
				break
			}
			if r < '0' || r > '9' {
				digits = false
			}
			if r >= utf8.RuneSelf || 'A' <= r && r <= 'Z' {
				lower = false
			}
			i += n
		}
		low := s[start:i]
		if !lower {
			low = strings.ToLower(low)
		}
		toks = append(toks, token{start: start, end: i, low: low, digits: digits})
	}
	return toks
}

// wordBefore reports whether s[:i] ends with a letter or digit, so that
// s[i:] does not start a word.
func wordBefore(s string, i int) bool {
	if i <= 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isWordRune(r)
}

// wordAt reports whether s[i:] starts with a letter or digit.
func wordAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isWordRune(r)
}

// tokenAt returns the index of the token that starts at byte i, or -1.
func (m *message) tokenAt(i int) int {
	k := sort.Search(len(m.toks), func(k int) bool { return m.toks[k].start >= i })
	if k < len(m.toks) && m.toks[k].start == i {
		return k
	}
	return -1
}

// tokenEndingAt returns the index of the token that ends at byte i, or -1.
func (m *message) tokenEndingAt(i int) int {
	k := sort.Search(len(m.toks), func(k int) bool { return m.toks[k].end >= i })
	if k < len(m.toks) && m.toks[k].end == i {
		return k
	}
	return -1
}

// spaced reports whether tokens k and k+1 are separated by white space
// only, as the words of one expression are.
func (m *message) spaced(k int) bool {
	if k+1 >= len(m.toks) {
		return false
	}
	gap := m.text[m.toks[k].end:m.toks[k+1].start]
	return gap != "" && strings.TrimSpace(gap) == ""
}

// skipSpace returns i moved past at most one space character.
func skipSpace(s string, i int) int {
	if i < len(s) && s[i] == ' ' {
		return i + 1
	}
	return i
}
