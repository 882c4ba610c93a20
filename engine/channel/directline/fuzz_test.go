package directline

import (
	"testing"
	"time"
)

// FuzzParseActivity: a posted activity never panics the parser, and what
// it takes has a type and at most one attachment.
func FuzzParseActivity(f *testing.F) {
	for _, s := range []string{
		`{"type":"message","text":"hi","channelData":{"clientActivityID":"x"}}`,
		`{"type":"event","name":"feedback","value":{"stars":5}}`,
		`{"type":"message","attachments":[{"contentType":"image/png","contentUrl":"data:image/png;base64,iVBORw0KGgo=","name":"a.png"}]}`,
		`{"type":""}`, `[]`, `{"type":"message"} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := parseActivity(data)
		if err != nil {
			return
		}
		if a.Type == "" || len(a.Attachments) > 1 {
			t.Errorf("took %+v", a)
		}
		_ = inputKey(a)
		_ = eventFields(a.Value)
		for _, at := range a.Attachments {
			_, _, _ = dataURL(at.ContentURL)
		}
	})
}

// FuzzParseToken: only tokens this key signed pass.
func FuzzParseToken(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Unix(1700000000, 0)
	good := sign(key, claims{Kind: kindConversation, Bot: "b", Conv: "c", User: "u", Exp: now.Unix() + 60})
	f.Add(good)
	f.Add("dl1.e30.AAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := parseToken(key, tok, kindConversation, now)
		if err == nil && (tok != good || c.Conv != "c") {
			t.Errorf("token %q passed: %+v", tok, c)
		}
	})
}

func FuzzDataURL(f *testing.F) {
	for _, s := range []string{"data:text/plain;base64,aGk=", "data:,a%20b", "data:;base64,", "data:x/y;a=b,%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { _, _, _ = dataURL(s) })
}

func FuzzParseWatermark(f *testing.F) {
	for _, s := range []string{"", "0", "12", "-1", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := parseWatermark(s); err == nil && n < 0 {
			t.Errorf("parseWatermark(%q) = %d", s, n)
		}
	})
}
