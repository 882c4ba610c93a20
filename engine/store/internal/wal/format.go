package wal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// A segment is a header, then entries:
//
//	header   "botctl-wal 1\n"
//	entry    length of body (uint32 little-endian), CRC-32C of body
//	         (uint32 little-endian), body (1 to MaxEntry bytes)
//
// What a body holds is the caller's business. A crash can leave the last
// entry of a segment torn: reading stops, without error, at the first
// entry that is short or fails its checksum.
var header = []byte("botctl-wal 1\n")

const (
	frameLen = 8

	// MaxEntry bounds an entry's body. Reading relies on it: a damaged
	// length cannot ask for more.
	MaxEntry = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// AppendHeader appends a segment's header to b: a segment's contents are
// the header, then entries made with BeginEntry and EndEntry.
func AppendHeader(b []byte) []byte { return append(b, header...) }

// BeginEntry appends room for an entry's length and checksum to b and
// returns it with the offset where the entry starts. Append the entry's
// body to it, then call EndEntry with that offset. (Two calls rather than
// one that takes the body, so a body is encoded in place, not copied.)
func BeginEntry(b []byte) ([]byte, int) {
	return append(b, 0, 0, 0, 0, 0, 0, 0, 0), len(b)
}

// EndEntry fills in the length and checksum of the entry that starts at
// start, its body being the rest of b. It panics on an empty body or one
// longer than MaxEntry: the log never writes the first (zeros left by a
// crash read as one), and the caller bounds what it writes.
func EndEntry(b []byte, start int) {
	body := b[start+frameLen:]
	if len(body) == 0 || len(body) > MaxEntry {
		panic(fmt.Sprintf("wal: entry body of %d bytes (want 1 to %d)", len(body), MaxEntry))
	}
	binary.LittleEndian.PutUint32(b[start:], uint32(len(body)))
	binary.LittleEndian.PutUint32(b[start+4:], crc32.Checksum(body, castagnoli))
}

// Parse calls fn with the body of each whole entry of a segment's
// contents, in order, and returns the offset where the good entries end:
// len(b) when the segment is whole, less when its tail is torn. A body
// points into b. An error from fn stops Parse and is returned naming the
// entry's offset, with the offset of that entry.
//
// Contents shorter than the header, or all zeros, are a segment whose
// creation a crash cut short (the header is fsynced before any entry is
// written, so nothing in it was acknowledged): no entries, end 0.
// Anything else that does not start with the header is an error.
func Parse(b []byte, fn func(body []byte) error) (end int, err error) {
	if len(b) < len(header) || allZero(b) {
		return 0, nil
	}
	if !bytes.Equal(b[:len(header)], header) {
		return 0, errors.New("not a botctl log segment (bad header)")
	}
	off := len(header)
	for off < len(b) {
		body, ok := readEntry(b[off:])
		if !ok {
			break
		}
		if err := fn(body); err != nil {
			return off, fmt.Errorf("entry at offset %d: %w", off, err)
		}
		off += frameLen + len(body)
	}
	return off, nil
}

// readEntry returns the body of the entry at the start of b; false when
// b does not start with a whole, intact entry.
func readEntry(b []byte) ([]byte, bool) {
	if len(b) < frameLen {
		return nil, false
	}
	n := binary.LittleEndian.Uint32(b)
	// Length 0 is never written, but zeros are what a crash can leave
	// past the last append (the file's size reached the disk, its data
	// did not), and CRC-32C of nothing is 0.
	if n == 0 || n > MaxEntry || uint64(len(b)-frameLen) < uint64(n) {
		return nil, false
	}
	body := b[frameLen : frameLen+n]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return nil, false
	}
	return body, true
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
