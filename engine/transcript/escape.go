package transcript

import "strings"

// Escape writes text for one line of a transcript: a newline becomes `\n`,
// and a backslash is doubled where it would otherwise be read as part of an
// escape (before `n`, before another backslash, or at the end of a line
// broken by a newline). Every other character, other backslashes included,
// stands for itself, so `C:\Temp` needs no escaping.
func Escape(text string) string {
	if !strings.ContainsAny(text, "\\\n\r") {
		return text
	}
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch c {
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\\':
			if i+1 < len(text) && strings.IndexByte("nr\\\n\r", text[i+1]) >= 0 {
				b.WriteString(`\\`)
			} else {
				b.WriteByte('\\')
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Unescape reads the text of a transcript line: `\n` is a newline, `\r` a
// carriage return and `\\` a backslash; any other backslash stands for
// itself. Unescape(Escape(s)) == s for every s.
func Unescape(line string) string {
	if !strings.Contains(line, `\`) {
		return line
	}
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c != '\\' || i+1 == len(line) {
			b.WriteByte(c)
			continue
		}
		switch line[i+1] {
		case 'n':
			b.WriteByte('\n')
			i++
		case 'r':
			b.WriteByte('\r')
			i++
		case '\\':
			b.WriteByte('\\')
			i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
