package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

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

// PostgresListSQL is the statement, and its arguments, that List runs
// for q on PostgreSQL.
func PostgresListSQL(q Query) (string, []any, error) {
	lq, err := checkQuery(q)
	if err != nil {
		return "", nil, err
	}
	sql, args := listSQL(lq)
	return sql, args, nil
}

// MigratePostgres brings the database at url to schema version v, as a
// botctl whose last migration was v left it.
func MigratePostgres(ctx context.Context, url string, v int) error {
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	return migrateTo(ctx, c, pgMigrations[:v])
}

// PostgresExpireSQL is the statement of Expire on PostgreSQL.
const PostgresExpireSQL = pgExpire
