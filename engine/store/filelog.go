package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/botctl/botctl/engine/store/internal/wal"
)

// The file store's log: every Create and Commit is appended to the log
// next to the database (package wal: segments PATH.wal.N) and fsynced
// there, which is all a write waits for; the writes reach the database
// later, many at a time (see File). Each write is one entry, whose body
// is:
//
//	body     kind ('c' create, 'u' commit, 'd' delete), then
//	         uvarint-length-prefixed: id, record value (as in the
//	         database, version inside; for a delete, the header of the
//	         record it erases), then uvarint first message seq, messages
//	         value (length 0: none), reply key (length 0: none), reply
//	         value
//
// A Delete is one delete entry, an Expire one per conversation it erases.
// The log of a format 2 database (see fileformat.go) has no deletes, and
// records without Meta; OpenFile replays it with decodeLogBodyNoMeta
// before it migrates the database.
const (
	logCreate = 'c'
	logCommit = 'u'
	logDelete = 'd'
)

// An entry holds at most one write (maxWrite) and a state kept from the
// write before (maxWrite), with a record header and lengths: this fails
// to compile if that could exceed what the log takes.
var _ [wal.MaxEntry - 3*maxWrite]struct{}

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

// appendLogEntry appends e to b as a log entry.
func appendLogEntry(b []byte, e *logEntry) []byte {
	b, start := wal.BeginEntry(b)
	b = append(b, e.kind)
	b = appendField(b, []byte(e.id))
	b = appendField(b, e.rec)
	b = binary.AppendUvarint(b, uint64(e.first))
	b = appendField(b, e.msgs)
	b = appendField(b, []byte(e.replyKey))
	b = appendField(b, e.reply)
	wal.EndEntry(b, start)
	return b
}

func appendField(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// decodeLogBody decodes an entry's body (whose checksum held: a failure
// here is not a torn write but a body this code did not write). The
// entry's slices point into b.
func decodeLogBody(b []byte) (logEntry, error) {
	return decodeEntry(b, true)
}

// decodeLogBodyNoMeta decodes an entry written by a botctl of format 2.
func decodeLogBodyNoMeta(b []byte) (logEntry, error) {
	return decodeEntry(b, false)
}

func decodeEntry(b []byte, withMeta bool) (logEntry, error) {
	var e logEntry
	if len(b) == 0 {
		return e, errors.New("empty entry")
	}
	e.kind, b = b[0], b[1:]
	if e.kind != logCreate && e.kind != logCommit && (e.kind != logDelete || !withMeta) {
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
	switch {
	case e.kind == logDelete:
		if len(e.rec) != recHeader || len(e.msgs) != 0 || len(key) != 0 {
			return e, errors.New("bad delete")
		}
	case withMeta:
		if _, err := recordTail(e.rec); err != nil {
			return e, err
		}
	default:
		if _, err := recordTailNoMeta(e.rec); err != nil {
			return e, err
		}
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

func field(b []byte) (v, rest []byte, ok bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < n {
		return nil, b, false
	}
	return b[w : w+int(n)], b[w+int(n):], true
}
