package wal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// The fault tests run the log on memFS, fail one operation, and check
// the two promises: every acknowledged entry is read back after a crash,
// and an append that failed is not.

const dbPath = "/db/botctl.db"

var (
	errEIO    = syscall.EIO
	errENOSPC = syscall.ENOSPC
	errCrash  = errors.New("the machine stopped")
)

// group frames bodies as one Append's worth of entries.
func group(bodies ...string) []byte {
	var b []byte
	for _, body := range bodies {
		var start int
		b, start = BeginEntry(b)
		b = append(b, body...)
		EndEntry(b, start)
	}
	return b
}

func openLog(t *testing.T, fsys FS) *Log {
	t.Helper()
	l, err := Open(fsys, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func mustAppend(t *testing.T, l *Log, bodies ...string) {
	t.Helper()
	if err := l.Append(group(bodies...)); err != nil {
		t.Fatalf("Append(%q): %v", bodies, err)
	}
}

// recovered replays the log on fsys as the next start would, returning
// the bodies, and checks that the replayed segments are gone.
func recovered(t *testing.T, fsys FS) []string {
	t.Helper()
	l := openLog(t, fsys)
	var got []string
	err := Replay(l, func(body []byte) (string, error) { return string(body), nil }, func(entries []string) error {
		got = append(got, entries...)
		return nil
	})
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	if names, _ := fsys.ReadDir("/db"); len(names) != 0 {
		t.Errorf("files after Replay: %q, want none", names)
	}
	return got
}

// once returns a hook that fails the first call with err and lets the
// others through.
func once(err error) func(string) error {
	done := false
	return func(string) error {
		if done {
			return nil
		}
		done = true
		return err
	}
}

func TestAppendCrashReplay(t *testing.T) {
	m := newMemFS()
	l := openLog(t, m)
	mustAppend(t, l, "a", "b")
	mustAppend(t, l, "c")
	if got := recovered(t, m.crash(nil)); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("after a crash: %q, want a b c", got)
	}
}

// TestFailedSyncRetiresSegment: a failed fsync fails the append, the
// segment is cut back and closed, and nothing writes or fsyncs it again:
// the next append goes to a new segment. After a crash, the entries
// acknowledged before and after are there, and the failed one is not.
func TestFailedSyncRetiresSegment(t *testing.T) {
	m := newMemFS()
	l := openLog(t, m)
	mustAppend(t, l, "a")
	seg1 := SegmentName(dbPath, 1)
	mark := len(m.ops)
	m.sync = once(errEIO)
	err := l.Append(group("b"))
	if !errors.Is(err, errEIO) || err.Error() != "fdatasync "+seg1+": input/output error" {
		t.Fatalf("Append with a failing fsync: %v", err)
	}
	want := []string{"write " + seg1, "sync " + seg1, "truncate " + seg1, "sync " + seg1, "close " + seg1}
	if got := m.opsOn(seg1, mark); !slices.Equal(got, want) {
		t.Errorf("operations on the segment:\n got %q\nwant %q", got, want)
	}
	if l.Err() != nil || l.Size() != 0 {
		t.Errorf("after the failure: Err %v, Size %d; want nil, 0 (no segment open)", l.Err(), l.Size())
	}
	if n, size := l.Closed(); n != 1 || size != int64(len(header)+len(group("a"))) {
		t.Errorf("Closed() = %d, %d; want the segment with a", n, size)
	}
	mustAppend(t, l, "c")
	if got := m.opsOn(seg1, mark); !slices.Equal(got, want) {
		t.Errorf("the failed segment was used again: %q", got[len(want):])
	}
	if b, _ := m.ReadFile(SegmentName(dbPath, 2)); !bytes.Equal(b, append(AppendHeader(nil), group("c")...)) {
		t.Errorf("segment 2: %q, want c alone", b)
	}
	if got := recovered(t, m.crash(nil)); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("after a crash: %q, want a c", got)
	}
}

func TestShortWrite(t *testing.T) {
	m := newMemFS()
	l := openLog(t, m)
	mustAppend(t, l, "a")
	m.write = func(_ string, b []byte) (int, error) {
		m.write = nil
		return len(b) / 2, nil // less than asked, no error
	}
	if err := l.Append(group("bbbbbbbb", "cccccccc")); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("Append after a short write: %v, want io.ErrShortWrite", err)
	}
	mustAppend(t, l, "d")
	if got := recovered(t, m.crash(nil)); !slices.Equal(got, []string{"a", "d"}) {
		t.Errorf("after a crash: %q, want a d", got)
	}
}

// TestDiskFull: with the disk full, an append fails with ENOSPC having
// written what fitted, and so does starting the next segment; none of it
// stays. Once there is room again the log takes appends by itself.
func TestDiskFull(t *testing.T) {
	m := newMemFS()
	l := openLog(t, m)
	mustAppend(t, l, "a")
	full := true
	m.write = func(_ string, b []byte) (int, error) {
		if full {
			return len(b) / 3, errENOSPC
		}
		return len(b), nil
	}
	for _, body := range []string{"b", "c"} {
		if err := l.Append(group(body)); !errors.Is(err, errENOSPC) || !strings.Contains(err.Error(), "no space left on device") {
			t.Fatalf("Append(%s) on a full disk: %v", body, err)
		}
	}
	// b failed in segment 1, c in creating segment 2, which is gone.
	if names, _ := m.ReadDir("/db"); !slices.Equal(names, []string{"botctl.db.wal.1"}) {
		t.Errorf("files: %q, want segment 1 alone", names)
	}
	full = false
	mustAppend(t, l, "d")
	if got := recovered(t, m.crash(nil)); !slices.Equal(got, []string{"a", "d"}) {
		t.Errorf("after a crash: %q, want a d", got)
	}
}

// TestCrashDuringAppend stops the machine while an append's fsync runs,
// the disk keeping any part of what was written, or zeros: the entries
// acknowledged before are read back, then at most whole entries of the
// append in flight (never acknowledged, so either is right), and never
// an error.
func TestCrashDuringAppend(t *testing.T) {
	flight := group("x1", "x2")
	for keep := 0; keep <= len(flight); keep++ {
		for _, zeros := range []bool{false, true} {
			m := newMemFS()
			l := openLog(t, m)
			mustAppend(t, l, "a")
			mustAppend(t, l, "b")
			var image *memFS
			m.sync = func(string) error {
				if image != nil {
					return errCrash // the cut's fsync, on a machine already stopped
				}
				image = m.crashLocked(func(_ string, disk, unsynced []byte) []byte {
					if zeros {
						return append(disk, make([]byte, keep)...)
					}
					return append(disk, unsynced[:min(keep, len(unsynced))]...)
				})
				return errCrash
			}
			l.Append(flight)
			got := recovered(t, image)
			var want []string
			switch {
			case zeros || keep < len(group("x1")):
				want = []string{"a", "b"}
			case keep < len(flight):
				want = []string{"a", "b", "x1"}
			default:
				want = []string{"a", "b", "x1", "x2"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("crash keeping %d bytes (zeros %v): %q, want %q", keep, zeros, got, want)
			}
		}
	}
}

// TestBroken: when a failed append cannot be cut off either, the log
// refuses every later append, with an error saying so, and touches the
// file no more; Rotate still hands its segment over to be applied.
func TestBroken(t *testing.T) {
	m := newMemFS()
	l := openLog(t, m)
	mustAppend(t, l, "a")
	m.sync = once(errEIO)
	m.truncate = func(string) error { return errEIO }
	err := l.Append(group("b"))
	seg1 := SegmentName(dbPath, 1)
	want := fmt.Sprintf("log %s: fdatasync %[1]s: input/output error\ntruncate %[1]s: input/output error (writes are refused until the server restarts)", seg1)
	if err == nil || err.Error() != want {
		t.Fatalf("Append:\n %v\nwant\n %s", err, want)
	}
	if l.Err() != err {
		t.Errorf("Err() = %v, want the append's error", l.Err())
	}
	mark := len(m.ops)
	if err2 := l.Append(group("c")); err2 != err {
		t.Errorf("the next Append: %v, want the same error", err2)
	}
	if len(m.ops) != mark {
		t.Errorf("a broken log went on using the disk: %q", m.ops[mark:])
	}
	if segs := l.Rotate(); !slices.Equal(segs, []uint64{1}) {
		t.Errorf("Rotate() = %v, want [1]", segs)
	}
	if got := recovered(t, m.crash(nil)); !slices.Equal(got, []string{"a"}) {
		t.Errorf("after a crash: %q, want a", got)
	}
}

// TestCreateFailure: a segment whose creation fails is removed and its
// number skipped, and the append fails.
func TestCreateFailure(t *testing.T) {
	for name, arm := range map[string]func(*memFS){
		"create":  func(m *memFS) { m.create = once(errENOSPC) },
		"header":  func(m *memFS) { m.write = func(string, []byte) (int, error) { m.write = nil; return 3, errENOSPC } },
		"fsync":   func(m *memFS) { m.sync = once(errEIO) },
		"syncdir": func(m *memFS) { m.syncDir = func() error { m.syncDir = nil; return errEIO } },
	} {
		t.Run(name, func(t *testing.T) {
			m := newMemFS()
			l := openLog(t, m)
			arm(m)
			if err := l.Append(group("a")); err == nil {
				t.Fatal("Append: no error")
			}
			if names, _ := m.ReadDir("/db"); len(names) != 0 {
				t.Errorf("files after the failure: %q, want none", names)
			}
			mustAppend(t, l, "b")
			if names, _ := m.ReadDir("/db"); !slices.Equal(names, []string{"botctl.db.wal.2"}) {
				t.Errorf("files: %q, want segment 2", names)
			}
			if got := recovered(t, m.crash(nil)); !slices.Equal(got, []string{"b"}) {
				t.Errorf("after a crash: %q, want b", got)
			}
		})
	}
}

// TestRemove: segments whose removal is not durable stay listed, and the
// next Remove finishes the job.
func TestRemove(t *testing.T) {
	m := newMemFS()
	l := openLog(t, m)
	mustAppend(t, l, "a")
	l.Rotate()
	mustAppend(t, l, "b")
	segs := l.Rotate()
	if !slices.Equal(segs, []uint64{1, 2}) {
		t.Fatalf("Rotate() = %v, want [1 2]", segs)
	}
	m.syncDir = func() error { return errEIO }
	if err := l.Remove(segs); err == nil || !strings.HasPrefix(err.Error(), "removing applied log segments: ") {
		t.Errorf("Remove with a failing directory sync: %v", err)
	}
	if n, _ := l.Closed(); n != 2 {
		t.Errorf("Closed() = %d segments, want both still listed", n)
	}
	m.syncDir = nil
	if err := l.Remove(l.Rotate()); err != nil {
		t.Errorf("Remove: %v", err)
	}
	if n, size := l.Closed(); n != 0 || size != 0 {
		t.Errorf("Closed() = %d, %d; want none", n, size)
	}
	if got := recovered(t, m.crash(nil)); len(got) != 0 {
		t.Errorf("after a crash: %q, want nothing (all applied)", got)
	}
}

// TestRandomFaults appends under a random fault at every step — a short
// write, a full disk, an I/O error, a failed fsync (whose data did or
// did not reach the disk), a segment that cannot be created — with the applied segments removed now and then, and
// crashes at the end, the disk keeping what was written and not fsynced,
// or zeros or part of an entry after a segment's last: what is read back is exactly the entries acknowledged
// since the last removal, in order.
func TestRandomFaults(t *testing.T) {
	var oks, fails int
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 1))
		m := newMemFS()
		l := openLog(t, m)
		var acked []string
		for step := range 40 {
			m.create, m.write, m.sync, m.syncDir = nil, nil, nil, nil
			m.writesAnyway = r.IntN(2) == 0
			switch r.IntN(10) {
			case 0:
				m.write = func(_ string, b []byte) (int, error) { m.write = nil; return r.IntN(len(b)), nil }
			case 1:
				m.write = func(_ string, b []byte) (int, error) { m.write = nil; return r.IntN(len(b)), errENOSPC }
			case 2:
				m.write = func(string, []byte) (int, error) { m.write = nil; return 0, errEIO }
			case 3:
				m.sync = once(errEIO)
			case 4:
				m.create = once(errENOSPC)
			case 5:
				m.syncDir = func() error { m.syncDir = nil; return errEIO }
			case 6:
				if err := l.Remove(l.Rotate()); err != nil {
					t.Fatalf("seed %d step %d: Remove: %v", seed, step, err)
				}
				acked = nil
			}
			var bodies []string
			for k := range 1 + r.IntN(3) {
				bodies = append(bodies, fmt.Sprintf("%d.%d", step, k))
			}
			if err := l.Append(group(bodies...)); err == nil {
				acked = append(acked, bodies...)
				oks++
			} else {
				fails++
			}
			if l.Err() != nil {
				t.Fatalf("seed %d step %d: the log broke: %v", seed, step, l.Err())
			}
		}
		torn := group("torn")
		tail := r.IntN(4)
		n := r.IntN(len(torn))
		got := recovered(t, m.crash(func(_ string, disk, unsynced []byte) []byte {
			switch {
			case tail == 1:
				// The kernel wrote back whatever was left in the cache.
				return append(disk, unsynced...)
			case len(disk) < len(header):
				return disk
			case tail == 2:
				return append(disk, make([]byte, n)...)
			case tail == 3:
				return append(disk, torn[:n]...)
			}
			return disk
		}))
		if !reflect.DeepEqual(got, acked) && (len(got) > 0 || len(acked) > 0) {
			t.Fatalf("seed %d: read back\n %q\nwant the acknowledged\n %q", seed, got, acked)
		}
	}
	if oks < 1000 || fails < 1000 {
		t.Errorf("%d appends succeeded and %d failed: the faults missed", oks, fails)
	}
	t.Logf("%d appends succeeded, %d failed", oks, fails)
}
