package entity

import "strings"

func isLocalByte(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || isDigit(b) || strings.IndexByte("._%+-", b) >= 0
}

func isDomainByte(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || isDigit(b) || b == '.' || b == '-'
}

// emails adds the email addresses: ASCII local part, "@", and a domain
// of dot-separated labels whose last is two letters or more. A sentence's
// final dot is not part of the address.
func (m *message) emails() {
	s := m.text
	for at := strings.IndexByte(s, '@'); at >= 0; {
		start, end := at, at+1
		for start > 0 && isLocalByte(s[start-1]) {
			start--
		}
		for start < at && s[start] == '.' {
			start++
		}
		for end < len(s) && isDomainByte(s[end]) {
			end++
		}
		for end > at+1 && (s[end-1] == '.' || s[end-1] == '-') {
			end--
		}
		if start < at && validDomain(s[at+1:end]) && !wordAt(s, end) {
			m.add("email", start, end, strings.ToLower(s[start:end]), prioEmail)
		}
		next := strings.IndexByte(s[at+1:], '@')
		if next < 0 {
			break
		}
		at += 1 + next
	}
}

func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if isDigit(tld[i]) || tld[i] == '-' {
			return false
		}
	}
	return true
}

// phones adds the phone numbers: 7 to 15 digits in groups separated by
// one space, "-" or ".", the first group maybe in parentheses
// ("(415) 555-0100") or after a "+" ("+33 6 12 34 56 78"). Groups after
// the first have two digits or more, save the one after an international
// prefix. Digits without any separator or "+" make a phone only from 10
// digits on: "12345678" is a number. A run that holds a date, a time or
// an amount is not a phone.
func (m *message) phones() {
	s := m.text
	var specific []bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !((c == '+' || c == '(') && i+1 < len(s) && isDigit(s[i+1])) {
			continue
		}
		if wordBefore(s, i) || i > 0 && (isDigit(s[i-1]) || strings.IndexByte("+(.,-/:$", s[i-1]) >= 0) {
			continue
		}
		end, value, ok := scanPhone(s, i)
		if !ok {
			i += digitsAt(s, i) // skip the rest of this run
			continue
		}
		if specific == nil {
			specific = m.cover(func(c *candidate) bool { return c.prio == prioSpecific })
		}
		if !covered(specific, i, end) {
			m.add("phone", i, end, value, prioPhone)
		}
		i = end - 1
	}
}

func scanPhone(s string, i int) (end int, value string, ok bool) {
	var b strings.Builder
	j := i
	plus := s[j] == '+'
	if plus {
		b.WriteByte('+')
		j++
	}
	groups, digits, parens := 0, 0, 0
	for {
		g := j
		paren := j < len(s) && s[j] == '(' && groups == 0 || j < len(s) && s[j] == '(' && plus && groups == 1
		if paren {
			g++
		}
		d := digitsAt(s, g)
		if d == 0 || paren && (g+d >= len(s) || s[g+d] != ')') {
			break
		}
		if groups > 0 && d < 2 && !(plus && groups == 1) {
			break
		}
		b.WriteString(s[g : g+d])
		digits += d
		groups++
		j = g + d
		end = j
		if paren {
			j++
			end = j
			parens++
		}
		if j < len(s) && (s[j] == ' ' || s[j] == '-' || s[j] == '.') {
			j++
		} else if !paren {
			break
		}
		if digits > 15 {
			return 0, "", false
		}
	}
	if digits < 7 || digits > 15 || !plus && groups == 1 && parens == 0 && digits < 10 || wordAt(s, end) ||
		!plus && parens == 0 && dateShaped(s[i:end]) {
		return 0, "", false
	}
	return end, b.String(), true
}

// dateShaped reports whether s is written as a numeric date, valid or
// not ("2026-02-30", "31.04.2026"): such a mistyped date is no phone.
func dateShaped(s string) bool {
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if len(s) < 8 || len(s) > 10 || i < 0 || s[i] == ' ' {
		return false
	}
	parts := strings.Split(s, s[i:i+1])
	if len(parts) != 3 {
		return false
	}
	a, b, c := len(parts[0]), len(parts[1]), len(parts[2])
	return a == 4 && b <= 2 && c <= 2 || a <= 2 && b <= 2 && c == 4
}
