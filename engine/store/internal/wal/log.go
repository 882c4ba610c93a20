// Package wal is the file store's write-ahead log: numbered segment
// files next to the database (PATH.wal.1, PATH.wal.2, ...), appended to
// with one write and one fsync per group of entries, read back after a
// crash with a torn last entry left out, and deleted once the database
// has what they hold.
//
// The log knows entries only as bytes; the file store encodes its writes
// into them. One goroutine appends (Append, Rotate) while another may
// delete the segments it has applied (Remove).
//
// What the log guarantees:
//
//   - An Append that returns nil is durable: it is read back after a
//     crash, unless the segment is removed.
//   - An Append that returns an error wrote nothing that is read back: the
//     segment is cut back to the end of the last acknowledged append and
//     the cut fsynced. The segment is then closed and never written
//     again, and the next Append starts a new one. A failed fsync is not
//     retried: Linux reports a failed writeback once and may drop the
//     pages that failed, so a second fsync of the same file can succeed
//     without them ever reaching the disk (what PostgreSQL learnt in
//     2018, "fsyncgate"). The cut needs only the file's size, which the
//     next fsync does write.
//   - If even the cut fails, the log is broken: Err reports it and every
//     Append fails with it until the process restarts. Entries of the
//     append that failed may then be read back after a restart: they were
//     never acknowledged, and the reader must accept them or not as it
//     would any write whose outcome its writer never learnt.
package wal

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Log is the log of one database. Append, Size, Err and Rotate are for
// one goroutine at a time; Closed and Remove may be called from any.
type Log struct {
	fs   FS
	path string // the database's; segments are named after it
	dir  string
	last uint64   // the number of the newest segment created or found
	left []uint64 // the segments an earlier run left, until Replay

	seg    File   // being appended to; nil until the next Append
	segN   uint64 // seg's number
	size   int64  // bytes of seg written and fsynced
	broken error  // set when a failed append could not be undone

	mu     sync.Mutex
	closed []closedSeg // closed, not yet removed: oldest first
}

type closedSeg struct {
	n    uint64
	size int64
}

// SegmentName is the file name of segment n of the log of the database
// at path.
func SegmentName(path string, n uint64) string {
	return path + ".wal." + strconv.FormatUint(n, 10)
}

// Open returns the log of the database at path, on fsys. The segments an
// earlier run left are Replay's to read; new ones are numbered after
// them.
func Open(fsys FS, path string) (*Log, error) {
	l := &Log{fs: fsys, path: path, dir: filepath.Dir(path)}
	names, err := fsys.ReadDir(l.dir)
	if err != nil {
		return nil, err
	}
	prefix := filepath.Base(path) + ".wal."
	for _, name := range names {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(rest, 10, 64)
		if err != nil || n == 0 || strconv.FormatUint(n, 10) != rest {
			continue
		}
		l.left = append(l.left, n)
	}
	slices.Sort(l.left)
	if len(l.left) > 0 {
		l.last = l.left[len(l.left)-1]
	}
	return l, nil
}

// Replay reads the segments an earlier run left (after a crash, or a
// close that could not empty the log), oldest first. For each it calls
// decode with the body of every whole entry, then apply with what decode
// returned, in order; then, once every segment is applied, it deletes
// them. A segment that is not a log, or an entry decode refuses, stops
// Replay with an error naming the file, and the segments stay.
//
// Call it before the first Append.
func Replay[E any](l *Log, decode func(body []byte) (E, error), apply func(entries []E) error) error {
	if len(l.left) == 0 {
		return nil
	}
	for _, n := range l.left {
		name := SegmentName(l.path, n)
		data, err := l.fs.ReadFile(name)
		if err != nil {
			return err
		}
		var entries []E
		_, err = Parse(data, func(body []byte) error {
			e, err := decode(body)
			if err == nil {
				entries = append(entries, e)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("log %s is damaged: %w (move it away to open the store without the writes it holds)", name, err)
		}
		if err := apply(entries); err != nil {
			return fmt.Errorf("replaying log %s: %w", name, err)
		}
	}
	if err := l.Remove(l.left); err != nil {
		return err
	}
	l.left = nil
	return nil
}

// Append writes b — entries made with BeginEntry and EndEntry — at the
// end of the log, with one write and one fsync, starting a segment if
// none is open. It returns once b is durable, or with an error and
// nothing of b kept (see the package documentation). An empty b tries
// the disk: after a failure, it starts a segment, fsynced.
func (l *Log) Append(b []byte) error {
	if l.broken != nil {
		return l.broken
	}
	if l.seg == nil {
		if err := l.create(); err != nil {
			return err
		}
	}
	err := writeAt(l.seg, b, l.size, SegmentName(l.path, l.segN))
	if err == nil {
		err = l.seg.Sync()
	}
	if err == nil {
		l.size += int64(len(b))
		return nil
	}
	if terr := l.seg.Truncate(l.size); terr != nil {
		l.broken = &brokenError{path: SegmentName(l.path, l.segN), err: errors.Join(err, terr)}
		return l.broken
	}
	if serr := l.seg.Sync(); serr != nil {
		l.broken = &brokenError{path: SegmentName(l.path, l.segN), err: errors.Join(err, serr)}
		return l.broken
	}
	l.closeSegment()
	return err
}

// create starts the next segment with its header, durably: the file's
// contents and its directory entry.
func (l *Log) create() error {
	// The number is used up even if this fails, so a file left behind
	// does not block the next attempt.
	l.last++
	name := SegmentName(l.path, l.last)
	f, err := l.fs.Create(name)
	if err != nil {
		return err
	}
	if err = writeAt(f, header, 0, name); err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = l.fs.SyncDir(l.dir)
	}
	if err != nil {
		// A segment left behind holds no entry, which reads as none.
		f.Close()
		l.fs.Remove(name)
		return err
	}
	l.seg, l.segN, l.size = f, l.last, int64(len(header))
	return nil
}

func writeAt(f File, b []byte, off int64, name string) error {
	n, err := f.WriteAt(b, off)
	if err == nil && n < len(b) {
		err = &os.PathError{Op: "write", Path: name, Err: io.ErrShortWrite}
	}
	return err
}

// closeSegment closes the segment being appended to and lists it among
// those waiting to be removed.
func (l *Log) closeSegment() {
	// Everything kept in it is fsynced: a failed close loses nothing.
	l.seg.Close()
	l.mu.Lock()
	l.closed = append(l.closed, closedSeg{l.segN, l.size})
	l.mu.Unlock()
	l.seg, l.size = nil, 0
}

// Size returns the size of the segment being appended to, in bytes; 0
// when none is open (the next Append starts one).
func (l *Log) Size() int64 { return l.size }

// Err returns the error that broke the log, nil while it takes appends.
func (l *Log) Err() error { return l.broken }

// Rotate closes the segment being appended to, if one is open, and
// returns the numbers of every closed segment not yet removed, oldest
// first: the segments holding every entry appended so far.
func (l *Log) Rotate() []uint64 {
	if l.seg != nil {
		l.closeSegment()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	segs := make([]uint64, len(l.closed))
	for i, s := range l.closed {
		segs[i] = s.n
	}
	return segs
}

// Closed returns how many segments are closed and not yet removed, and
// their bytes.
func (l *Log) Closed() (segs int, bytes int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.closed {
		bytes += s.size
	}
	return len(l.closed), bytes
}

// Remove deletes closed segments, durably (a segment that came back
// after a crash would be read again), once what they hold is kept
// elsewhere. The segments it could not remove stay listed by Closed and
// Rotate, for the next Remove.
func (l *Log) Remove(segs []uint64) error {
	var errs []error
	gone := make([]uint64, 0, len(segs))
	for _, n := range segs {
		if err := l.fs.Remove(SegmentName(l.path, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		gone = append(gone, n)
	}
	if err := l.fs.SyncDir(l.dir); err != nil {
		errs = append(errs, err)
		gone = nil
	}
	l.mu.Lock()
	l.closed = slices.DeleteFunc(l.closed, func(s closedSeg) bool { return slices.Contains(gone, s.n) })
	l.mu.Unlock()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("removing applied log segments: %w", err)
	}
	return nil
}

// brokenError is an append that failed in a way that leaves the log
// unusable: it takes no further appends.
type brokenError struct {
	path string // the segment
	err  error
}

func (e *brokenError) Error() string {
	return fmt.Sprintf("log %s: %v (writes are refused until the server restarts)", e.path, e.err)
}

func (e *brokenError) Unwrap() error { return e.err }
