package server

import (
	"strings"
	"testing"
)

// TestOutOfRangeNumbers: a number beyond float64, anywhere in any body the
// server reads, is a 400 that says so; it never reaches the engine, where
// it would be +Inf, a value no JSON encoder writes back.
func TestOutOfRangeNumbers(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	conv := "/v1/conversations/" + c.ID
	tests := []struct {
		name, path, auth, body, where string
	}{
		{"create params", "/v1/conversations", adminKey, `{"bot": "shop", "params": {"n": 1E700}}`, "params.n is 1E700"},
		{"create user", "/v1/conversations", adminKey, `{"bot": "shop", "user": {"name": "Ann", "age": -1e309}}`, "user.age is -1e309"},
		{"deep in params", "/v1/conversations", adminKey, `{"bot": "shop", "params": {"x": [1, {"y": [2e400]}]}}`, "params.x[1].y[0] is 2e400"},
		{"interaction start", "/v1/interactions/remind_me/start", adminKey, `{"bot": "shop", "params": {"record_id": "7", "status": "open", "n": 1e999}}`, "params.n is 1e999"},
		{"receive wait", conv + "/receive", c.Token, `{"wait": 1e700}`, "wait is 1e700"},
		{"token ttl", conv + "/token", adminKey, `{"ttl": 1e700}`, "ttl is 1e700"},
		{"event field", conv + "/events", c.Token, `{"type": "agent_done", "fields": {"a": 1e700}}`, "fields.a is 1e700"},
		{"complete", conv + "/complete", c.Token, `{"text": "hi", "n": 1e700}`, "n is 1e700"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", tt.path, tt.auth, tt.body)
			var b errorBody
			r.want(t, 400).decode(t, &b)
			if b.Error.Code != CodeInvalidJSON || !strings.Contains(b.Error.Message, "out of range") || !strings.Contains(b.Error.Message, tt.where) {
				t.Errorf("error %s: %s; want %s, out of range, %s", b.Error.Code, b.Error.Message, CodeInvalidJSON, tt.where)
			}
		})
	}
	// Large numbers within float64, and ones too small for it (they round
	// to 0, as in any JSON reader), are taken.
	e.create(map[string]any{"bot": "shop", "params": map[string]any{"n": 1.7e308, "tiny": 1e-400}})
	e.do("POST", "/v1/conversations", adminKey, `{"bot": "shop", "params": {"tiny": 1e-400, "big": 1.7e308, "m": 12345678901234567890}}`).want(t, 201)
}

// TestDuplicateKeys: a key twice in one object, at any level of any body,
// is a 400 naming the key, where encoding/json alone would keep the last.
func TestDuplicateKeys(t *testing.T) {
	e := newEnv(t)
	c := e.create(nil)
	conv := "/v1/conversations/" + c.ID
	tests := []struct {
		name, path, auth, body, message string
	}{
		{"complete", conv + "/complete", c.Token, `{"text": "a", "text": "b"}`, `the key "text" appears twice in the body`},
		{"send", conv + "/send", c.Token, `{"text": "a", "text": "b"}`, `the key "text" appears twice in the body`},
		{"escaped", conv + "/complete", c.Token, `{"text": "a", "t\u0065xt": "b"}`, `the key "text" appears twice in the body`},
		// encoding/json matches fields ignoring case: Text is text.
		{"case", conv + "/complete", c.Token, `{"text": "a", "Text": "b"}`, `the key "Text" appears twice in the body`},
		{"create user", "/v1/conversations", adminKey, `{"bot": "shop", "user": {"name": "Ann", "name": "Bob"}}`, `the key "name" appears twice in user`},
		{"create top", "/v1/conversations", adminKey, `{"bot": "shop", "bot": "billing"}`, `the key "bot" appears twice in the body`},
		{"deep params", "/v1/conversations", adminKey, `{"bot": "shop", "params": {"a": [0, {"b": 1, "b": 2}]}}`, `the key "b" appears twice in params.a[1]`},
		{"interaction start", "/v1/interactions/remind_me/start", adminKey, `{"bot": "shop", "params": {"record_id": "7", "status": "open", "status": "done"}}`, `the key "status" appears twice in params`},
		{"event fields", conv + "/events", c.Token, `{"type": "agent_done", "fields": {"a": "1", "a": "2"}}`, `the key "a" appears twice in fields`},
		{"event type", conv + "/events", c.Token, `{"type": "agent_done", "type": "x"}`, `the key "type" appears twice in the body`},
		{"receive", conv + "/receive", c.Token, `{"after": 0, "after": 1}`, `the key "after" appears twice in the body`},
		{"token", conv + "/token", adminKey, `{"ttl": 60, "ttl": 61}`, `the key "ttl" appears twice in the body`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", tt.path, tt.auth, tt.body)
			var b errorBody
			r.want(t, 400).decode(t, &b)
			if b.Error.Code != CodeInvalidJSON || b.Error.Message != tt.message {
				t.Errorf("error %s: %s\nwant  %s: %s", b.Error.Code, b.Error.Message, CodeInvalidJSON, tt.message)
			}
		})
	}
	// The same key in two objects, and keys that differ in case below the
	// top level (map keys are exact), are no duplicates.
	e.do("POST", "/v1/conversations", adminKey,
		`{"bot": "shop", "user": {"a": {"x": 1}, "b": {"x": 2}, "n": 1, "N": 2}, "params": {"user": {"bot": 1}}}`).want(t, 201)
}

func TestCheckJSON(t *testing.T) {
	many := func(dup bool) string {
		var b strings.Builder
		b.WriteString(`{"user": {`)
		for i := range 100 {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`"k` + strings.Repeat("x", i) + `": 1`)
		}
		if dup {
			b.WriteString(`, "kxxx": 2`)
		}
		b.WriteString(`}}`)
		return b.String()
	}
	for _, tt := range []struct{ body, err string }{
		{`{"text": "hi"}`, ""},
		{`{}`, ""},
		{`{"a": [], "b": {}, "c": [[], {}], "d": "\"}", "e": true, "f": null, "g": -0.5e-3}`, ""},
		{`{"a": 1, "b": {"a": 1}, "c": [{"a": 1}, {"a": 2}]}`, ""},
		{many(false), ""},
		{many(true), `the key "kxxx" appears twice in user`},
		{`{"TeXt": 1, "tExT": 2}`, `the key "tExT" appears twice in the body`},
		// The Kelvin sign folds to k, as encoding/json folds field names.
		{`{"k": 1, "\u212a": 2}`, "the key \"\u212a\" appears twice in the body"},
		{`{"a": {"k": 1, "\u212a": 2}}`, ""},
		{`{"a": 1, "a": 2`, `the key "a" appears twice in the body`},
		{`{"n": 1` + strings.Repeat("0", 400) + `}`, "a number in the body is out of range: n is 1" + strings.Repeat("0", 39) + "…, more than a 64-bit float holds"},
		{`{"n": 1e308, "m": 1e-999}`, ""},
		// What is not JSON is left to the decoder.
		{`{"a": 1 "a": 2}`, ""},
		{`{"a" 1, "a": 2}`, ""},
		{`{"a": "1, "a": 2}`, ""},
		{`{"a": [1e999`, `a number in the body is out of range: a[0] is 1e999, more than a 64-bit float holds`},
		{strings.Repeat(`{"a": `, 20000), ""},
		{`{"a": "\ud800", "\ud800": 1, "\udbff": 2}`, "the key \"\ufffd\" appears twice in the body"},
	} {
		err := checkJSON([]byte(tt.body))
		got := ""
		if err != nil {
			got = err.Message
			if err.Code != CodeInvalidJSON {
				t.Errorf("%.60s: code %s", tt.body, err.Code)
			}
		}
		if got != tt.err {
			t.Errorf("%.60s:\n got %q\nwant %q", tt.body, got, tt.err)
		}
	}
}

// BenchmarkDecode measures decoding the body of a typical complete and of
// a create with a user profile and params: the checks of checkJSON are on
// the path of every turn.
func BenchmarkDecode(b *testing.B) {
	for _, bb := range []struct {
		name string
		body string
		dst  func() any
	}{
		{"complete", `{"text": "I would like to check on my order 123, please"}`, func() any { return new(TextRequest) }},
		{"create", `{"bot": "shop", "user": {"name": "Ann", "id": "u_42", "plan": "pro", "age": 31},` +
			` "params": {"record_id": "42", "status": "open", "tags": ["a", "b"]}}`, func() any { return new(CreateRequest) }},
	} {
		b.Run(bb.name, func(b *testing.B) {
			body := []byte(bb.body)
			b.ReportAllocs()
			for b.Loop() {
				if err := decodeJSON(body, bb.dst()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCheckJSON measures checkJSON alone on the bodies of BenchmarkDecode.
func BenchmarkCheckJSON(b *testing.B) {
	for name, body := range map[string]string{
		"complete": `{"text": "I would like to check on my order 123, please"}`,
		"create": `{"bot": "shop", "user": {"name": "Ann", "id": "u_42", "plan": "pro", "age": 31},` +
			` "params": {"record_id": "42", "status": "open", "tags": ["a", "b"]}}`,
	} {
		b.Run(name, func(b *testing.B) {
			data := []byte(body)
			b.ReportAllocs()
			for b.Loop() {
				if err := checkJSON(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
