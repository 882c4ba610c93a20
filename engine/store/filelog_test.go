package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store/internal/wal"
)

func testEntries() []logEntry {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	rec := func(v int64, state string) []byte {
		return encodeRecord(fileRecord{Bot: "acme", Version: v, State: json.RawMessage(state), Created: now, Updated: now, LastSeq: v})
	}
	msgs, err := encodeMessages([]Message{{Seq: 1, Time: now, Kind: "user", Text: "hi"}})
	if err != nil {
		panic(err)
	}
	return []logEntry{
		{kind: logCreate, id: "c1", rec: rec(1, `{"a":1}`), first: 1, msgs: msgs},
		{kind: logCommit, id: "c1", rec: rec(2, `{"a":2}`), first: 2, msgs: msgs, replyKey: "k", reply: []byte(`{"status":200}`)},
		{kind: logCommit, id: "ünïcode id", rec: rec(7, ""), first: 9},
		{kind: logCommit, id: "c2", first: 1, rec: encodeRecord(fileRecord{Bot: "acme", Version: 2, Created: now, Updated: now,
			Meta: Meta{User: "u-1", Owner: "agent", Tags: []string{"vip", ""}}})},
		{kind: logDelete, id: "c1", rec: rec(2, `{"a":2}`)[:recHeader]},
	}
}

// parseEntries reads a segment's contents as replay does.
func parseEntries(b []byte) ([]logEntry, int, error) {
	var out []logEntry
	end, err := wal.Parse(b, func(body []byte) error {
		e, err := decodeLogBody(body)
		if err == nil {
			out = append(out, e)
		}
		return err
	})
	return out, end, err
}

func TestLogEntryRoundTrip(t *testing.T) {
	want := testEntries()
	b := wal.AppendHeader(nil)
	for i := range want {
		b = appendLogEntry(b, &want[i])
	}
	got, end, err := parseEntries(b)
	if err != nil || end != len(b) {
		t.Fatalf("parseEntries: end %d of %d, err %v", end, len(b), err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseEntries:\n got %+v\nwant %+v", got, want)
	}
}

// TestLogEntryDamage: a body with a good checksum that this code did not
// write is an error naming the entry's offset, not a torn write.
func TestLogEntryDamage(t *testing.T) {
	entries := testEntries()
	header := len(wal.AppendHeader(nil))
	for _, tc := range []struct {
		e    logEntry
		want string
	}{
		{logEntry{kind: 'x', id: "c1", rec: entries[0].rec}, "unknown entry kind 'x'"},
		{logEntry{kind: logCommit, rec: entries[0].rec}, "empty id"},
		{logEntry{kind: logCommit, id: "c1"}, "bad record"},
		{logEntry{kind: logCommit, id: "c1", rec: []byte("short")}, "record too short"},
		{logEntry{kind: logDelete, id: "c1", rec: entries[0].rec}, "bad delete"},
		{logEntry{kind: logDelete, id: "c1", rec: entries[0].rec[:recHeader], replyKey: "k"}, "bad delete"},
	} {
		b := appendLogEntry(wal.AppendHeader(nil), &tc.e)
		if _, end, err := parseEntries(b); err == nil || end != header || err.Error() != fmt.Sprintf("entry at offset %d: %s", header, tc.want) {
			t.Errorf("%+v: end %d, err %v; want %d, %s", tc.e, end, err, header, tc.want)
		}
	}
}

// FuzzLogEntry: what a body decodes to survives encoding and decoding
// again unchanged, so nothing of a write is lost or invented between the
// log and the database. (Not byte for byte: the decoder takes varints
// that are not the shortest, which appendLogEntry never writes. The
// framing around bodies has its own target in package wal.)
func FuzzLogEntry(f *testing.F) {
	for _, e := range testEntries() {
		b := appendLogEntry(nil, &e)
		f.Add(b[8:]) // the body, without the length and checksum
	}
	f.Add([]byte("x"))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := decodeLogBody(body)
		if err != nil {
			return
		}
		b := appendLogEntry(nil, &e)
		again, err := decodeLogBody(b[8:])
		if err != nil {
			t.Fatalf("re-encoded entry %q: %v", b[8:], err)
		}
		if !reflect.DeepEqual(again, e) {
			t.Fatalf("re-encoded entry decodes differently:\n got %+v\nwant %+v", again, e)
		}
	})
}

// writeSegment writes entries as segment n of the database at path.
func writeSegment(t *testing.T, path string, n uint64, entries []logEntry, tail []byte) {
	t.Helper()
	b := wal.AppendHeader(nil)
	for i := range entries {
		b = appendLogEntry(b, &entries[i])
	}
	if err := os.WriteFile(wal.SegmentName(path, n), append(b, tail...), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestReplay opens a database next to segments a crash left: whole
// entries are applied in order, a torn last entry is not, a stale segment
// (its entries older than the database) changes nothing, nor do entries
// that do not follow what the database has (a gap in the versions, a
// conversation it never had), and the segments are gone afterwards.
func TestReplay(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "botctl.db")
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	if err := f.Create(ctx, Record{ID: "old", Bot: "acme", State: json.RawMessage(`{"v":1}`)}, nil); err != nil {
		t.Fatal(err)
	}
	for v := int64(1); v < 5; v++ {
		if _, err := f.Commit(ctx, "old", v, Update{State: json.RawMessage(fmt.Sprintf(`{"v":%d}`, v+1)), Msgs: []Message{{Kind: "user", Text: fmt.Sprint(v)}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	rec := func(v, last int64, state string) []byte {
		return encodeRecord(fileRecord{Bot: "acme", Version: v, State: json.RawMessage(state), Created: now, Updated: now, LastSeq: last})
	}
	msg := func(text string) []byte {
		b, err := encodeMessages([]Message{{Time: now, Kind: "user", Text: text}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// Segment 3: stale — "old" at versions 2 and 3, which the database
	// has passed.
	writeSegment(t, path, 3, []logEntry{
		{kind: logCommit, id: "old", rec: rec(2, 1, `{"stale":2}`), first: 1, msgs: msg("stale")},
		{kind: logCommit, id: "old", rec: rec(3, 2, `{"stale":3}`), first: 2, msgs: msg("stale")},
		{kind: logCommit, id: "old", rec: rec(7, 6, `{"gap":7}`), first: 6, msgs: msg("gap")},
		{kind: logCommit, id: "ghost", rec: rec(4, 3, `{"ghost":4}`), first: 3, msgs: msg("boo")},
	}, nil)
	// Segment 4: a new conversation, two commits, and a torn third.
	torn := appendLogEntry(nil, &logEntry{kind: logCommit, id: "new", rec: rec(4, 3, `{"torn":true}`), first: 3, msgs: msg("torn")})
	writeSegment(t, path, 4, []logEntry{
		{kind: logCreate, id: "new", rec: rec(1, 1, `{"n":1}`), first: 1, msgs: msg("one")},
		{kind: logCommit, id: "new", rec: rec(2, 1, `{"n":2}`), first: 0},
		{kind: logCommit, id: "new", rec: rec(3, 2, `{"n":3}`), first: 2, msgs: msg("two"), replyKey: "k", reply: []byte(`{"status":201}`)},
	}, torn[:len(torn)-5])

	f, err = OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old, err := f.Get(ctx, "old")
	if err != nil || old.Version != 5 || string(old.State) != `{"v":5}` || old.LastSeq != 4 {
		t.Errorf("old after replaying stale and out-of-line entries: %+v, %v; want version 5 untouched", old, err)
	}
	if _, err := f.Get(ctx, "ghost"); err != ErrNotFound {
		t.Errorf("a commit to a conversation the database never had: Get: %v, want ErrNotFound", err)
	}
	nw, err := f.Get(ctx, "new")
	if err != nil || nw.Version != 3 || string(nw.State) != `{"n":3}` || nw.LastSeq != 2 {
		t.Errorf("new after replay: %+v, %v; want version 3, the torn write left out", nw, err)
	}
	msgs, err := f.Messages(ctx, "new", 0, 0)
	if err != nil || len(msgs) != 2 || msgs[0].Text != "one" || msgs[1].Text != "two" || msgs[1].Seq != 2 {
		t.Errorf("new's messages: %+v, %v", msgs, err)
	}
	if r, ok, err := f.Reply(ctx, "new", "k"); err != nil || !ok || r.Status != 201 {
		t.Errorf("new's reply: %+v %v %v", r, ok, err)
	}
	if segs, err := filepath.Glob(path + ".wal.*"); err != nil || len(segs) != 0 {
		t.Errorf("segments after replay: %v, %v; want none", segs, err)
	}
	// New writes go to a segment after the replayed ones.
	if _, err := f.Commit(ctx, "new", 3, Update{}); err != nil {
		t.Fatal(err)
	}
	if segs, _ := filepath.Glob(path + ".wal.*"); len(segs) != 1 || segs[0] != wal.SegmentName(path, 5) {
		t.Errorf("segments after a write: %v, want segment 5", segs)
	}
}

// TestReplayDamaged: a segment with an entry this code did not write
// stops OpenFile with an error naming the file, and leaves the segment.
func TestReplayDamaged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "botctl.db")
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	writeSegment(t, path, 1, []logEntry{
		{kind: 'z', id: "x", rec: encodeRecord(fileRecord{Version: 1, Created: now, Updated: now})},
	}, nil)
	_, err = OpenFile(path)
	want := fmt.Sprintf("store: %s: log %s is damaged: entry at offset 13: unknown entry kind 'z' (move it away to open the store without the writes it holds)", path, wal.SegmentName(path, 1))
	if err == nil || err.Error() != want {
		t.Errorf("err:\n %v\nwant\n %s", err, want)
	}
	if _, err := os.Stat(wal.SegmentName(path, 1)); err != nil {
		t.Errorf("the damaged segment: %v", err)
	}
}

// FuzzMessageJSON: the hand-written message encoder writes what
// encoding/json writes for fileMessage, byte for byte, so values written
// before and after it read back the same.
func FuzzMessageJSON(f *testing.F) {
	f.Add("user", "hello", int64(1763715600), uint32(5), `{"a":[1,"x"]}`)
	f.Add("bot", "quote \" backslash \\ tab \t nl \n cr \r bell \a \b \f del \x7f", int64(0), uint32(0), ``)
	f.Add("bot", "<html> & \u2028 \u2029 é 😀 \xff\xfe bad", int64(-62135596800), uint32(999999999), `null`)
	f.Add("", "", int64(253402300799), uint32(1), `"s"`)
	f.Fuzz(func(t *testing.T, kind, text string, sec int64, nsec uint32, data string) {
		m := Message{Time: time.Unix(sec, int64(nsec%1e9)).UTC(), Kind: kind, Text: text}
		if data != "" {
			d, err := compact(json.RawMessage(data))
			if err != nil {
				return
			}
			m.Data = d
		}
		want, werr := marshal(fileMessage{Time: m.Time, Kind: m.Kind, Text: m.Text, Data: m.Data})
		got, gerr := appendMessageJSON(nil, m)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("errors differ: encoding/json %v, appendMessageJSON %v", werr, gerr)
		}
		if werr == nil && !bytes.Equal(got, want) {
			t.Fatalf("appendMessageJSON:\n %s\nencoding/json:\n %s", got, want)
		}
	})
}
