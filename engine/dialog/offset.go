package dialog

import (
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/internal/yamlpos"
)

// PosAt returns the source position of byte offset off of the scalar's
// decoded value. It follows YAML's quoting, escapes and block styles, so an
// expression embedded in a quoted or block scalar is reported where the
// author sees it (see yamlpos.Scalar). Offsets past the end point at the end.
func (s Scalar) PosAt(off int) diag.Pos {
	if s.Node == nil || s.File == nil {
		return s.Pos()
	}
	line, col := yamlpos.Scalar(s.File.Src, s.Node, off)
	return diag.Pos{File: s.File.Path, Line: line, Col: col}
}
