package turn

import (
	"encoding/json"
	"testing"
)

// FuzzParseCompletion: any JSON body the model's API may send is read or
// refused, never a panic, and a read one has a content.
func FuzzParseCompletion(f *testing.F) {
	f.Add(`{"choices":[{"message":{"role":"assistant","content":"{\"value\":\"Lyon\"}"}}],"usage":{"prompt_tokens":3,"completion_tokens":2}}`)
	f.Add(`{"choices":[{"message":{"tool_calls":[{"function":{"name":"value","arguments":"{\"value\":\"x\"}"}}]}}]}`)
	f.Add(`{"choices":[]}`)
	f.Add(`[1,2]`)
	f.Add(`{"choices":[{"message":null}],"usage":{"prompt_tokens":-4}}`)
	f.Fuzz(func(t *testing.T, src string) {
		var body any
		if json.Unmarshal([]byte(src), &body) != nil {
			return
		}
		c, err := ParseCompletion(body)
		if err == nil && c.Content == "" {
			t.Errorf("%s: read with no content", src)
		}
		if c.PromptTokens < 0 || c.CompletionTokens < 0 {
			t.Errorf("%s: negative usage %+v", src, c)
		}
	})
}

// FuzzParseValue: the structured answer of an extraction is a value or
// none; a value is never blank.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{`{"value": "Lyon"}`, `{"value": ""}`, `{"value": 7}`, `{"city": "Lyon"}`, `Lyon`, `{"value":"a"} {}`, `{"value": ["x"]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		v, ok := ParseValue(src)
		if ok && (v == "" || v != trimmed(v)) {
			t.Errorf("%q: value %q", src, v)
		}
		if !ok && v != "" {
			t.Errorf("%q: no value, yet %q", src, v)
		}
	})
}

func trimmed(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	return s
}
