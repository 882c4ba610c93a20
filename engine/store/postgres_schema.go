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
}

// pgMigrateLock is the key of the advisory lock migrate holds, so that
// replicas starting together apply each step once, one after the other.
// It is "botctl" in ASCII.
const pgMigrateLock = 0x626f7463746c

// pgSchemaVersion is the version this botctl brings a database to.
var pgSchemaVersion = len(pgMigrations)

// migrate brings the database's schema to pgSchemaVersion, in one
// transaction: all the missing steps or none. It refuses a database that
// a newer botctl has migrated further, whose tables this one may misread.
func migrate(ctx context.Context, conn interface {
	Begin(context.Context) (pgx.Tx, error)
}) error {
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
	if have > pgSchemaVersion {
		return fmt.Errorf("the database's schema is at version %d, newer than the %d this botctl knows: run a botctl at least as new as the one that migrated it", have, pgSchemaVersion)
	}
	for v := have + 1; v <= pgSchemaVersion; v++ {
		if _, err := tx.Exec(ctx, pgMigrations[v-1]); err != nil {
			return fmt.Errorf("schema version %d: %w", v, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO botctl_schema_migrations (version) VALUES ($1)`, v); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}
