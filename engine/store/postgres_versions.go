package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgPutVersion inserts a version and, only if it was not there, its files.
const pgPutVersion = `
WITH v AS (
	INSERT INTO botctl_bot_versions (bot, hash, stored_ns) VALUES ($1, $2, $3)
	ON CONFLICT (bot, hash) DO NOTHING
	RETURNING bot, hash
)
INSERT INTO botctl_bot_version_files (bot, hash, pos, name, src)
SELECT v.bot, v.hash, u.n, u.name, u.src
FROM v, unnest($4::bytea[], $5::bytea[]) WITH ORDINALITY AS u (name, src, n)`

// PutVersion implements Versions.
func (p *Postgres) PutVersion(ctx context.Context, v BotVersion) error {
	if err := p.check(ctx); err != nil {
		return err
	}
	v, err := newVersion(v, stamp(p.cfg.now()))
	if err != nil {
		return err
	}
	names := make([][]byte, len(v.Files))
	srcs := make([][]byte, len(v.Files))
	for i, f := range v.Files {
		names[i], srcs[i] = []byte(f.Name), f.Src
	}
	if _, err := p.pool.Exec(ctx, pgPutVersion, []byte(v.Bot), []byte(v.Hash), v.Stored.UnixNano(), names, srcs); err != nil {
		return p.err(err)
	}
	return nil
}

// GetVersion implements Versions.
func (p *Postgres) GetVersion(ctx context.Context, bot, hash string) (BotVersion, error) {
	if err := p.check(ctx); err != nil {
		return BotVersion{}, err
	}
	rows, err := p.pool.Query(ctx, `
SELECT v.stored_ns, f.name, f.src
FROM botctl_bot_versions v JOIN botctl_bot_version_files f ON f.bot = v.bot AND f.hash = v.hash
WHERE v.bot = $1 AND v.hash = $2
ORDER BY f.pos`, []byte(bot), []byte(hash))
	if err != nil {
		return BotVersion{}, p.err(err)
	}
	defer rows.Close()
	v := BotVersion{Bot: bot, Hash: hash}
	for rows.Next() {
		var (
			stored    int64
			name, src []byte
		)
		if err := rows.Scan(&stored, &name, &src); err != nil {
			return BotVersion{}, p.err(err)
		}
		v.Stored = time.Unix(0, stored).UTC()
		v.Files = append(v.Files, SourceFile{Name: string(name), Src: src})
	}
	if err := rows.Err(); err != nil {
		return BotVersion{}, p.err(err)
	}
	if len(v.Files) == 0 {
		return BotVersion{}, ErrVersionNotFound
	}
	return v, nil
}

// ListVersions implements Versions.
func (p *Postgres) ListVersions(ctx context.Context, bot string) ([]VersionInfo, error) {
	if err := p.check(ctx); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT hash, stored_ns FROM botctl_bot_versions WHERE bot = $1`, []byte(bot))
	if err != nil {
		return nil, p.err(err)
	}
	defer rows.Close()
	var out []VersionInfo
	for rows.Next() {
		var (
			hash   []byte
			stored int64
		)
		if err := rows.Scan(&hash, &stored); err != nil {
			return nil, p.err(err)
		}
		out = append(out, VersionInfo{Hash: string(hash), Stored: time.Unix(0, stored).UTC()})
	}
	if err := rows.Err(); err != nil {
		return nil, p.err(err)
	}
	sortVersions(out)
	return out, nil
}

// DeleteVersion implements Versions. Its files go with it (ON DELETE
// CASCADE).
func (p *Postgres) DeleteVersion(ctx context.Context, bot, hash string) error {
	if err := p.check(ctx); err != nil {
		return err
	}
	if _, err := p.pool.Exec(ctx, `DELETE FROM botctl_bot_versions WHERE bot = $1 AND hash = $2`, []byte(bot), []byte(hash)); err != nil {
		return p.err(err)
	}
	return nil
}

// pgScanPage is how many conversations Scan reads per query.
const pgScanPage = 500

// Scan implements Scanner. It pages through the conversations in id
// order, each page a query of its own after the last id of the previous
// one, and calls fn once a page is read, so fn runs with no connection
// held and no transaction open.
func (p *Postgres) Scan(ctx context.Context, fn func(Record) error) error {
	last := []byte{}
	for {
		if err := p.check(ctx); err != nil {
			return err
		}
		rows, err := p.pool.Query(ctx, `
SELECT id, `+pgRecordCols+`
FROM botctl_conversations WHERE id > $1 ORDER BY id LIMIT $2`, last, pgScanPage)
		if err != nil {
			return p.err(err)
		}
		var page []Record
		page, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Record, error) {
			var (
				rec Record
				id  []byte
			)
			err := scanRecord(prefixed{row, &id}, &rec)
			rec.ID = string(id)
			return rec, err
		})
		if err != nil {
			return p.err(err)
		}
		for _, rec := range page {
			if err := fn(rec); err != nil {
				return err
			}
		}
		if len(page) < pgScanPage {
			return nil
		}
		last = []byte(page[len(page)-1].ID)
	}
}

// prefixed is a row whose first column goes to first, the rest to the
// destinations Scan is given.
type prefixed struct {
	pgx.Row
	first any
}

func (r prefixed) Scan(dest ...any) error {
	return r.Row.Scan(append([]any{r.first}, dest...)...)
}
