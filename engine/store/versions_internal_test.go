package store

import (
	"bytes"
	"testing"
	"time"
)

// FuzzDecodeVersion feeds decodeVersion what a damaged database or Redis
// could hold: it must fail cleanly, and what it accepts must encode back
// to the same bytes.
func FuzzDecodeVersion(f *testing.F) {
	f.Add(encodeVersion(BotVersion{Stored: time.Unix(1700000000, 5).UTC(), Files: []SourceFile{
		{Name: "main.yaml", Src: []byte("bot: acme\n")}, {Name: "empty.yaml"},
	}}))
	f.Add([]byte{})
	f.Add(make([]byte, 12))
	f.Add(append(make([]byte, 12), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeVersion("acme", "h", b)
		if err != nil {
			return
		}
		if again := encodeVersion(v); !bytes.Equal(again, b) {
			// A uvarint may be written with padding bytes: only a
			// canonical encoding must round-trip.
			w, err := decodeVersion("acme", "h", again)
			if err != nil || !bytes.Equal(encodeVersion(w), again) {
				t.Fatalf("decode(encode(decode(%x))) differs: %v", b, err)
			}
		}
	})
}

func TestVersionEncoding(t *testing.T) {
	v := BotVersion{Bot: "acme", Hash: "h", Stored: time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC), Files: []SourceFile{
		{Name: "main.yaml", Src: []byte("bot: acme\n")}, {Name: "b", Src: []byte{0, 0xff}},
	}}
	b := encodeVersion(v)
	want := "\x00\x00\x00\x00\x67\x76\x02\x25\x00\x00\x00\x06" + "\x09main.yaml\x0abot: acme\n" + "\x01b\x02\x00\xff"
	if string(b) != want {
		t.Errorf("encodeVersion = %q, want %q", b, want)
	}
	got, err := decodeVersion("acme", "h", b)
	if err != nil || !got.Stored.Equal(v.Stored) || len(got.Files) != 2 || got.Files[1].Name != "b" || !bytes.Equal(got.Files[1].Src, []byte{0, 0xff}) {
		t.Errorf("decodeVersion = %+v, %v", got, err)
	}
	for n := range len(b) {
		if _, err := decodeVersion("acme", "h", b[:n]); err == nil && n != 12 && n != 12+1+9+1+10 {
			t.Errorf("decodeVersion of the first %d bytes: no error", n)
		}
	}
}
