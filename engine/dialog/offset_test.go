package dialog

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/botctl/botctl/engine/diag"
)

// TestPosAt checks that an offset into a scalar's decoded value maps back to
// the line and column where that character is written, for every YAML style.
func TestPosAt(t *testing.T) {
	tests := []struct {
		name string
		src  string
		find string // the decoded substring whose start we locate
		want diag.Pos
	}{
		{"plain", "k: a ${ vars.x }\n", "vars", diag.Pos{Line: 1, Col: 9}},
		{"double", "k: \"a ${ vars.x }\"\n", "vars", diag.Pos{Line: 1, Col: 10}},
		{"double escape", "k: \"\\t${ vars.x }\"\n", "vars", diag.Pos{Line: 1, Col: 10}},
		{"single", "k: 'it''s ${ vars.x }'\n", "vars", diag.Pos{Line: 1, Col: 14}},
		{"literal", "k: |\n  first\n  x ${ vars.x }\n", "vars", diag.Pos{Line: 3, Col: 8}},
		{"folded", "k: >\n    first\n    x ${ vars.x }\n", "vars", diag.Pos{Line: 3, Col: 10}},
		{"plain multiline", "k: first\n  x ${ vars.x }\n", "vars", diag.Pos{Line: 2, Col: 8}},
		{"start", "k: '${x}'\n", "${", diag.Pos{Line: 1, Col: 5}},
		{"escaped line break", "k: \"a\\\n  b ${ vars.x }\"\n", "vars", diag.Pos{Line: 2, Col: 8}},
		{"nested", "a:\n  - say: \"Hi ${user.name}\"\n", "user", diag.Pos{Line: 2, Col: 16}},
		// Columns count characters, as yaml.v3's do, not bytes.
		{"non-ascii before", "k: \"é ${ vars.x }\"\n", "vars", diag.Pos{Line: 1, Col: 10}},
		{"non-ascii key", "clé: \"${ vars.x }\"\n", "vars", diag.Pos{Line: 1, Col: 10}},
		{"non-ascii plain", "k: n° ${ vars.x }\n", "vars", diag.Pos{Line: 1, Col: 10}},
		{"escape decoding to two bytes", "k: \"\\u00e9 ${ vars.x }\"\n", "vars", diag.Pos{Line: 1, Col: 15}},
		{"non-ascii literal", "k: |\n  café ${ vars.x }\n", "vars", diag.Pos{Line: 2, Col: 11}},
		{"crlf literal", "k: |\r\n  first\r\n  x ${ vars.x }\r\n", "vars", diag.Pos{Line: 3, Col: 8}},
		{"crlf plain multiline", "k: first\r\n  x ${ vars.x }\r\n", "vars", diag.Pos{Line: 2, Col: 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tt.src), &doc); err != nil {
				t.Fatal(err)
			}
			f := &File{Path: "f.yaml", Src: []byte(tt.src)}
			n := findScalar(&doc, tt.find)
			if n == nil {
				t.Fatalf("no scalar contains %q", tt.find)
			}
			s := Scalar{Value: n.Value, Node: n, File: f}
			off := strings.Index(n.Value, tt.find)
			got := s.PosAt(off)
			tt.want.File = "f.yaml"
			if got != tt.want {
				t.Errorf("PosAt(%d) in %q = %v, want %v", off, n.Value, got, tt.want)
			}
		})
	}
}

func findScalar(n *yaml.Node, sub string) *yaml.Node {
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, sub) {
		return n
	}
	for _, c := range n.Content {
		if r := findScalar(c, sub); r != nil {
			return r
		}
	}
	return nil
}
