package integration_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/integration"
)

// FuzzDecode: any body with any Content-Type decodes without a panic into
// a value a conversation's state can store (JSON-encodable); a body
// claiming JSON either decodes or is kept as its text with an error.
func FuzzDecode(f *testing.F) {
	for _, s := range []struct{ ctype, body string }{
		{"application/json", `{"a": [1, 2.5, "x", null, true, {"b": -0}]}`},
		{"application/json", `1e400`},
		{"application/json", `99999999999999999999`},
		{"application/json; charset=utf-8", `{"a":`},
		{"application/problem+json", `{} {}`},
		{"text/plain", "\xff\xfe"},
		{"application/json", "\"\\ud800\""},
		{"application/json", strings.Repeat("[", 20000)},
		{";;;", ""},
		{"+json", "{}"},
	} {
		f.Add(s.ctype, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		v, err := integration.Decode(ctype, body)
		if _, merr := json.Marshal(v); merr != nil {
			t.Fatalf("Decode(%q, %q) = %#v, which does not encode: %v", ctype, body, v, merr)
		}
		if err != nil {
			if !integration.IsJSON(ctype) {
				t.Fatalf("Decode(%q, ...) failed though it is not JSON: %v", ctype, err)
			}
			if _, ok := v.(string); !ok {
				t.Fatalf("Decode(%q, %q) failed but returned %#v, not the text", ctype, body, v)
			}
		}
	})
}
