package entity

import "strings"

func clockString(h, mi int) string {
	b := []byte("00:00")
	put(b[0:2], h)
	put(b[3:5], mi)
	return string(b)
}

// times adds the times of day of the message: "15:30", "3pm", "3:30 p.m.",
// "at 3", "3 o'clock", "noon", "midnight".
func (m *message) times() {
	s := m.text
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			continue
		}
		start := i
		i = start + digitsAt(s, start) - 1
		if wordBefore(s, start) || start > 0 && strings.IndexByte(":.,/-", s[start-1]) >= 0 {
			continue
		}
		if end, h, mi, ok := m.clock(start); ok {
			m.add("time", m.atBefore(start, end), end, clockString(h, mi), prioSpecific)
			i = end - 1
		}
	}
	for _, t := range m.toks {
		var v string
		switch t.low {
		case "noon", "midday":
			v = "12:00"
		case "midnight":
			v = "00:00"
		default:
			continue
		}
		m.add("time", m.atBefore(t.start, t.end), t.end, v, prioSpecific)
	}
}

// clock reads a time at s[i:]. An hour with minutes ("15:30", "3:30") is
// read on the 24-hour clock; an hour alone needs "am" or "pm" ("3pm"),
// "o'clock", or "at" before it ("at 3"). After "at", or before
// "o'clock", an hour from 1 to 7 without "am" or "pm" is in the
// afternoon: "at 3" is 15:00, "at 9" is 09:00.
func (m *message) clock(i int) (end, h, mi int, ok bool) {
	s := m.text
	d := digitsAt(s, i)
	if d > 2 {
		return 0, 0, 0, false
	}
	h = int(s[i] - '0')
	if d == 2 {
		h = h*10 + int(s[i+1]-'0')
	}
	j := i + d
	minutes := false
	if j+2 < len(s) && s[j] == ':' && digitsAt(s, j+1) == 2 {
		mi = int(s[j+1]-'0')*10 + int(s[j+2]-'0')
		if mi > 59 {
			return 0, 0, 0, false
		}
		j += 3
		minutes = true
	}
	// A time is not followed by more of a number, a date or another clock.
	if j < len(s) && isDigit(s[j]) || j+1 < len(s) && strings.IndexByte(":.,/-", s[j]) >= 0 && isDigit(s[j+1]) {
		return 0, 0, 0, false
	}
	if e, pm, ok := meridiem(s, j); ok {
		if h < 1 || h > 12 {
			return 0, 0, 0, false
		}
		h %= 12
		if pm {
			h += 12
		}
		return e, h, mi, true
	}
	if wordAt(s, j) || h > 23 {
		return 0, 0, 0, false
	}
	e, oclock := oClock(s, j)
	at := m.atBefore(i, j) != i
	if !minutes && !oclock && !at {
		return 0, 0, 0, false
	}
	if !oclock {
		e = j
	}
	if (at || oclock) && h >= 1 && h <= 7 {
		h += 12
	}
	return e, h, mi, true
}

// meridiem reads " am", "pm", " p.m." at s[i:].
func meridiem(s string, i int) (end int, pm bool, ok bool) {
	j := skipSpace(s, i)
	if j+2 > len(s) {
		return 0, false, false
	}
	var c byte
	switch rest := strings.ToLower(s[j:min(len(s), j+4)]); {
	case strings.HasPrefix(rest, "a.m"), strings.HasPrefix(rest, "p.m"):
		c = rest[0]
		j += 3
		if j < len(s) && s[j] == '.' {
			j++
		}
	case strings.HasPrefix(rest, "am"), strings.HasPrefix(rest, "pm"):
		c = rest[0]
		j += 2
	default:
		return 0, false, false
	}
	if wordAt(s, j) {
		return 0, false, false
	}
	return j, c == 'p', true
}

// oClock reads " o'clock" at s[i:].
func oClock(s string, i int) (int, bool) {
	j := skipSpace(s, i)
	for _, w := range []string{"o'clock", "o’clock"} {
		if len(s)-j >= len(w) && strings.EqualFold(s[j:j+len(w)], w) && !wordAt(s, j+len(w)) {
			return j + len(w), true
		}
	}
	return i, false
}

// atBefore returns where the word "at" starts when it comes just before
// the time at s[start:end], else start.
func (m *message) atBefore(start, end int) int {
	k := m.tokenEndingAt(skipSpaceBack(m.text, start))
	if k >= 0 && m.toks[k].low == "at" && m.toks[k].end < start {
		return m.toks[k].start
	}
	return start
}

// skipSpaceBack returns i moved back over at most one space character.
func skipSpaceBack(s string, i int) int {
	if i > 0 && s[i-1] == ' ' {
		return i - 1
	}
	return i
}
