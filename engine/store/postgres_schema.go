package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// pgMigrations is the schema, one step per version: pgMigrations[i]
// brings the database from version i to i+1. A step is never edited once
// released; a change is a new step at the end.
//
// Ids, bot names, hashes, keys and texts are bytea, not text: PostgreSQL's
// text holds no NUL byte and only valid UTF-8, and a Go string may be
// anything. States, message data and reply bodies are bytea too, so they
// come back byte for byte (jsonb would reorder keys and drop duplicates).
// Times are Unix nanoseconds: timestamptz keeps only microseconds.
var pgMigrations = []string{
	// Version 1.
	`
CREATE TABLE botctl_conversations (
	id         bytea PRIMARY KEY,
	bot        bytea NOT NULL,
	version    bigint NOT NULL,
	state      bytea,
	created_ns bigint NOT NULL,
	updated_ns bigint NOT NULL,
	last_seq   bigint NOT NULL
);
CREATE TABLE botctl_messages (
	conversation bytea NOT NULL REFERENCES botctl_conversations (id) ON DELETE CASCADE,
	seq          bigint NOT NULL,
	time_ns      bigint NOT NULL,
	kind         bytea NOT NULL,
	text         bytea NOT NULL,
	data         bytea,
	PRIMARY KEY (conversation, seq)
);
CREATE TABLE botctl_replies (
	conversation bytea NOT NULL REFERENCES botctl_conversations (id) ON DELETE CASCADE,
	key          bytea NOT NULL,
	status       integer NOT NULL,
	body         bytea NOT NULL,
	PRIMARY KEY (conversation, key)
);
CREATE TABLE botctl_bot_versions (
	bot       bytea NOT NULL,
	hash      bytea NOT NULL,
	stored_ns bigint NOT NULL,
	PRIMARY KEY (bot, hash)
);
CREATE TABLE botctl_bot_version_files (
	bot  bytea NOT NULL,
	hash bytea NOT NULL,
	pos  integer NOT NULL,
	name bytea NOT NULL,
	src  bytea,
	PRIMARY KEY (bot, hash, pos),
	FOREIGN KEY (bot, hash) REFERENCES botctl_bot_versions (bot, hash) ON DELETE CASCADE
);
`,
	// Version 2: the Meta (Record.User, Owner, Tags) and the indexes of
	// List, Expire and erasure by user. The columns' defaults are
	// constants, so adding them rewrites no row: the conversations of
	// version 1 read as having an empty Meta. Every index ends in
	// (updated_ns DESC, id DESC), List's order, so that a page is a walk
	// of one index from the cursor, with no sort; Expire walks the first
	// backwards from the oldest. There is no index on owner, nor on the
	// tags: see listSQL.
	//
	// IF NOT EXISTS lets an operator with many conversations build the
	// indexes beforehand with CREATE INDEX CONCURRENTLY, which does not
	// hold off the turns as building them here does.
	`
ALTER TABLE botctl_conversations
	ADD COLUMN IF NOT EXISTS user_id bytea NOT NULL DEFAULT '',
	ADD COLUMN IF NOT EXISTS owner   bytea NOT NULL DEFAULT '',
	ADD COLUMN IF NOT EXISTS tags    bytea[] NOT NULL DEFAULT '{}';
CREATE INDEX IF NOT EXISTS botctl_conversations_updated ON botctl_conversations (updated_ns DESC, id DESC);
CREATE INDEX IF NOT EXISTS botctl_conversations_user ON botctl_conversations (user_id, updated_ns DESC, id DESC);
CREATE INDEX IF NOT EXISTS botctl_conversations_bot ON botctl_conversations (bot, updated_ns DESC, id DESC);
`,
	// Version 3: Meta.Due, when the conversation's next timer fires (NULL
	// for none), and the partial index DueBefore walks: only the
	// conversations with a timer are in it.
	`
ALTER TABLE botctl_conversations ADD COLUMN IF NOT EXISTS due_ns bigint;
CREATE INDEX IF NOT EXISTS botctl_conversations_due ON botctl_conversations (due_ns, id) WHERE due_ns IS NOT NULL;
`,
}

// pgMigrateLock is the key of the advisory lock migrate holds, so that
// replicas starting together apply each step once, one after the other.
// It is "botctl" in ASCII.
const pgMigrateLock = 0x626f7463746c

// migrate brings the database's schema to len(pgMigrations), in one
// transaction: all the missing steps or none. It refuses a database that
// a newer botctl has migrated further, whose tables this one may misread.
func migrate(ctx context.Context, conn interface {
	Begin(context.Context) (pgx.Tx, error)
}) error {
	return migrateTo(ctx, conn, pgMigrations)
}

// migrateTo is migrate with the given steps, which bring a database to
// version len(steps): the tests make with it databases as an older botctl
// left them.
func migrateTo(ctx context.Context, conn interface {
	Begin(context.Context) (pgx.Tx, error)
}, steps []string) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	// The lock comes first: two CREATE TABLE IF NOT EXISTS at once can
	// still fail on a unique index of the catalog.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(pgMigrateLock)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS botctl_schema_migrations (
	version    integer PRIMARY KEY,
	applied_at timestamptz NOT NULL DEFAULT now()
)`); err != nil {
		return err
	}
	var have int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM botctl_schema_migrations`).Scan(&have); err != nil {
		return err
	}
	if have > len(steps) {
		return fmt.Errorf("the database's schema is at version %d, newer than the %d this botctl knows: run a botctl at least as new as the one that migrated it", have, len(steps))
	}
	for v := have + 1; v <= len(steps); v++ {
		if _, err := tx.Exec(ctx, steps[v-1]); err != nil {
			return fmt.Errorf("schema version %d: %w", v, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO botctl_schema_migrations (version) VALUES ($1)`, v); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}
