package yamlpos

import (
	"testing"

	"gopkg.in/yaml.v3"
)

// The offsets of scalars of every style are table-tested through
// dialog.Scalar.PosAt (engine/dialog/offset_test.go).

// FuzzScalar checks that every offset of every scalar of a document maps
// to a place at or after the scalar's start, inside the source or just
// after its last line break.
func FuzzScalar(f *testing.F) {
	for _, s := range []string{
		"a: plain ${x}\n", "a: \"q\\u00e9 ${x}\"\n", "a: 'it''s ${x}'\n",
		"a: |\n  one\n  ${x}\n", "a: >-\n\n  folded\n  ${x}\n", "a: \"line\\\n  joined\"\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		var doc yaml.Node
		if yaml.Unmarshal(src, &doc) != nil {
			return
		}
		lines := max(len(lineEnds(src)), 1)
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			if n.Kind == yaml.ScalarNode {
				for off := 0; off <= len(n.Value)+1; off++ {
					line, col := Scalar(src, n, off)
					if line < n.Line || line > max(lines+1, n.Line) || col < 1 {
						t.Fatalf("Scalar(%q at %d:%d, %d) = %d:%d", n.Value, n.Line, n.Column, off, line, col)
					}
				}
			}
			for _, c := range n.Content {
				walk(c)
			}
		}
		walk(&doc)
	})
}
