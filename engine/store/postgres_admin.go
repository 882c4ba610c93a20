package store

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Delete implements Store. The messages and replies go with the row (ON
// DELETE CASCADE), in the same statement. A Commit racing with it either
// commits first, and its row is then the one deleted, or waits for the
// delete and updates no row: ErrNotFound.
func (p *Postgres) Delete(ctx context.Context, id string) error {
	if err := p.check(ctx); err != nil {
		return err
	}
	tag, err := p.pool.Exec(ctx, `DELETE FROM botctl_conversations WHERE id = $1`, []byte(id))
	if err != nil {
		return p.err(err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// pgListCols are pgRecordCols with the id first and without the state,
// which List does not return and so does not read.
const pgListCols = `id, bot, version, NULL::bytea, created_ns, updated_ns, last_seq, user_id, owner, tags, due_ns`

// listSQL is the one statement of a List and its arguments: the rows
// after the cursor in List's order, one more than the page holds to know
// whether another follows (keyset pagination: a page costs the same
// however deep it is).
//
// It has a condition only for each filter the query sets, so that the
// planner sees which index fits: botctl_conversations_user for a user,
// botctl_conversations_bot for a bot, botctl_conversations_updated
// otherwise, each walked from the cursor down with no sort. Owner and tag
// are filters on that walk: an owner has few values ("bot", "agent") and
// so does a tag in practice ("vip", "handoff"), which an index would not
// narrow much, while every commit would pay for it, a GIN index on the
// tags most of all. A List by a rare owner or tag alone reads the
// conversations newer than its matches; the tag is tested with @>, so that
// a GIN index an operator adds on tags is used.
func listSQL(q listQuery) (string, []any) {
	var (
		conds []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if q.Bot != "" {
		conds = append(conds, "bot = "+arg([]byte(q.Bot)))
	}
	if q.User != "" {
		conds = append(conds, "user_id = "+arg([]byte(q.User)))
	}
	if q.Owner != "" {
		conds = append(conds, "owner = "+arg([]byte(q.Owner)))
	}
	if q.Tag != "" {
		conds = append(conds, "tags @> ARRAY["+arg([]byte(q.Tag))+"::bytea]")
	}
	if !q.UpdatedSince.IsZero() {
		conds = append(conds, "updated_ns >= "+arg(pgNano(q.UpdatedSince)))
	}
	if q.Cursor != "" {
		conds = append(conds, fmt.Sprintf("(updated_ns, id) < (%s, %s)", arg(q.from.updated.UnixNano()), arg([]byte(q.from.id))))
	}
	var sb strings.Builder
	sb.WriteString("SELECT " + pgListCols + " FROM botctl_conversations")
	if len(conds) > 0 {
		sb.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	sb.WriteString(" ORDER BY updated_ns DESC, id DESC LIMIT " + arg(int64(q.Limit)+1))
	return sb.String(), args
}

// List implements Store with one query (see listSQL).
func (p *Postgres) List(ctx context.Context, q Query) (Page, error) {
	lq, err := checkQuery(q)
	if err != nil {
		return Page{}, err
	}
	if err := p.check(ctx); err != nil {
		return Page{}, err
	}
	sql, args := listSQL(lq)
	rows, err := p.pool.Query(ctx, sql, args...)
	if err != nil {
		return Page{}, p.err(err)
	}
	recs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Record, error) {
		var (
			rec Record
			id  []byte
		)
		err := scanRecord(prefixed{row, &id}, &rec)
		rec.ID = string(id)
		return rec, err
	})
	if err != nil {
		return Page{}, p.err(err)
	}
	return lq.page(recs), nil
}

// pgExpire deletes the oldest conversations updated before $1, at most $2
// of them, and returns their ids oldest first. It walks
// botctl_conversations_updated from its old end. SKIP LOCKED passes over
// the rows another statement holds: a conversation being committed to
// (which is not idle), or one another replica's sweep is deleting, so two
// sweeps at once neither wait for each other nor return the same id. A
// row committed to since this statement began is tested again once
// locked, and kept if it is no longer old.
const pgExpire = `
WITH old AS (
	SELECT id FROM botctl_conversations
	WHERE updated_ns < $1
	ORDER BY updated_ns, id
	LIMIT $2
	FOR UPDATE SKIP LOCKED
), gone AS (
	DELETE FROM botctl_conversations c USING old WHERE c.id = old.id
	RETURNING c.id, c.updated_ns
)
SELECT id FROM gone ORDER BY updated_ns, id`

// Expire implements Store in one statement (pgExpire). Fewer than limit
// ids means none is left that no other statement is writing.
func (p *Postgres) Expire(ctx context.Context, before time.Time, limit int) ([]string, error) {
	if err := checkExpire(limit); err != nil {
		return nil, err
	}
	if err := p.check(ctx); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, pgExpire, pgNano(before), int64(limit))
	if err != nil {
		return nil, p.err(err)
	}
	ids, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (string, error) {
		var id []byte
		err := row.Scan(&id)
		return string(id), err
	})
	if err != nil {
		return nil, p.err(err)
	}
	return ids, nil
}

// The range of times in Unix nanoseconds: the years 1677 to 2262.
var (
	minUnixNano = time.Unix(0, math.MinInt64)
	maxUnixNano = time.Unix(0, math.MaxInt64)
)

// pgNano is t in Unix nanoseconds, clamped to their range: a bound of a
// List or an Expire from before 1677 (the zero Time) is before every
// conversation, rather than a number that wrapped around.
func pgNano(t time.Time) int64 {
	switch {
	case t.Before(minUnixNano):
		return math.MinInt64
	case t.After(maxUnixNano):
		return math.MaxInt64
	}
	return t.UnixNano()
}
