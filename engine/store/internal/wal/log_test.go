package wal

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLogOS runs the log on real files: appends land in segments named
// after the database, a reopened log replays them oldest first (one
// apply per segment), deletes them, and numbers new segments after
// them; files that only look like segments are left alone.
func TestLogOS(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "botctl.db")
	others := []string{"botctl.db", "botctl.db.wal.0", "botctl.db.wal.07", "botctl.db.wal.x", "other.db.wal.1"}
	for _, name := range others {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("not a segment"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	l, err := Open(OS, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Replay(l, nil, func([]string) error { return errors.New("nothing to replay") }); err != nil {
		t.Fatalf("Replay with no segments: %v", err)
	}
	mustAppend(t, l, "a", "b")
	if want := int64(len(header) + len(group("a", "b"))); l.Size() != want {
		t.Errorf("Size() = %d, want %d", l.Size(), want)
	}
	if segs := l.Rotate(); !slices.Equal(segs, []uint64{1}) {
		t.Errorf("Rotate() = %v, want [1]", segs)
	}
	mustAppend(t, l, "c")
	l.Rotate() // as a crash would leave it, but closed

	l, err = Open(OS, path)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	err = Replay(l, func(body []byte) (string, error) { return string(body), nil }, func(entries []string) error {
		got = append(got, entries)
		return nil
	})
	if err != nil || len(got) != 2 || !slices.Equal(got[0], []string{"a", "b"}) || !slices.Equal(got[1], []string{"c"}) {
		t.Fatalf("Replay: %q, %v; want [a b] [c]", got, err)
	}
	mustAppend(t, l, "d")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := append(slices.Clone(others), "botctl.db.wal.3")
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("files:\n got %q\nwant %q", names, want)
	}
}

// TestReplayDamaged: a segment that is not a log, or holds an entry the
// caller refuses, stops Replay with an error naming the file, and the
// segments stay for the operator to look at.
func TestReplayDamaged(t *testing.T) {
	for name, tc := range map[string]struct {
		data, want string
	}{
		"header": {"GIF89a, not a log at all", "log %s is damaged: not a botctl log segment (bad header) (move it away to open the store without the writes it holds)"},
		"entry":  {string(AppendHeader(nil)) + string(group("ok", "bad")), "log %s is damaged: entry at offset 23: bad body (move it away to open the store without the writes it holds)"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "botctl.db")
			seg := SegmentName(path, 1)
			if err := os.WriteFile(seg, []byte(tc.data), 0o600); err != nil {
				t.Fatal(err)
			}
			l, err := Open(OS, path)
			if err != nil {
				t.Fatal(err)
			}
			applied := 0
			err = Replay(l, func(body []byte) (string, error) {
				if string(body) == "bad" {
					return "", errors.New("bad body")
				}
				return string(body), nil
			}, func([]string) error { applied++; return nil })
			if want := strings.ReplaceAll(tc.want, "%s", seg); err == nil || err.Error() != want {
				t.Errorf("Replay:\n %v\nwant\n %s", err, want)
			}
			if applied != 0 {
				t.Errorf("%d segments applied, want none", applied)
			}
			if _, err := os.Stat(seg); err != nil {
				t.Errorf("the damaged segment: %v", err)
			}
		})
	}
}
