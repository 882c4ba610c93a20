package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/store/pgtest"
	"github.com/botctl/botctl/engine/store/storetest"
)

func pgConnect(tb testing.TB, url string) *pgx.Conn {
	tb.Helper()
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func pgExec(tb testing.TB, c *pgx.Conn, sql string, args ...any) {
	tb.Helper()
	if _, err := c.Exec(context.Background(), sql, args...); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

func listIDs(tb testing.TB, s store.Store, q store.Query) []string {
	tb.Helper()
	p, err := s.List(context.Background(), q)
	if err != nil {
		tb.Fatalf("List(%+v): %v", q, err)
	}
	var ids []string
	for _, r := range p.Records {
		ids = append(ids, r.ID)
	}
	return ids
}

// TestPostgresMigrateFromVersion1: the conversations of a database that a
// botctl of schema version 1 (before Meta) wrote are readable after the
// upgrade, with an empty Meta, listable, and take a Meta from then on.
func TestPostgresMigrateFromVersion1(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	ctx := context.Background()
	if err := store.MigratePostgres(ctx, url, 1); err != nil {
		t.Fatal(err)
	}
	c := pgConnect(t, url)
	// As the botctl of version 1 wrote them.
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, id := range []string{"old-a", "old-b"} {
		pgExec(t, c, `INSERT INTO botctl_conversations (id, bot, version, state, created_ns, updated_ns, last_seq) VALUES ($1, 'acme', 2, '{"n":1}', $2, $3, 1)`,
			[]byte(id), t0.UnixNano(), t0.Add(time.Duration(i)*time.Second).UnixNano())
		pgExec(t, c, `INSERT INTO botctl_messages (conversation, seq, time_ns, kind, text) VALUES ($1, 1, $2, 'bot', 'hi')`, []byte(id), t0.UnixNano())
		pgExec(t, c, `INSERT INTO botctl_replies (conversation, key, status, body) VALUES ($1, 'k', 200, 'ok')`, []byte(id))
	}

	p := openPostgres(t, url)
	defer p.Close()
	rec, err := p.Get(ctx, "old-a")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Bot != "acme" || rec.Version != 2 || string(rec.State) != `{"n":1}` || rec.LastSeq != 1 || !rec.Created.Equal(t0) ||
		rec.User != "" || rec.Owner != "" || rec.Tags != nil {
		t.Errorf("Get of a conversation of schema version 1: %+v", rec)
	}
	if msgs, err := p.Messages(ctx, "old-a", 0, 0); err != nil || len(msgs) != 1 || msgs[0].Text != "hi" {
		t.Errorf("Messages of a conversation of schema version 1: %+v, %v", msgs, err)
	}
	if r, ok, err := p.Reply(ctx, "old-a", "k"); err != nil || !ok || string(r.Body) != "ok" {
		t.Errorf("Reply of a conversation of schema version 1: %+v, %v, %v", r, ok, err)
	}
	if got := listIDs(t, p, store.Query{}); !slices.Equal(got, []string{"old-b", "old-a"}) {
		t.Errorf("List after the migration: %q, want old-b old-a", got)
	}
	if got := listIDs(t, p, store.Query{Bot: "acme", Limit: 1}); !slices.Equal(got, []string{"old-b"}) {
		t.Errorf("List by bot after the migration: %q, want old-b", got)
	}
	if _, err := p.Commit(ctx, "old-a", 2, store.Update{Meta: &store.Meta{User: "u", Tags: []string{"vip"}}}); err != nil {
		t.Fatal(err)
	}
	if got := listIDs(t, p, store.Query{User: "u", Tag: "vip"}); !slices.Equal(got, []string{"old-a"}) {
		t.Errorf("List by the Meta given after the migration: %q, want old-a", got)
	}
	if err := p.Delete(ctx, "old-b"); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM botctl_messages WHERE conversation = 'old-b'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("messages left after deleting a conversation of schema version 1: %d, %v", left, err)
	}

	rows, _ := c.Query(ctx, `SELECT indexname FROM pg_indexes WHERE tablename = 'botctl_conversations' ORDER BY indexname`)
	idx, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := "botctl_conversations_bot botctl_conversations_due botctl_conversations_pkey botctl_conversations_updated botctl_conversations_user"
	if strings.Join(idx, " ") != want {
		t.Errorf("indexes after the migration: %s, want %s", strings.Join(idx, " "), want)
	}
}

// TestPostgresTwoReplicasAdmin: what one replica erases or changes, the
// other lists and reads at once.
func TestPostgresTwoReplicasAdmin(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	ctx := context.Background()
	a := openPostgres(t, url)
	defer a.Close()
	b := openPostgres(t, url)
	defer b.Close()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, id := range []string{"c1", "c2", "c3"} {
		if err := a.Create(ctx, store.Record{ID: id, Bot: "acme", Created: t0.Add(time.Duration(i) * time.Second), Meta: store.Meta{User: "u"}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got := listIDs(t, b, store.Query{User: "u"}); !slices.Equal(got, []string{"c3", "c2", "c1"}) {
		t.Errorf("List on b of a's conversations: %q", got)
	}
	if err := b.Delete(ctx, "c2"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get(ctx, "c2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get on a of a conversation b deleted: %v, want ErrNotFound", err)
	}
	if _, err := a.Commit(ctx, "c2", 1, store.Update{Msgs: []store.Message{{Kind: "user", Text: "x"}}}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Commit on a to a conversation b deleted: %v, want ErrNotFound", err)
	}
	if err := a.Delete(ctx, "c2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete on a of a conversation b deleted: %v, want ErrNotFound", err)
	}
	if got := listIDs(t, a, store.Query{User: "u"}); !slices.Equal(got, []string{"c3", "c1"}) {
		t.Errorf("List on a after b deleted c2: %q", got)
	}
	if _, err := b.Commit(ctx, "c1", 1, store.Update{Meta: &store.Meta{User: "u", Owner: "agent", Tags: []string{"handoff"}}}); err != nil {
		t.Fatal(err)
	}
	if got := listIDs(t, a, store.Query{Tag: "handoff", Owner: "agent"}); !slices.Equal(got, []string{"c1"}) {
		t.Errorf("List on a by the Meta b committed: %q", got)
	}
	if got, err := a.Expire(ctx, t0.Add(time.Hour), 10); err != nil || !slices.Equal(got, []string{"c3"}) {
		t.Errorf("Expire on a: %q, %v; want c3 (c1 was committed to just now)", got, err)
	}
	if _, err := b.Get(ctx, "c3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get on b of a conversation a expired: %v, want ErrNotFound", err)
	}
}

// TestPostgresExpireReplicas: replicas sweeping at once erase every old
// conversation once, each batch oldest first, and a sweep passes over a
// conversation another transaction holds instead of waiting for it.
func TestPostgresExpireReplicas(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	ctx := context.Background()
	a := openPostgres(t, url)
	defer a.Close()
	b := openPostgres(t, url)
	defer b.Close()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const old = 300
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < old; i += 4 {
				if err := a.Create(ctx, store.Record{ID: fmt.Sprintf("c%03d", i), Bot: "acme", Created: t0.Add(time.Duration(i) * time.Second)}, nil); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := a.Create(ctx, store.Record{ID: "new", Bot: "acme"}, nil); err != nil {
		t.Fatal(err)
	}

	// A transaction holds the oldest: sweeps must neither wait for it
	// nor erase it.
	c := pgConnect(t, url)
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM botctl_conversations WHERE id = 'c000' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}

	var (
		mu   sync.Mutex
		seen = map[string]int{}
	)
	sweepCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for _, s := range []*store.Postgres{a, b, a, b} {
		wg.Go(func() {
			for {
				ids, err := s.Expire(sweepCtx, t0.Add(time.Hour), 7)
				if err != nil {
					t.Errorf("Expire: %v", err)
					return
				}
				if !slices.IsSorted(ids) {
					t.Errorf("Expire returned %q, not oldest first", ids)
				}
				mu.Lock()
				for _, id := range ids {
					seen[id]++
				}
				mu.Unlock()
				if len(ids) < 7 {
					return
				}
			}
		})
	}
	wg.Wait()
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s erased by %d sweeps, want 1", id, n)
		}
	}
	if len(seen) != old-1 || seen["c000"] != 0 {
		t.Errorf("the sweeps erased %d conversations (c000 %d times), want the %d old ones but the one held", len(seen), seen["c000"], old-1)
	}
	if got := listIDs(t, b, store.Query{}); !slices.Equal(got, []string{"new", "c000"}) {
		t.Errorf("List after the sweeps: %q, want new and the held c000", got)
	}
	if got, err := b.Expire(ctx, t0.Add(time.Hour), 7); err != nil || !slices.Equal(got, []string{"c000"}) {
		t.Errorf("Expire once c000 is released: %q, %v", got, err)
	}
}

// fillList stores n conversations straight into the tables, as a server
// with that many would hold them: two busy bots and a rare one (one in
// 100), a hundred users, one in five with an agent, one in twenty tagged
// handoff, one second apart. Then it updates the planner's statistics,
// as autovacuum would.
func fillList(tb testing.TB, url string, n int) {
	tb.Helper()
	c := pgConnect(tb, url)
	pgExec(tb, c, `
INSERT INTO botctl_conversations (id, bot, version, state, created_ns, updated_ns, last_seq, user_id, owner, tags)
SELECT convert_to('c' || lpad(i::text, 6, '0'), 'UTF8'), convert_to(CASE WHEN i % 100 = 0 THEN 'rare' ELSE 'bot' || i % 2 END, 'UTF8'), 1, $1,
	$2::bigint + i::bigint * 1000000000, $2::bigint + i::bigint * 1000000000, 0, convert_to('u' || i % 100, 'UTF8'),
	CASE WHEN i % 5 = 0 THEN 'agent'::bytea ELSE 'bot'::bytea END,
	CASE WHEN i % 20 = 0 THEN ARRAY['handoff'::bytea] ELSE '{}' END
FROM generate_series(1, $3::int) AS i`, []byte(storetest.State), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano(), n)
	pgExec(tb, c, `ANALYZE botctl_conversations`)
}

// TestPostgresListPlans checks with EXPLAIN that List and Expire walk the
// index that fits, with no sort and without reading the state, with the
// plan for the query's values and with the generic plan a prepared
// statement may switch to.
func TestPostgresListPlans(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	openPostgres(t, url).Close()
	fillList(t, url, 10_000)
	ctx := context.Background()
	c := pgConnect(t, url)
	cursor := func(q store.Query) string {
		p := openPostgres(t, url)
		defer p.Close()
		page, err := p.List(ctx, q)
		if err != nil || page.Next == "" {
			t.Fatalf("List(%+v): no next page: %v", q, err)
		}
		return page.Next
	}
	type plan struct {
		what, sql string
		args      []any
		index     string
		sorts     int // how many Sort nodes the plan may have
	}
	var plans []plan
	for _, lc := range []struct {
		what  string
		q     store.Query
		index string
		// The conversations of a user are few: the planner may sort
		// those it finds by a further filter.
		sorts int
	}{
		{"default", store.Query{}, "botctl_conversations_updated", 0},
		{"second page", store.Query{Cursor: cursor(store.Query{})}, "botctl_conversations_updated", 0},
		{"updated since", store.Query{UpdatedSince: time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)}, "botctl_conversations_updated", 0},
		{"owner", store.Query{Owner: "agent"}, "botctl_conversations_updated", 0},
		{"tag", store.Query{Tag: "handoff"}, "botctl_conversations_updated", 0},
		{"user", store.Query{User: "u7"}, "botctl_conversations_user", 0},
		{"user, second page", store.Query{User: "u7", Limit: 20, Cursor: cursor(store.Query{User: "u7", Limit: 20})}, "botctl_conversations_user", 0},
		{"user and tag", store.Query{User: "u20", Tag: "handoff"}, "botctl_conversations_user", 1},
		// A busy bot's are found walking them all; a rare one's, by bot.
		{"busy bot", store.Query{Bot: "bot1"}, "botctl_conversations_updated", 0},
		{"rare bot", store.Query{Bot: "rare"}, "botctl_conversations_bot", 0},
	} {
		sql, args, err := store.PostgresListSQL(lc.q)
		if err != nil {
			t.Fatal(err)
		}
		plans = append(plans, plan{"List by " + lc.what, sql, args, lc.index, lc.sorts})
	}
	// Expire sorts what it erased, at most its limit, to return it.
	plans = append(plans, plan{"Expire", store.PostgresExpireSQL, []any{time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC).UnixNano(), int64(100)}, "botctl_conversations_updated", 1})

	for _, mode := range []string{"auto", "force_generic_plan"} {
		pgExec(t, c, `SET plan_cache_mode = `+mode)
		for _, p := range plans {
			var out []byte
			// EXPLAIN of a DELETE runs nothing without ANALYZE.
			if err := c.QueryRow(ctx, `EXPLAIN (VERBOSE, FORMAT JSON) `+p.sql, p.args...).Scan(&out); err != nil {
				t.Fatalf("%s: EXPLAIN: %v", p.what, err)
			}
			var top []struct{ Plan pgPlan }
			if err := json.Unmarshal(out, &top); err != nil {
				t.Fatal(err)
			}
			used, sorts := false, 0
			for n := range top[0].Plan.all {
				switch {
				case n.Index == p.index:
					used = true
				case strings.HasSuffix(n.Type, "Sort"): // Incremental Sort too
					sorts++
				case n.Type == "Seq Scan":
					t.Errorf("%s (%s): the plan reads the whole table:\n%s", p.what, mode, out)
				}
				for _, col := range n.Output {
					if strings.Contains(col, "state") {
						t.Errorf("%s (%s): the plan reads the state (%s)", p.what, mode, col)
					}
				}
			}
			if sorts > p.sorts {
				t.Errorf("%s (%s): the plan sorts, it should walk %s in order:\n%s", p.what, mode, p.index, out)
			}
			if !used {
				t.Errorf("%s (%s): the plan does not use %s:\n%s", p.what, mode, p.index, out)
			}
		}
	}
}

// pgPlan is a node of EXPLAIN (FORMAT JSON), as far as the tests read it.
type pgPlan struct {
	Type   string   `json:"Node Type"`
	Index  string   `json:"Index Name"`
	Output []string `json:"Output"`
	Plans  []pgPlan `json:"Plans"`
}

// all yields the node and those under it.
func (n pgPlan) all(yield func(pgPlan) bool) {
	n.walk(yield)
}

func (n pgPlan) walk(yield func(pgPlan) bool) bool {
	if !yield(n) {
		return false
	}
	for _, k := range n.Plans {
		if !k.walk(yield) {
			return false
		}
	}
	return true
}

// BenchmarkPostgresList lists pages of 50 out of 10,000 conversations.
func BenchmarkPostgresList(b *testing.B) {
	srv := pgtest.Start(b)
	url := srv.NewDatabase(b)
	openPostgres(b, url).Close()
	fillList(b, url, 10_000)
	p := openPostgres(b, url)
	defer p.Close()
	ctx := context.Background()
	deep := store.Query{}
	for range 100 {
		page, err := p.List(ctx, deep)
		if err != nil {
			b.Fatal(err)
		}
		deep.Cursor = page.Next
	}
	for _, c := range []struct {
		name string
		q    store.Query
	}{
		{"Newest", store.Query{}},
		{"Page100", deep},
		{"User", store.Query{User: "u7"}},
		{"BusyBot", store.Query{Bot: "bot1"}},
		{"RareBot", store.Query{Bot: "rare"}},
		{"Tag", store.Query{Tag: "handoff"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				page, err := p.List(ctx, c.q)
				if err != nil {
					b.Fatal(err)
				}
				if len(page.Records) == 0 {
					b.Fatal("an empty page")
				}
			}
		})
	}
}
