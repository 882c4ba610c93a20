package entity

import (
	"strconv"
	"strings"
)

// num is a number found in the message, written with digits or words.
// Amounts and relative dates are built on top of them.
type num struct {
	start, end int
	value      float64
	plain      bool // digits only, no sign, separator or decimal part
	words      bool // written in words
}

// numbers adds the numbers and ordinals of the message and returns the
// numbers, for the recognisers that build on them.
func (m *message) numbers() []num {
	var nums []num
	s := m.text
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && !(s[i] == '-' && i+1 < len(s) && isDigit(s[i+1])) {
			continue
		}
		if wordBefore(s, i) || i > 0 && (isDigit(s[i-1]) || s[i-1] == '-') ||
			i >= 2 && s[i-1] == '.' && isDigit(s[i-2]) {
			// Inside a word, or a part of a longer numeral that was
			// taken or refused from its start.
			for i+1 < len(s) && isDigit(s[i+1]) {
				i++
			}
			continue
		}
		n, ok := scanNumber(s, i)
		if !ok {
			for i+1 < len(s) && isDigit(s[i+1]) {
				i++
			}
			continue
		}
		if n.plain {
			if end, ok := ordinalSuffix(s, n.end); ok {
				m.add("ordinal", n.start, end, n.value, prioOrdinal)
				i = end - 1
				continue
			}
		}
		m.add("number", n.start, n.end, n.value, prioNumber)
		nums = append(nums, n)
		i = n.end - 1
	}
	for k := 0; k < len(m.toks); k++ {
		t := m.toks[k]
		if t.w == nil {
			continue
		}
		if v := t.w.ordinal; v != 0 {
			m.add("ordinal", t.start, t.end, v, prioOrdinal)
			continue
		}
		neg := false
		first := k
		if (t.low == "minus" || t.low == "negative") && m.spaced(k) {
			neg, first = true, k+1
		}
		v, next, ok := m.parseWords(first)
		if !ok {
			continue
		}
		if neg {
			v = -v
		}
		n := num{start: t.start, end: m.toks[next-1].end, value: v, words: true}
		m.add("number", n.start, n.end, n.value, prioNumber)
		nums = append(nums, n)
		k = next - 1
	}
	return nums
}

// scanNumber reads a number written with digits at s[i:]: an optional
// minus sign, an integer part whose groups of three may be separated by
// commas, and an optional decimal part after a dot. A number followed by
// a dot and a digit ("1.2.3", "192.168.0.1") is not one.
func scanNumber(s string, i int) (num, bool) {
	n := num{start: i, plain: s[i] != '-'}
	j := i
	if s[j] == '-' {
		j++
	}
	d := digitsAt(s, j)
	j += d
	commas := false
	for d <= 3 && j+4 <= len(s) && s[j] == ',' && digitsAt(s, j+1) == 3 {
		j += 4
		commas = true
	}
	if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
		j++
		j += digitsAt(s, j)
		n.plain = false
	}
	if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
		return n, false
	}
	lit := s[i:j]
	if commas {
		lit = strings.ReplaceAll(lit, ",", "")
		n.plain = false
	}
	v, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return n, false
	}
	n.end, n.value = j, v
	return n, true
}

// digitsAt returns the number of ASCII digits at s[i:].
func digitsAt(s string, i int) int {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return j - i
}

// ordinalSuffix returns the end of "st", "nd", "rd" or "th" at s[i:],
// when a word ends there.
func ordinalSuffix(s string, i int) (int, bool) {
	if i+2 > len(s) || wordAt(s, i+2) {
		return 0, false
	}
	switch strings.ToLower(s[i : i+2]) {
	case "st", "nd", "rd", "th":
		return i + 2, true
	}
	return 0, false
}

var ordinalWords = map[string]float64{
	"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
	"seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
}

type wordKind int

const (
	wNone wordKind = iota
	wUnit          // zero to nine
	wTeen          // ten to nineteen
	wTens          // twenty to ninety
	wHundred
	wScale // thousand, million, billion
)

var numberWords = map[string]struct {
	kind  wordKind
	value float64
}{
	"zero": {wUnit, 0}, "one": {wUnit, 1}, "two": {wUnit, 2}, "three": {wUnit, 3},
	"four": {wUnit, 4}, "five": {wUnit, 5}, "six": {wUnit, 6}, "seven": {wUnit, 7},
	"eight": {wUnit, 8}, "nine": {wUnit, 9},
	"ten": {wTeen, 10}, "eleven": {wTeen, 11}, "twelve": {wTeen, 12}, "thirteen": {wTeen, 13},
	"fourteen": {wTeen, 14}, "fifteen": {wTeen, 15}, "sixteen": {wTeen, 16},
	"seventeen": {wTeen, 17}, "eighteen": {wTeen, 18}, "nineteen": {wTeen, 19},
	"twenty": {wTens, 20}, "thirty": {wTens, 30}, "forty": {wTens, 40}, "fifty": {wTens, 50},
	"sixty": {wTens, 60}, "seventy": {wTens, 70}, "eighty": {wTens, 80}, "ninety": {wTens, 90},
	"hundred":  {wHundred, 100},
	"thousand": {wScale, 1e3}, "million": {wScale, 1e6}, "billion": {wScale, 1e9},
}

// parseWords reads a number written in English words from token k on
// ("twenty-one", "three hundred and five", "two thousand"), and returns
// its value and the index of the token after it. The words follow each
// other as they do in a written number; "one two" is two numbers.
func (m *message) parseWords(k int) (v float64, next int, ok bool) {
	var total, cur float64
	last := wNone
	lastScale := 1e18
	j := k
	for j < len(m.toks) {
		if j > k && !m.joined(j-1) {
			break
		}
		w := m.toks[j].w
		if w == nil || w.kind == wNone {
			// "and" joins a hundred or a thousand to what follows.
			if m.toks[j].low == "and" && (last == wHundred || last == wScale) && m.joined(j) {
				if w2 := m.toks[j+1].w; w2 != nil && w2.kind != wNone && w2.kind <= wTens {
					j++
					continue
				}
			}
			break
		}
		switch w.kind {
		case wUnit:
			if last == wUnit || last == wTeen {
				return m.wordsResult(total+cur, k, j)
			}
		case wTeen, wTens:
			if last == wUnit || last == wTeen || last == wTens {
				return m.wordsResult(total+cur, k, j)
			}
		case wHundred:
			if last != wUnit && last != wTeen && last != wTens || cur >= 100 {
				return m.wordsResult(total+cur, k, j)
			}
			cur *= 100
			last = wHundred
			j++
			continue
		case wScale:
			if last == wNone || last == wScale || w.value >= lastScale {
				return m.wordsResult(total+cur, k, j)
			}
			total += cur * w.value
			cur = 0
			lastScale = w.value
			last = wScale
			j++
			continue
		}
		cur += w.value
		last = w.kind
		j++
	}
	return m.wordsResult(total+cur, k, j)
}

func (m *message) wordsResult(v float64, k, next int) (float64, int, bool) {
	// A trailing "and" was not part of the number.
	for next > k && m.toks[next-1].low == "and" {
		next--
	}
	return v, next, next > k
}

// joined reports whether tokens k and k+1 are separated by white space
// or one hyphen, as the words of a number are ("twenty-one").
func (m *message) joined(k int) bool {
	if k+1 >= len(m.toks) {
		return false
	}
	return m.spaced(k) || m.text[m.toks[k].end:m.toks[k+1].start] == "-"
}
