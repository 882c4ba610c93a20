package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/store/pgtest"
	"github.com/botctl/botctl/engine/store/redistest"
)

// adminStores are the stores the erasure and retention tests run on,
// each opened with the test's clock.
func adminStores() map[string]func(t *testing.T, now func() time.Time) store.Store {
	return map[string]func(*testing.T, func() time.Time) store.Store{
		"memory": func(t *testing.T, now func() time.Time) store.Store {
			return store.NewMemory(store.WithClock(now))
		},
		"file": func(t *testing.T, now func() time.Time) store.Store {
			st, err := store.OpenFile(filepath.Join(t.TempDir(), "botctl.db"), store.WithClock(now))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
		"redis": func(t *testing.T, now func() time.Time) store.Store {
			srv := redistest.Start(t)
			st, err := store.OpenRedis(srv.URL(0), store.WithClock(now))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
		"postgres": func(t *testing.T, now func() time.Time) store.Store {
			srv := pgtest.Start(t)
			st, err := store.OpenPostgres(srv.NewDatabase(t), store.WithClock(now))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	}
}

// events records the server's events.
type events struct {
	mu  sync.Mutex
	evs []Event
}

func (r *events) add(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
}

func (r *events) erased() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.evs {
		if ev.Type == EventErased {
			if ev.Data != nil {
				panic("an erased event with data")
			}
			out = append(out, ev.Conversation)
		}
	}
	slices.Sort(out)
	return out
}

// listIDs lists conversations through the API, following the cursors.
func (e *env) listIDs(query string) []string {
	e.t.Helper()
	var ids []string
	cursor := ""
	for range 100 {
		q, _ := url.ParseQuery(query)
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page ListResponse
		e.do("GET", "/v1/conversations?"+q.Encode(), adminKey, nil).want(e.t, 200).decode(e.t, &page)
		for _, c := range page.Conversations {
			ids = append(ids, c.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		cursor = page.NextCursor
	}
	e.t.Fatal("more than 100 pages")
	return nil
}

// metric checks that /metrics has a line.
func (e *env) metric(line string) {
	e.t.Helper()
	if r := e.do("GET", "/metrics", "", nil).want(e.t, 200); !strings.Contains(r.String(), "\n"+line+"\n") {
		e.t.Errorf("/metrics lacks %s", line)
	}
}

// Acceptance: delete one conversation, delete a user with two: each is
// 404 after, in no list, its uploads gone, on every store.
func TestErasure(t *testing.T) {
	for name, open := range adminStores() {
		t.Run(name, func(t *testing.T) {
			var evs events
			logs := &syncBuffer{}
			files := DirFiles{Dir: t.TempDir()}
			c := &clock{t: time.Now()}
			e := newEnv(t, WithStore(open(t, c.Now)), WithFiles(files), WithOnEvent(evs.add), WithClock(c.Now),
				WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
			e.clock = c
			user := func(id string) map[string]any {
				return map[string]any{"bot": "shop", "user": map[string]any{"id": id, "name": "Ann"}}
			}
			one := e.create(user("u-1"))
			e.say(one.ID, one.Token, "receipt")
			e.upload(one.ID, one.Token, "receipt.pdf", "application/pdf", []byte("%PDF-1.7\nreceipt of u-1")).want(t, 200)
			if _, err := os.Stat(filepath.Join(files.Dir, one.ID)); err != nil {
				t.Fatalf("the upload is not where the test looks for it: %v", err)
			}
			c.Add(time.Second)
			two := e.create(user("u-2"))
			c.Add(time.Second)
			three := e.create(map[string]any{"bot": "shop", "user": map[string]any{"id": "u-2"}})
			e.say(three.ID, three.Token, "agent")
			c.Add(time.Second)
			other := e.create(nil)

			sameList := func(what, query string, want ...string) {
				t.Helper()
				if got := e.listIDs(query); !slices.Equal(got, want) && (len(got) > 0 || len(want) > 0) {
					t.Errorf("%s: list %s = %q, want %q", what, query, got, want)
				}
			}
			sameList("before", "", other.ID, three.ID, two.ID, one.ID)
			sameList("before", "user=u-2", three.ID, two.ID)
			sameList("before", "owner=agent&tag=human", three.ID)
			sameList("before", "limit=1", other.ID, three.ID, two.ID, one.ID)

			// A conversation token may not erase, even its own conversation.
			e.do("DELETE", "/v1/conversations/"+one.ID, one.Token, nil).want(t, 403)
			e.do("DELETE", "/v1/users/u-1", "", nil).want(t, 401)

			e.do("DELETE", "/v1/conversations/"+one.ID, adminKey, nil).want(t, 204)
			e.do("GET", "/v1/conversations/"+one.ID, adminKey, nil).want(t, 404)
			e.do("POST", "/v1/conversations/"+one.ID+"/complete", one.Token, map[string]string{"text": "hi"}).want(t, 404)
			e.do("GET", "/v1/conversations/"+one.ID+"/transcript", adminKey, nil).want(t, 404)
			e.do("DELETE", "/v1/conversations/"+one.ID, adminKey, nil).want(t, 404)
			if _, err := os.Stat(filepath.Join(files.Dir, one.ID)); !os.IsNotExist(err) {
				t.Errorf("the erased conversation's uploads: %v, want them gone", err)
			}
			sameList("after deleting one", "", other.ID, three.ID, two.ID)
			sameList("after deleting one", "user=u-1")

			before := len(logs.String())
			var erased EraseResponse
			e.do("DELETE", "/v1/users/u-2", adminKey, nil).want(t, 200).decode(t, &erased)
			if erased.Erased != 2 {
				t.Errorf("DELETE /v1/users/u-2 erased %d, want 2", erased.Erased)
			}
			for _, id := range []string{two.ID, three.ID} {
				e.do("GET", "/v1/conversations/"+id, adminKey, nil).want(t, 404)
			}
			sameList("after deleting the user", "", other.ID)
			sameList("after deleting the user", "user=u-2")
			sameList("after deleting the user", "owner=agent")
			if log := logs.String()[before:]; strings.Contains(log, "u-2") || !strings.Contains(log, "conversation erased") {
				t.Errorf("the log of the user's erasure names the user, or not the erasure:\n%s", log)
			}
			e.do("DELETE", "/v1/users/u-2", adminKey, nil).want(t, 200).decode(t, &erased)
			if erased.Erased != 0 {
				t.Errorf("erasing the user again erased %d", erased.Erased)
			}
			e.do("GET", "/v1/conversations/"+other.ID, adminKey, nil).want(t, 200)

			want := []string{one.ID, two.ID, three.ID}
			slices.Sort(want)
			if got := evs.erased(); !slices.Equal(got, want) {
				t.Errorf("erased events for %q, want %q", got, want)
			}
			e.metric(`botctl_conversations_erased_total{reason="request"} 1`)
			e.metric(`botctl_conversations_erased_total{reason="user"} 2`)
		})
	}
}

// Acceptance: retention erases a conversation older than the limit on
// every store, with its uploads, and keeps the others.
func TestRetention(t *testing.T) {
	for name, open := range adminStores() {
		t.Run(name, func(t *testing.T) {
			var evs events
			files := &MemoryFiles{}
			c := &clock{t: time.Now()}
			e := newEnv(t, WithStore(open(t, c.Now)), WithFiles(files), WithOnEvent(evs.add), WithClock(c.Now))
			old := e.create(nil)
			e.say(old.ID, old.Token, "receipt")
			e.upload(old.ID, old.Token, "r.pdf", "application/pdf", []byte("%PDF-1.7\nold")).want(t, 200)
			c.Add(50 * time.Minute)
			written := e.create(nil) // created early, written to late
			c.Add(20 * time.Minute)
			e.say(written.ID, written.Token, "hi")
			fresh := e.create(nil)

			ctx := context.Background()
			n, err := e.s.Sweep(ctx, time.Hour)
			if err != nil || n != 1 {
				t.Fatalf("Sweep = %d, %v; want 1 erased", n, err)
			}
			e.do("GET", "/v1/conversations/"+old.ID, adminKey, nil).want(t, 404)
			for _, id := range []string{written.ID, fresh.ID} {
				e.do("GET", "/v1/conversations/"+id, adminKey, nil).want(t, 200)
			}
			if convs, _ := files.Conversations(ctx); len(convs) != 0 {
				t.Errorf("uploads left of %q", convs)
			}
			if got := evs.erased(); !slices.Equal(got, []string{old.ID}) {
				t.Errorf("erased events for %q, want the old conversation", got)
			}
			e.metric(`botctl_conversations_erased_total{reason="retention"} 1`)
			// Nothing else is old enough; without a retention nothing goes.
			if n, err := e.s.Sweep(ctx, time.Hour); err != nil || n != 0 {
				t.Errorf("second Sweep = %d, %v", n, err)
			}
			c.Add(24 * time.Hour)
			if n, err := e.s.Sweep(ctx, 0); err != nil || n != 0 {
				t.Errorf("Sweep without a retention = %d, %v", n, err)
			}
		})
	}
}

// Uploads whose conversation another replica erased are erased by the
// next sweep.
func TestSweepOrphanedFiles(t *testing.T) {
	files := &MemoryFiles{}
	st := store.NewMemory()
	e := newEnv(t, WithStore(st), WithFiles(files))
	c := e.create(nil)
	e.say(c.ID, c.Token, "receipt")
	e.upload(c.ID, c.Token, "r.pdf", "application/pdf", []byte("%PDF-1.7\nx")).want(t, 200)
	keep := e.create(nil)
	e.say(keep.ID, keep.Token, "receipt")
	e.upload(keep.ID, keep.Token, "r.pdf", "application/pdf", []byte("%PDF-1.7\ny")).want(t, 200)
	if err := st.Delete(context.Background(), c.ID); err != nil { // as another replica would
		t.Fatal(err)
	}
	if _, err := e.s.Sweep(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if convs, _ := files.Conversations(context.Background()); !slices.Equal(convs, []string{keep.ID}) {
		t.Errorf("files left for %q, want only %s's", convs, keep.ID)
	}
}

func TestListQuery(t *testing.T) {
	e := newEnv(t)
	for range 3 {
		e.create(nil)
	}
	bad := map[string]string{
		"limit=0":                  CodeBadRequest,
		"limit=1001":               CodeBadRequest,
		"limit=ten":                CodeBadRequest,
		"cursor=nope":              CodeBadRequest,
		"updated_since=yesterday":  CodeBadRequest,
		"bot=a&bot=b":              CodeBadRequest,
		"owner=bot&colour=blue":    CodeUnknownField,
		"updated_since=2026-13-01": CodeBadRequest,
	}
	for q, code := range bad {
		r := e.do("GET", "/v1/conversations?"+q, adminKey, nil).want(t, 400)
		if got := r.errorCode(t); got != code {
			t.Errorf("?%s: code %s, want %s", q, got, code)
		}
	}
	e.clock.Add(time.Second)
	c := e.create(nil)
	e.do("GET", "/v1/conversations", c.Token, nil).want(t, 403)
	e.do("GET", "/v1/conversations", "", nil).want(t, 401)

	var page ListResponse
	e.do("GET", "/v1/conversations?limit=2", adminKey, nil).want(t, 200).decode(t, &page)
	if len(page.Conversations) != 2 || page.NextCursor == "" {
		t.Fatalf("first page of 2: %+v", page)
	}
	first := page.Conversations[0]
	if first.ID != c.ID || first.Bot != "shop" || first.Owner != "bot" || first.Tags == nil || first.Cursor == 0 {
		t.Errorf("the newest conversation listed: %+v", first)
	}
	since := e.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	e.do("GET", "/v1/conversations?updated_since="+since, adminKey, nil).want(t, 200).decode(t, &page)
	if len(page.Conversations) != 0 {
		t.Errorf("updated since an hour from now: %d conversations", len(page.Conversations))
	}
}

// A user id given as a number is found by its digits.
func TestListNumericUser(t *testing.T) {
	e := newEnv(t)
	c := e.create(map[string]any{"bot": "shop", "user": map[string]any{"id": 42}})
	if got := e.listIDs("user=42"); !slices.Equal(got, []string{c.ID}) {
		t.Errorf("list user=42 = %q, want %s", got, c.ID)
	}
	r := e.do("DELETE", "/v1/users/42", adminKey, nil).want(t, 200)
	if !strings.Contains(r.String(), `"erased":1`) {
		t.Errorf("DELETE /v1/users/42: %s", r)
	}
}

// benchList is here so that the list handler's cost shows beside the
// store's: see BenchmarkList in engine/store.
func BenchmarkListHandler(b *testing.B) {
	e := newEnv(b, WithStore(store.NewMemory()))
	for i := range 1000 {
		e.create(map[string]any{"bot": "shop", "user": map[string]any{"id": fmt.Sprint("u", i%10)}})
	}
	b.ResetTimer()
	for range b.N {
		r := e.do("GET", "/v1/conversations?user=u3&limit=50", adminKey, nil)
		if r.status != http.StatusOK {
			b.Fatal(r)
		}
	}
}
