package store

import (
	"context"
	"errors"
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
// (Redis gives them no TTL); only DeleteVersion removes one. Memory, File
// and Redis implement it.
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
// File and Redis implement it.
type Scanner interface {
	// Scan calls fn with every stored conversation once, in no
	// particular order, each as it stood when Scan reached it: at least
	// as new as when Scan was called. A conversation created or
	// committed during the scan may or may not be seen in its new
	// state; fn may use the store meanwhile. An error from fn stops the
	// scan, and Scan returns it.
	Scan(ctx context.Context, fn func(Record) error) error
}
