package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// ErrVersionNotFound is what GetVersion returns for a version the store
// does not have.
var ErrVersionNotFound = errors.New("bot version not found")

// Versions is implemented by stores that keep the source of every
// deployed version of a bot, so that any server, after any restart, can
// run a conversation on the version it started with. A version is
// content-addressed: its hash is computed by the compiler over the files,
// and the store treats it as an opaque key. Versions outlive conversations
// (Redis gives them no TTL); only DeleteVersion removes one. Memory, File,
// Redis and Postgres implement it.
type Versions interface {
	// PutVersion stores a version, durably before it returns. A version
	// already stored under the same bot and hash is kept as it is, so
	// putting it again is a no-op. A zero Stored is the current time.
	PutVersion(ctx context.Context, v BotVersion) error

	// GetVersion returns a version, its files byte for byte as they were
	// put. ErrVersionNotFound if there is none.
	GetVersion(ctx context.Context, bot, hash string) (BotVersion, error)

	// ListVersions returns the versions stored for a bot, oldest first
	// (equal times: by hash); none for a bot the store does not know.
	ListVersions(ctx context.Context, bot string) ([]VersionInfo, error)

	// DeleteVersion removes a version. Deleting one that is not there is
	// not an error, so two servers collecting the same garbage do not
	// trip over each other.
	DeleteVersion(ctx context.Context, bot, hash string) error
}

// BotVersion is one version of a bot's source.
type BotVersion struct {
	Bot    string
	Hash   string // the compiler's version hash
	Files  []SourceFile
	Stored time.Time // when it was first stored, in UTC
}

// SourceFile is one file of a bot: its base name and its bytes, in the
// bot's file order.
type SourceFile struct {
	Name string
	Src  []byte
}

// VersionInfo describes a stored version without its files.
type VersionInfo struct {
	Hash   string
	Stored time.Time
}

// Scanner is implemented by stores that can list every conversation they
// hold (to find the bot versions no conversation runs on any more). Memory,
// File, Redis and Postgres implement it.
type Scanner interface {
	// Scan calls fn with every stored conversation once, in no
	// particular order, each as it stood when Scan reached it: at least
	// as new as when Scan was called. A conversation created or
	// committed during the scan may or may not be seen in its new
	// state; fn may use the store meanwhile. An error from fn stops the
	// scan, and Scan returns it.
	Scan(ctx context.Context, fn func(Record) error) error
}

// MaxVersionSize bounds a version's files, their names and bytes
// together. Every store takes a version of this size in one write.
const MaxVersionSize = 16 << 20

// maxVersionKey bounds a bot name and a hash, which every store uses in
// its keys.
const maxVersionKey = 1024

// checkVersionKey refuses a bot name or hash no store can key.
func checkVersionKey(bot, hash string) error {
	switch {
	case bot == "":
		return errors.New("store: a bot version needs its bot's name")
	case hash == "":
		return fmt.Errorf("store: a version of bot %s needs its hash", bot)
	case len(bot) > maxVersionKey:
		return fmt.Errorf("store: bot name too long: %d bytes (at most %d)", len(bot), maxVersionKey)
	case len(hash) > maxVersionKey:
		return fmt.Errorf("store: version hash of bot %s too long: %d bytes (at most %d)", bot, len(hash), maxVersionKey)
	}
	return nil
}

// newVersion checks a version to put and returns it as every store keeps
// it: its own copy of the files, Stored in UTC (now if zero).
func newVersion(v BotVersion, now time.Time) (BotVersion, error) {
	if err := checkVersionKey(v.Bot, v.Hash); err != nil {
		return BotVersion{}, err
	}
	if len(v.Files) == 0 {
		return BotVersion{}, fmt.Errorf("store: version %s of bot %s has no files", v.Hash, v.Bot)
	}
	size := 0
	for _, f := range v.Files {
		size += len(f.Name) + len(f.Src)
	}
	if size > MaxVersionSize {
		return BotVersion{}, fmt.Errorf("store: version %s of bot %s too large: %d bytes of file names and sources (at most %d)", v.Hash, v.Bot, size, MaxVersionSize)
	}
	out := BotVersion{Bot: v.Bot, Hash: v.Hash, Files: cloneFiles(v.Files), Stored: now}
	if !v.Stored.IsZero() {
		out.Stored = stamp(v.Stored)
	}
	return out, nil
}

// cloneFiles copies files into one allocation; a nil Src stays nil.
func cloneFiles(files []SourceFile) []SourceFile {
	n := 0
	for _, f := range files {
		n += len(f.Src)
	}
	buf := make([]byte, 0, n)
	out := make([]SourceFile, len(files))
	for i, f := range files {
		out[i].Name = f.Name
		if f.Src != nil {
			start := len(buf)
			buf = append(buf, f.Src...)
			out[i].Src = buf[start:len(buf):len(buf)]
		}
	}
	return out
}

// encodeVersion is a version as File and Redis store it: when it was
// stored (int64 Unix seconds, uint32 nanoseconds, big-endian), then for
// each file its name and its bytes, each after its length as a uvarint.
func encodeVersion(v BotVersion) []byte {
	n := 12
	for _, f := range v.Files {
		n += 2*binary.MaxVarintLen64 + len(f.Name) + len(f.Src)
	}
	b := make([]byte, 12, n)
	putTime(b, v.Stored)
	for _, f := range v.Files {
		b = binary.AppendUvarint(b, uint64(len(f.Name)))
		b = append(b, f.Name...)
		b = binary.AppendUvarint(b, uint64(len(f.Src)))
		b = append(b, f.Src...)
	}
	return b
}

// versionStored decodes when a version encoded by encodeVersion was
// stored.
func versionStored(b []byte) (time.Time, error) {
	if len(b) < 12 {
		return time.Time{}, errors.New("version too short")
	}
	return getTime(b), nil
}

// decodeVersion decodes a value of encodeVersion, copying what it keeps
// (b may be the database's memory).
func decodeVersion(bot, hash string, b []byte) (BotVersion, error) {
	stored, err := versionStored(b)
	if err != nil {
		return BotVersion{}, err
	}
	v := BotVersion{Bot: bot, Hash: hash, Stored: stored}
	buf := cloneBytes(b[12:])
	next := func() ([]byte, bool) {
		n, w := binary.Uvarint(buf)
		if w <= 0 || uint64(len(buf)-w) < n {
			return nil, false
		}
		s := buf[w : w+int(n) : w+int(n)]
		buf = buf[w+int(n):]
		return s, true
	}
	for len(buf) > 0 {
		name, ok1 := next()
		src, ok2 := next()
		if !ok1 || !ok2 {
			return BotVersion{}, fmt.Errorf("file %d: bad length", len(v.Files)+1)
		}
		v.Files = append(v.Files, SourceFile{Name: string(name), Src: src})
	}
	return v, nil
}
