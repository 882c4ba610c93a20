package compile

import (
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/internal/duration"
)

// duration parses a Go duration written as text. ok is false when nothing
// usable is written; a malformed or negative duration is reported.
func (c *compiler) duration(s dialog.Scalar, key string, pl place, positive bool) (time.Duration, bool) {
	if !isString(s) {
		return 0, false // unset, or a number: the schema wants text
	}
	v := strings.TrimSpace(s.Value)
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		c.errorf(s.Pos(), "invalid-duration", pl,
			"`%s: %s` is not a duration: write it like 2s, 500ms or 1m30s", key, s.Value)
		return 0, false
	case d < 0 || positive && d == 0:
		what := "negative"
		if d == 0 {
			what = "zero"
		}
		c.errorf(s.Pos(), "invalid-duration", pl, "`%s` must be more than zero, not %s", key, what)
		return 0, false
	}
	return d, true
}

// timerDuration reads the duration of a timer (inactivity, schedule),
// which may run to days: 90s, 10m, 1d, 2d12h. It must be positive.
func (c *compiler) timerDuration(s dialog.Scalar, key string, pl place) (time.Duration, bool) {
	if !isString(s) {
		return 0, false // unset, or a number: the schema wants text
	}
	d, err := duration.Parse(s.Value)
	switch {
	case err != nil:
		c.errorf(s.Pos(), "invalid-duration", pl, "`%s`: %v", key, err)
		return 0, false
	case d <= 0:
		c.errorf(s.Pos(), "invalid-duration", pl, "`%s` must be more than zero, not %s", key, s.Value)
		return 0, false
	}
	return d, true
}

var sizeRe = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$`)

// parseSize reads a byte count or a number with a unit B, KB, MB, KiB or
// MiB (KB = KiB = 1024, MB = MiB = 1048576), case-insensitive.
// ParseSize reads a size as bot files write it: a byte count, or a number
// with the unit B, KB, MB, KiB or MiB (case-insensitive; KB = KiB = 1024
// bytes). Command-line flags use the same syntax.
func ParseSize(v string) (int64, bool) {
	m := sizeRe.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return 0, false
	}
	var mult float64
	switch strings.ToLower(m[2]) {
	case "", "b":
		mult = 1
	case "kb", "kib":
		mult = 1 << 10
	case "mb", "mib":
		mult = 1 << 20
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil || f*mult > 1<<62 {
		return 0, false
	}
	n := int64(f * mult)
	if mult == 1 && f != float64(n) {
		return 0, false // a fraction of a byte
	}
	return n, true
}

// size reads max_size: at most MaxSize bytes.
func (c *compiler) size(s dialog.Scalar, key string, pl place) (int64, bool) {
	if !s.IsSet() || (s.Node.Tag != "!!str" && s.Node.Tag != "!!int") {
		return 0, false // the schema reports other types
	}
	n, ok := ParseSize(s.Value)
	switch {
	case !ok:
		c.errorf(s.Pos(), "invalid-size", pl,
			"`%s: %s` is not a size: write a number of bytes or a number with B, KB, MB, KiB or MiB, like 2MB", key, s.Value)
		return 0, false
	case n <= 0:
		c.errorf(s.Pos(), "invalid-size", pl, "`%s` must be more than zero", key)
		return 0, false
	case n > MaxSize:
		c.errorf(s.Pos(), "size-too-large", pl,
			"`%s: %s` is more than 5MB, the largest file botctl accepts", key, s.Value)
		return 0, false
	}
	return n, true
}

// regex compiles an RE2 expression, case-insensitive by default (the
// author may write (?-i) to turn that off). Errors point at the offending
// part of the expression when it can be found.
func (c *compiler) regex(s dialog.Scalar, key string, pl place) *regexp.Regexp {
	if !isString(s) {
		return nil
	}
	re, err := regexp.Compile("(?i)" + s.Value)
	if err == nil {
		return re
	}
	msg := err.Error()
	off := 0
	if se, ok := err.(*syntax.Error); ok {
		msg = se.Code.String()
		if expr := strings.TrimPrefix(se.Expr, "(?i)"); expr != "" {
			msg += ": `" + expr + "`"
			if i := strings.Index(s.Value, expr); i >= 0 {
				off = i
			}
		}
	}
	c.errorf(s.PosAt(off), "invalid-regex", pl, "`%s` is not a valid regular expression (RE2): %s", key, msg)
	return nil
}
