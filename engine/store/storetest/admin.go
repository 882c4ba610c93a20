package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
)

// The cases of what an operator does to conversations: find them by their
// Meta (List), erase one (Delete) and erase the old ones (Expire).

// createAt creates a conversation last updated at t, with a Meta.
func createAt(t *testing.T, s store.Store, id, bot string, at time.Time, m store.Meta) {
	t.Helper()
	rec := store.Record{ID: id, Bot: bot, State: json.RawMessage(`{"n":1}`), Created: at, Meta: m}
	if err := s.Create(ctx, rec, []store.Message{{Kind: "bot", Text: "hi " + id}}); err != nil {
		t.Fatalf("Create(%s): %v", id, err)
	}
}

func list(t *testing.T, s store.Store, q store.Query) store.Page {
	t.Helper()
	p, err := s.List(ctx, q)
	if err != nil {
		t.Fatalf("List(%+v): %v", q, err)
	}
	for _, r := range p.Records {
		if r.State != nil {
			t.Errorf("List(%+v): %s has its State %s, want none", q, r.ID, r.State)
		}
	}
	return p
}

// listAll follows the cursors to the last page and returns the ids in
// order.
func listAll(t *testing.T, s store.Store, q store.Query) []string {
	t.Helper()
	var ids []string
	for range 1000 {
		p := list(t, s, q)
		for _, r := range p.Records {
			ids = append(ids, r.ID)
		}
		if p.Next == "" {
			return ids
		}
		q.Cursor = p.Next
	}
	t.Fatalf("List(%+v): more than 1000 pages", q)
	return nil
}

func ids(recs []store.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func sameIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// gone checks that a conversation is not there in any way.
func gone(t *testing.T, s store.Store, id string) {
	t.Helper()
	if _, err := s.Get(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(%s) of an erased conversation: err = %v, want ErrNotFound", id, err)
	}
	if _, err := s.Messages(ctx, id, 0, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Messages(%s) of an erased conversation: err = %v, want ErrNotFound", id, err)
	}
	if _, _, err := s.Reply(ctx, id, "k"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Reply(%s) of an erased conversation: err = %v, want ErrNotFound", id, err)
	}
	if _, err := s.Commit(ctx, id, 1, store.Update{Msgs: []store.Message{{Kind: "user", Text: "x"}}}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Commit(%s) of an erased conversation: err = %v, want ErrNotFound", id, err)
	}
	if slices.Contains(listAll(t, s, store.Query{Limit: store.MaxLimit}), id) {
		t.Errorf("List still has the erased conversation %s", id)
	}
}

// base is a time well in the past, to the second, so that every store
// keeps it exactly.
var base = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func (su *suite) metaRoundTrip(t *testing.T) {
	s := su.new(t)
	m := store.Meta{User: "u-1 é", Owner: "bot", Tags: []string{"vip", "handoff", "vip"}}
	createAt(t, s, "c", "acme", base, m)
	want := store.Record{ID: "c", Bot: "acme", Version: 1, LastSeq: 1, State: json.RawMessage(`{"n":1}`),
		Created: base, Updated: base, Meta: store.Meta{User: "u-1 é", Owner: "bot", Tags: []string{"vip", "handoff"}}}
	sameRecord(t, "Get", get(t, s, "c"), want)

	// A Record without Meta has none.
	createAt(t, s, "d", "acme", base, store.Meta{})
	if rec := get(t, s, "d"); rec.User != "" || rec.Owner != "" || len(rec.Tags) != 0 {
		t.Errorf("Get of a conversation created without Meta: %s", fmtRecord(rec))
	}

	// The caller's slice is not the store's.
	tags := []string{"a"}
	createAt(t, s, "e", "acme", base, store.Meta{Tags: tags})
	tags[0] = "changed"
	rec := get(t, s, "e")
	if !slices.Equal(rec.Tags, []string{"a"}) {
		t.Errorf("Tags after the caller changed its slice: %q", rec.Tags)
	}
	rec.Tags[0] = "changed too"
	if got := get(t, s, "e").Tags; !slices.Equal(got, []string{"a"}) {
		t.Errorf("Tags after changing a Get's slice: %q", got)
	}
}

func (su *suite) commitMeta(t *testing.T) {
	s := su.new(t)
	createAt(t, s, "c", "acme", base, store.Meta{User: "u1", Owner: "bot"})

	// nil keeps the Meta.
	rec, err := s.Commit(ctx, "c", 1, store.Update{State: json.RawMessage(`{"n":2}`)})
	if err != nil {
		t.Fatal(err)
	}
	if rec.User != "u1" || rec.Owner != "bot" {
		t.Errorf("Commit without Meta returned %s, want the Meta kept", fmtRecord(rec))
	}
	// A Meta replaces it, all of it.
	rec, err = s.Commit(ctx, "c", 2, store.Update{Meta: &store.Meta{Owner: "agent", Tags: []string{"t1", "t2", "t1"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := store.Meta{Owner: "agent", Tags: []string{"t1", "t2"}}
	for what, got := range map[string]store.Record{"Commit's Record": rec, "Get": get(t, s, "c")} {
		if got.User != want.User || got.Owner != want.Owner || !slices.Equal(got.Tags, want.Tags) {
			t.Errorf("%s after a Commit with Meta: %s, want %+v", what, fmtRecord(got), want)
		}
		if string(got.State) != `{"n":2}` {
			t.Errorf("%s: a Commit with only Meta changed the state to %s", what, got.State)
		}
	}
	// A conflicting commit changes no Meta.
	if _, err := s.Commit(ctx, "c", 2, store.Update{Meta: &store.Meta{Owner: "stale"}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale Commit: err = %v, want ErrConflict", err)
	}
	if got := get(t, s, "c"); got.Owner != "agent" {
		t.Errorf("a conflicting Commit changed the owner to %q", got.Owner)
	}
}

func (su *suite) metaBadInput(t *testing.T) {
	s := su.new(t)
	long := strings.Repeat("x", 1025)
	bad := []store.Meta{
		{User: long},
		{Owner: long},
		{Tags: []string{long}},
		{Tags: make([]string, 65)},
	}
	for i, m := range bad {
		id := fmt.Sprint("c", i)
		err := s.Create(ctx, store.Record{ID: id, Bot: "acme", Meta: m}, nil)
		if err == nil {
			t.Errorf("Create with Meta %d: no error", i)
		}
		if _, err := s.Get(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a refused Create stored %s: Get err = %v", id, err)
		}
	}
	createAt(t, s, "c", "acme", base, store.Meta{})
	for i, m := range bad {
		if _, err := s.Commit(ctx, "c", 1, store.Update{Meta: &m}); err == nil || errors.Is(err, store.ErrConflict) {
			t.Errorf("Commit with bad Meta %d: err = %v, want a refusal", i, err)
		}
	}
	if rec := get(t, s, "c"); rec.Version != 1 {
		t.Errorf("refused Commits moved the version to %d", rec.Version)
	}
	// The bounds themselves are fine.
	max := store.Meta{User: long[1:], Owner: long[1:], Tags: []string{long[1:]}}
	for range 63 {
		max.Tags = append(max.Tags, fmt.Sprint(len(max.Tags)))
	}
	if _, err := s.Commit(ctx, "c", 1, store.Update{Meta: &max}); err != nil {
		t.Errorf("Commit with the largest Meta: %v", err)
	}
}

func (su *suite) deleteCase(t *testing.T) {
	s := su.new(t)
	createAt(t, s, "c", "acme", base, store.Meta{User: "u1"})
	if _, err := s.Commit(ctx, "c", 1, store.Update{Msgs: []store.Message{{Kind: "user", Text: "x"}}, Reply: &store.Reply{Key: "k", Status: 200, Body: []byte("r")}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "c"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	gone(t, s, "c")
	if got := listAll(t, s, store.Query{User: "u1"}); len(got) != 0 {
		t.Errorf("List by the user of an erased conversation: %q", got)
	}
	if err := s.Delete(ctx, "c"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second Delete: err = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "never"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete of a conversation never stored: err = %v, want ErrNotFound", err)
	}
	// The id may be used again, and nothing of the old one comes back.
	createAt(t, s, "c", "acme", base.Add(time.Hour), store.Meta{})
	rec := get(t, s, "c")
	if rec.Version != 1 || rec.LastSeq != 1 || rec.User != "" {
		t.Errorf("Get of a new conversation under an erased id: %s", fmtRecord(rec))
	}
	sameMessages(t, "Messages of the new conversation", messages(t, s, "c", 0, 0), `1 bot "hi c" `)
	if _, ok, err := s.Reply(ctx, "c", "k"); err != nil || ok {
		t.Errorf("Reply of the erased conversation came back: ok %v, err %v", ok, err)
	}
}

func (su *suite) deleteIsolation(t *testing.T) {
	s := su.new(t)
	for i, id := range []string{"a", "ab", "b", "a:1"} {
		createAt(t, s, id, "acme", base.Add(time.Duration(i)*time.Second), store.Meta{User: "u"})
	}
	if err := s.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	gone(t, s, "a")
	for _, id := range []string{"ab", "b", "a:1"} {
		if rec := get(t, s, id); rec.LastSeq != 1 {
			t.Errorf("%s after deleting a: %s", id, fmtRecord(rec))
		}
		sameMessages(t, id+"'s messages after deleting a", messages(t, s, id, 0, 0), fmt.Sprintf(`1 bot "hi %s" `, id))
	}
	sameIDs(t, "List by user after deleting a", listAll(t, s, store.Query{User: "u"}), "a:1", "b", "ab")
}

func (su *suite) deleteReopen(t *testing.T) {
	if su.reopen == nil {
		t.Skip("not durable: no storetest.Reopen")
	}
	s := su.open(t)
	createAt(t, s, "a", "acme", base, store.Meta{User: "u"})
	createAt(t, s, "b", "acme", base.Add(time.Second), store.Meta{User: "u"})
	if err := s.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	s = su.reopen(t, s)
	t.Cleanup(func() { s.Close() })
	gone(t, s, "a")
	sameIDs(t, "List after reopen", listAll(t, s, store.Query{User: "u"}), "b")
}

// deleteWhileCommitting erases a conversation that another goroutine is
// writing to: once Delete returns, it is gone for good.
func (su *suite) deleteWhileCommitting(t *testing.T) {
	s := su.new(t)
	createAt(t, s, "c", "acme", base, store.Meta{User: "u"})
	commits := make(chan int, 1)
	var wg sync.WaitGroup
	var last error
	wg.Add(1)
	go func() {
		defer wg.Done()
		v := int64(1)
		for n := 0; ; n++ {
			if n == 5 {
				commits <- n
			}
			rec, err := s.Commit(ctx, "c", v, store.Update{Meta: &store.Meta{User: "u", Tags: []string{fmt.Sprint(n)}}, Msgs: []store.Message{{Kind: "user", Text: "x"}}})
			switch {
			case err == nil:
				v = rec.Version
			case errors.Is(err, store.ErrConflict):
				r, gerr := s.Get(ctx, "c")
				if gerr != nil {
					last = gerr
					return
				}
				v = r.Version
			default:
				last = err
				return
			}
		}
	}()
	<-commits
	if err := s.Delete(ctx, "c"); err != nil {
		t.Errorf("Delete: %v", err)
	}
	wg.Wait()
	if !errors.Is(last, store.ErrNotFound) {
		t.Errorf("the writer stopped with %v, want ErrNotFound", last)
	}
	gone(t, s, "c")
	sameIDs(t, "List by user", listAll(t, s, store.Query{User: "u"}))
}

func (su *suite) listPages(t *testing.T) {
	s := su.new(t)
	var want []string
	for i := range 7 {
		id := fmt.Sprintf("c%d", i)
		createAt(t, s, id, "acme", base.Add(time.Duration(i)*time.Second), store.Meta{})
		want = append([]string{id}, want...)
	}
	p := list(t, s, store.Query{})
	sameIDs(t, "List with the default limit", ids(p.Records), want...)
	if p.Next != "" {
		t.Errorf("the only page has a next cursor %q", p.Next)
	}
	// Each Record is the conversation as Get has it, without its State.
	for _, r := range p.Records {
		g := get(t, s, r.ID)
		g.State = nil
		sameRecord(t, "a listed Record", r, g)
	}
	var got []string
	q := store.Query{Limit: 3}
	for pages := 1; ; pages++ {
		p := list(t, s, q)
		if len(p.Records) > 3 {
			t.Fatalf("page %d has %d records, more than the limit", pages, len(p.Records))
		}
		got = append(got, ids(p.Records)...)
		if p.Next == "" {
			if pages != 3 {
				t.Errorf("7 conversations 3 at a time took %d pages, want 3", pages)
			}
			break
		}
		if pages > 7 {
			t.Fatal("the cursor does not move")
		}
		q.Cursor = p.Next
	}
	sameIDs(t, "List 3 at a time", got, want...)

	// A page that ends exactly at the last conversation may or may not
	// have a cursor; if it does, the page after it is empty.
	q = store.Query{Limit: 7}
	if p := list(t, s, q); p.Next != "" {
		q.Cursor = p.Next
		if p := list(t, s, q); len(p.Records) != 0 || p.Next != "" {
			t.Errorf("page after the last: %q, next %q", ids(p.Records), p.Next)
		}
	}
	// Limit 1 walks them one by one.
	sameIDs(t, "List 1 at a time", listAll(t, s, store.Query{Limit: 1}), want...)
}

func (su *suite) listEqualTimes(t *testing.T) {
	s := su.new(t)
	for _, id := range []string{"b", "d", "a", "c"} {
		createAt(t, s, id, "acme", base, store.Meta{})
	}
	createAt(t, s, "z", "acme", base.Add(-time.Second), store.Meta{})
	createAt(t, s, "0", "acme", base.Add(time.Second), store.Meta{})
	want := []string{"0", "d", "c", "b", "a", "z"}
	sameIDs(t, "List at once", ids(list(t, s, store.Query{}).Records), want...)
	sameIDs(t, "List 1 at a time", listAll(t, s, store.Query{Limit: 1}), want...)
	sameIDs(t, "List 2 at a time", listAll(t, s, store.Query{Limit: 2}), want...)
}

func (su *suite) listFilters(t *testing.T) {
	s := su.new(t)
	type conv struct {
		id, bot string
		m       store.Meta
	}
	convs := []conv{
		{"c0", "acme", store.Meta{User: "ann", Owner: "bot", Tags: []string{"vip"}}},
		{"c1", "acme", store.Meta{User: "bob", Owner: "agent", Tags: []string{"vip", "handoff"}}},
		{"c2", "shop", store.Meta{User: "ann", Owner: "agent"}},
		{"c3", "shop", store.Meta{User: "ann", Owner: "bot", Tags: []string{"handoff"}}},
		{"c4", "acme", store.Meta{Owner: "bot"}},
		{"c5", "acme-2", store.Meta{User: "ann2", Owner: "bot2", Tags: []string{"vip2"}}},
	}
	for i, c := range convs {
		createAt(t, s, c.id, c.bot, base.Add(time.Duration(i)*time.Minute), c.m)
	}
	cases := []struct {
		q    store.Query
		want []string
	}{
		{store.Query{}, []string{"c5", "c4", "c3", "c2", "c1", "c0"}},
		{store.Query{Bot: "acme"}, []string{"c4", "c1", "c0"}},
		{store.Query{Bot: "shop"}, []string{"c3", "c2"}},
		{store.Query{Bot: "nobody"}, nil},
		{store.Query{User: "ann"}, []string{"c3", "c2", "c0"}},
		{store.Query{Owner: "agent"}, []string{"c2", "c1"}},
		{store.Query{Owner: "bot"}, []string{"c4", "c3", "c0"}},
		{store.Query{Tag: "vip"}, []string{"c1", "c0"}},
		{store.Query{Tag: "handoff"}, []string{"c3", "c1"}},
		{store.Query{Bot: "acme", User: "ann"}, []string{"c0"}},
		{store.Query{User: "ann", Owner: "bot", Tag: "handoff"}, []string{"c3"}},
		{store.Query{User: "ann", Bot: "acme", Owner: "agent"}, nil},
		{store.Query{UpdatedSince: base.Add(3 * time.Minute)}, []string{"c5", "c4", "c3"}},
		{store.Query{UpdatedSince: base.Add(3*time.Minute + time.Second)}, []string{"c5", "c4"}},
		{store.Query{UpdatedSince: base.Add(3 * time.Minute).In(time.FixedZone("X", 7200))}, []string{"c5", "c4", "c3"}},
		{store.Query{UpdatedSince: base.Add(time.Hour)}, nil},
		{store.Query{User: "ann", UpdatedSince: base.Add(time.Minute)}, []string{"c3", "c2"}},
	}
	for _, c := range cases {
		sameIDs(t, fmt.Sprintf("List(%+v)", c.q), listAll(t, s, c.q), c.want...)
		c.q.Limit = 1
		sameIDs(t, fmt.Sprintf("List(%+v) one at a time", c.q), listAll(t, s, c.q), c.want...)
	}
}

func (su *suite) listFollowsCommits(t *testing.T) {
	s := su.new(t)
	for i, id := range []string{"a", "b", "c"} {
		createAt(t, s, id, "acme", base.Add(time.Duration(i)*time.Second), store.Meta{User: "u", Owner: "bot"})
	}
	sameIDs(t, "List", listAll(t, s, store.Query{}), "c", "b", "a")
	// A commit moves the conversation to the front (it is the one
	// updated last), and its new Meta is what filters see.
	if _, err := s.Commit(ctx, "a", 1, store.Update{Meta: &store.Meta{User: "u", Owner: "agent", Tags: []string{"handoff"}}}); err != nil {
		t.Fatal(err)
	}
	sameIDs(t, "List after committing a", listAll(t, s, store.Query{}), "a", "c", "b")
	sameIDs(t, "List by owner agent", listAll(t, s, store.Query{Owner: "agent"}), "a")
	sameIDs(t, "List by owner bot", listAll(t, s, store.Query{Owner: "bot"}), "c", "b")
	sameIDs(t, "List by tag", listAll(t, s, store.Query{Tag: "handoff"}), "a")
	sameIDs(t, "List by user", listAll(t, s, store.Query{User: "u"}), "a", "c", "b")
	// A commit without Meta keeps it, and still moves the conversation.
	if _, err := s.Commit(ctx, "b", 1, store.Update{Msgs: []store.Message{{Kind: "user", Text: "x"}}}); err != nil {
		t.Fatal(err)
	}
	sameIDs(t, "List after committing b", listAll(t, s, store.Query{}), "b", "a", "c")
	sameIDs(t, "List by owner bot after committing b", listAll(t, s, store.Query{Owner: "bot"}), "b", "c")
	// Changing the user moves it out of the old user's list.
	if _, err := s.Commit(ctx, "a", 2, store.Update{Meta: &store.Meta{User: "v", Owner: "bot"}}); err != nil {
		t.Fatal(err)
	}
	sameIDs(t, "List by the old user", listAll(t, s, store.Query{User: "u"}), "b", "c")
	sameIDs(t, "List by the new user", listAll(t, s, store.Query{User: "v"}), "a")
	sameIDs(t, "List by the dropped tag", listAll(t, s, store.Query{Tag: "handoff"}))
	sameIDs(t, "List by owner agent after a went back", listAll(t, s, store.Query{Owner: "agent"}))
}

func (su *suite) listBadQuery(t *testing.T) {
	s := su.new(t)
	createAt(t, s, "c", "acme", base, store.Meta{})
	for _, cur := range []string{"x", "!!!", "AAAA", strings.Repeat("A", 30)} {
		if _, err := s.List(ctx, store.Query{Cursor: cur}); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("List with cursor %q: err = %v, want ErrBadCursor", cur, err)
		}
	}
	for _, limit := range []int{-1, store.MaxLimit + 1} {
		if _, err := s.List(ctx, store.Query{Limit: limit}); err == nil {
			t.Errorf("List with limit %d: no error", limit)
		}
	}
	if p := list(t, s, store.Query{Limit: store.MaxLimit}); len(p.Records) != 1 {
		t.Errorf("List with the largest limit: %q", ids(p.Records))
	}
}

func (su *suite) listReopen(t *testing.T) {
	if su.reopen == nil {
		t.Skip("not durable: no storetest.Reopen")
	}
	s := su.open(t)
	createAt(t, s, "a", "acme", base, store.Meta{User: "u", Owner: "bot", Tags: []string{"x"}})
	createAt(t, s, "b", "shop", base.Add(time.Second), store.Meta{User: "u", Owner: "bot"})
	if _, err := s.Commit(ctx, "a", 1, store.Update{Meta: &store.Meta{User: "u", Owner: "agent", Tags: []string{"x"}}}); err != nil {
		t.Fatal(err)
	}
	s = su.reopen(t, s)
	t.Cleanup(func() { s.Close() })
	sameIDs(t, "List after reopen", listAll(t, s, store.Query{}), "a", "b")
	sameIDs(t, "List by owner after reopen", listAll(t, s, store.Query{Owner: "agent"}), "a")
	sameIDs(t, "List by bot after reopen", listAll(t, s, store.Query{Bot: "shop", User: "u"}), "b")
	sameIDs(t, "List by tag after reopen", listAll(t, s, store.Query{Tag: "x"}), "a")
}

func (su *suite) expire(t *testing.T) {
	s := su.new(t)
	now := time.Now()
	createAt(t, s, "old", "acme", now.Add(-2*time.Hour), store.Meta{User: "u"})
	createAt(t, s, "older", "acme", now.Add(-3*time.Hour), store.Meta{User: "u"})
	// An old conversation written to since is not old any more.
	createAt(t, s, "revived", "acme", now.Add(-4*time.Hour), store.Meta{User: "u"})
	if _, err := s.Commit(ctx, "revived", 1, store.Update{Msgs: []store.Message{{Kind: "user", Text: "back"}}}); err != nil {
		t.Fatal(err)
	}
	createAt(t, s, "new", "acme", now, store.Meta{User: "u"})
	got, err := s.Expire(ctx, now.Add(-time.Hour), 100)
	if err != nil {
		t.Fatalf("Expire: %v", err)
	}
	sameIDs(t, "Expire", got, "older", "old")
	gone(t, s, "old")
	gone(t, s, "older")
	for _, id := range []string{"new", "revived"} {
		get(t, s, id)
	}
	sameIDs(t, "List after Expire", listAll(t, s, store.Query{User: "u"}), "revived", "new")
	got, err = s.Expire(ctx, now.Add(-time.Hour), 100)
	if err != nil || len(got) != 0 {
		t.Errorf("second Expire: %q, %v; want none", got, err)
	}
	if _, err := s.Expire(ctx, now, 0); err == nil {
		t.Error("Expire with limit 0: no error")
	}
}

func (su *suite) expireLimit(t *testing.T) {
	s := su.new(t)
	for i := range 5 {
		createAt(t, s, fmt.Sprint("c", i), "acme", base.Add(time.Duration(i)*time.Second), store.Meta{})
	}
	var got [][]string
	for range 4 {
		ids, err := s.Expire(ctx, base.Add(time.Hour), 2)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids)
	}
	want := [][]string{{"c0", "c1"}, {"c2", "c3"}, {"c4"}, {}}
	for i := range want {
		sameIDs(t, fmt.Sprintf("Expire %d", i+1), got[i], want[i]...)
	}
}

func (su *suite) expireReopen(t *testing.T) {
	if su.reopen == nil {
		t.Skip("not durable: no storetest.Reopen")
	}
	s := su.open(t)
	createAt(t, s, "old", "acme", base, store.Meta{})
	createAt(t, s, "new", "acme", time.Now(), store.Meta{})
	if _, err := s.Expire(ctx, time.Now().Add(-time.Hour), 10); err != nil {
		t.Fatal(err)
	}
	s = su.reopen(t, s)
	t.Cleanup(func() { s.Close() })
	gone(t, s, "old")
	sameIDs(t, "List after reopen", listAll(t, s, store.Query{}), "new")
}

func (su *suite) adminClosed(t *testing.T) {
	s := su.open(t)
	createAt(t, s, "c", "acme", base, store.Meta{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "c"); err == nil {
		t.Error("Delete after Close: no error")
	}
	if _, err := s.List(ctx, store.Query{}); err == nil {
		t.Error("List after Close: no error")
	}
	if _, err := s.Expire(ctx, time.Now(), 10); err == nil {
		t.Error("Expire after Close: no error")
	}
}
