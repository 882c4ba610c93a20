package turn

import (
	"math"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/defaults"
)

// DefaultRetry is the retry text sent after an invalid answer when the
// question sets no `retry:`. Choice questions list their choices instead.
var DefaultRetry = defaults.Retry

// yesNo maps the words people answer with to a boolean. Trailing
// punctuation and case are ignored before the lookup.
var yesNo = map[string]bool{
	"yes": true, "y": true, "yeah": true, "yea": true, "yep": true, "yup": true,
	"sure": true, "ok": true, "okay": true, "correct": true, "right": true,
	"true": true, "affirmative": true, "of course": true, "yes please": true,
	"absolutely": true, "definitely": true, "indeed": true, "si": true, "ja": true,
	"no": false, "n": false, "nope": false, "nah": false, "no thanks": false,
	"no thank you": false, "false": false, "negative": false, "not really": false,
	"never": false, "nein": false,
}

var phoneChars = regexp.MustCompile(`^\+?[0-9 ()./-]+$`)

// ParseAnswer checks text against an answer type and returns the parsed
// value: float64 for number, int for integer, bool for yes_no, the canonical
// label for choice, an ISO date for date, and the trimmed text otherwise.
// today anchors the words "today", "tomorrow" and "yesterday" for dates.
// ok is false when the text is not a valid answer of that type.
func ParseAnswer(ask *graph.Ask, text string, today time.Time) (value any, ok bool) {
	s := strings.TrimSpace(text)
	if s == "" {
		return nil, false
	}
	switch ask.Type {
	case graph.Text:
		return s, true
	case graph.Number:
		f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, false
		}
		return f, true
	case graph.Integer:
		i, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
		if err != nil || i > math.MaxInt || i < math.MinInt {
			return nil, false
		}
		return int(i), true
	case graph.Email:
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s || a.Name != "" {
			return nil, false
		}
		at := strings.LastIndexByte(s, '@')
		if at < 1 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") {
			return nil, false
		}
		return s, true
	case graph.Phone:
		if !phoneChars.MatchString(s) {
			return nil, false
		}
		digits := 0
		for _, r := range s {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits < 7 || digits > 15 {
			return nil, false
		}
		return s, true
	case graph.Date:
		return parseDate(s, today)
	case graph.YesNo:
		b, ok := yesNo[strings.Join(strings.Fields(strings.ToLower(strings.TrimRight(s, ".!?"))), " ")]
		return b, ok
	case graph.Choice:
		return parseChoice(ask.Choices, s)
	case graph.RegexAnswer:
		if ask.Pattern == nil || !ask.Pattern.MatchString(s) {
			return nil, false
		}
		return s, true
	}
	return nil, false
}

func parseDate(s string, today time.Time) (any, bool) {
	const iso = "2006-01-02"
	switch strings.ToLower(strings.TrimRight(s, ".!")) {
	case "today":
		return today.Format(iso), true
	case "tomorrow":
		return today.AddDate(0, 0, 1).Format(iso), true
	case "yesterday":
		return today.AddDate(0, 0, -1).Format(iso), true
	}
	t, err := time.Parse(iso, s)
	if err != nil {
		return nil, false
	}
	return t.Format(iso), true
}

// parseChoice matches a label (case-insensitive, whitespace-folded) or its
// 1-based number.
func parseChoice(choices []string, s string) (any, bool) {
	norm := Normalize(s)
	for _, c := range choices {
		if Normalize(c) == norm {
			return c, true
		}
	}
	if n, err := strconv.Atoi(strings.TrimRight(s, ".)")); err == nil && n >= 1 && n <= len(choices) {
		return choices[n-1], true
	}
	return nil, false
}

// Normalize lower-cases s and folds runs of white space into one space, the
// form in which starters and choices are compared.
func Normalize(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}
