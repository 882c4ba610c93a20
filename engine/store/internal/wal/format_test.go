package wal

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

var testBodies = [][]byte{[]byte("c first"), bytes.Repeat([]byte("long "), 100), []byte("ü")}

// segment returns a segment's contents holding bodies, and the offset
// where each entry ends.
func segment(bodies ...[]byte) ([]byte, []int) {
	b := AppendHeader(nil)
	ends := []int{len(b)}
	for _, body := range bodies {
		var start int
		b, start = BeginEntry(b)
		b = append(b, body...)
		EndEntry(b, start)
		ends = append(ends, len(b))
	}
	return b, ends
}

// parse returns the bodies of a segment's contents, copied.
func parse(b []byte) ([][]byte, int, error) {
	var out [][]byte
	end, err := Parse(b, func(body []byte) error {
		out = append(out, bytes.Clone(body))
		return nil
	})
	return out, end, err
}

func TestRoundTrip(t *testing.T) {
	b, _ := segment(testBodies...)
	got, end, err := parse(b)
	if err != nil || end != len(b) {
		t.Fatalf("Parse: end %d of %d, err %v", end, len(b), err)
	}
	if !reflect.DeepEqual(got, testBodies) {
		t.Errorf("Parse: %q, want %q", got, testBodies)
	}
}

// TestTornTail cuts a segment at every byte, and fills its tail with
// zeros from every byte on: parsing keeps the entries that are whole and
// stops, without error, at the one cut short.
func TestTornTail(t *testing.T) {
	b, ends := segment(testBodies...)
	for cut := 0; cut <= len(b); cut++ {
		whole := 0
		for whole < len(testBodies) && ends[whole+1] <= cut {
			whole++
		}
		wantEnd := ends[whole]
		if cut < len(header) {
			wantEnd = 0
		}
		cases := map[string][]byte{"cut": b[:cut]}
		if cut >= len(header) {
			// Zeros past the last append (its size reached the disk, its
			// data did not); the header was fsynced before any append.
			cases["zeros"] = append(bytes.Clone(b[:cut]), make([]byte, len(b)-cut+16)...)
		}
		for name, data := range cases {
			got, end, err := parse(data)
			if err != nil {
				t.Fatalf("%s at %d: %v", name, cut, err)
			}
			if len(got) != whole || end != wantEnd {
				t.Fatalf("%s at %d: %d entries ending at %d, want %d ending at %d", name, cut, len(got), end, whole, wantEnd)
			}
		}
	}
}

// TestDamage: a flipped byte fails the checksum (the rest is taken for a
// torn write); a wrong header, or a body the caller refuses, is an error,
// the latter naming the entry's offset.
func TestDamage(t *testing.T) {
	b, ends := segment(testBodies[:2]...)
	flipped := bytes.Clone(b)
	flipped[ends[1]+20] ^= 0x40
	if got, end, err := parse(flipped); err != nil || len(got) != 1 || end != ends[1] {
		t.Errorf("flipped byte: %d entries, end %d, err %v; want 1, %d, nil", len(got), end, err, ends[1])
	}
	huge := bytes.Clone(b)
	huge[ends[1]+3] = 0x7f // a length beyond MaxEntry
	if got, end, err := parse(huge); err != nil || len(got) != 1 || end != ends[1] {
		t.Errorf("damaged length: %d entries, end %d, err %v; want 1, %d, nil", len(got), end, err, ends[1])
	}

	if _, _, err := parse([]byte("GIF89a, not a log at all")); err == nil || err.Error() != "not a botctl log segment (bad header)" {
		t.Errorf("bad header: err %v", err)
	}
	refused := errors.New("not mine")
	n := 0
	end, err := Parse(b, func([]byte) error {
		if n++; n == 2 {
			return refused
		}
		return nil
	})
	if want := fmt.Sprintf("entry at offset %d: not mine", ends[1]); !errors.Is(err, refused) || err.Error() != want || end != ends[1] {
		t.Errorf("refused body: end %d, err %v; want %d, %s", end, err, ends[1], want)
	}
	// A segment whose creation a crash cut short: its header never
	// reached the disk, and nothing in it was acknowledged.
	for _, data := range [][]byte{nil, []byte("botctl-w"), make([]byte, 40)} {
		if got, end, err := parse(data); err != nil || len(got) != 0 || end != 0 {
			t.Errorf("%q: %d entries, end %d, err %v; want none", data, len(got), end, err)
		}
	}
}

func TestEndEntryRefusesEmpty(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "entry body of 0 bytes") {
			t.Errorf("recover() = %v, want a panic about the empty body", r)
		}
	}()
	b, start := BeginEntry(nil)
	EndEntry(b, start)
}

// FuzzParseLog: whatever Parse takes from a segment re-encodes to the
// bytes it was read from, so reading neither loses nor invents an entry;
// and parsing those good bytes again gives the same, so cutting a torn
// tail off changes nothing.
//
// The header is part of the good bytes only when end says so: contents
// that are all zeros, or shorter than the header (a segment whose
// creation a crash cut short), parse as no entries with end 0, whatever
// their length.
func FuzzParseLog(f *testing.F) {
	b, _ := segment(testBodies...)
	f.Add(b)
	f.Add(b[:len(b)-3])
	f.Add(AppendHeader(nil))
	f.Add([]byte{})
	f.Add(make([]byte, len(header)))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, end, err := parse(data)
		if end > len(data) || end != 0 && end < len(header) {
			t.Fatalf("end %d of %d bytes", end, len(data))
		}
		if err != nil {
			return
		}
		var again []byte
		if end > 0 {
			again = AppendHeader(again)
		}
		for _, body := range got {
			var start int
			again, start = BeginEntry(again)
			again = append(again, body...)
			EndEntry(again, start)
		}
		if !bytes.Equal(again, data[:end]) {
			t.Fatalf("re-encoded entries differ from the %d bytes they were read from", end)
		}
		if got2, end2, err := parse(data[:end]); err != nil || end2 != end || !reflect.DeepEqual(got2, got) {
			t.Fatalf("the good bytes alone: %d entries ending at %d, %v; want %d ending at %d", len(got2), end2, err, len(got), end)
		}
	})
}
