package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/store/redistest"
	"github.com/botctl/botctl/engine/store/storetest"
)

func openRedis(tb testing.TB, url string, opts ...store.Option) *store.Redis {
	tb.Helper()
	r, err := store.OpenRedis(url, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// TestRedis runs the suite on one redis-server, each store under its own
// key prefix.
func TestRedis(t *testing.T) {
	srv := redistest.Start(t)
	var (
		n        atomic.Int64
		mu       sync.Mutex
		prefixes = map[store.Store]string{}
	)
	storetest.Run(t,
		func(tb testing.TB) store.Store {
			p := fmt.Sprintf("t%d", n.Add(1))
			r := openRedis(tb, srv.URL(0), store.WithPrefix(p))
			mu.Lock()
			prefixes[r] = p
			mu.Unlock()
			return r
		},
		storetest.Reopen(func(tb testing.TB, s store.Store) store.Store {
			mu.Lock()
			p := prefixes[s]
			mu.Unlock()
			if err := s.Close(); err != nil {
				tb.Fatal(err)
			}
			return openRedis(tb, srv.URL(0), store.WithPrefix(p))
		}))
}

// raw is a plain client to look at the keys the store writes.
func raw(t *testing.T, srv *redistest.Server, db int) *redis.Client {
	t.Helper()
	o, err := redis.ParseURL(srv.URL(db))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRedisKeysAndTTL(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	r := openRedis(t, srv.URL(3))
	defer r.Close()
	if r.TTL() != 7*24*time.Hour {
		t.Errorf("default TTL = %v, want 168h", r.TTL())
	}
	c := raw(t, srv, 3)

	if err := r.Create(ctx, store.Record{ID: "c1", Bot: "acme", State: json.RawMessage(`{}`), Meta: store.Meta{User: "u1", Owner: "bot", Tags: []string{"vip"}}}, []store.Message{{Kind: "bot", Text: "hi"}}); err != nil {
		t.Fatal(err)
	}
	rec, err := r.Commit(ctx, "c1", 1, store.Update{Msgs: []store.Message{{Kind: "user", Text: "yo"}}, Reply: &store.Reply{Key: "k", Status: 200}})
	if err != nil {
		t.Fatal(err)
	}
	all, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := "botctl:bot:{acme}:convs botctl:conv:{c1} botctl:conv:{c1}:msgs botctl:conv:{c1}:replies botctl:convs botctl:indexed botctl:user:{u1}:convs"
	if got := strings.Join(sortStrings(all), " "); got != want {
		t.Errorf("keys in db 3: %s, want %s", got, want)
	}
	// The database in the URL is the one used.
	if n, err := raw(t, srv, 0).DBSize(ctx).Result(); err != nil || n != 0 {
		t.Errorf("db 0 holds %d keys (%v), want 0", n, err)
	}
	if f, _ := c.HGetAll(ctx, "botctl:conv:{c1}").Result(); f["user"] != "u1" || f["owner"] != "bot" || f["tags"] != `["vip"]` {
		t.Errorf("record fields %q, want user u1, owner bot, tags [\"vip\"]", f)
	}
	// Each index scores the conversation by its Updated in microseconds.
	us := float64(rec.Updated.UnixMicro())
	for k, member := range map[string]string{"botctl:convs": "c1\x00\x00acme\x00\x00u1", "botctl:bot:{acme}:convs": "c1", "botctl:user:{u1}:convs": "c1"} {
		if zs, err := c.ZRangeWithScores(ctx, k, 0, -1).Result(); err != nil || len(zs) != 1 || zs[0].Member != member || zs[0].Score != us {
			t.Errorf("%s = %v, %v; want %q scored %.0f", k, zs, err, member, us)
		}
		// Indexes have no TTL: they go with their last entry.
		if ttl, _ := c.PTTL(ctx, k).Result(); ttl != -1 {
			t.Errorf("PTTL %s = %v, want -1 (no expiry)", k, ttl)
		}
	}
	keys := []string{"botctl:conv:{c1}", "botctl:conv:{c1}:msgs", "botctl:conv:{c1}:replies"}
	for _, k := range keys {
		ttl, err := c.PTTL(ctx, k).Result()
		if err != nil || ttl < 7*24*time.Hour-time.Minute || ttl > 7*24*time.Hour {
			t.Errorf("PTTL %s = %v, %v; want about 168h", k, ttl, err)
		}
	}

	// A shorter TTL applies from the next write; 0 keeps keys forever.
	r.SetTTL(time.Hour)
	if _, err := r.Commit(ctx, "c1", 2, store.Update{}); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if ttl, _ := c.PTTL(ctx, k).Result(); ttl > time.Hour || ttl < time.Hour-time.Minute {
			t.Errorf("PTTL %s after SetTTL(1h) and a commit = %v", k, ttl)
		}
	}
	r.SetTTL(0)
	if _, err := r.Commit(ctx, "c1", 3, store.Update{}); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if ttl, _ := c.PTTL(ctx, k).Result(); ttl != -1 {
			t.Errorf("PTTL %s after SetTTL(0) and a commit = %v, want -1 (no expiry)", k, ttl)
		}
	}

	// Delete leaves nothing behind, indexes included (botctl:indexed is
	// the database's, not the conversation's).
	if err := r.Delete(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if left, _ := c.Keys(ctx, "*").Result(); len(left) != 1 || left[0] != "botctl:indexed" {
		t.Errorf("keys left after Delete: %q", left)
	}
}

func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestRedisExpires(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	r := openRedis(t, srv.URL(0), store.WithTTL(time.Second))
	defer r.Close()
	if err := r.Create(ctx, store.Record{ID: "idle"}, []store.Message{{Kind: "bot", Text: "hi"}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Create(ctx, store.Record{ID: "busy"}, nil); err != nil {
		t.Fatal(err)
	}
	// Writing to "busy" every 100ms keeps it; "idle" goes after 1s.
	// Reading "idle" does not keep it.
	for v := int64(1); v <= 15; v++ {
		time.Sleep(100 * time.Millisecond)
		if _, err := r.Commit(ctx, "busy", v, store.Update{Msgs: []store.Message{{Kind: "user", Text: "x"}}}); err != nil {
			t.Fatalf("commit %d: %v", v, err)
		}
		r.Get(ctx, "idle")
	}
	if _, err := r.Get(ctx, "idle"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(idle) after its TTL: %v, want ErrNotFound", err)
	}
	if _, err := r.Messages(ctx, "idle", 0, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Messages(idle) after its TTL: %v, want ErrNotFound", err)
	}
	if rec, err := r.Get(ctx, "busy"); err != nil || rec.Version != 16 {
		t.Errorf("Get(busy) = %+v, %v", rec, err)
	}
	// An expired id can be created afresh.
	if err := r.Create(ctx, store.Record{ID: "idle"}, nil); err != nil {
		t.Errorf("Create(idle) again: %v", err)
	}
	if msgs, err := r.Messages(ctx, "idle", 0, 0); err != nil || len(msgs) != 0 {
		t.Errorf("Messages of the new idle = %v, %v; want none", msgs, err)
	}
}

// TestRedisTwoClients is the scale-out shape: two stores (two replicas)
// on one Redis see each other's writes and race through ErrConflict.
func TestRedisTwoClients(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a := openRedis(t, srv.URL(0))
	defer a.Close()
	b := openRedis(t, srv.URL(0))
	defer b.Close()
	if err := a.Create(ctx, store.Record{ID: "c", Bot: "acme"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Create(ctx, store.Record{ID: "c"}, nil); !errors.Is(err, store.ErrExists) {
		t.Errorf("Create on the other replica: %v, want ErrExists", err)
	}
	if _, err := b.Commit(ctx, "c", 1, store.Update{State: json.RawMessage(`{"by":"b"}`), Msgs: []store.Message{{Kind: "user", Text: "b"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Commit(ctx, "c", 1, store.Update{State: json.RawMessage(`{"by":"a"}`)}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale commit on the other replica: %v, want ErrConflict", err)
	}
	rec, err := a.Get(ctx, "c")
	if err != nil || rec.Version != 2 || string(rec.State) != `{"by":"b"}` || rec.Bot != "acme" {
		t.Errorf("Get on a = %+v, %v", rec, err)
	}
}

// TestRedisDown: while Redis is unreachable every call fails with an
// error (never a wrong answer), and the store recovers by itself when
// Redis is back.
func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	var logs syncBuffer
	store.LogRedisTo(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})))
	defer store.LogRedisTo(slog.Default())
	r := openRedis(t, srv.URL(0))
	defer r.Close()
	if err := r.Create(ctx, store.Record{ID: "c"}, nil); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	start := time.Now()
	_, err := r.Get(ctx, "c")
	t.Logf("Get with Redis down failed after %v: %v", time.Since(start), err)
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if err := r.Ping(short); err == nil || !strings.HasPrefix(err.Error(), "store: redis: ") {
		t.Errorf("Ping with Redis down: %v", err)
	}
	if _, err := r.Get(short, "c"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get with Redis down: %v, want a connection error", err)
	}
	if _, err := r.Commit(short, "c", 1, store.Update{}); err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Commit with Redis down: %v, want a connection error", err)
	}

	wantLog := `level=WARN msg="connection pool: failed to dial after 5 attempts: dial tcp ` + srv.Addr + `: connect: connection refused" component=redis`
	if !strings.Contains(logs.String(), wantLog) {
		t.Errorf("the client's log lines went to:\n%s\nwant a line %s", logs.String(), wantLog)
	}

	srv.Restart() // empty: nothing was persisted
	if err := r.Ping(ctx); err != nil {
		t.Errorf("Ping after restart: %v", err)
	}
	if _, err := r.Get(ctx, "c"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get after restart: %v, want ErrNotFound", err)
	}
	if err := r.Create(ctx, store.Record{ID: "c"}, nil); err != nil {
		t.Errorf("Create after restart: %v", err)
	}

	// Opening fails fast, naming the address, when nothing listens.
	srv.Stop()
	_, err = store.OpenRedis(srv.URL(2), store.WithDialTimeout(500*time.Millisecond))
	want := "store: redis at " + srv.Addr + " (db 2) does not answer: "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("OpenRedis with nothing listening: %v, want %q...", err, want)
	}
}

func TestRedisBadURL(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"redis://:secret@localhost:1/x", `store: redis URL "redis://xxxxx@localhost:1/x": redis: invalid database number: "x" (want redis://HOST:PORT/DB)`},
		{"http://localhost", `store: redis URL "http://localhost": redis: invalid URL scheme: http (want redis://HOST:PORT/DB)`},
	} {
		_, err := store.OpenRedis(c.url)
		if err == nil || err.Error() != c.want {
			t.Errorf("OpenRedis(%q):\n got %v\nwant %s", c.url, err, c.want)
		}
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
