// Package duration reads and writes the durations of timers, which run to
// days: Go's syntax (2m, 1h30m) with days in front (1d, 2d12h).
package duration

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Day is 24 hours: timers count calendar-free days.
const Day = 24 * time.Hour

// maxDays bounds the days so that the total fits a time.Duration.
const maxDays = 100_000

// Parse reads a duration such as 90s, 10m, 1h30m, 1d or 2d12h.
func Parse(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 || n > maxDays {
			return 0, fmt.Errorf("%q: the days come first, as a whole number (1d, 2d12h)", s)
		}
		days = time.Duration(n) * Day
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
		if s[0] == '-' || s[0] == '+' {
			return 0, fmt.Errorf("%q: no sign after the days", s)
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: write it like 90s, 10m, 1h30m or 1d", s)
	}
	if days > 0 && d < 0 {
		return 0, fmt.Errorf("%q: no sign after the days", s)
	}
	return days + d, nil
}

// Format writes d as Parse reads it, shortest first: 10m, 1h30m, 1d, 1d2h.
func Format(d time.Duration) string {
	if d < 0 {
		return "-" + Format(-d)
	}
	days := d / Day
	rest := d % Day
	var b strings.Builder
	if days > 0 {
		b.WriteString(strconv.FormatInt(int64(days), 10))
		b.WriteByte('d')
		if rest == 0 {
			return b.String()
		}
	}
	s := rest.String()
	// time.Duration.String writes 1h0m0s; drop the zero units.
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	b.WriteString(s)
	return b.String()
}
