package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzDecodeRequests feeds every request decoder arbitrary bodies: none
// panics, every failure is an API error with a code, what decodes encodes
// and decodes again, and a body decodes only when it has no key twice in
// one object (as a token-level walk with encoding/json finds them).
func FuzzDecodeRequests(f *testing.F) {
	for _, s := range []string{
		`{"bot": "shop", "user": {"name": "Ann", "age": 3}, "params": {"x": [1, 2.5, {"y": null}]}}`,
		`{"text": "hi"}`, `{"after": 3, "wait": 1.5, "limit": 10}`, `{"type": "agent_done", "fields": {"a": "b"}}`,
		`{"ttl": 60}`, `{"bot": "shop", "params": {"record_id": "42"}}`, `{} {}`, `[`, `{"text": 1e999}`, "\xff",
		`{"user": {"a": 12345678901234567890}}`, `{"text":"hi","params":{"n":1E700}}`, `{"bot":"shop","params":{"n":1E700}}`, `{"params": {"x": [-1e309]}}`,
		`{"wait": 1e700}`, `{"text": "a", "text": "b"}`, `{"text": "a", "TEXT": "b"}`, `{"user": {"a": 1, "A": 2}}`,
		`{"params": {"a": [{"b": 1, "b": 2}]}}`, `{"type": "x", "fields": {"k": "1", "\u006b": "2"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, mk := range []func() any{
			func() any { return new(CreateRequest) }, func() any { return new(TextRequest) },
			func() any { return new(ReceiveRequest) }, func() any { return new(EventRequest) },
			func() any { return new(TokenRequest) }, func() any { return new(StartRequest) },
		} {
			v := mk()
			err := decodeJSON(body, v)
			if dup := duplicateKey(body); dup != "" && err == nil {
				t.Fatalf("%T: %s decodes with the key %q twice", v, body, dup)
			}
			if err != nil {
				var ae *apiError
				if !errors.As(err, &ae) || codeStatus[ae.Code] == 0 || ae.Message == "" {
					t.Fatalf("%T: error %v is not an API error", v, err)
				}
				continue
			}
			switch r := v.(type) {
			case *TextRequest:
				r.text()
			case *ReceiveRequest:
				r.check()
			case *EventRequest:
				r.check()
			case *CreateRequest:
				r.check()
			}
			again, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%T decoded from %q does not encode: %v", v, body, err)
			}
			if err := decodeJSON(again, mk()); err != nil {
				t.Fatalf("%T: %s decodes, its encoding %s does not: %v", v, body, again, err)
			}
		}
	})
}

// duplicateKey returns a key that appears twice in one object of a valid
// JSON body, comparing top-level keys as encoding/json matches struct
// fields (ignoring case), or "" when there is none.
func duplicateKey(body []byte) string {
	if !json.Valid(body) {
		return ""
	}
	type object struct {
		keys    []string
		wantKey bool
	}
	var stack []*object // nil for an array
	dec := json.NewDecoder(bytes.NewReader(body))
	// done ends a value: the object holding it wants a key next.
	done := func() {
		if n := len(stack); n > 0 && stack[n-1] != nil {
			stack[n-1].wantKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &object{wantKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, nil)
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			done()
			continue
		}
		if n := len(stack); n > 0 && stack[n-1] != nil && stack[n-1].wantKey {
			o, key := stack[n-1], tok.(string)
			for _, k := range o.keys {
				if k == key || n == 1 && strings.EqualFold(k, key) {
					return key
				}
			}
			o.keys, o.wantKey = append(o.keys, key), false
			continue
		}
		done()
	}
}

// FuzzToken checks tokens: whatever the input, checkToken does not panic,
// and only what Token signed passes.
func FuzzToken(f *testing.F) {
	k := deriveKeys(testSecret)
	now := time.Unix(1750000000, 0)
	f.Add("c_1", int64(3600), k.Token("c_1", now.Add(time.Hour)))
	f.Add("", int64(-1), "v1..0.")
	f.Add("a.b", int64(1), "v1.YS5i.1750000001.x")
	f.Fuzz(func(t *testing.T, id string, ttl int64, tok string) {
		if got, err := k.checkToken(tok, now); err == nil {
			// A token that passes must be one Token makes for that id.
			parts := bytes.Split([]byte(tok), []byte("."))
			exp, _ := strconv.ParseInt(string(parts[2]), 10, 64)
			if k.Token(got, time.Unix(exp, 0)) != tok {
				t.Fatalf("token %q passes for %q but is not what Token signs", tok, got)
			}
		}
		exp := now.Add(time.Duration(ttl%1e6) * time.Second)
		got, err := k.checkToken(k.Token(id, exp), now)
		if ttl%1e6 > 0 && (err != nil || got != id) {
			t.Fatalf("Token(%q, %v) does not check: %q, %v", id, exp, got, err)
		}
		if ttl%1e6 <= 0 && err == nil {
			t.Fatalf("an expired token passes")
		}
	})
}

// FuzzLink checks start links: checkLink does not panic on any query, and
// a signed link passes for its interaction only.
func FuzzLink(f *testing.F) {
	k := deriveKeys(testSecret)
	now := time.Unix(1750000000, 0)
	f.Add("remind_me", "record_id", "42", "exp=1&sig=x&p.a=b&p.a=c")
	f.Add("", "", "", "sig=%zz")
	f.Fuzz(func(t *testing.T, interaction, name, value, raw string) {
		if q, err := url.ParseQuery(raw); err == nil {
			k.checkLink(interaction, q, now)
		}
		l := Link{Bot: "shop", Interaction: interaction, Params: map[string]string{name: value}, Expires: now.Add(time.Hour)}
		if name == "" {
			l.Params = nil
		}
		q := k.signLink(l)
		back, err := url.ParseQuery(q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.checkLink(interaction, back, now); err != nil {
			t.Fatalf("a signed link does not check: %v (%s)", err, q.Encode())
		}
		if _, err := k.checkLink(interaction+"x", back, now); err == nil {
			t.Fatalf("a link passes for another interaction")
		}
	})
}

// FuzzReadUpload feeds the upload decoder arbitrary multipart bodies: none
// panics, and an upload whose bytes contradict its type is delivered with a
// type that a file question refuses.
func FuzzReadUpload(f *testing.F) {
	f.Add("b", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--b--\r\n")
	f.Add("b", "--b\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nupload\r\n--b--\r\n")
	f.Add("x", "garbage")
	f.Add("b", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"evil.pdf\"\r\nContent-Type: application/pdf\r\n\r\n\x7fELF\x02\x01\r\n--b--\r\n")
	f.Add("b", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.zip\"\r\nContent-Type: application/pdf\r\n\r\nPK\x03\x04\r\n--b--\r\n")
	f.Fuzz(func(t *testing.T, boundary, body string) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader([]byte(body)))
		w := httptest.NewRecorder()
		ti, m, err := readUpload(w, r, boundary)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || codeStatus[ae.Code] == 0 {
				t.Fatalf("error %v is not an API error", err)
			}
			return
		}
		if ti.in.Fields["size"] != strconv.Itoa(len(ti.upload)) || ti.in.Fields["name"] == "" || len(ti.upload) > MaxUpload {
			t.Fatalf("upload %v with %d bytes", ti.in.Fields, len(ti.upload))
		}
		// A mismatch is delivered with a type that is neither the one
		// declared nor none, unless the bytes fit the name and the type
		// declared does not.
		if typ := ti.in.Fields["type"]; m != nil && (typ == "" || typ == "application/octet-stream" ||
			typ == m.declared && nameKind(ti.in.Fields["name"]) == "") {
			t.Fatalf("upload %v: bytes %s, declared %q: delivered with type %q", ti.in.Fields, m.sniffed, m.declared, typ)
		}
		_ = http.StatusOK
	})
}

func FuzzMatchPoint(f *testing.F) {
	f.Add("record:*", "record:42")
	f.Add("a*b*a", "aba")
	f.Fuzz(func(t *testing.T, pattern, point string) {
		if matchPoint(pattern, point) && !bytes.Contains([]byte(pattern), []byte("*")) && pattern != point {
			t.Fatalf("%q matches %q without a wildcard", pattern, point)
		}
		if !matchPoint(pattern, pattern) && !bytes.Contains([]byte(pattern), []byte("*")) {
			t.Fatalf("%q does not match itself", pattern)
		}
	})
}
