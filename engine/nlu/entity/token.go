package entity

import (
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// token is a run of letters and digits: a word, a number, or both ("3pm").
type token struct {
	start, end int
	low        string // lower-cased
	digits     bool   // ASCII digits only
	w          *word  // what the recognisers know of it, or nil
}

// word is what the recognisers know of a word, looked up once per token
// so that words they do not know cost one map access.
type word struct {
	kind     wordKind // as a number word
	value    float64
	ordinal  float64
	mon      time.Month
	wday     int    // time.Weekday + 1
	code     string // as an ISO currency code
	currency string // as a currency's name
	unit     string // as a unit of "in 3 days"
}

func (t token) month() time.Month {
	if t.w == nil {
		return 0
	}
	return t.w.mon
}

func (t token) weekday() (time.Weekday, bool) {
	if t.w == nil || t.w.wday == 0 {
		return 0, false
	}
	return time.Weekday(t.w.wday - 1), true
}

// keywords are the other words some recogniser looks at.
var keywords = strings.Fields(`minus negative and a an in ago of at day today tonight
	tomorrow yesterday next this last coming noon midday midnight`)

var vocab = func() map[string]*word {
	v := map[string]*word{}
	get := func(s string) *word {
		if v[s] == nil {
			v[s] = &word{}
		}
		return v[s]
	}
	for s, n := range numberWords {
		get(s).kind, get(s).value = n.kind, n.value
	}
	for s, n := range ordinalWords {
		get(s).ordinal = n
	}
	for s, mo := range months {
		get(s).mon = mo
	}
	for s, wd := range weekdays {
		get(s).wday = int(wd) + 1
	}
	for s, c := range currencyCodes {
		get(s).code = c
	}
	for s, c := range currencyWords {
		get(s).currency = c
	}
	for s, u := range dateUnits {
		get(s).unit = u
	}
	for _, s := range keywords {
		get(s)
	}
	return v
}()

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func tokenize(s string) []token { return appendTokens(make([]token, 0, len(s)/4+2), s) }

// appendTokens appends the tokens of s to toks.
func appendTokens(toks []token, s string) []token {
	// An ASCII message is lower-cased at once, and its words are slices
	// of that: one allocation in place of one per capitalised word.
	lowered := ""
	if isASCII(s) {
		lowered = strings.ToLower(s)
	}
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
		switch {
		case lower:
		case lowered != "":
			low = lowered[start:i]
		default:
			low = strings.ToLower(low)
		}
		toks = append(toks, token{start: start, end: i, low: low, digits: digits, w: vocab[low]})
	}
	return toks
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
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
