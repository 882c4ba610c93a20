package transcript

import (
	"slices"
	"strconv"
	"strings"
)

// The text of an `<<` line is what turn.Output.Line writes after "<< ",
// with line breaks written `\n` and `\r`:
//
//	buttons Yes | No | a \| b | C:\\Temp    labels separated by " | "; in a label
//	                                        `\|` is a '|', `\\` a backslash,
//	                                        `\n` a line break, `\r` a carriage
//	                                        return; any other backslash stands
//	                                        for itself
//	transfer to=agent skill="first line"    key=value fields; a value with a
//	                                        space, '=', '"' or '\' is written
//	                                        Go-quoted (strconv.Quote)
//	upload accept=pdf,png                   key=value fields
//	close
//
// Expected and actual action lines are compared by what they say (the
// action, its labels or its fields), so `skill=billing` and
// `skill="billing"` are the same.

// fieldError is a mistake in the key=value fields of a line: what is wrong
// and its byte offset in the text after the prefix.
type fieldError struct {
	off int
	msg string
}

// splitFields reads the key=value fields of s from byte offset i: values
// are one word or Go-quoted. It returns the fields and the offset of each
// key. what names the line's kind in messages ("event", "`transfer`"), and
// example is a quoted value to show.
func splitFields(s string, i int, what, example string) ([]Field, []int, *fieldError) {
	var fields []Field
	var offs []int
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i == len(s) {
			return fields, offs, nil
		}
		start := i
		end := strings.IndexAny(s[i:], " \t")
		if end < 0 {
			end = len(s) - i
		}
		eq := strings.IndexByte(s[i:i+end], '=')
		if eq < 0 {
			return nil, nil, &fieldError{start, what + " fields are written key=value, not " + strconv.Quote(s[i:i+end])}
		}
		key := s[i : i+eq]
		if !fieldPattern.MatchString(key) {
			return nil, nil, &fieldError{start, strconv.Quote(key) + " is not a field name (letters, digits, _ and -)"}
		}
		if slices.ContainsFunc(fields, func(f Field) bool { return f.Key == key }) {
			return nil, nil, &fieldError{start, "field `" + key + "` is given twice"}
		}
		i += eq + 1
		var v string
		if i < len(s) && s[i] == '"' {
			q, err := strconv.QuotedPrefix(s[i:])
			if err != nil {
				return nil, nil, &fieldError{i, "the quoted value of `" + key + "` is not closed or not valid; write it like " + example}
			}
			v, _ = strconv.Unquote(q)
			i += len(q)
			if i < len(s) && s[i] != ' ' && s[i] != '\t' {
				return nil, nil, &fieldError{i, "put a space after the quoted value of `" + key + "`"}
			}
		} else {
			j := strings.IndexAny(s[i:], " \t")
			if j < 0 {
				j = len(s) - i
			}
			v = s[i : i+j]
			i += j
		}
		fields = append(fields, Field{Key: key, Value: v})
		offs = append(offs, start)
	}
}

// labelSep separates the labels of a buttons line.
const labelSep = " | "

// splitLabels reads the labels of a buttons line (what follows
// "buttons "): separated by " | ", with `\|`, `\\`, `\n` and `\r` escapes.
func splitLabels(s string) []string {
	if s == "" {
		return nil
	}
	var labels []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			switch s[i+1] {
			case '|', '\\':
				b.WriteByte(s[i+1])
				i++
			case 'n':
				b.WriteByte('\n')
				i++
			case 'r':
				b.WriteByte('\r')
				i++
			default:
				b.WriteByte(c)
			}
		case strings.HasPrefix(s[i:], labelSep):
			labels = append(labels, b.String())
			b.Reset()
			i += len(labelSep) - 1
		default:
			b.WriteByte(c)
		}
	}
	return append(labels, b.String())
}

// parseAction fills in the action, labels or fields of an action line
// from its Text.
func parseAction(l *Line) *fieldError {
	name, rest := l.Text, ""
	if i := strings.IndexByte(l.Text, ' '); i >= 0 {
		name, rest = l.Text[:i], l.Text[i+1:]
	}
	l.Action = name
	if name == "buttons" {
		l.Labels = splitLabels(rest)
		return nil
	}
	fields, offs, err := splitFields(l.Text, len(name), "`"+name+"`", `"two words"`)
	if err != nil {
		return err
	}
	l.Fields, l.offs = fields, offs
	return nil
}

// breakEscaper writes the line breaks of an action (a button label may
// hold one) as `\n` and `\r`, which splitLabels reads back. runtime's
// Output.Line has already doubled every backslash of a label and quoted
// every other value with a backslash or line break.
var breakEscaper = strings.NewReplacer("\n", `\n`, "\r", `\r`)

// sameAction reports whether two action lines say the same: the same
// action with the same labels, or the same fields in the same order.
func sameAction(e, a *Line) bool {
	if e.Action == "" || a.Action == "" {
		return e.Text == a.Text
	}
	return e.Action == a.Action && slices.Equal(e.Labels, a.Labels) && slices.Equal(e.Fields, a.Fields)
}
