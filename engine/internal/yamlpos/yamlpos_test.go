package yamlpos

import (
	"fmt"
	"testing"
)

func TestLocate(t *testing.T) {
	tests := []struct {
		src  string
		want string // line:col: message
	}{
		// Scanner errors: the line holding the offending character.
		{"a:\n  b: c\n    d: e\n", "3:5: mapping values are not allowed in this context"},
		{"a: 1\nb: c: d\n", "2:1: mapping values are not allowed in this context"},
		{"a:\n\t- b\n", "2:2: found character that cannot start any token"},
		{"a: >\n  x\n\ty\n", "3:2: found a tab character where an indentation space is expected"},
		{"a: `x\n", "1:1: found character that cannot start any token"},
		{`a: "\q"` + "\n", "1:1: found unknown escape character"},
		// Parser errors, which yaml.v3 numbers from 0: the line of the
		// token it did not expect.
		{"a: 1\n- b\n", "2:1: did not find expected key"},
		{"- a\nb: c\n", "2:1: did not find expected '-' indicator"},
		{"a: |\n  x\n y: z\n", "3:2: did not find expected key"},
		{"%YAML 1.1\n%YAML 1.1\n---\na: 1\n", "2:1: found duplicate %YAML directive"},
		{"a: !foo!bar x\n", "1:1: found undefined tag handle"},
		// yaml.v3 names the line of the enclosing sequence here, and
		// nothing at all for an unknown anchor: the line is the offending one.
		{"a:\n  - b\n  c: d\n", "3:3: did not find expected '-' indicator"},
		{"a:\n  b:\n    - c\n   - d\n", "4:4: did not find expected key"},
		{"x: 1\na: &x 1\nb: *y\n", "3:1: unknown anchor 'y' referenced"},
		// An unclosed bracket: the token that should have closed it,
		// skipping blank and comment lines.
		{"a: [1, 2\nb: c\n", "2:1: did not find expected ',' or ']'"},
		{"a: [1, 2\n\n# note\nb: c\n", "4:1: did not find expected ',' or ']'"},
		{"  k: {a: 1, b\n", "1:3: did not find expected ',' or '}'"},
		// The end of the file: its last line.
		{"a: 'unterminated\nb: c\n", "2:1: found unexpected end of stream"},
		{"a: 'x\n\n\n", "3:1: found unexpected end of stream"},
		{"a: [x\n# c\n", "2:1: did not find expected ',' or ']'"},
		// A later document.
		{"a: 1\n---\nb: 1\n---\nc: [\n", "5:1: did not find expected node content"},
		// No final newline.
		{"a: b\n  c: d", "2:3: mapping values are not allowed in this context"},
	}
	for _, tt := range tests {
		err := decodeAll([]byte(tt.src))
		if err == nil {
			t.Errorf("%q parses", tt.src)
			continue
		}
		e := Locate([]byte(tt.src), err)
		if got := fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg); got != tt.want {
			t.Errorf("Locate(%q) = %s, want %s (yaml.v3: %v)", tt.src, got, tt.want, err)
		}
	}
}

// An error that does not come from the source is put at its start.
func TestLocateForeignError(t *testing.T) {
	e := Locate([]byte("a: 1\nb: 2\n"), fmt.Errorf("yaml: line 2: did not find expected key"))
	if e.Line != 1 || e.Col != 1 || e.Msg != "did not find expected key" {
		t.Errorf("got %d:%d %q", e.Line, e.Col, e.Msg)
	}
}

func TestFirstCol(t *testing.T) {
	src := []byte("a\n  b\n\t c\n\nlast")
	for line, want := range map[int]int{1: 1, 2: 3, 3: 3, 4: 1, 5: 1, 6: 1, 0: 1} {
		if got := FirstCol(src, line); got != want {
			t.Errorf("FirstCol(line %d) = %d, want %d", line, got, want)
		}
	}
}

// FuzzLocate checks that any source that fails to parse gets a line of
// its own and that Locate never panics.
func FuzzLocate(f *testing.F) {
	for _, s := range []string{"a: [1, 2\nb: c\n", "a:\n  b: c\n    d: e\n", "x: *y\n", "a: 'x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		err := decodeAll(src)
		if err == nil {
			return
		}
		e := Locate(src, err)
		if n := len(lineEnds(src)); e.Line < 1 || e.Line > max(n, 1) || e.Col < 1 {
			t.Fatalf("Locate(%q) = %d:%d, outside the %d lines of the source", src, e.Line, e.Col, n)
		}
	})
}
