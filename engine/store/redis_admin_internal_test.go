package store

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store/redistest"
)

// FuzzRedisMember: a member reads back as what it was made of, and
// members compare as their ids do (Redis orders equal scores by member).
func FuzzRedisMember(f *testing.F) {
	f.Add("a", "acme", "u1", "ab", "", "")
	f.Add("a\x00", "b\x00\x01", "\x00", "a", "b", "u")
	f.Add("a\x00\x00", "", "", "a\x00\x01", "x", "y")
	f.Fuzz(func(t *testing.T, id1, bot1, user1, id2, bot2, user2 string) {
		m1, m2 := redisMember(id1, bot1, user1), redisMember(id2, bot2, user2)
		id, bot, user, ok := parseMember(m1)
		if !ok || id != id1 || bot != bot1 || user != user1 {
			t.Fatalf("parseMember(redisMember(%q, %q, %q)) = %q, %q, %q, %v", id1, bot1, user1, id, bot, user, ok)
		}
		if id1 != id2 {
			if got, want := cmp.Compare(m1, m2), cmp.Compare(id1, id2); got != want {
				t.Fatalf("members of %q and %q compare %d, their ids %d", id1, id2, got, want)
			}
		}
	})
}

func FuzzParseMember(f *testing.F) {
	f.Add("a\x00\x00b\x00\x00c")
	f.Add("a\x00")
	f.Add("a\x00\x02\x00\x00")
	f.Fuzz(func(t *testing.T, m string) {
		id, bot, user, ok := parseMember(m)
		if ok && redisMember(id, bot, user) != m {
			t.Fatalf("parseMember(%q) = %q, %q, %q, which make another member", m, id, bot, user)
		}
	})
}

// TestRedisMembersInLua: the scripts write the members redisMember
// describes, NULs and all, and List orders ids holding NULs bytewise.
func TestRedisMembersInLua(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	r, err := OpenRedis(srv.URL(0))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	ids := []string{"a", "a\x00", "a\x00b", "a\x00\x00", "a\x01", "ab", "\x00", "b"}
	var want []string
	for _, id := range ids {
		if err := r.Create(ctx, Record{ID: id, Bot: "b\x00t", Created: at, Meta: Meta{User: "u\x00" + id}}, nil); err != nil {
			t.Fatal(err)
		}
		want = append(want, redisMember(id, "b\x00t", "u\x00"+id))
	}
	slices.Sort(want)
	got, err := r.client.ZRange(ctx, r.allIndex().key, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("members of the index of all:\n got %q\nwant %q", got, want)
	}
	sorted := slices.Clone(ids)
	slices.SortFunc(sorted, func(a, b string) int { return cmp.Compare(b, a) })
	for _, q := range []Query{{}, {Limit: 1}, {Bot: "b\x00t", Limit: 3}} {
		var listed []string
		for {
			p, err := r.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range p.Records {
				listed = append(listed, rec.ID)
			}
			if q.Cursor = p.Next; q.Cursor == "" {
				break
			}
		}
		if !slices.Equal(listed, sorted) {
			t.Errorf("List(%+v):\n got %q\nwant %q", q, listed, sorted)
		}
	}
	for _, id := range ids {
		p, err := r.List(ctx, Query{User: "u\x00" + id})
		if err != nil || len(p.Records) != 1 || p.Records[0].ID != id {
			t.Errorf("List by the user of %q: %+v, %v", id, p.Records, err)
		}
		if err := r.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := r.client.DBSize(ctx).Result(); n != 1 { // botctl:indexed
		t.Errorf("%d keys left after deleting every conversation, want botctl:indexed only", n)
	}
}

// TestRedisDeleteScriptChecksUpdated is the step that keeps Expire from
// erasing a conversation committed after it was chosen: given the Updated
// Expire read, the script erases nothing once a commit moved it.
func TestRedisDeleteScriptChecksUpdated(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	r, err := OpenRedis(srv.URL(0))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Create(ctx, Record{ID: "c", Bot: "acme", Created: time.Now().Add(-time.Hour)}, nil); err != nil {
		t.Fatal(err)
	}
	chosen, err := r.Get(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Commit(ctx, "c", 1, Update{}); err != nil {
		t.Fatal(err)
	}
	erase := func(rec Record) int {
		n, err := deleteScript.Run(ctx, r.client, r.keys("c"), r.cfg.prefix, "c", strconv.FormatInt(rec.Updated.UnixNano(), 10)).Int()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := erase(chosen); n != 0 {
		t.Fatalf("the delete script erased a conversation updated since: %d", n)
	}
	now, err := r.Get(ctx, "c")
	if err != nil {
		t.Fatalf("Get after the refused erase: %v", err)
	}
	if n := erase(now); n != 1 {
		t.Fatalf("the delete script given the current Updated: %d, want 1", n)
	}
	if _, err := r.Get(ctx, "c"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after the erase: %v", err)
	}
}

// TestRedisRecordBeforeMeta: a record written before conversations had a
// Meta (no user, owner or tags fields, no index entries) reads with an
// empty one and joins the indexes at its next commit.
func TestRedisRecordBeforeMeta(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	r, err := OpenRedis(srv.URL(0))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC).UnixNano()
	if err := r.client.HSet(ctx, "botctl:conv:{old}", "bot", "acme", "version", 3, "state", `{"n":1}`,
		"created", at, "updated", at, "last_seq", 0, "commit", "x").Err(); err != nil {
		t.Fatal(err)
	}
	rec, err := r.Get(ctx, "old")
	if err != nil || rec.Version != 3 || rec.User != "" || rec.Owner != "" || rec.Tags != nil {
		t.Fatalf("Get of a record without Meta = %+v, %v", rec, err)
	}
	rec, err = r.Commit(ctx, "old", 3, Update{Meta: &Meta{User: "u", Tags: []string{"t"}}})
	if err != nil || rec.User != "u" || !slices.Equal(rec.Tags, []string{"t"}) || string(rec.State) != `{"n":1}` {
		t.Fatalf("Commit with Meta = %+v, %v", rec, err)
	}
	p, err := r.List(ctx, Query{User: "u", Tag: "t"})
	if err != nil || len(p.Records) != 1 || p.Records[0].ID != "old" {
		t.Errorf("List after the commit: %+v, %v", p.Records, err)
	}
}
