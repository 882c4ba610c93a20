// Package yamlpos finds where in YAML source a problem lies, so that a
// diagnostic can point at it.
//
// Where the YAML is well formed, positions come from the yaml.v3 node tree
// (Node.Line and Node.Column, and Scalar for a place inside a scalar's
// value). A syntax error has no tree; yaml.v3 describes it in a message
// whose line number is 0-based for some errors, 1-based for others, names
// the enclosing collection for others still, and is missing for a few
// (an unknown anchor, an undefined tag handle). Locate therefore ignores the
// number and finds the line by parsing prefixes of the source instead.
package yamlpos

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// SyntaxError is YAML that does not parse, with the place of the problem.
type SyntaxError struct {
	Line, Col int    // 1-based
	Msg       string // yaml.v3's description, such as "did not find expected key"
}

func (e *SyntaxError) Error() string { return e.Msg }

// Locate returns where the problem err lies in src, err being what yaml.v3
// returned for a document of src that does not parse.
//
// yaml.v3 reads a stream from its start and stops at the first problem, so
// a prefix of src holding the problem fails with the same error (same text,
// line number included), and a prefix ending before it parses or fails
// otherwise. Locate finds by bisection the first line whose prefix fails
// alike. When that error depends on where the input ends (an unclosed
// bracket or quote, reported at the end of the prefix), the problem is the
// next token: the first line after it that holds one, or the last line when
// none does. The column is the line's first non-blank one.
//
// Locate parses the prefixes again, so it belongs on the error path only.
func Locate(src []byte, err error) *SyntaxError {
	e := &SyntaxError{Line: 1, Col: 1, Msg: message(err)}
	want := err.Error()
	same := func(prefix []byte) bool {
		err := decodeAll(prefix)
		return err != nil && err.Error() == want
	}
	ends := lineEnds(src)
	if len(ends) == 0 || !same(src) {
		return e // not an error of this source: no better place than its start
	}
	lo, hi := 0, len(ends)-1 // the first line i whose prefix src[:ends[i]] fails alike
	for lo < hi {
		mid := (lo + hi) / 2
		if same(src[:ends[mid]]) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	line := lo + 1
	padded := append(bytes.Clone(src[:ends[lo]]), "\n\n"...)
	if !same(padded) {
		// The error moves with the end of the input: the problem is what
		// follows, or the end of the file.
		line = nextToken(src, ends, lo+1)
	}
	e.Line = line
	e.Col = FirstCol(src, line)
	return e
}

// decodeAll decodes every document of src.
func decodeAll(src []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// message is yaml.v3's description of err without its "yaml: " and
// "line N: " prefixes, the number being unreliable (see the package
// comment).
func message(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok && num != "" && strings.Trim(num, "0123456789") == "" {
			msg = text
		}
	}
	return msg
}

// lineEnds returns the offset just past each line of src: past its newline,
// or the end of src for a last line without one.
func lineEnds(src []byte) []int {
	var ends []int
	for i, c := range src {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(src) > 0 && src[len(src)-1] != '\n' {
		ends = append(ends, len(src))
	}
	return ends
}

// nextToken returns the 1-based number of the first line after line 0-based
// from that is neither blank nor a comment, or the last line of src.
func nextToken(src []byte, ends []int, from int) int {
	for i := from; i < len(ends); i++ {
		l := bytes.TrimSpace(src[ends[i-1]:ends[i]])
		if len(l) > 0 && l[0] != '#' {
			return i + 1
		}
	}
	return len(ends)
}

// FirstCol returns the 1-based column of the first character of 1-based
// line that is not a space or a tab, or 1 for a line src does not have.
func FirstCol(src []byte, line int) int {
	for i := 1; i < line; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return 1
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return len(src) - len(bytes.TrimLeft(src, " \t")) + 1
}
