package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres keeps conversations in a PostgreSQL database, so several
// `botctl serve` replicas share them. Commit is one statement that bumps
// the row's version only where it still is the version the turn read
// (UPDATE ... WHERE id = $1 AND version = $2) and appends the messages and
// the reply only if that row was updated: of two replicas racing on a
// conversation exactly one wins, and the other gets ErrConflict.
//
// The tables (botctl_conversations, botctl_messages, botctl_replies,
// botctl_bot_versions, botctl_bot_version_files) are created, and migrated
// when a newer botctl changes them, by OpenPostgres; botctl_schema_migrations
// records the versions applied. See pgMigrations for their columns.
//
// Durability is PostgreSQL's: a write returns once its transaction has
// committed, which with the default synchronous_commit=on means flushed to
// the server's WAL. Postgres keeps conversations until they are deleted
// (Delete, Expire); it does not implement Expirer. Postgres is safe for
// concurrent use.
type Postgres struct {
	pool   *pgxpool.Pool
	cfg    config
	closed atomic.Bool
}

var (
	_ Store    = (*Postgres)(nil)
	_ Pinger   = (*Postgres)(nil)
	_ Versions = (*Postgres)(nil)
	_ Scanner  = (*Postgres)(nil)
)

const pgURLForm = "postgres://USER:PASSWORD@HOST:PORT/DATABASE"

// OpenPostgres connects to the PostgreSQL database a URL names:
// postgres://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE[?OPTIONS] (or
// postgresql://; the options are libpq's and pgxpool's: sslmode,
// pool_max_conns, ...), checks that it answers and brings its tables to
// the schema this botctl uses. Options: WithDialTimeout, WithClock.
func OpenPostgres(rawURL string, opts ...Option) (*Postgres, error) {
	cfg := newConfig(opts)
	pc, err := parsePostgresURL(rawURL)
	if err != nil {
		return nil, err
	}
	where := fmt.Sprintf("postgres at %s (database %s)", pgAddr(pc.ConnConfig.Host, pc.ConnConfig.Port), pc.ConnConfig.Database)
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %s", where, scrub(err.Error(), pc.ConnConfig.Password))
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.dialTimeout)
	defer cancel()
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: %s does not answer: %s", where, scrub(err.Error(), pc.ConnConfig.Password))
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: %s: cannot set up the tables: %s", where, scrub(err.Error(), pc.ConnConfig.Password))
	}
	return &Postgres{pool: pool, cfg: cfg}, nil
}

// parsePostgresURL parses a URL into a pool's configuration, with errors
// that quote the URL without its password.
func parsePostgresURL(rawURL string) (*pgxpool.Config, error) {
	bad := func(why string) error {
		return fmt.Errorf("store: postgres URL %q: %s (want %s)", Redact(rawURL), why, pgURLForm)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error quotes the URL, password and all.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, bad(err.Error())
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, bad(fmt.Sprintf("scheme %q, not postgres or postgresql", u.Scheme))
	}
	if strings.Trim(u.Path, "/") == "" {
		return nil, bad("no database name after the host")
	}
	pc, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		pw, _ := u.User.Password()
		return nil, bad(scrub(pgReason(err), pw, u.Query().Get("password")))
	}
	return pc, nil
}

// pgReason is a pgx parse error without the connection string pgx quotes
// in it (which it redacts only on a best-effort basis).
func pgReason(err error) string {
	msg := err.Error()
	var pce *pgconn.ParseConfigError
	if errors.As(err, &pce) {
		if rest, ok := strings.CutPrefix(msg, "cannot parse `"); ok {
			if i := strings.Index(rest, "`: "); i >= 0 {
				return rest[i+3:]
			}
		}
	}
	return msg
}

// scrub replaces every non-empty secret in msg.
func scrub(msg string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
			if e := url.QueryEscape(s); e != s {
				msg = strings.ReplaceAll(msg, e, "xxxxx")
			}
		}
	}
	return msg
}

func pgAddr(host string, port uint16) string {
	if strings.HasPrefix(host, "/") {
		return host // a Unix socket's directory
	}
	return fmt.Sprintf("%s:%d", host, port)
}

// Redact returns a --store value fit for a log: the password of a
// redis:// or postgres:// URL, and a password option of its query, are
// replaced by xxxxx.
func Redact(spec string) string {
	scheme, rest, ok := strings.Cut(spec, "://")
	if !ok {
		return spec
	}
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i+1:]
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		user := rest[:at]
		if c := strings.IndexByte(user, ':'); c >= 0 {
			user = user[:c] + ":xxxxx"
		}
		rest = user + rest[at:]
	}
	if query != "" {
		parts := strings.Split(query, "&")
		for i, p := range parts {
			k, _, _ := strings.Cut(p, "=")
			if k, err := url.QueryUnescape(k); err != nil || strings.Contains(strings.ToLower(k), "password") {
				parts[i] = k + "=xxxxx"
			}
		}
		rest += "?" + strings.Join(parts, "&")
	}
	return scheme + "://" + rest
}

// err maps an error of pgx to the store's.
func (p *Postgres) err(err error) error {
	if p.closed.Load() {
		return ErrClosed
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("store: %w", err)
	}
	return fmt.Errorf("store: postgres: %w", err)
}

func (p *Postgres) check(ctx context.Context) error {
	if p.closed.Load() {
		return ErrClosed
	}
	return ctxErr(ctx)
}

// pgMsgs is messages as the array parameters of an INSERT ... SELECT
// FROM unnest(...): never nil, as a nil slice is NULL, not an empty array.
type pgMsgs struct {
	times       []int64
	kinds, text [][]byte
	data        [][]byte
}

func newPgMsgs(msgs []Message) pgMsgs {
	m := pgMsgs{
		times: make([]int64, len(msgs)),
		kinds: make([][]byte, len(msgs)),
		text:  make([][]byte, len(msgs)),
		data:  make([][]byte, len(msgs)),
	}
	for i, msg := range msgs {
		m.times[i] = msg.Time.UnixNano()
		m.kinds[i] = []byte(msg.Kind)
		m.text[i] = []byte(msg.Text)
		m.data[i] = msg.Data // nil: NULL
	}
	return m
}

// pgMeta is a Meta as statement parameters: never nil, which pgx sends
// as NULL, as the columns are NOT NULL and a tag "" is a tag.
func pgMeta(m Meta) (user, owner []byte, tags [][]byte) {
	tags = make([][]byte, len(m.Tags))
	for i, t := range m.Tags {
		tags[i] = append([]byte{}, t...)
	}
	return append([]byte{}, m.User...), append([]byte{}, m.Owner...), tags
}

// pgDue is Meta.Due as a parameter: nil (NULL) for none.
func pgDue(m Meta) *int64 {
	if m.Due.IsZero() {
		return nil
	}
	n := pgNano(m.Due)
	return &n
}

const pgCreate = `
WITH c AS (
	INSERT INTO botctl_conversations (id, bot, version, state, created_ns, updated_ns, last_seq, user_id, owner, tags, due_ns)
	VALUES ($1, $2, 1, $3, $4, $4, cardinality($5::bigint[]), $9, $10, $11, $12)
	ON CONFLICT (id) DO NOTHING
	RETURNING id
), m AS (
	INSERT INTO botctl_messages (conversation, seq, time_ns, kind, text, data)
	SELECT c.id, u.n, u.t, u.k, u.x, u.d
	FROM c, unnest($5::bigint[], $6::bytea[], $7::bytea[], $8::bytea[]) WITH ORDINALITY AS u (t, k, x, d, n)
)
SELECT count(*) FROM c`

// Create implements Store.
func (p *Postgres) Create(ctx context.Context, rec Record, msgs []Message) error {
	if err := p.check(ctx); err != nil {
		return err
	}
	rec, added, err := newConversation(rec, msgs, stamp(p.cfg.now()))
	if err != nil {
		return err
	}
	m := newPgMsgs(added)
	user, owner, tags := pgMeta(rec.Meta)
	var n int
	err = p.pool.QueryRow(ctx, pgCreate, []byte(rec.ID), []byte(rec.Bot), []byte(rec.State), rec.Created.UnixNano(),
		m.times, m.kinds, m.text, m.data, user, owner, tags, pgDue(rec.Meta)).Scan(&n)
	if err != nil {
		return p.err(err)
	}
	if n == 0 {
		return ErrExists
	}
	return nil
}

// Get implements Store.
func (p *Postgres) Get(ctx context.Context, id string) (Record, error) {
	if err := p.check(ctx); err != nil {
		return Record{}, err
	}
	rec := Record{ID: id}
	row := p.pool.QueryRow(ctx, `SELECT `+pgRecordCols+` FROM botctl_conversations WHERE id = $1`, []byte(id))
	if err := scanRecord(row, &rec); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return Record{}, ErrNotFound
		}
		return Record{}, p.err(err)
	}
	return rec, nil
}

// pgRecordCols are the columns of a Record but its id, as scanRecord
// reads them.
const pgRecordCols = `bot, version, state, created_ns, updated_ns, last_seq, user_id, owner, tags, due_ns`

// scanRecord reads the columns of pgRecordCols.
func scanRecord(row pgx.Row, rec *Record) error {
	var (
		bot, state, user, owner []byte
		created, updated        int64
		tags                    [][]byte
		due                     *int64
	)
	if err := row.Scan(&bot, &rec.Version, &state, &created, &updated, &rec.LastSeq, &user, &owner, &tags, &due); err != nil {
		return err
	}
	rec.Bot = string(bot)
	rec.State = rawOrNilBytes(state)
	rec.Created = time.Unix(0, created).UTC()
	rec.Updated = time.Unix(0, updated).UTC()
	rec.User, rec.Owner, rec.Tags = string(user), string(owner), nil
	for _, t := range tags {
		rec.Tags = append(rec.Tags, string(t))
	}
	rec.Due = time.Time{}
	if due != nil {
		rec.Due = time.Unix(0, *due).UTC()
	}
	return nil
}

func rawOrNilBytes(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return b
}

// pgCommit updates the conversation at its version and, only if it did,
// appends the messages after the new last_seq and upserts the reply. It
// returns the state only when $4 does not replace it. The Meta's columns
// ($12 to $14) are all NULL, keeping the stored ones, or none is.
const pgCommit = `
WITH c AS (
	UPDATE botctl_conversations
	SET version = version + 1, updated_ns = $3, state = coalesce($4, state), last_seq = last_seq + cardinality($5::bigint[]),
		user_id = coalesce($12, user_id), owner = coalesce($13, owner), tags = coalesce($14, tags),
		due_ns = CASE WHEN $12::bytea IS NULL THEN due_ns ELSE $15::bigint END
	WHERE id = $1 AND version = $2
	RETURNING bot, version, CASE WHEN $4::bytea IS NULL THEN state END AS state, created_ns, updated_ns, last_seq, user_id, owner, tags, due_ns
), m AS (
	INSERT INTO botctl_messages (conversation, seq, time_ns, kind, text, data)
	SELECT $1, c.last_seq - cardinality($5::bigint[]) + u.n, u.t, u.k, u.x, u.d
	FROM c, unnest($5::bigint[], $6::bytea[], $7::bytea[], $8::bytea[]) WITH ORDINALITY AS u (t, k, x, d, n)
), r AS (
	INSERT INTO botctl_replies (conversation, key, status, body)
	SELECT $1, $9, $10, $11 FROM c WHERE $9::bytea IS NOT NULL
	ON CONFLICT (conversation, key) DO UPDATE SET status = excluded.status, body = excluded.body
)
SELECT ` + pgRecordCols + ` FROM c`

// Commit implements Store.
func (p *Postgres) Commit(ctx context.Context, id string, version int64, u Update) (Record, error) {
	state, msgs, reply := u.State, u.Msgs, u.Reply
	if err := checkReply(reply); err != nil {
		return Record{}, err
	}
	var (
		user, owner []byte
		tags        [][]byte
		due         *int64
	)
	if u.Meta != nil {
		meta, err := checkMeta(*u.Meta)
		if err != nil {
			return Record{}, err
		}
		user, owner, tags = pgMeta(meta)
		due = pgDue(meta)
	}
	if err := p.check(ctx); err != nil {
		return Record{}, err
	}
	now := stamp(p.cfg.now())
	added, err := prepare(msgs, 0, now)
	if err != nil {
		return Record{}, err
	}
	if state, err = compactState(state); err != nil {
		return Record{}, err
	}
	m := newPgMsgs(added)
	var (
		replyKey, replyBody []byte
		status              int32
	)
	if reply != nil {
		replyKey, replyBody, status = []byte(reply.Key), reply.Body, int32(reply.Status)
		if replyBody == nil {
			replyBody = []byte{}
		}
	}
	rec := Record{ID: id}
	row := p.pool.QueryRow(ctx, pgCommit, []byte(id), version, now.UnixNano(), []byte(state),
		m.times, m.kinds, m.text, m.data, replyKey, status, replyBody, user, owner, tags, due)
	err = scanRecord(row, &rec)
	if errors.Is(err, pgx.ErrNoRows) {
		return Record{}, p.missing(ctx, id)
	}
	if err != nil {
		return Record{}, p.err(err)
	}
	if state != nil {
		rec.State = state
	}
	return rec, nil
}

// missing tells why a commit updated no row: ErrNotFound or ErrConflict.
// A conversation deleted since the commit is ErrNotFound, which is what a
// retry would get; one deleted and created again under its id in between
// is ErrConflict, and the retry reads the new one.
func (p *Postgres) missing(ctx context.Context, id string) error {
	var one int
	err := p.pool.QueryRow(ctx, `SELECT 1 FROM botctl_conversations WHERE id = $1`, []byte(id)).Scan(&one)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return p.err(err)
	}
	return ErrConflict
}

// Messages implements Store. One query, so that a conversation without
// the messages asked for (one row of NULLs) is told from none (no row).
func (p *Postgres) Messages(ctx context.Context, id string, after int64, limit int) ([]Message, error) {
	if err := p.check(ctx); err != nil {
		return nil, err
	}
	var lim *int64
	if limit > 0 {
		l := int64(limit)
		lim = &l
	}
	rows, err := p.pool.Query(ctx, `
SELECT m.seq, m.time_ns, m.kind, m.text, m.data
FROM botctl_conversations c LEFT JOIN LATERAL (
	SELECT seq, time_ns, kind, text, data FROM botctl_messages
	WHERE conversation = c.id AND seq > $2 ORDER BY seq LIMIT $3
) m ON true
WHERE c.id = $1
ORDER BY m.seq`, []byte(id), max(after, 0), lim)
	if err != nil {
		return nil, p.err(err)
	}
	defer rows.Close()
	found := false
	var out []Message
	for rows.Next() {
		found = true
		var (
			seq, t     *int64
			kind, text []byte
			data       []byte
		)
		if err := rows.Scan(&seq, &t, &kind, &text, &data); err != nil {
			return nil, p.err(err)
		}
		if seq == nil {
			continue // the conversation has no such messages
		}
		out = append(out, Message{Seq: *seq, Time: time.Unix(0, *t).UTC(), Kind: string(kind), Text: string(text), Data: rawOrNilBytes(data)})
	}
	if err := rows.Err(); err != nil {
		return nil, p.err(err)
	}
	if !found {
		return nil, ErrNotFound
	}
	return out, nil
}

// Reply implements Store.
func (p *Postgres) Reply(ctx context.Context, id, key string) (Reply, bool, error) {
	if err := p.check(ctx); err != nil {
		return Reply{}, false, err
	}
	var (
		status *int32
		body   []byte
	)
	err := p.pool.QueryRow(ctx, `
SELECT r.status, r.body
FROM botctl_conversations c LEFT JOIN botctl_replies r ON r.conversation = c.id AND r.key = $2
WHERE c.id = $1`, []byte(id), []byte(key)).Scan(&status, &body)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Reply{}, false, ErrNotFound
	case err != nil:
		return Reply{}, false, p.err(err)
	case status == nil:
		return Reply{}, false, nil
	}
	if len(body) == 0 {
		body = nil
	}
	return Reply{Key: key, Status: int(*status), Body: body}, true, nil
}

// Ping implements Pinger: the database answers on a pooled connection.
func (p *Postgres) Ping(ctx context.Context) error {
	if err := p.check(ctx); err != nil {
		return err
	}
	if err := p.pool.Ping(ctx); err != nil {
		return p.err(err)
	}
	return nil
}

// Close closes the connections, once the calls under way are done.
func (p *Postgres) Close() error {
	if !p.closed.Swap(true) {
		p.pool.Close()
	}
	return nil
}
