package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The file store's log: every Create and Commit is appended to a log
// segment next to the database (PATH.wal.N) and fsynced there, which is
// all a write waits for; the writes reach the database later, many at a
// time (see File). A segment is a header, then entries:
//
//	header   "botctl-wal 1\n"
//	entry    length of body (uint32 little-endian), CRC-32C of body
//	         (uint32 little-endian), body
//	body     kind ('c' create, 'u' commit), then uvarint-length-prefixed:
//	         id, record value (as in the database, version inside),
//	         then uvarint first message seq, messages value (length 0:
//	         none), reply key (length 0: none), reply value
//
// A crash can leave the last entry of the last segment torn: reading
// stops at the first entry that is short or fails its checksum.
var logHeader = []byte("botctl-wal 1\n")

const (
	logCreate = 'c'
	logCommit = 'u'

	// maxLogEntry bounds an entry's length as read back, so a damaged
	// length cannot ask for more. An entry holds at most one write
	// (maxWrite) and a state kept from the write before (maxWrite).
	maxLogEntry = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// logEntry is one write as logged: everything the database needs to
// apply it without reading anything else.
type logEntry struct {
	kind     byte
	id       string
	rec      []byte // the record's whole value after the write
	first    int64  // Seq of the first message in msgs
	msgs     []byte // encodeMessages' value; nil: none
	replyKey string
	reply    []byte
}

// appendLogEntry appends e, framed, to b.
func appendLogEntry(b []byte, e *logEntry) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
	b = append(b, e.kind)
	b = appendField(b, []byte(e.id))
	b = appendField(b, e.rec)
	b = binary.AppendUvarint(b, uint64(e.first))
	b = appendField(b, e.msgs)
	b = appendField(b, []byte(e.replyKey))
	b = appendField(b, e.reply)
	body := b[start+8:]
	binary.LittleEndian.PutUint32(b[start:], uint32(len(body)))
	binary.LittleEndian.PutUint32(b[start+4:], crc32.Checksum(body, castagnoli))
	return b
}

func appendField(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// errTorn marks the end of a segment's good entries: what follows is a
// write a crash cut short (or damage).
var errTorn = errors.New("torn or damaged entry")

// readLogEntry decodes the entry at the start of b and returns it with
// its framed length. The entry's slices point into b. errTorn when b
// does not start with a whole, intact entry.
func readLogEntry(b []byte) (logEntry, int, error) {
	if len(b) < 8 {
		return logEntry{}, 0, errTorn
	}
	n := binary.LittleEndian.Uint32(b)
	// Length 0 is never written, but zeros are what a crash can leave
	// past the last append (the file's size reached the disk, its data
	// did not), and CRC-32C of nothing is 0.
	if n == 0 || n > maxLogEntry || uint64(len(b)-8) < uint64(n) {
		return logEntry{}, 0, errTorn
	}
	body := b[8 : 8+n]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return logEntry{}, 0, errTorn
	}
	e, err := decodeLogBody(body)
	if err != nil {
		return logEntry{}, 0, err
	}
	return e, 8 + int(n), nil
}

// decodeLogBody decodes an entry whose checksum held: a failure here is
// not a torn write but a body this code did not write.
func decodeLogBody(b []byte) (logEntry, error) {
	var e logEntry
	if len(b) == 0 {
		return e, errors.New("empty entry")
	}
	e.kind, b = b[0], b[1:]
	if e.kind != logCreate && e.kind != logCommit {
		return e, fmt.Errorf("unknown entry kind %q", e.kind)
	}
	var id, key []byte
	var ok bool
	if id, b, ok = field(b); !ok {
		return e, errors.New("bad id")
	}
	if e.rec, b, ok = field(b); !ok || len(e.rec) == 0 {
		return e, errors.New("bad record")
	}
	first, w := binary.Uvarint(b)
	if w <= 0 || first > 1<<62 {
		return e, errors.New("bad message seq")
	}
	e.first, b = int64(first), b[w:]
	if e.msgs, b, ok = field(b); !ok {
		return e, errors.New("bad messages")
	}
	if key, b, ok = field(b); !ok {
		return e, errors.New("bad reply key")
	}
	if e.reply, b, ok = field(b); !ok {
		return e, errors.New("bad reply")
	}
	if len(b) != 0 {
		return e, errors.New("trailing bytes")
	}
	if len(id) == 0 {
		return e, errors.New("empty id")
	}
	if _, err := recordTail(e.rec); err != nil {
		return e, err
	}
	if len(e.msgs) == 0 {
		e.msgs = nil
	}
	if len(key) == 0 {
		e.reply = nil
	}
	e.id, e.replyKey = string(id), string(key)
	return e, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func field(b []byte) (v, rest []byte, ok bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < n {
		return nil, b, false
	}
	return b[w : w+int(n)], b[w+int(n):], true
}

// parseLog returns the entries of a segment's contents, and the offset
// where the good entries end (len(b) when the segment is whole).
func parseLog(b []byte) ([]logEntry, int, error) {
	if len(b) < len(logHeader) || allZero(b) {
		// A crash while the segment was being created: nothing in it was
		// acknowledged.
		return nil, 0, nil
	}
	if string(b[:len(logHeader)]) != string(logHeader) {
		return nil, 0, errors.New("not a botctl log segment (bad header)")
	}
	var out []logEntry
	off := len(logHeader)
	for off < len(b) {
		e, n, err := readLogEntry(b[off:])
		if errors.Is(err, errTorn) {
			break
		}
		if err != nil {
			return out, off, fmt.Errorf("entry at offset %d: %w", off, err)
		}
		out = append(out, e)
		off += n
	}
	return out, off, nil
}

// segmentName is the file name of segment n of the database at path.
func segmentName(path string, n uint64) string {
	return path + ".wal." + strconv.FormatUint(n, 10)
}

// listSegments returns the numbers of the database's log segments, in
// order.
func listSegments(path string) ([]uint64, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []uint64
	prefix := base + ".wal."
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(rest, 10, 64)
		if err != nil || n == 0 || strconv.FormatUint(n, 10) != rest {
			continue
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

// segment is the log segment being appended to. Only the committer
// uses it.
type segment struct {
	n    uint64
	f    *os.File
	size int64 // bytes known to be written and fsynced
}

// createSegment creates segment n with its header, durably (the file and
// its directory entry).
func createSegment(path string, n uint64) (*segment, error) {
	name := segmentName(path, n)
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	// The header reaches the disk before any entry is acknowledged: a
	// segment that fails here is removed and its writes refused.
	if _, err = f.Write(logHeader); err == nil {
		err = fdatasync(f)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		f.Close()
		os.Remove(name)
		return nil, err
	}
	return &segment{n: n, f: f, size: int64(len(logHeader))}, nil
}

// append writes b at the end of the segment and fsyncs it. On failure it
// cuts the segment back to its last good size, so a write that was not
// acknowledged is not replayed after a restart either; if even that
// fails, the segment is unusable and the error says so.
func (s *segment) append(b []byte) error {
	_, err := s.f.WriteAt(b, s.size)
	if err == nil {
		err = fdatasync(s.f)
	}
	if err == nil {
		s.size += int64(len(b))
		return nil
	}
	if terr := s.f.Truncate(s.size); terr != nil {
		return &brokenLogError{path: s.f.Name(), err: errors.Join(err, terr)}
	}
	if serr := fdatasync(s.f); serr != nil {
		return &brokenLogError{path: s.f.Name(), err: errors.Join(err, serr)}
	}
	return err
}

func (s *segment) close() error { return s.f.Close() }

// brokenLogError is a log write that failed in a way that leaves the log
// unusable: no further writes are taken.
type brokenLogError struct {
	path string
	err  error
}

func (e *brokenLogError) Error() string {
	return fmt.Sprintf("log %s: %v (writes are refused until the server restarts)", e.path, e.err)
}

func (e *brokenLogError) Unwrap() error { return e.err }

// syncDir makes a directory's entries (a file created or removed in it)
// durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
