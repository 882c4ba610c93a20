package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/store/redistest"
	"github.com/botctl/botctl/engine/store/storetest"
)

func listAllIDs(t *testing.T, s store.Store, q store.Query) []string {
	t.Helper()
	var ids []string
	for {
		p, err := s.List(context.Background(), q)
		if err != nil {
			t.Fatalf("List(%+v): %v", q, err)
		}
		for _, r := range p.Records {
			ids = append(ids, r.ID)
		}
		if p.Next == "" {
			return ids
		}
		q.Cursor = p.Next
	}
}

func wantIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// TestRedisIndexAfterTTL: Redis drops a conversation whose TTL ran out
// but not its index entries. List skips them (and tidies the index it
// walked), Expire clears them all and counts them as erased, and neither
// touches a conversation created again under the same id.
func TestRedisIndexAfterTTL(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	c := raw(t, srv, 0)
	r := openRedis(t, srv.URL(0), store.WithTTL(200*time.Millisecond))
	defer r.Close()
	old := time.Now().Add(-time.Hour)
	for _, conv := range []struct{ id, bot, user string }{{"gone1", "acme", "u1"}, {"gone2", "shop", "u2"}} {
		if err := r.Create(ctx, store.Record{ID: conv.id, Bot: conv.bot, Created: old, Meta: store.Meta{User: conv.user}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	r.SetTTL(0)
	if err := r.Create(ctx, store.Record{ID: "kept", Bot: "acme", Created: old.Add(time.Second), Meta: store.Meta{User: "u1"}}, nil); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		n, err := c.Exists(ctx, "botctl:conv:{gone1}", "botctl:conv:{gone2}").Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the conversations with a TTL did not expire")
		}
	}

	wantIDs(t, "List", listAllIDs(t, r, store.Query{}), "kept")
	wantIDs(t, "List by bot", listAllIDs(t, r, store.Query{Bot: "acme"}), "kept")
	wantIDs(t, "List by user", listAllIDs(t, r, store.Query{User: "u2"}))
	if n, _ := c.Exists(ctx, "botctl:user:{u2}:convs").Result(); n != 0 {
		t.Error("List by user u2 left the user's index with an expired entry")
	}

	// gone1 is created again, for another bot and user: the entries of the
	// old one are stale, the new one's are not.
	if err := r.Create(ctx, store.Record{ID: "gone1", Bot: "shop", Meta: store.Meta{User: "u3"}}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := r.Expire(ctx, old.Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "Expire", got, "gone2", "kept")
	if _, err := r.Get(ctx, "gone1"); err != nil {
		t.Errorf("Expire erased the conversation created again: %v", err)
	}
	for key, want := range map[string][]string{
		"botctl:convs":            {"gone1\x00\x00shop\x00\x00u3"},
		"botctl:bot:{acme}:convs": nil,
		"botctl:bot:{shop}:convs": {"gone1"},
		"botctl:user:{u1}:convs":  nil,
		"botctl:user:{u2}:convs":  nil,
		"botctl:user:{u3}:convs":  {"gone1"},
	} {
		members, err := c.ZRange(ctx, key, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, key+" after Expire", members, want...)
	}
}

// TestRedisTwoStoresAdmin: two replicas on one Redis see each other's
// deletes, lists and expiries.
func TestRedisTwoStoresAdmin(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a := openRedis(t, srv.URL(0))
	defer a.Close()
	b := openRedis(t, srv.URL(0))
	defer b.Close()
	old := time.Now().Add(-time.Hour)
	for i, id := range []string{"c1", "c2", "c3"} {
		if err := a.Create(ctx, store.Record{ID: id, Bot: "acme", Created: old.Add(time.Duration(i) * time.Second), Meta: store.Meta{User: "u"}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	wantIDs(t, "List on b", listAllIDs(t, b, store.Query{User: "u"}), "c3", "c2", "c1")
	if err := b.Delete(ctx, "c2"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get(ctx, "c2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get on a of a conversation b deleted: %v, want ErrNotFound", err)
	}
	if _, err := a.Commit(ctx, "c2", 1, store.Update{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Commit on a to a conversation b deleted: %v, want ErrNotFound", err)
	}
	if err := a.Delete(ctx, "c2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete on a of a conversation b deleted: %v, want ErrNotFound", err)
	}
	wantIDs(t, "List on a", listAllIDs(t, a, store.Query{Bot: "acme"}), "c3", "c1")
	if _, err := b.Commit(ctx, "c1", 1, store.Update{}); err != nil {
		t.Fatal(err)
	}
	got, err := a.Expire(ctx, old.Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "Expire on a after b committed to c1", got, "c3")
	wantIDs(t, "List on b after Expire on a", listAllIDs(t, b, store.Query{}), "c1")
}

// TestRedisExpireRacesCommit: a conversation Expire chose but that a
// Commit wrote to before Expire erased it stays. Either the commit lands
// and the conversation is kept, or Expire erased it first and the commit
// finds it gone.
func TestRedisExpireRacesCommit(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	r := openRedis(t, srv.URL(0))
	defer r.Close()
	var kept, erased int
	for i := range 200 {
		id := fmt.Sprint("c", i)
		if err := r.Create(ctx, store.Record{ID: id, Created: time.Now().Add(-time.Hour)}, nil); err != nil {
			t.Fatal(err)
		}
		var (
			wg        sync.WaitGroup
			commitErr error
			got       []string
			expErr    error
		)
		wg.Go(func() {
			_, commitErr = r.Commit(ctx, id, 1, store.Update{Msgs: []store.Message{{Kind: "user", Text: "x"}}})
		})
		wg.Go(func() { got, expErr = r.Expire(ctx, time.Now().Add(-time.Minute), 10) })
		wg.Wait()
		if expErr != nil {
			t.Fatal(expErr)
		}
		_, getErr := r.Get(ctx, id)
		switch {
		case commitErr == nil && len(got) == 0 && getErr == nil:
			kept++
		case errors.Is(commitErr, store.ErrNotFound) && slices.Equal(got, []string{id}) && errors.Is(getErr, store.ErrNotFound):
			erased++
		default:
			t.Fatalf("%s: commit %v, Expire %q, then Get %v", id, commitErr, got, getErr)
		}
		r.Delete(ctx, id)
	}
	t.Logf("kept by the commit %d times, erased first %d times", kept, erased)
}

// TestRedisListWithinMicrosecond: the indexes score by microsecond and
// order a tie by id, but List and Expire order by the full time.
func TestRedisListWithinMicrosecond(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	r := openRedis(t, srv.URL(0))
	defer r.Close()
	us := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.UTC)
	for id, at := range map[string]time.Time{
		"y": us.Add(-time.Nanosecond), // the microsecond before
		"z": us.Add(time.Nanosecond),
		"a": us.Add(2 * time.Nanosecond),
		"m": us.Add(999 * time.Nanosecond),
		"n": us.Add(999 * time.Nanosecond),
		"b": us.Add(time.Microsecond),
	} {
		if err := r.Create(ctx, store.Record{ID: id, Bot: "acme", Created: at}, nil); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"b", "n", "m", "a", "z", "y"}
	for _, limit := range []int{0, 1, 2, 3} {
		wantIDs(t, fmt.Sprintf("List %d at a time", limit), listAllIDs(t, r, store.Query{Limit: limit}), want...)
		wantIDs(t, fmt.Sprintf("List by bot %d at a time", limit), listAllIDs(t, r, store.Query{Bot: "acme", Limit: limit}), want...)
	}
	wantIDs(t, "List since a", listAllIDs(t, r, store.Query{UpdatedSince: us.Add(2 * time.Nanosecond), Limit: 1}), "b", "n", "m", "a")
	got, err := r.Expire(ctx, us.Add(3*time.Nanosecond), 2)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "Expire 2", got, "y", "z")
	if got, err = r.Expire(ctx, us.Add(3*time.Nanosecond), 2); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "Expire again", got, "a")
}

// BenchmarkRedisList lists the first page of 10,000 conversations: all of
// them, by bot (half), by user (5 each), by owner (1 in 100, checked on
// the records of the index of all), and every page at the largest limit.
func BenchmarkRedisList(b *testing.B) {
	srv := redistest.Start(b)
	ctx := context.Background()
	r := openRedis(b, srv.URL(0))
	defer r.Close()
	const n = 10_000
	start := time.Now().Add(-time.Hour)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < n; i += 16 {
				m := store.Meta{User: fmt.Sprint("u-", i%2000), Owner: "bot", Tags: []string{"orders"}}
				if i%100 == 0 {
					m.Owner = "agent"
				}
				rec := store.Record{ID: storetest.IdleID(i), Bot: []string{"acme", "shop"}[i%2], State: storetest.State,
					Created: start.Add(time.Duration(i) * time.Millisecond), Meta: m}
				if err := r.Create(ctx, rec, storetest.Turn(i)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	for _, c := range []struct {
		name string
		q    store.Query
		want int
	}{
		{"All", store.Query{}, store.DefaultLimit},
		{"Bot", store.Query{Bot: "acme"}, store.DefaultLimit},
		{"User", store.Query{User: "u-7"}, 5},
		{"Owner", store.Query{Owner: "agent"}, store.DefaultLimit},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := r.List(ctx, c.q)
				if err != nil || len(p.Records) != c.want {
					b.Fatalf("List(%+v): %d records, %v; want %d", c.q, len(p.Records), err, c.want)
				}
			}
		})
	}
	b.Run("AllPages", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got := 0
			q := store.Query{Limit: store.MaxLimit}
			for {
				p, err := r.List(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				got += len(p.Records)
				if q.Cursor = p.Next; q.Cursor == "" {
					break
				}
			}
			if got != n {
				b.Fatalf("listed %d conversations, want %d", got, n)
			}
		}
	})
}

// TestRedisDueAfterTTL: a conversation Redis dropped at the end of its
// TTL is not due, and its timer entry goes.
func TestRedisDueAfterTTL(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	c := raw(t, srv, 0)
	r := openRedis(t, srv.URL(0))
	defer r.Close()
	due := time.Now().Add(-time.Minute)
	for _, id := range []string{"gone", "kept"} {
		if err := r.Create(ctx, store.Record{ID: id, Bot: "acme", Meta: store.Meta{Due: due}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Del(ctx, "botctl:conv:{gone}").Err(); err != nil { // as its TTL would
		t.Fatal(err)
	}
	ids, err := r.DueBefore(ctx, time.Now(), 10)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "DueBefore", ids, "kept")
	members, err := c.ZRange(ctx, "botctl:due", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "botctl:due", members, "kept")
	if err := r.Delete(ctx, "kept"); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Exists(ctx, "botctl:due").Result(); n != 0 {
		t.Error("Delete left the timer's entry")
	}
}

// TestRedisReindexesOldConversations: conversations a version without
// indexes wrote are listed, and found by their user, once a store with
// indexes opens the database.
func TestRedisReindexesOldConversations(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	c := raw(t, srv, 0)
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC).UnixNano()
	for i, user := range []string{"u1", "u2"} {
		if err := c.HSet(ctx, "botctl:conv:{old"+fmt.Sprint(i)+"}", "bot", "acme", "version", 3, "state", "{}",
			"created", at, "updated", at+int64(i), "last_seq", 0, "user", user).Err(); err != nil {
			t.Fatal(err)
		}
	}
	r := openRedis(t, srv.URL(0))
	defer r.Close()
	wantIDs(t, "List", listAllIDs(t, r, store.Query{}), "old1", "old0")
	wantIDs(t, "List by user", listAllIDs(t, r, store.Query{User: "u1"}), "old0")
	if v, _ := c.Get(ctx, "botctl:indexed").Result(); v == "" {
		t.Error("no marker: every open would scan again")
	}
}
