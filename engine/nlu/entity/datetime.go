package entity

import (
	"strings"
	"time"
)

// civil is a calendar date, without a time or a zone.
type civil struct {
	y int
	m time.Month
	d int
}

// String formats c as "2006-01-02"; c's year is from 1 to 9999.
func (c civil) String() string {
	b := []byte("0000-00-00")
	put(b[0:4], c.y)
	put(b[5:7], int(c.m))
	put(b[8:10], c.d)
	return string(b)
}

// put writes n in decimal into b, padded with zeros.
func put(b []byte, n int) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}

func (c civil) addDays(n int) civil {
	y, m, d := time.Date(c.y, c.m, c.d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Date()
	return civil{y, m, d}
}

// addMonths moves by n months and keeps the day, or the last day of a
// shorter month: January 31 plus one month is February 28 or 29.
func (c civil) addMonths(n int) civil {
	t := time.Date(c.y, c.m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	return civil{t.Year(), t.Month(), min(c.d, daysIn(t.Year(), t.Month()))}
}

func (c civil) weekday() time.Weekday {
	return time.Date(c.y, c.m, c.d, 0, 0, 0, 0, time.UTC).Weekday()
}

func (c civil) before(o civil) bool {
	return c.y < o.y || c.y == o.y && (c.m < o.m || c.m == o.m && c.d < o.d)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func validDate(y, m, d int) bool {
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, time.Month(m))
}

var months = map[string]time.Month{
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
	"august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
	"sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// dates adds the dates of the message: numeric, with a month's name, and
// relative to today.
func (m *message) dates() {
	m.numericDates()
	for k, t := range m.toks {
		if t.w == nil && !isDigit(t.low[0]) {
			continue // neither a keyword nor a day of the month
		}
		m.namedDate(k)
		m.relativeDate(k)
	}
}

// numericDates adds "2026-12-24", "2026/12/24", and day, month and year
// separated by "/", "." or "-" ("24/12/2026", "24.12.26"): day first,
// unless the second number cannot be a month ("12/24/2026").
func (m *message) numericDates() {
	s := m.text
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			continue
		}
		start := i
		var parts [3]int
		var lens [3]int
		j := i
		var sep byte
		ok := true
		for p := 0; p < 3 && ok; p++ {
			d := digitsAt(s, j)
			if d == 0 || d > 4 {
				ok = false
				break
			}
			lens[p] = d
			for _, c := range s[j : j+d] {
				parts[p] = parts[p]*10 + int(c-'0')
			}
			j += d
			if p < 2 {
				if j >= len(s) || s[j] != '/' && s[j] != '.' && s[j] != '-' || sep != 0 && s[j] != sep {
					ok = false
					break
				}
				sep = s[j]
				j++
			}
		}
		i = start + digitsAt(s, start) - 1
		if !ok || wordBefore(s, start) || start > 0 && strings.IndexByte("/.-", s[start-1]) >= 0 ||
			wordAt(s, j) || j+1 < len(s) && strings.IndexByte("/.-", s[j]) >= 0 && isDigit(s[j+1]) {
			continue
		}
		var y, mo, d int
		switch {
		case lens[0] == 4 && lens[1] <= 2 && lens[2] <= 2:
			y, mo, d = parts[0], parts[1], parts[2]
		case lens[0] <= 2 && lens[1] <= 2 && (lens[2] == 4 || lens[2] == 2):
			d, mo, y = parts[0], parts[1], parts[2]
			if mo > 12 && d <= 12 {
				d, mo = mo, d
			}
			if lens[2] == 2 {
				y += 2000
			}
		default:
			continue
		}
		if validDate(y, mo, d) {
			m.add("date", start, j, civil{y, time.Month(mo), d}.String(), prioSpecific)
			i = j - 1
		}
	}
}

// dayToken reads a day of the month: "24", "24th".
func dayToken(t token) (int, bool) {
	n := 0
	i := 0
	for i < len(t.low) && isDigit(t.low[i]) && i < 2 {
		n = n*10 + int(t.low[i]-'0')
		i++
	}
	if i == 0 || n < 1 || n > 31 {
		return 0, false
	}
	switch t.low[i:] {
	case "", "st", "nd", "rd", "th":
		return n, true
	}
	return 0, false
}

// namedDate adds a date written with the month's name from token k on:
// "Dec 24", "December 24th, 2026", "24 December", "24th of Dec 2026".
// Without a year, it is the next such day from today on.
func (m *message) namedDate(k int) {
	var mo time.Month
	var d, last int
	if month := m.toks[k].month(); month != 0 && m.gapIs(k, " ", ". ") {
		day, ok := dayToken(m.toks[k+1])
		if !ok {
			return
		}
		mo, d, last = month, day, k+1
	} else if day, ok := dayToken(m.toks[k]); ok && m.gapIs(k, " ") {
		j := k + 1
		if m.toks[j].low == "of" && m.gapIs(j, " ") {
			j++
		}
		month := m.toks[j].month()
		if month == 0 {
			return
		}
		mo, d, last = month, day, j
	} else {
		return
	}
	y := m.today.y
	if last+1 < len(m.toks) && m.gapIs(last, " ", ", ") && m.toks[last+1].digits && len(m.toks[last+1].low) == 4 {
		y = 0
		for _, c := range m.toks[last+1].low {
			y = y*10 + int(c-'0')
		}
		if !validDate(y, int(mo), d) {
			return
		}
		last++
	} else {
		for n := 0; !validDate(y, int(mo), d) || (civil{y, mo, d}).before(m.today); n++ {
			if n == 8 {
				return // no such day: "February 30"
			}
			y++
		}
	}
	m.add("date", m.toks[k].start, m.toks[last].end, civil{y, mo, d}.String(), prioSpecific)
}

// gapIs reports whether the text between tokens k and k+1 is one of gaps.
func (m *message) gapIs(k int, gaps ...string) bool {
	if k+1 >= len(m.toks) {
		return false
	}
	gap := m.text[m.toks[k].end:m.toks[k+1].start]
	for _, g := range gaps {
		if gap == g {
			return true
		}
	}
	return false
}

var dateUnits = map[string]string{
	"day": "d", "days": "d", "week": "w", "weeks": "w",
	"month": "m", "months": "m", "year": "y", "years": "y",
}

// relativeDate adds a date relative to today from token k on: "today",
// "tomorrow", "yesterday", "the day after tomorrow", "friday", "next
// friday", "last friday", "in 3 days", "in two weeks", "a month ago".
func (m *message) relativeDate(k int) {
	t := m.toks[k]
	switch t.low {
	case "today", "tonight":
		m.add("date", t.start, t.end, m.today.String(), prioSpecific)
	case "tomorrow":
		m.add("date", t.start, t.end, m.today.addDays(1).String(), prioSpecific)
	case "yesterday":
		m.add("date", t.start, t.end, m.today.addDays(-1).String(), prioSpecific)
	case "day":
		if k+2 < len(m.toks) && m.spaced(k) && m.spaced(k+1) {
			switch m.toks[k+1].low + " " + m.toks[k+2].low {
			case "after tomorrow":
				m.add("date", t.start, m.toks[k+2].end, m.today.addDays(2).String(), prioSpecific)
			case "before yesterday":
				m.add("date", t.start, m.toks[k+2].end, m.today.addDays(-2).String(), prioSpecific)
			}
		}
	case "next", "this", "last", "coming":
		if k+1 < len(m.toks) && m.spaced(k) {
			if wd, ok := m.toks[k+1].weekday(); ok {
				m.add("date", t.start, m.toks[k+1].end, m.weekdayDate(wd, t.low).String(), prioSpecific)
			}
		}
	case "in":
		n, unit, next, ok := m.duration(k + 1)
		if ok {
			m.add("date", t.start, m.toks[next-1].end, m.shift(n, unit).String(), prioSpecific)
		}
	default:
		if wd, ok := t.weekday(); ok {
			m.add("date", t.start, t.end, m.weekdayDate(wd, "").String(), prioSpecific)
			return
		}
		if n, unit, next, ok := m.duration(k); ok && next < len(m.toks) && m.spaced(next-1) && m.toks[next].low == "ago" {
			m.add("date", t.start, m.toks[next].end, m.shift(-n, unit).String(), prioSpecific)
		}
	}
}

// weekdayDate is the day named wd: from today on ("friday", "this
// friday", "coming friday"), after today ("next friday"), or before
// today ("last friday").
func (m *message) weekdayDate(wd time.Weekday, word string) civil {
	diff := int(wd - m.today.weekday())
	switch word {
	case "next":
		if diff <= 0 {
			diff += 7
		}
	case "last":
		if diff >= 0 {
			diff -= 7
		}
	default:
		if diff < 0 {
			diff += 7
		}
	}
	return m.today.addDays(diff)
}

// duration reads "3 days", "two weeks", "a month" from token k on.
func (m *message) duration(k int) (n int, unit string, next int, ok bool) {
	if k >= len(m.toks) || k > 0 && !m.spaced(k-1) {
		return 0, "", 0, false
	}
	t := m.toks[k]
	switch {
	case t.low == "a" || t.low == "an":
		n, next = 1, k+1
	case t.digits && len(t.low) <= 4:
		for _, c := range t.low {
			n = n*10 + int(c-'0')
		}
		next = k + 1
	default:
		v, j, ok := m.parseWords(k)
		if !ok || v != float64(int(v)) || v > 9999 {
			return 0, "", 0, false
		}
		n, next = int(v), j
	}
	if next >= len(m.toks) || !m.spaced(next-1) {
		return 0, "", 0, false
	}
	if w := m.toks[next].w; w != nil && w.unit != "" {
		return n, w.unit, next + 1, true
	}
	return 0, "", 0, false
}

func (m *message) shift(n int, unit string) civil {
	switch unit {
	case "w":
		return m.today.addDays(7 * n)
	case "m":
		return m.today.addMonths(n)
	case "y":
		return m.today.addMonths(12 * n)
	}
	return m.today.addDays(n)
}
