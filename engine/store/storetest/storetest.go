// Package storetest is the behaviour suite every store.Store must pass,
// and benchmarks to compare them. A backend's test hands Run a function
// that opens a new, empty store:
//
//	func TestMemory(t *testing.T) {
//		storetest.Run(t, func(testing.TB) store.Store { return store.NewMemory() })
//	}
//
// Durable backends add storetest.Reopen so the suite also checks that
// data survives Close and a new open. The cases of optional capabilities
// (store.Versions, store.Scanner) skip on a store without them.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/internal/limits"
	"github.com/botctl/botctl/engine/store"
)

// Opener returns a new, empty store. The suite closes it.
type Opener func(tb testing.TB) store.Store

// Option adjusts the suite.
type Option func(*suite)

// Reopen enables the durability cases: fn closes s and opens the same
// data again, returning the new store.
func Reopen(fn func(tb testing.TB, s store.Store) store.Store) Option {
	return func(su *suite) { su.reopen = fn }
}

type suite struct {
	open   Opener
	reopen func(testing.TB, store.Store) store.Store
}

// Run runs the suite, one subtest per behaviour.
func Run(t *testing.T, open Opener, opts ...Option) {
	su := &suite{open: open}
	for _, o := range opts {
		o(su)
	}
	cases := []struct {
		name string
		fn   func(*testing.T)
	}{
		{"CreateGet", su.createGet},
		{"CreateKeepsCreated", su.createKeepsCreated},
		{"CreateExists", su.createExists},
		{"CreateEmptyID", su.createEmptyID},
		{"NotFound", su.notFound},
		{"Commit", su.commit},
		{"CommitNilStateKeepsState", su.commitNilState},
		{"CommitConflictWritesNothing", su.conflict},
		{"CommitRejectsBadInput", su.badInput},
		{"StateTooLarge", su.stateTooLarge},
		{"SeqAssignment", su.seq},
		{"MessagesAfterLimit", su.messagesAfterLimit},
		{"Replies", su.replies},
		{"Isolation", su.isolation},
		{"NoAliasing", su.noAliasing},
		{"ConcurrentCommitsOneConversation", su.concurrentOne},
		{"ConcurrentCommitsManyConversations", su.concurrentMany},
		{"Ping", su.ping},
		{"Closed", su.closed},
		{"Reopen", su.reopenCase},
		{"VersionsRoundTrip", su.versionsRoundTrip},
		{"VersionsNotFound", su.versionsNotFound},
		{"VersionsListDelete", su.versionsList},
		{"VersionsIsolation", su.versionsIsolation},
		{"VersionsNoAliasing", su.versionsNoAliasing},
		{"VersionsRejectBadInput", su.versionsBadInput},
		{"VersionsLargest", su.versionsLargest},
		{"VersionsReopen", su.versionsReopen},
		{"VersionsClosed", su.versionsClosed},
		{"Scan", su.scan},
		{"ScanStopsOnError", su.scanStops},
		{"ScanWhileWriting", su.scanWhileWriting},
		{"MetaRoundTrip", su.metaRoundTrip},
		{"CommitMeta", su.commitMeta},
		{"MetaRejectsBadInput", su.metaBadInput},
		{"Delete", su.deleteCase},
		{"DeleteIsolation", su.deleteIsolation},
		{"DeleteReopen", su.deleteReopen},
		{"DeleteWhileCommitting", su.deleteWhileCommitting},
		{"ListOrderAndPages", su.listPages},
		{"ListEqualTimes", su.listEqualTimes},
		{"ListFilters", su.listFilters},
		{"ListFollowsCommits", su.listFollowsCommits},
		{"ListRejectsBadQuery", su.listBadQuery},
		{"ListReopen", su.listReopen},
		{"Expire", su.expire},
		{"ExpireLimit", su.expireLimit},
		{"ExpireReopen", su.expireReopen},
		{"AdminClosed", su.adminClosed},
		{"DueBefore", su.dueBefore},
		{"DueReopen", su.dueReopen},
	}
	for _, c := range cases {
		t.Run(c.name, c.fn)
	}
}

func (su *suite) new(t *testing.T) store.Store {
	t.Helper()
	s := su.open(t)
	t.Cleanup(func() { s.Close() })
	return s
}

var ctx = context.Background()

// welcome is what a conversation starts with in most cases.
func welcome() []store.Message {
	return []store.Message{
		{Kind: "bot", Text: "Hi! I am the Acme bot."},
		{Kind: "action", Text: "<< buttons Order status | Agent", Data: json.RawMessage(`{"buttons": ["Order status", "Agent"]}`)},
	}
}

const state1 = `{"dialog":"welcome","step":1,"vars":{"name":"Ada <a&b>"}}`

func create(t *testing.T, s store.Store, id string, msgs []store.Message) {
	t.Helper()
	if err := s.Create(ctx, store.Record{ID: id, Bot: "acme", State: json.RawMessage(state1)}, msgs); err != nil {
		t.Fatalf("Create(%s): %v", id, err)
	}
}

func get(t *testing.T, s store.Store, id string) store.Record {
	t.Helper()
	rec, err := s.Get(ctx, id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return rec
}

func messages(t *testing.T, s store.Store, id string, after int64, limit int) []store.Message {
	t.Helper()
	msgs, err := s.Messages(ctx, id, after, limit)
	if err != nil {
		t.Fatalf("Messages(%s, %d, %d): %v", id, after, limit, err)
	}
	return msgs
}

// between checks that a store-stamped time is the wall time of the call.
func between(t *testing.T, what string, got, before, after time.Time) {
	t.Helper()
	if got.Before(before.Add(-time.Millisecond)) || got.After(after.Add(time.Millisecond)) {
		t.Errorf("%s = %v, want between %v and %v", what, got, before, after)
	}
	if got.Location() != time.UTC {
		t.Errorf("%s is in %v, want UTC", what, got.Location())
	}
}

// sameRecord compares every field of a Record.
func sameRecord(t *testing.T, what string, got, want store.Record) {
	t.Helper()
	if got.ID != want.ID || got.Bot != want.Bot || got.Version != want.Version || got.LastSeq != want.LastSeq ||
		!bytes.Equal(got.State, want.State) || !got.Created.Equal(want.Created) || !got.Updated.Equal(want.Updated) ||
		got.User != want.User || got.Owner != want.Owner || !slices.Equal(got.Tags, want.Tags) || !got.Due.Equal(want.Due) {
		t.Errorf("%s:\n got %s\nwant %s", what, fmtRecord(got), fmtRecord(want))
	}
}

func fmtRecord(r store.Record) string {
	return fmt.Sprintf("{ID:%q Bot:%q Version:%d LastSeq:%d State:%s Created:%s Updated:%s User:%q Owner:%q Tags:%q Due:%s}",
		r.ID, r.Bot, r.Version, r.LastSeq, r.State, r.Created.Format(time.RFC3339Nano), r.Updated.Format(time.RFC3339Nano),
		r.User, r.Owner, r.Tags, r.Due.Format(time.RFC3339Nano))
}

// msgLines renders messages without their times, for comparisons.
func msgLines(msgs []store.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = fmt.Sprintf("%d %s %q %s", m.Seq, m.Kind, m.Text, m.Data)
	}
	return out
}

func sameMessages(t *testing.T, what string, got []store.Message, want ...string) {
	t.Helper()
	g := msgLines(got)
	if !slices.Equal(g, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, g, want)
	}
}

var welcomeLines = []string{
	`1 bot "Hi! I am the Acme bot." `,
	`2 action "<< buttons Order status | Agent" {"buttons":["Order status","Agent"]}`,
}

func (su *suite) createGet(t *testing.T) {
	s := su.new(t)
	before := time.Now()
	create(t, s, "c1", welcome())
	after := time.Now()
	rec := get(t, s, "c1")
	between(t, "Created", rec.Created, before, after)
	sameRecord(t, "Get after Create", rec, store.Record{
		ID: "c1", Bot: "acme", Version: 1, LastSeq: 2,
		State: json.RawMessage(state1), Created: rec.Created, Updated: rec.Created,
	})
	msgs := messages(t, s, "c1", 0, 0)
	sameMessages(t, "Messages after Create", msgs, welcomeLines...)
	for _, m := range msgs {
		between(t, "message Time", m.Time, before, after)
	}

	// No messages at all is fine too.
	create(t, s, "c2", nil)
	if rec := get(t, s, "c2"); rec.LastSeq != 0 || rec.Version != 1 {
		t.Errorf("Create without messages: %s", fmtRecord(rec))
	}
	if msgs := messages(t, s, "c2", 0, 0); len(msgs) != 0 {
		t.Errorf("Messages of a conversation without any: %q", msgLines(msgs))
	}
}

func (su *suite) createKeepsCreated(t *testing.T) {
	s := su.new(t)
	// A given Created (in any zone) and message Times are kept, in UTC;
	// a Version or Seq the caller sets is not.
	created := time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.FixedZone("CET", 3600))
	said := created.Add(time.Second)
	err := s.Create(ctx, store.Record{ID: "c", Bot: "acme", Version: 7, LastSeq: 9, Created: created, State: json.RawMessage(`{ "a" : [1, 2] }`)},
		[]store.Message{{Seq: 42, Time: said, Kind: "bot", Text: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	rec := get(t, s, "c")
	sameRecord(t, "Get", rec, store.Record{ID: "c", Bot: "acme", Version: 1, LastSeq: 1, State: json.RawMessage(`{"a":[1,2]}`), Created: created, Updated: created})
	if rec.Created.Location() != time.UTC {
		t.Errorf("Created is in %v, want UTC", rec.Created.Location())
	}
	msgs := messages(t, s, "c", 0, 0)
	sameMessages(t, "Messages", msgs, `1 bot "hi" `)
	if len(msgs) == 1 && !msgs[0].Time.Equal(said) {
		t.Errorf("message Time = %v, want %v", msgs[0].Time, said)
	}
}

func (su *suite) createExists(t *testing.T) {
	s := su.new(t)
	create(t, s, "c", welcome())
	err := s.Create(ctx, store.Record{ID: "c", Bot: "other", State: json.RawMessage(`{}`)}, []store.Message{{Kind: "bot", Text: "again"}})
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("second Create: err = %v, want ErrExists", err)
	}
	rec := get(t, s, "c")
	if rec.Bot != "acme" || string(rec.State) != state1 || rec.Version != 1 {
		t.Errorf("second Create changed the conversation: %s", fmtRecord(rec))
	}
	sameMessages(t, "Messages", messages(t, s, "c", 0, 0), welcomeLines...)
}

func (su *suite) createEmptyID(t *testing.T) {
	s := su.new(t)
	err := s.Create(ctx, store.Record{Bot: "acme"}, nil)
	if err == nil || errors.Is(err, store.ErrExists) {
		t.Fatalf("Create with no id: err = %v, want an error", err)
	}
}

func (su *suite) notFound(t *testing.T) {
	s := su.new(t)
	create(t, s, "other", welcome())
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Commit(ctx, "nope", 1, store.Update{State: json.RawMessage(`{}`), Msgs: welcome(), Reply: &store.Reply{Key: "k", Status: 200}}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Commit: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Messages(ctx, "nope", 0, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Messages: err = %v, want ErrNotFound", err)
	}
	if _, _, err := s.Reply(ctx, "nope", "k"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Reply: err = %v, want ErrNotFound", err)
	}
	// The failed Commit created nothing.
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get after Commit: err = %v, want ErrNotFound", err)
	}
}

func (su *suite) commit(t *testing.T) {
	s := su.new(t)
	create(t, s, "c", welcome())
	created := get(t, s, "c").Created
	before := time.Now()
	rec, err := s.Commit(ctx, "c", 1, store.Update{State: json.RawMessage(`{"dialog":"order","step":2}`), Msgs: []store.Message{{Kind: "user", Text: "where is my order?"}, {Kind: "bot", Text: "Your order number?"}}, Reply: &store.Reply{Key: "idem-1", Status: 200, Body: []byte(`{"messages":["Your order number?"]}`)}})

	after := time.Now()
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	between(t, "Updated", rec.Updated, before, after)
	want := store.Record{ID: "c", Bot: "acme", Version: 2, LastSeq: 4, State: json.RawMessage(`{"dialog":"order","step":2}`), Created: created, Updated: rec.Updated}
	sameRecord(t, "Commit's Record", rec, want)
	sameRecord(t, "Get after Commit", get(t, s, "c"), want)
	msgs := messages(t, s, "c", 0, 0)
	sameMessages(t, "Messages", msgs, append(welcomeLines, `3 user "where is my order?" `, `4 bot "Your order number?" `)...)
	for _, m := range msgs[2:] {
		between(t, "message Time", m.Time, before, after)
	}

	// A commit with nothing but a state still moves the version.
	rec, err = s.Commit(ctx, "c", 2, store.Update{State: json.RawMessage(`{"step":3}`)})
	if err != nil {
		t.Fatalf("second Commit: %v", err)
	}
	if rec.Version != 3 || rec.LastSeq != 4 || string(rec.State) != `{"step":3}` {
		t.Errorf("second Commit: %s", fmtRecord(rec))
	}
	sameRecord(t, "Get after second Commit", get(t, s, "c"), rec)
}

func (su *suite) commitNilState(t *testing.T) {
	s := su.new(t)
	create(t, s, "c", nil)
	rec, err := s.Commit(ctx, "c", 1, store.Update{Msgs: []store.Message{{Kind: "agent", Text: "Hello, Bob here"}}})
	if err != nil {
		t.Fatal(err)
	}
	if string(rec.State) != state1 || rec.Version != 2 || rec.LastSeq != 1 {
		t.Errorf("Commit with nil state: %s", fmtRecord(rec))
	}
	sameRecord(t, "Get", get(t, s, "c"), rec)
}

func (su *suite) conflict(t *testing.T) {
	s := su.new(t)
	create(t, s, "c", welcome())
	good, err := s.Commit(ctx, "c", 1, store.Update{State: json.RawMessage(`{"n":2}`), Msgs: []store.Message{{Kind: "user", Text: "first"}}, Reply: &store.Reply{Key: "a", Status: 200}})
	if err != nil {
		t.Fatal(err)
	}
	for _, stale := range []int64{1, 0, 3, 99} {
		_, err := s.Commit(ctx, "c", stale, store.Update{State: json.RawMessage(`{"n":"stale"}`), Msgs: []store.Message{{Kind: "user", Text: "lost"}}, Reply: &store.Reply{Key: "b", Status: 200, Body: []byte("stale")}})

		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("Commit at version %d (stored: 2): err = %v, want ErrConflict", stale, err)
		}
	}
	sameRecord(t, "Get after conflicts", get(t, s, "c"), good)
	sameMessages(t, "Messages after conflicts", messages(t, s, "c", 0, 0), append(welcomeLines, `3 user "first" `)...)
	if r, ok, err := s.Reply(ctx, "c", "b"); err != nil || ok {
		t.Errorf("Reply of a conflicting commit: %+v, %v, %v; want none", r, ok, err)
	}
}

// stateTooLarge checks that every store refuses a state past
// limits.MaxState, the size the compiler holds initial variables to.
func (su *suite) stateTooLarge(t *testing.T) {
	s := su.new(t)
	create(t, s, "c", nil)
	big := json.RawMessage(`"` + strings.Repeat("a", limits.MaxState-1) + `"`) // MaxState+1 bytes
	want := fmt.Sprintf("store: state too large: %d bytes (at most 16 MiB)", limits.MaxState+1)
	if _, err := s.Commit(ctx, "c", 1, store.Update{State: big}); err == nil || err.Error() != want {
		t.Errorf("Commit with a state of MaxState+1 bytes: error %v, want %q", err, want)
	}
	if err := s.Create(ctx, store.Record{ID: "d", State: big}, nil); err == nil || err.Error() != want {
		t.Errorf("Create with a state of MaxState+1 bytes: error %v, want %q", err, want)
	}
	fits := json.RawMessage(`"` + strings.Repeat("a", limits.MaxState-3) + `"`) // MaxState-1 bytes
	if _, err := s.Commit(ctx, "c", 1, store.Update{State: fits}); err != nil {
		t.Errorf("Commit with a state just under MaxState: %v", err)
	}
	if rec := get(t, s, "c"); rec.Version != 2 || len(rec.State) != limits.MaxState-1 {
		t.Errorf("after the commits: version %d, state %d bytes; want 2 and %d", rec.Version, len(rec.State), limits.MaxState-1)
	}
}

func (su *suite) badInput(t *testing.T) {
	s := su.new(t)
	create(t, s, "c", nil)
	if _, err := s.Commit(ctx, "c", 1, store.Update{State: json.RawMessage(`{"broken`)}); err == nil {
		t.Error("Commit with a state that is not JSON: no error")
	}
	if _, err := s.Commit(ctx, "c", 1, store.Update{Msgs: []store.Message{{Kind: "call", Data: json.RawMessage(`nope`)}}}); err == nil {
		t.Error("Commit with message data that is not JSON: no error")
	}
	if _, err := s.Commit(ctx, "c", 1, store.Update{Reply: &store.Reply{Status: 200}}); err == nil {
		t.Error("Commit with a reply without a key: no error")
	}
	if err := s.Create(ctx, store.Record{ID: "d", State: json.RawMessage(`[`)}, nil); err == nil {
		t.Error("Create with a state that is not JSON: no error")
	}
	if rec := get(t, s, "c"); rec.Version != 1 || rec.LastSeq != 0 || string(rec.State) != state1 {
		t.Errorf("refused commits changed the conversation: %s", fmtRecord(rec))
	}
}

func (su *suite) seq(t *testing.T) {
	s := su.new(t)
	create(t, s, "c", []store.Message{{Seq: 10, Kind: "bot", Text: "a"}})
	v := int64(1)
	for i, batch := range [][]store.Message{
		{{Seq: 1, Kind: "user", Text: "b"}},
		nil,
		{{Seq: 99, Kind: "bot", Text: "c"}, {Kind: "bot", Text: "d"}, {Seq: -4, Kind: "bot", Text: "e"}},
	} {
		rec, err := s.Commit(ctx, "c", v, store.Update{Msgs: batch})
		if err != nil {
			t.Fatalf("Commit %d: %v", i+1, err)
		}
		v = rec.Version
	}
	rec := get(t, s, "c")
	if rec.LastSeq != 5 || rec.Version != 4 {
		t.Errorf("after three commits: %s, want LastSeq 5, Version 4", fmtRecord(rec))
	}
	sameMessages(t, "Messages", messages(t, s, "c", 0, 0),
		`1 bot "a" `, `2 user "b" `, `3 bot "c" `, `4 bot "d" `, `5 bot "e" `)
}

func (su *suite) messagesAfterLimit(t *testing.T) {
	s := su.new(t)
	var msgs []store.Message
	for i := 1; i <= 7; i++ {
		msgs = append(msgs, store.Message{Kind: "bot", Text: fmt.Sprint("m", i)})
	}
	create(t, s, "c", msgs)
	line := func(n int) string { return fmt.Sprintf(`%d bot "m%d" `, n, n) }
	lines := func(from, to int) []string {
		var out []string
		for n := from; n <= to; n++ {
			out = append(out, line(n))
		}
		return out
	}
	for _, c := range []struct {
		after int64
		limit int
		want  []string
	}{
		{0, 0, lines(1, 7)},
		{0, -1, lines(1, 7)},
		{-5, 0, lines(1, 7)},
		{2, 0, lines(3, 7)},
		{2, 3, lines(3, 5)},
		{5, 10, lines(6, 7)},
		{0, 1, lines(1, 1)},
		{6, 1, lines(7, 7)},
		{7, 0, nil},
		{100, 5, nil},
	} {
		sameMessages(t, fmt.Sprintf("Messages(after %d, limit %d)", c.after, c.limit), messages(t, s, "c", c.after, c.limit), c.want...)
	}
}

func (su *suite) replies(t *testing.T) {
	s := su.new(t)
	create(t, s, "c", nil)
	body := []byte("{\"messages\":[\"ok\"]}\n\x00\xff binary too")
	if _, err := s.Commit(ctx, "c", 1, store.Update{Reply: &store.Reply{Key: "k 1/é", Status: 201, Body: body}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, "c", 2, store.Update{Reply: &store.Reply{Key: "k2", Status: 409}}); err != nil {
		t.Fatal(err)
	}
	r, ok, err := s.Reply(ctx, "c", "k 1/é")
	if err != nil || !ok || r.Key != "k 1/é" || r.Status != 201 || !bytes.Equal(r.Body, body) {
		t.Errorf("Reply(k 1/é) = %+v, %v, %v; want {Key:k 1/é Status:201 Body:%q}", r, ok, err, body)
	}
	r, ok, err = s.Reply(ctx, "c", "k2")
	if err != nil || !ok || r.Key != "k2" || r.Status != 409 || len(r.Body) != 0 {
		t.Errorf("Reply(k2) = %+v, %v, %v; want {Key:k2 Status:409}", r, ok, err)
	}
	if r, ok, err := s.Reply(ctx, "c", "unknown"); err != nil || ok {
		t.Errorf("Reply(unknown) = %+v, %v, %v; want not ok, no error", r, ok, err)
	}
	// The same key again replaces the reply.
	if _, err := s.Commit(ctx, "c", 3, store.Update{Reply: &store.Reply{Key: "k2", Status: 200, Body: []byte("second")}}); err != nil {
		t.Fatal(err)
	}
	if r, ok, err := s.Reply(ctx, "c", "k2"); err != nil || !ok || r.Status != 200 || string(r.Body) != "second" {
		t.Errorf("Reply(k2) after a second commit = %+v, %v, %v", r, ok, err)
	}
}

func (su *suite) isolation(t *testing.T) {
	s := su.new(t)
	// Ids that prefix each other, or would collide if keys were
	// concatenated carelessly.
	ids := []string{"a", "a:", "a:msgs", "ab", "a}b", "{a}", "a\x00b", "émoji 🙂"}
	for i, id := range ids {
		create(t, s, id, []store.Message{{Kind: "bot", Text: "hello " + id}})
		if _, err := s.Commit(ctx, id, 1, store.Update{State: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)), Msgs: []store.Message{{Kind: "user", Text: "from " + id}}, Reply: &store.Reply{Key: "k", Status: 200 + i}}); err != nil {
			t.Fatalf("Commit(%q): %v", id, err)
		}
	}
	for i, id := range ids {
		rec := get(t, s, id)
		if rec.ID != id || rec.Version != 2 || rec.LastSeq != 2 || string(rec.State) != fmt.Sprintf(`{"i":%d}`, i) {
			t.Errorf("Get(%q) = %s", id, fmtRecord(rec))
		}
		sameMessages(t, fmt.Sprintf("Messages(%q)", id), messages(t, s, id, 0, 0),
			fmt.Sprintf(`1 bot %q `, "hello "+id), fmt.Sprintf(`2 user %q `, "from "+id))
		if r, ok, err := s.Reply(ctx, id, "k"); err != nil || !ok || r.Status != 200+i {
			t.Errorf("Reply(%q, k) = %+v, %v, %v; want status %d", id, r, ok, err, 200+i)
		}
	}
}

func (su *suite) noAliasing(t *testing.T) {
	s := su.new(t)
	state := []byte(`{"x":1}`)
	msgs := []store.Message{{Kind: "bot", Text: "t", Data: json.RawMessage(`{"d":1}`)}}
	if err := s.Create(ctx, store.Record{ID: "c", State: state}, msgs); err != nil {
		t.Fatal(err)
	}
	body := []byte("body")
	if _, err := s.Commit(ctx, "c", 1, store.Update{Reply: &store.Reply{Key: "k", Status: 200, Body: body}}); err != nil {
		t.Fatal(err)
	}
	// Scribbling over what was passed in, or what came out, changes
	// nothing stored.
	copy(state, "XXXXXXX")
	copy(msgs[0].Data, "XXXXXXX")
	copy(body, "XXXX")
	rec := get(t, s, "c")
	copy(rec.State, "YYYYYYY")
	got := messages(t, s, "c", 0, 0)
	copy(got[0].Data, "YYYYYYY")
	r, _, _ := s.Reply(ctx, "c", "k")
	copy(r.Body, "YYYY")

	if rec := get(t, s, "c"); string(rec.State) != `{"x":1}` {
		t.Errorf("State = %s, want {\"x\":1}", rec.State)
	}
	sameMessages(t, "Messages", messages(t, s, "c", 0, 0), `1 bot "t" {"d":1}`)
	if r, _, _ := s.Reply(ctx, "c", "k"); string(r.Body) != "body" {
		t.Errorf("Reply body = %q, want body", r.Body)
	}
}

// concurrentOne is the optimistic-concurrency contract: 50 writers on one
// conversation, each reading then committing and retrying on conflict,
// get exactly 50 commits applied, each once, none lost.
func (su *suite) concurrentOne(t *testing.T) {
	s := su.new(t)
	if err := s.Create(ctx, store.Record{ID: "c", Bot: "acme", State: json.RawMessage(`{"applied":[]}`)}, []store.Message{{Kind: "bot", Text: "welcome"}}); err != nil {
		t.Fatal(err)
	}
	const writers = 50
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		conflicts int
		versions  = map[int64]int{}
	)
	for w := range writers {
		wg.Go(func() {
			for attempt := 0; ; attempt++ {
				if attempt == 10000 {
					t.Errorf("writer %d: no commit after %d attempts", w, attempt)
					return
				}
				rec, err := s.Get(ctx, "c")
				if err != nil {
					t.Errorf("writer %d: Get: %v", w, err)
					return
				}
				var st struct{ Applied []int }
				if err := json.Unmarshal(rec.State, &st); err != nil {
					t.Errorf("writer %d: state %s: %v", w, rec.State, err)
					return
				}
				st.Applied = append(st.Applied, w)
				next, _ := json.Marshal(map[string]any{"applied": st.Applied})
				out, err := s.Commit(ctx, "c", rec.Version, store.Update{State: next, Msgs: []store.Message{{Kind: "user", Text: fmt.Sprintf("w%02d", w)}}, Reply: &store.Reply{Key: fmt.Sprintf("w%02d", w), Status: 200, Body: []byte(fmt.Sprint(w))}})

				if errors.Is(err, store.ErrConflict) {
					mu.Lock()
					conflicts++
					mu.Unlock()
					continue
				}
				if err != nil {
					t.Errorf("writer %d: Commit: %v", w, err)
					return
				}
				if out.Version != rec.Version+1 {
					t.Errorf("writer %d: committed at %d, got version %d", w, rec.Version, out.Version)
				}
				mu.Lock()
				versions[out.Version]++
				mu.Unlock()
				return
			}
		})
	}
	wg.Wait()
	t.Logf("%d conflicts retried", conflicts)

	rec := get(t, s, "c")
	if rec.Version != writers+1 || rec.LastSeq != writers+1 {
		t.Errorf("after %d writers: %s, want Version %d, LastSeq %d", writers, fmtRecord(rec), writers+1, writers+1)
	}
	for v := int64(2); v <= writers+1; v++ {
		if versions[v] != 1 {
			t.Errorf("version %d was returned by %d commits, want 1", v, versions[v])
		}
	}
	var st struct{ Applied []int }
	if err := json.Unmarshal(rec.State, &st); err != nil {
		t.Fatal(err)
	}
	sort.Ints(st.Applied)
	want := make([]int, writers)
	for i := range want {
		want[i] = i
	}
	if !slices.Equal(st.Applied, want) {
		t.Errorf("state holds %v, want every writer once", st.Applied)
	}
	msgs := messages(t, s, "c", 1, 0)
	seen := map[string]bool{}
	for i, m := range msgs {
		if m.Seq != int64(i)+2 {
			t.Errorf("message %d has Seq %d", i+2, m.Seq)
		}
		seen[m.Text] = true
	}
	if len(msgs) != writers || len(seen) != writers {
		t.Errorf("%d messages, %d distinct, want %d of each", len(msgs), len(seen), writers)
	}
	for w := range writers {
		key := fmt.Sprintf("w%02d", w)
		if !seen[key] {
			t.Errorf("message %s lost", key)
		}
		if r, ok, err := s.Reply(ctx, "c", key); err != nil || !ok || string(r.Body) != fmt.Sprint(w) {
			t.Errorf("Reply(%s) = %+v, %v, %v", key, r, ok, err)
		}
	}
}

// concurrentMany interleaves writers on different conversations, as
// a busy server does.
func (su *suite) concurrentMany(t *testing.T) {
	s := su.new(t)
	const convs, turns = 20, 10
	var wg sync.WaitGroup
	for c := range convs {
		wg.Go(func() {
			id := fmt.Sprint("conv-", c)
			if err := s.Create(ctx, store.Record{ID: id, Bot: "acme"}, nil); err != nil {
				t.Errorf("Create(%s): %v", id, err)
				return
			}
			for v := int64(1); v <= turns; v++ {
				if _, err := s.Commit(ctx, id, v, store.Update{State: json.RawMessage(fmt.Sprint(v)), Msgs: []store.Message{{Kind: "user", Text: fmt.Sprint(v)}}}); err != nil {
					t.Errorf("Commit(%s, %d): %v", id, v, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for c := range convs {
		id := fmt.Sprint("conv-", c)
		rec := get(t, s, id)
		if rec.Version != turns+1 || rec.LastSeq != turns || string(rec.State) != fmt.Sprint(turns) {
			t.Errorf("%s: %s", id, fmtRecord(rec))
		}
		if n := len(messages(t, s, id, 0, 0)); n != turns {
			t.Errorf("%s: %d messages, want %d", id, n, turns)
		}
	}
}

func (su *suite) ping(t *testing.T) {
	s := su.new(t)
	p, ok := s.(store.Pinger)
	if !ok {
		t.Skip("not a store.Pinger")
	}
	if err := p.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func (su *suite) closed(t *testing.T) {
	s := su.open(t)
	create(t, s, "c", nil)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Get(ctx, "c"); err == nil {
		t.Error("Get after Close: no error")
	}
	if _, err := s.Commit(ctx, "c", 1, store.Update{}); err == nil {
		t.Error("Commit after Close: no error")
	}
	if err := s.Create(ctx, store.Record{ID: "d"}, nil); err == nil {
		t.Error("Create after Close: no error")
	}
	if p, ok := s.(store.Pinger); ok {
		if err := p.Ping(ctx); err == nil {
			t.Error("Ping after Close: no error")
		}
	}
}

func (su *suite) reopenCase(t *testing.T) {
	if su.reopen == nil {
		t.Skip("not durable: no storetest.Reopen")
	}
	s := su.open(t)
	create(t, s, "a", welcome())
	create(t, s, "b", nil)
	recA, err := s.Commit(ctx, "a", 1, store.Update{State: json.RawMessage(`{"n":2}`), Msgs: []store.Message{{Kind: "user", Text: "x"}}, Reply: &store.Reply{Key: "k", Status: 200, Body: []byte("r")}})
	if err != nil {
		t.Fatal(err)
	}
	recB := get(t, s, "b")
	msgsA := messages(t, s, "a", 0, 0)

	s = su.reopen(t, s)
	t.Cleanup(func() { s.Close() })
	sameRecord(t, "a after reopen", get(t, s, "a"), recA)
	sameRecord(t, "b after reopen", get(t, s, "b"), recB)
	got := messages(t, s, "a", 0, 0)
	sameMessages(t, "a's messages after reopen", got, msgLines(msgsA)...)
	for i := range min(len(got), len(msgsA)) {
		if !got[i].Time.Equal(msgsA[i].Time) {
			t.Errorf("message %d Time = %v, want %v", i+1, got[i].Time, msgsA[i].Time)
		}
	}
	if r, ok, err := s.Reply(ctx, "a", "k"); err != nil || !ok || r.Status != 200 || string(r.Body) != "r" {
		t.Errorf("Reply after reopen = %+v, %v, %v", r, ok, err)
	}
	// And the conversation goes on where it was.
	rec, err := s.Commit(ctx, "a", 2, store.Update{Msgs: []store.Message{{Kind: "bot", Text: "y"}}})
	if err != nil || rec.Version != 3 || rec.LastSeq != 4 {
		t.Errorf("Commit after reopen: %s, %v", fmtRecord(rec), err)
	}
}
