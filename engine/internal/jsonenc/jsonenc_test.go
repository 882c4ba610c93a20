package jsonenc

import (
	"bytes"
	"encoding/json"
	"testing"
)

func encodingJSON(t *testing.T, s string, escapeHTML bool) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestAppendString(t *testing.T) {
	for _, tc := range []struct {
		in         string
		html, bare string
	}{
		{"plain", `"plain"`, `"plain"`},
		{"a\"b\\c\nd\te\rf\bg\fh\x01\x1f", `"a\"b\\c\nd\te\rf\bg\fh\u0001\u001f"`, `"a\"b\\c\nd\te\rf\bg\fh\u0001\u001f"`},
		{"<a href='x'>&</a>", `"\u003ca href='x'\u003e\u0026\u003c/a\u003e"`, `"<a href='x'>&</a>"`},
		{"é😀 \u2028\u2029 \xff", `"é😀 \u2028\u2029 \ufffd"`, `"é😀 \u2028\u2029 \ufffd"`},
	} {
		if got := string(AppendString(nil, tc.in, true)); got != tc.html {
			t.Errorf("AppendString(%q, true) = %s, want %s", tc.in, got, tc.html)
		}
		if got := string(AppendString(nil, tc.in, false)); got != tc.bare {
			t.Errorf("AppendString(%q, false) = %s, want %s", tc.in, got, tc.bare)
		}
	}
}

// FuzzAppendString: byte for byte what encoding/json writes, in both
// modes.
func FuzzAppendString(f *testing.F) {
	f.Add("quote \" backslash \\ <html> & \u2028 é 😀 \xff\xfe \x00\x7f")
	f.Fuzz(func(t *testing.T, s string) {
		for _, html := range []bool{true, false} {
			if got, want := AppendString([]byte("x"), s, html), append([]byte("x"), encodingJSON(t, s, html)...); !bytes.Equal(got, want) {
				t.Fatalf("AppendString(%q, %v) = %s, want %s", s, html, got, want)
			}
		}
	})
}
