package diag

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fatih/color"
)

// TextOptions controls how Text prints a List. The zero TextOptions prints
// plain text without snippets or a summary.
type TextOptions struct {
	// Color adds ANSI colours: errors red, warnings yellow, positions bold,
	// the caret green. The caller decides (a terminal, NO_COLOR unset, a
	// --color flag); Text never looks at the environment itself.
	Color bool

	// Sources returns the content of a file named in a diagnostic, so Text
	// can quote the offending line with a caret under the column. A nil
	// Sources, or a nil result, prints no snippet.
	Sources func(file string) []byte

	// Summary ends the output with a line counting the diagnostics, such as
	// "2 errors, 1 warning" or "no problems".
	Summary bool
}

// tabWidth is how many spaces a tab in a quoted source line becomes, so the
// caret lines up whatever the terminal's tab stops are.
const tabWidth = 4

// Text writes l for people, one diagnostic after the other, in the order of
// l (call Sort first for position order):
//
//	bot.yaml:7:15: error[unknown-target]: no step or dialog named `confrim`
//	  7 |       - goto: confrim
//	    |               ^
//	  help: did you mean `confirm`?
//
// The snippet needs TextOptions.Sources; the help line appears when the
// diagnostic has a Suggestion. The first line is Diagnostic.Error's, which
// gives the suggestion in parentheses instead.
func Text(w io.Writer, l List, opts TextOptions) error {
	p := newPalette(opts.Color)
	bw := bufio.NewWriter(w)
	for _, d := range l {
		writeDiagnostic(bw, d, opts, p)
	}
	if opts.Summary {
		fmt.Fprintln(bw, Summary(l))
	}
	return bw.Flush()
}

func writeDiagnostic(w *bufio.Writer, d Diagnostic, opts TextOptions, p palette) {
	writeHeader(w, d, &p)
	w.WriteString("\n")
	if opts.Sources != nil && d.Pos.IsValid() && d.Pos.File != "" {
		if line, ok := sourceLine(opts.Sources(d.Pos.File), d.Pos.Line); ok {
			writeSnippet(w, line, d.Pos, p)
		}
	}
	if d.Suggestion != "" {
		w.WriteString("  ")
		w.WriteString(p.help.Sprint("help:"))
		w.WriteString(" ")
		w.WriteString(d.Suggestion)
		w.WriteString("\n")
	}
}

// writeHeader writes the line that starts every rendering of d, the one
// format of a diagnostic for people: file:line:col: severity[code]: message.
// The position is left out when d has none, and so is an empty code. A nil
// p writes no colour.
func writeHeader(w io.StringWriter, d Diagnostic, p *palette) {
	sev := d.Severity.String()
	if d.Code != "" {
		sev += "[" + d.Code + "]"
	}
	sev += ":"
	pos := ""
	if d.Pos.File != "" || d.Pos.IsValid() {
		pos = d.Pos.String()
	}
	if p != nil {
		pos = p.pos.Sprint(pos)
		if d.Severity == Warning {
			sev = p.warning.Sprint(sev)
		} else {
			sev = p.error.Sprint(sev)
		}
	}
	if pos != "" {
		w.WriteString(pos)
		w.WriteString(": ")
	}
	w.WriteString(sev)
	w.WriteString(" ")
	w.WriteString(d.Message)
}

// writeSnippet quotes one source line under a gutter holding its number,
// then (when the column is known) a caret under the column. Tabs are
// expanded on both lines alike so the caret stays aligned.
func writeSnippet(w *bufio.Writer, line []byte, pos Pos, p palette) {
	num := strconv.Itoa(pos.Line)
	text, caret := expand(line, pos.Col)
	w.WriteString("  ")
	w.WriteString(p.gutter.Sprint(num + " |"))
	if text != "" {
		w.WriteString(" ")
		w.WriteString(text)
	}
	w.WriteString("\n")
	if pos.Col <= 0 {
		return
	}
	w.WriteString("  ")
	w.WriteString(p.gutter.Sprint(strings.Repeat(" ", len(num)) + " |"))
	w.WriteString(" ")
	w.WriteString(strings.Repeat(" ", caret))
	w.WriteString(p.caret.Sprint("^"))
	w.WriteString("\n")
}

// expand returns line with tabs turned into spaces and invalid UTF-8 and
// other control characters made visible, and the display offset of 1-based
// column col (counted in characters, as YAML counts them). A column past
// the end of the line points just after its last character.
func expand(line []byte, col int) (string, int) {
	var b strings.Builder
	caret, width, n := -1, 0, 0
	for len(line) > 0 {
		r, size := utf8.DecodeRune(line)
		line = line[size:]
		n++
		if n == col {
			caret = width
		}
		switch {
		case r == '\t':
			b.WriteString(strings.Repeat(" ", tabWidth))
			width += tabWidth
		case r < ' ' || r == 0x7f:
			b.WriteRune('\uFFFD')
			width++
		default:
			b.WriteRune(r)
			width++
		}
	}
	if caret < 0 {
		caret = width
	}
	return strings.TrimRight(b.String(), " "), caret
}

// sourceLine returns 1-based line n of src without its line ending.
func sourceLine(src []byte, n int) ([]byte, bool) {
	if src == nil || n < 1 {
		return nil, false
	}
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return nil, false
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return bytes.TrimSuffix(src, []byte("\r")), true
}

// Summary counts the errors and warnings of l for people: "2 errors,
// 1 warning", "1 error", "3 warnings" or "no problems".
func Summary(l List) string {
	errs, warns := l.Count(Error), l.Count(Warning)
	var parts []string
	if errs > 0 {
		parts = append(parts, plural(errs, "error"))
	}
	if warns > 0 {
		parts = append(parts, plural(warns, "warning"))
	}
	if len(parts) == 0 {
		return "no problems"
	}
	return strings.Join(parts, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// palette holds the colours of one Text call. Each colour is forced on or
// off explicitly, so fatih/color's own guesses (based on os.Stdout and
// NO_COLOR) never override the caller's choice.
type palette struct {
	pos, error, warning, help, gutter, caret *color.Color
}

func newPalette(on bool) palette {
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	return palette{
		pos:     mk(color.Bold),
		error:   mk(color.FgRed, color.Bold),
		warning: mk(color.FgYellow, color.Bold),
		help:    mk(color.FgCyan, color.Bold),
		gutter:  mk(color.FgBlue),
		caret:   mk(color.FgGreen, color.Bold),
	}
}
