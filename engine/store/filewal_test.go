package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store/internal/wal"
)

// applyNever keeps every write in the log and in pending until Flush or
// Close.
var applyNever = WithApplyEvery(time.Hour, 1<<40)

func mustOpen(t *testing.T, path string, opts ...Option) *File {
	t.Helper()
	f, err := OpenFile(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestReplyOverwrittenDuringApply: a Commit that records a reply under a
// key an earlier Commit used (the second replaces the first) lands while
// the apply carrying the first one runs. Taking what the apply wrote out
// of pending must keep the newer reply, in memory and on disk.
func TestReplyOverwrittenDuringApply(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "botctl.db")
	// applyBytes 1: an apply starts after every group.
	f := mustOpen(t, path, WithApplyEvery(time.Hour, 1))
	if err := f.Create(ctx, Record{ID: "c", State: json.RawMessage(`{}`)}, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}

	// Hold the database's write lock: the next apply stops in db.Update
	// until it is released.
	tx, err := f.db.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Commit(ctx, "c", 1, Update{Reply: &Reply{Key: "k", Status: 200, Body: []byte("first")}}); err != nil {
		t.Fatal(err)
	}
	// The apply of the first reply is now running (blocked); this commit
	// lands in pending meanwhile.
	if _, err := f.Commit(ctx, "c", 2, Update{Reply: &Reply{Key: "k", Status: 201, Body: []byte("second")}}); err != nil {
		t.Fatal(err)
	}
	if r, ok, err := f.Reply(ctx, "c", "k"); err != nil || !ok || string(r.Body) != "second" {
		t.Fatalf("before the apply: Reply(k) = %+v, %v, %v; want second", r, ok, err)
	}
	tx.Rollback()
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	if r, ok, err := f.Reply(ctx, "c", "k"); err != nil || !ok || string(r.Body) != "second" || r.Status != 201 {
		t.Errorf("after the apply: Reply(k) = %q %d, %v, %v; want second 201", r.Body, r.Status, ok, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f = mustOpen(t, path)
	defer f.Close()
	if r, ok, err := f.Reply(ctx, "c", "k"); err != nil || !ok || string(r.Body) != "second" || r.Status != 201 {
		t.Errorf("after reopening: Reply(k) = %q %d, %v, %v; want second 201", r.Body, r.Status, ok, err)
	}
}

// TestCommitResultOwnedByCaller: the State of the Record Commit returns
// is the caller's: scribbling over it changes nothing stored (the record
// is kept in pending and later written into the database).
func TestCommitResultOwnedByCaller(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "botctl.db")
	f := mustOpen(t, path, applyNever)
	if err := f.Create(ctx, Record{ID: "c", State: json.RawMessage(`{"x":0}`)}, nil); err != nil {
		t.Fatal(err)
	}
	out, err := f.Commit(ctx, "c", 1, Update{State: json.RawMessage(`{"x":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	copy(out.State, "YYYYYYY")
	if rec, err := f.Get(ctx, "c"); err != nil || string(rec.State) != `{"x":1}` {
		t.Errorf("Get after scribbling over Commit's result: state %s, %v; want {\"x\":1}", rec.State, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f = mustOpen(t, path)
	defer f.Close()
	if rec, err := f.Get(ctx, "c"); err != nil || string(rec.State) != `{"x":1}` {
		t.Errorf("after reopening: state %s, %v; want {\"x\":1}", rec.State, err)
	}
}

// TestReplayZeroTail: a crash in the middle of an append can leave the
// segment longer than what was written, the rest zeros (the size reached
// the disk, the data did not: XFS, ext4 data=writeback, ...). An all-zero
// frame has length 0 and CRC-32C 0, the checksum of an empty body: it must
// be taken for a torn write, and the entries before it replayed.
func TestReplayZeroTail(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "botctl.db")
	f := mustOpen(t, path, applyNever)
	defer f.Close()
	if err := f.Create(ctx, Record{ID: "c", State: json.RawMessage(`{}`)}, []Message{{Kind: "bot", Text: "hi"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Commit(ctx, "c", 1, Update{State: json.RawMessage(`{"v":2}`), Msgs: []Message{{Kind: "user", Text: "yo"}}}); err != nil {
		t.Fatal(err)
	}
	// What a SIGKILL or power cut leaves now: the database (nothing applied
	// yet) and segment 1 holding both writes; then a torn append of zeros.
	crash := filepath.Join(t.TempDir(), "botctl.db")
	copyFile(t, path, crash)
	seg, err := os.ReadFile(SegmentName(path, 1))
	if err != nil {
		t.Fatal(err)
	}
	seg = append(seg, make([]byte, 64)...)
	if err := os.WriteFile(SegmentName(crash, 1), seg, 0o600); err != nil {
		t.Fatal(err)
	}
	g, err := OpenFile(crash)
	if err != nil {
		t.Fatalf("OpenFile after a crash that left zeros after the last entry: %v", err)
	}
	defer g.Close()
	if rec, err := g.Get(ctx, "c"); err != nil || rec.Version != 2 {
		t.Errorf("Get: %+v, %v; want version 2", rec, err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestReplyRestoredDuringApply: a key's reply goes A (in the running
// apply), then B, then A again (both after the apply's snapshot). Taking
// the applied entry out of memory must leave the newest A the answer, in
// memory and, after the next apply, on disk.
func TestReplyRestoredDuringApply(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "botctl.db")
	f := mustOpen(t, path, WithApplyEvery(time.Hour, 1))
	defer f.Close()
	if err := f.Create(ctx, Record{ID: "c", State: json.RawMessage(`{}`)}, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	tx, err := f.db.Begin(true) // the next apply blocks in db.Update
	if err != nil {
		t.Fatal(err)
	}
	replies := []string{"A", "B", "A"}
	for i, body := range replies {
		if _, err := f.Commit(ctx, "c", int64(i+1), Update{Reply: &Reply{Key: "k", Status: 200, Body: []byte(body)}}); err != nil {
			tx.Rollback()
			t.Fatal(err)
		}
	}
	if r, ok, err := f.Reply(ctx, "c", "k"); err != nil || !ok || string(r.Body) != "A" {
		t.Errorf("before the apply: Reply(k) = %q, %v, %v; want A", r.Body, ok, err)
	}
	tx.Rollback()
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	if r, ok, err := f.Reply(ctx, "c", "k"); err != nil || !ok || string(r.Body) != "A" {
		t.Errorf("after the applies: Reply(k) = %q, %v, %v; want A (the last written)", r.Body, ok, err)
	}
}

// TestLongestID: the longest id the check lets through works end to end —
// every key bbolt holds for it (record, messages, reply) fits, through
// the log, an apply, Close and a reopen — and one byte more is refused
// before anything is logged.
func TestLongestID(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "botctl.db")
	f := mustOpen(t, path, applyNever)
	id := strings.Repeat("x", maxID)
	if err := f.Create(ctx, Record{ID: id, State: json.RawMessage(`{}`)}, []Message{{Kind: "bot", Text: "hi"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Commit(ctx, id, 1, Update{Msgs: []Message{{Kind: "user", Text: "yo"}}, Reply: &Reply{Key: "k", Status: 200}}); err != nil {
		t.Fatal(err)
	}
	err := f.Create(ctx, Record{ID: id + "x"}, nil)
	if want := fmt.Sprintf("store: conversation id too large: %d bytes (at most %d)", maxID+1, maxID); err == nil || err.Error() != want {
		t.Errorf("an id one byte longer: %v, want %s", err, want)
	}
	if err := f.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	g := mustOpen(t, path)
	defer g.Close()
	if rec, err := g.Get(ctx, id); err != nil || rec.Version != 2 || rec.LastSeq != 2 {
		t.Errorf("after reopening: %+v, %v", rec, err)
	}
	if msgs, err := g.Messages(ctx, id, 0, 0); err != nil || len(msgs) != 2 {
		t.Errorf("messages after reopening: %d, %v", len(msgs), err)
	}
}

// faultFS is the operating system's file system, but for the log's
// faults: the next failSyncs fsyncs of segments fail with EIO, and while
// full is set, creating or writing a segment fails with ENOSPC.
type faultFS struct {
	wal.FS
	failSyncs atomic.Int32
	full      atomic.Bool
}

func (s *faultFS) Create(name string) (wal.File, error) {
	if s.full.Load() {
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.ENOSPC}
	}
	f, err := s.FS.Create(name)
	if err != nil {
		return nil, err
	}
	return faultFile{f, s, name}, nil
}

type faultFile struct {
	wal.File
	fs   *faultFS
	name string
}

func (f faultFile) WriteAt(b []byte, off int64) (int, error) {
	if f.fs.full.Load() {
		return 0, &os.PathError{Op: "write", Path: f.name, Err: syscall.ENOSPC}
	}
	return f.File.WriteAt(b, off)
}

func (f faultFile) Sync() error {
	if f.fs.failSyncs.Add(-1) >= 0 {
		return &os.PathError{Op: "fdatasync", Path: f.name, Err: syscall.EIO}
	}
	return f.File.Sync()
}

// TestCommitFailedFsync: a Commit whose log fsync fails returns the
// error and changes nothing — not what reads see, not what a restart
// finds, even after a crash; Ping (and so /healthz) reports the failure
// until a write succeeds again, which the next one does, in a new
// segment.
func TestCommitFailedFsync(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "botctl.db")
	fsys := &faultFS{FS: wal.OS}
	f := mustOpen(t, path, applyNever, func(c *config) { c.logFS = fsys })
	defer f.Close()
	if err := f.Create(ctx, Record{ID: "c", State: json.RawMessage(`{"v":1}`)}, []Message{{Kind: "bot", Text: "hi"}}); err != nil {
		t.Fatal(err)
	}
	fsys.failSyncs.Store(1)
	_, err := f.Commit(ctx, "c", 1, Update{State: json.RawMessage(`{"v":2}`), Msgs: []Message{{Kind: "user", Text: "lost"}}, Reply: &Reply{Key: "k", Status: 200}})
	want := fmt.Sprintf("store: log: fdatasync %s: input/output error", SegmentName(path, 1))
	if err == nil || err.Error() != want || !errors.Is(err, syscall.EIO) {
		t.Fatalf("Commit with a failing fsync: %v, want %s", err, want)
	}
	if err := f.Ping(ctx); err == nil || err.Error() != want {
		t.Errorf("Ping after the failure: %v, want %s", err, want)
	}
	check := func(when string, g *File) {
		t.Helper()
		if rec, err := g.Get(ctx, "c"); err != nil || rec.Version != 1 || string(rec.State) != `{"v":1}` {
			t.Errorf("%s: Get = %+v, %v; want version 1 unchanged", when, rec, err)
		}
		if msgs, err := g.Messages(ctx, "c", 0, 0); err != nil || len(msgs) != 1 || msgs[0].Text != "hi" {
			t.Errorf("%s: Messages = %+v, %v; want hi alone", when, msgs, err)
		}
		if _, ok, err := g.Reply(ctx, "c", "k"); ok || err != nil {
			t.Errorf("%s: Reply(k) = %v, %v; want none", when, ok, err)
		}
	}
	check("after the failed Commit", f)

	// What a crash now leaves: the database, nothing applied, and the
	// log, cut back to the Create.
	crash := filepath.Join(t.TempDir(), "botctl.db")
	copyFile(t, path, crash)
	copyFile(t, SegmentName(path, 1), SegmentName(crash, 1))
	g := mustOpen(t, crash)
	check("after a crash", g)
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}

	if _, err := f.Commit(ctx, "c", 1, Update{State: json.RawMessage(`{"v":2}`)}); err != nil {
		t.Fatalf("Commit once fsync works again: %v", err)
	}
	if err := f.Ping(ctx); err != nil {
		t.Errorf("Ping after a good Commit: %v", err)
	}
	if _, err := os.Stat(SegmentName(path, 2)); err != nil {
		t.Errorf("the write after the failure: %v, want it in segment 2", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	h := mustOpen(t, path)
	defer h.Close()
	if rec, err := h.Get(ctx, "c"); err != nil || rec.Version != 2 || rec.LastSeq != 1 {
		t.Errorf("after reopening: %+v, %v; want version 2 with the one message", rec, err)
	}
}

// TestCommitDiskFull: on a full disk a Commit fails with ENOSPC and Ping
// says so, as long as the disk stays full; once it has room, Ping
// recovers by itself, with no write needed to find out, and writes go on.
func TestCommitDiskFull(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "botctl.db")
	fsys := &faultFS{FS: wal.OS}
	f := mustOpen(t, path, WithApplyEvery(5*time.Millisecond, 1<<40), func(c *config) { c.logFS = fsys })
	defer f.Close()
	if err := f.Create(ctx, Record{ID: "c", State: json.RawMessage(`{"v":1}`)}, nil); err != nil {
		t.Fatal(err)
	}
	fsys.full.Store(true)
	for i := range 2 {
		_, err := f.Commit(ctx, "c", 1, Update{State: json.RawMessage(`{"v":2}`)})
		if !errors.Is(err, syscall.ENOSPC) || !strings.HasPrefix(err.Error(), "store: log: ") {
			t.Fatalf("Commit %d on a full disk: %v", i+1, err)
		}
	}
	time.Sleep(30 * time.Millisecond) // a few ticks: the disk is still full
	if err := f.Ping(ctx); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Ping on a full disk: %v, want ENOSPC", err)
	}
	fsys.full.Store(false)
	deadline := time.Now().Add(5 * time.Second)
	for f.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("Ping once the disk has room: %v", f.Ping(ctx))
		}
		time.Sleep(time.Millisecond)
	}
	if rec, err := f.Get(ctx, "c"); err != nil || rec.Version != 1 {
		t.Errorf("Get: %+v, %v; want version 1", rec, err)
	}
	if _, err := f.Commit(ctx, "c", 1, Update{State: json.RawMessage(`{"v":2}`)}); err != nil {
		t.Fatalf("Commit once the disk has room: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	g := mustOpen(t, path)
	defer g.Close()
	if rec, err := g.Get(ctx, "c"); err != nil || rec.Version != 2 || string(rec.State) != `{"v":2}` {
		t.Errorf("after reopening: %+v, %v; want version 2", rec, err)
	}
	if segs, _ := filepath.Glob(path + ".wal.*"); len(segs) != 0 {
		t.Errorf("segments left after Close: %q", segs)
	}
}
