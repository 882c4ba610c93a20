package store

import (
	"time"

	"github.com/botctl/botctl/engine/store/internal/wal"
)

// WithApplyEvery makes File move its log into the database after d and
// after n bytes, so tests see many applies.
func WithApplyEvery(d time.Duration, n int64) Option {
	return func(c *config) { c.applyEvery, c.applyBytes = d, n }
}

// SegmentName is the log segment n of the database at path.
var SegmentName = wal.SegmentName

// WithFailingApply makes File's applies fail while fail returns an
// error, and its writes stop once limit bytes of log wait.
func WithFailingApply(fail func() error, limit int64) Option {
	return func(c *config) { c.failApply, c.logLimit = fail, limit }
}

// ParsePostgresURL is how OpenPostgres reads its URL, without connecting.
func ParsePostgresURL(u string) error {
	_, err := parsePostgresURL(u)
	return err
}
