package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/internal/limits"
	"github.com/botctl/botctl/engine/store/internal/wal"
)

// DefaultFilePath is where `botctl serve` keeps its database when
// --store is not given: relative to the working directory.
const DefaultFilePath = "botctl-data/botctl.db"

// DefaultTTL is how long Redis keeps a conversation nobody has written to.
const DefaultTTL = 7 * 24 * time.Hour

// Option configures a store; an option that does not concern a store
// (WithTTL for File, say) is ignored by it.
type Option func(*config)

type config struct {
	now         func() time.Time
	lockTimeout time.Duration
	maxBatch    int
	ttl         time.Duration
	prefix      string
	dialTimeout time.Duration
	applyEvery  time.Duration // File: see applyEvery
	applyBytes  int64         // File: see applyBytes
	logLimit    int64         // File: see logBackpressure
	failApply   func() error  // File, tests: fails applies while it does
	logFS       wal.FS        // File, tests: the log's file system (nil: wal.OS)
	compactMin  int64         // File: see compactMin
}

func newConfig(opts []Option) config {
	c := config{
		now:         time.Now,
		lockTimeout: time.Second,
		maxBatch:    256,
		ttl:         DefaultTTL,
		prefix:      "botctl",
		dialTimeout: 5 * time.Second,
		applyEvery:  applyEvery,
		applyBytes:  applyBytes,
		logLimit:    logBackpressure,
		compactMin:  compactMin,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithClock sets the clock that stamps Created, Updated and messages
// without a Time (tests use a fixed one). The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithLockTimeout sets how long OpenFile waits for another process to
// release the database file before it gives up (default 1s).
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) { c.lockTimeout = d }
}

// WithMaxBatch caps how many commits File groups into one transaction
// and one fsync (default 256).
func WithMaxBatch(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBatch = n
		}
	}
}

// WithTTL sets the idle TTL of Redis conversations: a conversation that
// is not written to for d disappears. 0 keeps conversations forever.
// The default is DefaultTTL.
func WithTTL(d time.Duration) Option {
	return func(c *config) { c.ttl = max(d, 0) }
}

// WithPrefix sets the first part of every Redis key (default "botctl"),
// so several deployments can share one Redis database.
func WithPrefix(p string) Option {
	return func(c *config) { c.prefix = p }
}

// WithDialTimeout bounds how long OpenRedis waits for Redis to answer
// its first PING, and OpenPostgres for PostgreSQL to answer and its
// tables to be set up (default 5s).
func WithDialTimeout(d time.Duration) Option {
	return func(c *config) { c.dialTimeout = d }
}

// Open opens the store a --store value names: "memory", "file:PATH"
// ("file" alone: DefaultFilePath), a redis:// or rediss:// URL, or a
// postgres:// or postgresql:// URL.
func Open(spec string, opts ...Option) (Store, error) {
	switch {
	case spec == "memory":
		return NewMemory(opts...), nil
	case spec == "file":
		return OpenFile(DefaultFilePath, opts...)
	case strings.HasPrefix(spec, "file:"):
		path := strings.TrimPrefix(spec, "file:")
		if path == "" {
			return nil, errors.New(`store: "file:" needs a path, e.g. file:./botctl-data/botctl.db`)
		}
		return OpenFile(path, opts...)
	case IsRedis(spec):
		return OpenRedis(spec, opts...)
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		return OpenPostgres(spec, opts...)
	}
	return nil, fmt.Errorf("store: unknown store %q: use memory, file:PATH, redis://HOST:PORT/DB or postgres://USER:PASSWORD@HOST:PORT/DATABASE", Redact(spec))
}

// IsRedis reports whether a --store value names a Redis server.
func IsRedis(spec string) bool {
	return strings.HasPrefix(spec, "redis://") || strings.HasPrefix(spec, "rediss://")
}

// checkID refuses ids no backend can key reliably.
func checkID(id string) error {
	if id == "" {
		return errors.New("store: empty conversation id")
	}
	return nil
}

func checkReply(r *Reply) error {
	if r != nil && r.Key == "" {
		return errors.New("store: a reply needs its idempotency key")
	}
	return nil
}

// stamp normalises a time the way every backend stores it: UTC, no
// monotonic reading, so a Record compares equal after a round trip.
func stamp(t time.Time) time.Time {
	return t.UTC().Round(0)
}

// prepare copies msgs, numbering them after last and giving a zero Time
// the commit time.
func prepare(msgs []Message, last int64, now time.Time) ([]Message, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	out := make([]Message, len(msgs))
	for i, m := range msgs {
		m.Seq = last + int64(i) + 1
		if m.Time.IsZero() {
			m.Time = now
		} else {
			m.Time = stamp(m.Time)
		}
		var err error
		if m.Data, err = compact(m.Data); err != nil {
			return nil, fmt.Errorf("store: message %d: data: %w", i+1, err)
		}
		out[i] = m
	}
	return out, nil
}

// compact returns a compacted copy of a JSON value (nil for nil), so every
// backend hands back the same bytes whatever it does with them on the way.
func compact(b json.RawMessage) (json.RawMessage, error) {
	if b == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	buf.Grow(len(b))
	if err := json.Compact(&buf, b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// compactState is compact for a state, with the error a caller gets. Every
// store refuses a state larger than limits.MaxState, the size the compiler
// holds a bot's initial variables to, so that no backend takes a state
// another would refuse.
func compactState(b json.RawMessage) (json.RawMessage, error) {
	out, err := compact(b)
	if err != nil {
		return nil, fmt.Errorf("store: state is not JSON: %w", err)
	}
	if len(out) > limits.MaxState {
		return nil, fmt.Errorf("store: state too large: %d bytes (at most %d MiB)", len(out), limits.MaxState>>20)
	}
	return out, nil
}

// marshal is json.Marshal without HTML escaping, so JSON values inside
// (states, message data) keep their bytes.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func cloneRaw(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(nil), b...)
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
