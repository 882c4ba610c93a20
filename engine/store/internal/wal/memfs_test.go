package wal

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// memFS is a file system in memory that knows, besides what reads see,
// what a crash would leave on the disk: a file's data as of its last
// successful Sync, and the directory as of the last SyncDir. Its hooks
// inject faults.
//
// A failed Sync behaves as Linux's fsync after a failed writeback: the
// pages written since the last Sync are marked clean without reaching the
// disk, reads still see them, and a later Sync succeeds without writing
// them. (TestMemFSFsyncgate checks the model.)
type memFS struct {
	mu      sync.Mutex
	files   map[string]*memFile // the directory as reads see it
	durable map[string]*memFile // the directory as of the last SyncDir
	ops     []string            // "write NAME", "sync NAME", ..., in order

	// Hooks, nil for none. write returns how many bytes of b to write
	// and the error to return; the others the error of their operation.
	create   func(name string) error
	write    func(name string, b []byte) (int, error)
	sync     func(name string) error
	truncate func(name string) error
	syncDir  func() error
	// writesAnyway makes a failed Sync write the data all the same (the
	// error was about some other page, or the disk took the write and
	// reported it lost): a failed append can be on the disk.
	writesAnyway bool
}

type memFile struct {
	fs     *memFS
	name   string
	data   []byte // what reads see: the page cache
	disk   []byte // what is on the disk
	dirty  []span // written since the last Sync
	closed bool
}

type span struct{ off, end int }

func newMemFS() *memFS {
	return &memFS{files: map[string]*memFile{}, durable: map[string]*memFile{}}
}

func (m *memFS) op(format string, args ...any) { m.ops = append(m.ops, fmt.Sprintf(format, args...)) }

func (m *memFS) Create(name string) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.op("create %s", name)
	if m.create != nil {
		if err := m.create(name); err != nil {
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
	}
	if m.files[name] != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: fs.ErrExist}
	}
	f := &memFile{fs: m, name: name}
	m.files[name] = f
	return f, nil
}

func (m *memFS) ReadFile(name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.files[name]
	if f == nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return bytes.Clone(f.data), nil
}

func (m *memFS) ReadDir(dir string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for name := range m.files {
		if filepath.Dir(name) == dir {
			names = append(names, filepath.Base(name))
		}
	}
	slices.Sort(names)
	return names, nil
}

func (m *memFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.op("remove %s", name)
	if m.files[name] == nil {
		return &os.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	delete(m.files, name)
	return nil
}

func (m *memFS) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.op("syncdir")
	if m.syncDir != nil {
		if err := m.syncDir(); err != nil {
			return &os.PathError{Op: "sync", Path: dir, Err: err}
		}
	}
	m.durable = cloneDir(m.files)
	return nil
}

func cloneDir(m map[string]*memFile) map[string]*memFile {
	out := make(map[string]*memFile, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (f *memFile) WriteAt(b []byte, off int64) (int, error) {
	m := f.fs
	m.mu.Lock()
	defer m.mu.Unlock()
	m.op("write %s", f.name)
	if f.closed {
		return 0, os.ErrClosed
	}
	n, err := len(b), error(nil)
	if m.write != nil {
		n, err = m.write(f.name, b)
	}
	if end := int(off) + n; end > len(f.data) {
		f.data = append(f.data, make([]byte, end-len(f.data))...)
	}
	copy(f.data[off:], b[:n])
	f.dirty = append(f.dirty, span{int(off), int(off) + n})
	if err != nil {
		err = &os.PathError{Op: "write", Path: f.name, Err: err}
	}
	return n, err
}

func (f *memFile) Sync() error {
	m := f.fs
	m.mu.Lock()
	defer m.mu.Unlock()
	m.op("sync %s", f.name)
	if f.closed {
		return os.ErrClosed
	}
	if m.sync != nil {
		if err := m.sync(f.name); err != nil {
			if m.writesAnyway {
				f.persist()
			}
			f.dirty = nil // marked clean, and not written again
			return &os.PathError{Op: "fdatasync", Path: f.name, Err: err}
		}
	}
	f.persist()
	return nil
}

// persist writes the file's size and dirty data to the disk.
func (f *memFile) persist() {
	// What was never written there reads as zeros.
	disk := make([]byte, len(f.data))
	copy(disk, f.disk)
	for _, s := range f.dirty {
		end := min(s.end, len(f.data))
		if s.off < end {
			copy(disk[s.off:end], f.data[s.off:end])
		}
	}
	f.disk, f.dirty = disk, nil
}

func (f *memFile) Truncate(size int64) error {
	m := f.fs
	m.mu.Lock()
	defer m.mu.Unlock()
	m.op("truncate %s", f.name)
	if f.closed {
		return os.ErrClosed
	}
	if m.truncate != nil {
		if err := m.truncate(f.name); err != nil {
			return &os.PathError{Op: "truncate", Path: f.name, Err: err}
		}
	}
	if int(size) <= len(f.data) {
		f.data = f.data[:size]
	} else {
		f.data = append(f.data, make([]byte, int(size)-len(f.data))...)
	}
	return nil
}

func (f *memFile) Close() error {
	m := f.fs
	m.mu.Lock()
	defer m.mu.Unlock()
	m.op("close %s", f.name)
	if f.closed {
		return os.ErrClosed
	}
	f.closed = true
	return nil
}

// crash returns what a machine that stops now finds on the disk when it
// starts again: the files of the last SyncDir, each as its last Sync left
// it. tail, if not nil, gives a file's contents instead, from what is on
// the disk and what was written after it and not synced (a crash may
// keep any of that, or zeros).
func (m *memFS) crash(tail func(name string, disk, unsynced []byte) []byte) *memFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.crashLocked(tail)
}

// crashLocked is crash, for a hook (which runs with m.mu held).
func (m *memFS) crashLocked(tail func(name string, disk, unsynced []byte) []byte) *memFS {
	out := newMemFS()
	for name, f := range m.durable {
		data := bytes.Clone(f.disk)
		if tail != nil {
			var unsynced []byte
			if len(f.data) > len(f.disk) {
				unsynced = f.data[len(f.disk):]
			}
			data = tail(name, bytes.Clone(f.disk), bytes.Clone(unsynced))
		}
		out.files[name] = &memFile{fs: out, name: name, data: data, disk: bytes.Clone(data)}
	}
	out.durable = cloneDir(out.files)
	return out
}

// opsOn returns the operations on name from the i'th on.
func (m *memFS) opsOn(name string, i int) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, op := range m.ops[i:] {
		if _, n, _ := strings.Cut(op, " "); n == name {
			out = append(out, op)
		}
	}
	return out
}

// TestMemFSFsyncgate checks the model the fault tests rely on: after a
// failed Sync, reads still see the data, a second Sync succeeds, and a
// crash loses the data anyway. A log that retried its fsync and took
// success for an answer would lose acknowledged entries in these tests.
func TestMemFSFsyncgate(t *testing.T) {
	m := newMemFS()
	f, err := m.Create("/d/f")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SyncDir("/d"); err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("kept"), 0)
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte(" lost"), 4)
	m.sync = func(string) error { return errEIO }
	if err := f.Sync(); err == nil {
		t.Fatal("Sync: no error")
	}
	m.sync = nil
	if err := f.Sync(); err != nil {
		t.Fatalf("the second Sync: %v", err)
	}
	if b, _ := m.ReadFile("/d/f"); string(b) != "kept lost" {
		t.Errorf("read after the failed Sync: %q, want %q", b, "kept lost")
	}
	if b, _ := m.crash(nil).ReadFile("/d/f"); string(b) != "kept\x00\x00\x00\x00\x00" {
		t.Errorf("after a crash: %q, want %q", b, "kept\x00\x00\x00\x00\x00")
	}
}
