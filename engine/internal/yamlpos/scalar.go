package yamlpos

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Scalar returns the 1-based line and column in src of byte offset off of
// the decoded value of scalar node n. It follows YAML's quoting, escapes and
// block styles, so that an expression embedded in a quoted or block scalar
// is reported where the author sees it. Offsets past the end point at the
// end; offset 0 is the value's first character (after the quote, or on the
// first line of a block).
func Scalar(src []byte, n *yaml.Node, off int) (line, col int) {
	if off <= 0 {
		switch {
		case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
			return blockPos(src, n, 0)
		case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
			return n.Line, n.Column + 1
		}
		return n.Line, n.Column
	}
	switch {
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return blockPos(src, n, off)
	case n.Style&yaml.DoubleQuotedStyle != 0:
		return flowPos(src, n, off, '"')
	case n.Style&yaml.SingleQuotedStyle != 0:
		return flowPos(src, n, off, '\'')
	}
	return flowPos(src, n, off, 0)
}

// lineStart returns the byte offset in src where 1-based line starts, or -1.
func lineStart(src []byte, line int) int {
	i := 0
	for l := 1; l < line; l++ {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
	}
	return i
}

// flowPos walks a plain or quoted scalar from its first character, counting
// decoded bytes until off is reached.
func flowPos(src []byte, n *yaml.Node, off int, quote byte) (int, int) {
	start := lineStart(src, n.Line)
	if start < 0 {
		return n.Line, n.Column
	}
	i := advanceRunes(src, start, n.Column-1) // columns count characters, not bytes
	line, col := n.Line, n.Column
	if quote != 0 {
		i++
		col++
	}
	dec := 0
	for i < len(src) && dec < off {
		c := src[i]
		switch {
		case c == '\r' && i+1 < len(src) && src[i+1] == '\n':
			i++ // a CRLF line break decodes like LF
			continue
		case c == '\n':
			// A line break folds into one space; skip the next line's indent.
			i++
			line++
			col = 1
			for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
				i++
				col++
			}
			dec++
			continue
		case quote == '"' && c == '\\' && i+1 < len(src) && (src[i+1] == '\n' || src[i+1] == '\r'):
			// An escaped line break joins the lines with nothing between.
			i++
			if src[i] == '\r' && i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
			i++
			line++
			col = 1
			for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
				i++
				col++
			}
			continue
		case quote == '"' && c == '\\' && i+1 < len(src):
			n, size := escapeLen(src[i:])
			if dec+size > off {
				return line, col
			}
			i += n
			col += n
			dec += size
			continue
		case quote == '\'' && c == '\'' && i+1 < len(src) && src[i+1] == '\'':
			i += 2
			col += 2
			dec++
			continue
		case quote != 0 && c == quote:
			return line, col
		}
		i++
		if !utf8.RuneStart(c) {
			col-- // a continuation byte: the character's column was counted
		}
		col++
		dec++
	}
	return line, col
}

// advanceRunes returns the byte index n characters after i in src.
func advanceRunes(src []byte, i, n int) int {
	for ; n > 0 && i < len(src); n-- {
		_, size := utf8.DecodeRune(src[i:])
		i += size
	}
	return i
}

// escapeLen returns how many source bytes a double-quoted escape (starting
// at its backslash) takes, and how many bytes it decodes to.
func escapeLen(src []byte) (n, size int) {
	if len(src) < 2 {
		return len(src), 1
	}
	hex := 0
	switch src[1] {
	case 'x':
		hex = 2
	case 'u':
		hex = 4
	case 'U':
		hex = 8
	case 'N', '_':
		return 2, 2 // U+0085, U+00A0
	case 'L', 'P':
		return 2, 3 // U+2028, U+2029
	default:
		return 2, 1
	}
	n = 2 + hex
	if n > len(src) {
		return len(src), 1
	}
	r, err := strconv.ParseUint(string(src[2:n]), 16, 32)
	if err != nil || utf8.RuneLen(rune(r)) < 0 {
		return n, 1
	}
	return n, utf8.RuneLen(rune(r))
}

// blockPos maps an offset in a literal (|) or folded (>) block scalar. Both
// keep one decoded byte per source byte within a line and one per line break.
func blockPos(src []byte, n *yaml.Node, off int) (int, int) {
	i := lineStart(src, n.Line+1)
	if i < 0 {
		return n.Line, n.Column
	}
	line := n.Line + 1
	// Skip leading blank lines, then measure the block's indentation.
	for {
		j := i
		for j < len(src) && src[j] == ' ' {
			j++
		}
		if j+1 < len(src) && src[j] == '\r' && src[j+1] == '\n' {
			j++
		}
		if j < len(src) && src[j] == '\n' {
			i = j + 1
			line++
			off-- // a leading blank line decodes to one newline
			continue
		}
		break
	}
	indent := 0
	for i+indent < len(src) && src[i+indent] == ' ' {
		indent++
	}
	col := 1
	dec := 0
	for i < len(src) {
		if col <= indent {
			i++
			col++
			continue
		}
		if dec >= off {
			break
		}
		switch c := src[i]; {
		case c == '\r' && i+1 < len(src) && src[i+1] == '\n':
			i++ // a CRLF line break decodes like LF
			continue
		case c == '\n':
			line++
			col = 1
		case utf8.RuneStart(c):
			col++ // columns count characters, not bytes
		}
		i++
		dec++
	}
	return line, col
}
