package dialog

import (
	"bytes"

	"gopkg.in/yaml.v3"

	"github.com/botctl/botctl/engine/diag"
)

// PosAt returns the source position of byte offset off of the scalar's
// decoded value. It follows YAML's quoting, escapes and block styles, so an
// expression embedded in a quoted or block scalar is reported where the
// author sees it. Offsets past the end point at the end.
func (s Scalar) PosAt(off int) diag.Pos {
	p := s.Pos()
	if s.Node == nil || s.File == nil || off <= 0 {
		if s.Node != nil && (s.Node.Style&(yaml.LiteralStyle|yaml.FoldedStyle)) != 0 {
			return s.blockPos(0)
		}
		if s.Node != nil && (s.Node.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle)) != 0 {
			p.Col++
		}
		return p
	}
	switch {
	case s.Node.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return s.blockPos(off)
	case s.Node.Style&yaml.DoubleQuotedStyle != 0:
		return s.flowPos(off, '"')
	case s.Node.Style&yaml.SingleQuotedStyle != 0:
		return s.flowPos(off, '\'')
	}
	return s.flowPos(off, 0)
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
func (s Scalar) flowPos(off int, quote byte) diag.Pos {
	src := s.File.Src
	start := lineStart(src, s.Node.Line)
	if start < 0 {
		return s.Pos()
	}
	i := start + s.Node.Column - 1
	line, col := s.Node.Line, s.Node.Column
	if quote != 0 {
		i++
		col++
	}
	dec := 0
	for i < len(src) && dec < off {
		c := src[i]
		switch {
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
		case quote == '"' && c == '\\' && i+1 < len(src):
			n := 2
			switch src[i+1] {
			case 'x':
				n = 4
			case 'u':
				n = 6
			case 'U':
				n = 10
			}
			i += n
			col += n
			dec++
			continue
		case quote == '\'' && c == '\'' && i+1 < len(src) && src[i+1] == '\'':
			i += 2
			col += 2
			dec++
			continue
		case quote != 0 && c == quote:
			return diag.Pos{File: s.File.Path, Line: line, Col: col}
		}
		i++
		col++
		dec++
	}
	return diag.Pos{File: s.File.Path, Line: line, Col: col}
}

// blockPos maps an offset in a literal (|) or folded (>) block scalar. Both
// keep one decoded byte per source byte within a line and one per line break.
func (s Scalar) blockPos(off int) diag.Pos {
	src := s.File.Src
	i := lineStart(src, s.Node.Line+1)
	if i < 0 {
		return s.Pos()
	}
	line := s.Node.Line + 1
	// Skip leading blank lines, then measure the block's indentation.
	for {
		j := i
		for j < len(src) && src[j] == ' ' {
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
		if src[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
		i++
		dec++
	}
	return diag.Pos{File: s.File.Path, Line: line, Col: col}
}
