package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/store/storetest"
	bolt "go.etcd.io/bbolt"
)

func openFile(tb testing.TB, path string, opts ...store.Option) *store.File {
	tb.Helper()
	f, err := store.OpenFile(path, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func TestFile(t *testing.T) {
	storetest.Run(t,
		func(tb testing.TB) store.Store {
			return openFile(tb, filepath.Join(tb.TempDir(), "botctl.db"))
		},
		storetest.Reopen(func(tb testing.TB, s store.Store) store.Store {
			path := s.(*store.File).Path()
			if err := s.Close(); err != nil {
				tb.Fatal(err)
			}
			return openFile(tb, path)
		}))
}

// TestFileLog runs the behaviour suite with the log taken into the
// database after every group (reads find everything there), and never
// (reads find every write in memory, until Close).
func TestFileLog(t *testing.T) {
	for name, opt := range map[string]store.Option{
		"apply-every-group": store.WithApplyEvery(time.Millisecond, 1),
		"apply-never":       store.WithApplyEvery(time.Hour, 1<<40),
	} {
		t.Run(name, func(t *testing.T) {
			storetest.Run(t,
				func(tb testing.TB) store.Store {
					return openFile(tb, filepath.Join(tb.TempDir(), "botctl.db"), opt)
				},
				storetest.Reopen(func(tb testing.TB, s store.Store) store.Store {
					path := s.(*store.File).Path()
					if err := s.Close(); err != nil {
						tb.Fatal(err)
					}
					return openFile(tb, path, opt)
				}))
		})
	}
}

// TestFileReadsDuringApplies reads conversations while they are written
// and the log is taken into the database hundreds of times: every read
// sees a whole conversation, its messages numbered 1..LastSeq once each,
// and after Close the log is gone and everything is in the database.
func TestFileReadsDuringApplies(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "botctl.db")
	f := openFile(t, path, store.WithApplyEvery(time.Millisecond, 2048))
	const convs, minTurns = 8, 50
	for c := range convs {
		if err := f.Create(ctx, store.Record{ID: fmt.Sprint(c), State: []byte(`{"v":1}`)}, []store.Message{{Kind: "bot", Text: "welcome"}}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(id string) {
		rec, err := f.Get(ctx, id)
		if err != nil {
			t.Error(err)
			return
		}
		if want := fmt.Sprintf(`{"v":%d}`, rec.Version); string(rec.State) != want || rec.LastSeq != rec.Version {
			t.Errorf("%s: version %d, state %s, LastSeq %d", id, rec.Version, rec.State, rec.LastSeq)
		}
		msgs, err := f.Messages(ctx, id, 0, 0)
		if err != nil {
			t.Error(err)
			return
		}
		if int64(len(msgs)) < rec.LastSeq {
			t.Errorf("%s: %d messages after reading LastSeq %d", id, len(msgs), rec.LastSeq)
		}
		for i, m := range msgs {
			if m.Seq != int64(i+1) {
				t.Errorf("%s: message %d has Seq %d", id, i+1, m.Seq)
				return
			}
		}
		// Paging from the middle gives the rest, in order.
		if half := rec.LastSeq / 2; half > 0 {
			page, err := f.Messages(ctx, id, half, 3)
			if err != nil || len(page) == 0 || page[0].Seq != half+1 || len(page) > 3 {
				t.Errorf("%s: page after %d: %d messages, %v", id, half, len(page), err)
			}
		}
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	final := make([]int64, convs)
	deadline := time.Now().Add(10 * time.Second)
	for c := range convs {
		id := fmt.Sprint(c)
		wg.Go(func() {
			// Until the log has been taken in often enough, whatever the
			// machine's speed.
			v := int64(1)
			for ; v <= minTurns || f.Stats().Applies < 30 && time.Now().Before(deadline); v++ {
				reply := &store.Reply{Key: fmt.Sprint("k", v), Status: 200, Body: []byte(id)}
				if _, err := f.Commit(ctx, id, v, store.Update{State: fmt.Appendf(nil, `{"v":%d}`, v+1), Msgs: []store.Message{{Kind: "user", Text: fmt.Sprint(v)}}, Reply: reply}); err != nil {
					t.Error(err)
					return
				}
			}
			final[c] = v
		})
	}
	var readers sync.WaitGroup
	for r := range 4 {
		readers.Go(func() {
			for i := r; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				check(fmt.Sprint(i % convs))
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	st := f.Stats()
	t.Logf("%+v", st)
	if st.Applies < 30 {
		t.Errorf("%d applies; the test means to read during many", st.Applies)
	}
	for c := range convs {
		id := fmt.Sprint(c)
		check(id)
		if r, ok, err := f.Reply(ctx, id, "k7"); err != nil || !ok || string(r.Body) != id {
			t.Errorf("%s: reply k7: %+v %v %v", id, r, ok, err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if logs, _ := filepath.Glob(path + ".wal.*"); len(logs) != 0 {
		t.Errorf("log segments after Close: %v", logs)
	}
	// The database alone has it all.
	f = openFile(t, path)
	defer f.Close()
	for c := range convs {
		check(fmt.Sprint(c))
		if rec, _ := f.Get(ctx, fmt.Sprint(c)); rec.Version != final[c] {
			t.Errorf("%d: version %d after reopening, want %d", c, rec.Version, final[c])
		}
	}
}

func TestFileCreatesParentDirs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "botctl.db")
	f := openFile(t, path)
	defer f.Close()
	if f.Path() != path {
		t.Errorf("Path() = %q, want %q", f.Path(), path)
	}
}

func TestFileLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "botctl.db")
	f := openFile(t, path)
	defer f.Close()
	start := time.Now()
	_, err := store.OpenFile(path, store.WithLockTimeout(100*time.Millisecond))
	if err == nil {
		t.Fatal("second OpenFile of a file in use: no error")
	}
	want := "store: " + path + " is locked: another botctl serve is using it (stop that one, or give each server its own file, or use a redis:// store to share conversations)"
	if err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %v, want about 100ms", d)
	}
	// Once the first one closes, the file can be opened again.
	f.Close()
	g := openFile(t, path, store.WithLockTimeout(100*time.Millisecond))
	g.Close()
}

func TestFileNotADatabase(t *testing.T) {
	dir := t.TempDir()
	_, err := store.OpenFile(dir)
	if err == nil || !strings.HasPrefix(err.Error(), "store: open "+dir+": ") {
		t.Errorf("OpenFile of a directory: %v", err)
	}
}

// TestFileGroupsCommits: commits arriving together share transactions.
func TestFileGroupsCommits(t *testing.T) {
	f := openFile(t, filepath.Join(t.TempDir(), "botctl.db"))
	defer f.Close()
	ctx := context.Background()
	const n = 64
	for i := range n {
		if err := f.Create(ctx, store.Record{ID: fmt.Sprint(i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if st := f.Stats(); st.Writes != n || st.Groups != n {
		t.Errorf("after %d Creates one at a time: %+v, want one group each", n, st)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			for v := int64(1); v <= 10; v++ {
				if _, err := f.Commit(ctx, fmt.Sprint(i), v, store.Update{Msgs: []store.Message{{Kind: "user", Text: "x"}}}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	st := f.Stats()
	if st.Writes != n+n*10 {
		t.Errorf("Writes = %d, want %d", st.Writes, n+n*10)
	}
	txs := st.Groups - n
	t.Logf("%d concurrent commits in %d transactions", n*10, txs)
	if txs >= n*10/2 {
		t.Errorf("%d concurrent commits took %d transactions, want them grouped (fewer than half as many)", n*10, txs)
	}
}

func TestFileWriteTo(t *testing.T) {
	dir := t.TempDir()
	f := openFile(t, filepath.Join(dir, "botctl.db"))
	defer f.Close()
	ctx := context.Background()
	if err := f.Create(ctx, store.Record{ID: "c", Bot: "acme"}, []store.Message{{Kind: "bot", Text: "hi"}}); err != nil {
		t.Fatal(err)
	}
	backup, err := os.Create(filepath.Join(dir, "backup.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteTo(backup); err != nil {
		t.Fatal(err)
	}
	backup.Close()
	// The live store goes on; the copy has what was there.
	if _, err := f.Commit(ctx, "c", 1, store.Update{}); err != nil {
		t.Fatal(err)
	}
	b := openFile(t, backup.Name())
	defer b.Close()
	rec, err := b.Get(ctx, "c")
	if err != nil || rec.Version != 1 || rec.Bot != "acme" || rec.LastSeq != 1 {
		t.Errorf("the backup holds %+v, %v", rec, err)
	}
}

// TestFileFailedWriteAlone: a write that bbolt refuses (here a key over
// its 32 KiB limit) fails alone; the writes grouped with it still land.
func TestFileFailedWriteAlone(t *testing.T) {
	f := openFile(t, filepath.Join(t.TempDir(), "botctl.db"))
	defer f.Close()
	ctx := context.Background()
	const n = 20
	for i := range n {
		if err := f.Create(ctx, store.Record{ID: fmt.Sprint(i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			reply := &store.Reply{Key: "k", Status: 200}
			if i == 7 {
				reply.Key = strings.Repeat("k", 40<<10)
			}
			<-start
			_, errs[i] = f.Commit(ctx, fmt.Sprint(i), 1, store.Update{Msgs: []store.Message{{Kind: "user", Text: "x"}}, Reply: reply})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		rec, gerr := f.Get(ctx, fmt.Sprint(i))
		if gerr != nil {
			t.Fatal(gerr)
		}
		if i == 7 {
			if err == nil || !strings.Contains(err.Error(), "key too large") || rec.Version != 1 || rec.LastSeq != 0 {
				t.Errorf("the refused write: err %v, record %+v; want key too large and nothing written", err, rec)
			}
			continue
		}
		if err != nil || rec.Version != 2 || rec.LastSeq != 1 {
			t.Errorf("write %d: err %v, record %+v", i, err, rec)
		}
	}
}

// TestFileMessagesAcrossWrites reads a log written in several writes (one
// stored value each) from every position, next to other conversations'
// keys on both sides.
func TestFileMessagesAcrossWrites(t *testing.T) {
	ctx := context.Background()
	f := openFile(t, filepath.Join(t.TempDir(), "botctl.db"))
	defer f.Close()
	msg := func(text string) store.Message { return store.Message{Kind: "bot", Text: text} }
	var want []string
	for _, id := range []string{"a", "b", "c"} {
		if err := f.Create(ctx, store.Record{ID: id, Bot: "x"}, []store.Message{msg(id + "1"), msg(id + "2")}); err != nil {
			t.Fatal(err)
		}
	}
	want = []string{"b1", "b2"}
	// Writes of 0, 1, 3 and 2 messages to b.
	for v, n := range []int{0, 1, 3, 2} {
		var msgs []store.Message
		for i := 0; i < n; i++ {
			text := fmt.Sprintf("b%d", len(want)+1)
			msgs = append(msgs, msg(text))
			want = append(want, text)
		}
		if _, err := f.Commit(ctx, "b", int64(v+1), store.Update{Msgs: msgs}); err != nil {
			t.Fatal(err)
		}
	}
	for after := -1; after <= len(want)+1; after++ {
		for limit := 0; limit <= len(want)+1; limit++ {
			got, err := f.Messages(ctx, "b", int64(after), limit)
			if err != nil {
				t.Fatal(err)
			}
			var exp []string
			for i := max(after, 0); i < len(want) && (limit == 0 || len(exp) < limit); i++ {
				exp = append(exp, want[i])
			}
			var texts []string
			for i, m := range got {
				texts = append(texts, m.Text)
				if m.Seq != int64(max(after, 0)+i+1) {
					t.Errorf("after %d limit %d: message %d has Seq %d", after, limit, i, m.Seq)
				}
			}
			if fmt.Sprint(texts) != fmt.Sprint(exp) {
				t.Errorf("after %d limit %d: got %v, want %v", after, limit, texts, exp)
			}
		}
	}
	rec, err := f.Get(ctx, "b")
	if err != nil || rec.LastSeq != int64(len(want)) || rec.Version != 5 {
		t.Fatalf("Get: %+v, %v", rec, err)
	}
}

// TestFileOldFormat: a database of an older format is refused, saying so.
func TestFileOldFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "botctl.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("meta"))
		if err != nil {
			return err
		}
		return b.Put([]byte("format"), []byte("1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = store.OpenFile(path)
	if err == nil || !strings.Contains(err.Error(), "store format 1") || !strings.Contains(err.Error(), "older botctl") {
		t.Fatalf("OpenFile of a format 1 file: %v", err)
	}
}

// TestFileApplyFails: while the log cannot be written into the database
// (a full disk, say), writes go on into the log and Ping says what is
// wrong; once too much log waits, writes fail with the cause instead of
// growing it further; when the database takes writes again, so does the
// store, and nothing acknowledged is lost.
func TestFileApplyFails(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "botctl.db")
	var failing atomic.Bool
	failing.Store(true)
	fail := func() error {
		if failing.Load() {
			return errors.New("no space left on device")
		}
		return nil
	}
	f := openFile(t, path, store.WithApplyEvery(time.Millisecond, 1), store.WithFailingApply(fail, 8<<10))
	if err := f.Create(ctx, store.Record{ID: "c"}, nil); err != nil {
		t.Fatal(err)
	}
	wantPing := fmt.Sprintf("store: writing the log into %s: no space left on device", path)
	waitFor(t, func() bool { err := f.Ping(ctx); return err != nil && err.Error() == wantPing })

	big := strings.Repeat("x", 1000)
	v := int64(1)
	var refused error
	for ; v < 100; v++ {
		_, err := f.Commit(ctx, "c", v, store.Update{Msgs: []store.Message{{Kind: "user", Text: big}}})
		if err != nil {
			refused = err
			break
		}
		time.Sleep(2 * time.Millisecond) // let the failing applies close segments
	}
	if refused == nil || !strings.Contains(refused.Error(), "of log wait to be written into the database, which fails: writing the log into") {
		t.Fatalf("after %d commits with the database failing: err %v, want writes refused", v-1, refused)
	}
	acked := v // the version the conversation is at

	failing.Store(false)
	waitFor(t, func() bool { return f.Ping(ctx) == nil })
	if _, err := f.Commit(ctx, "c", acked, store.Update{}); err != nil {
		t.Fatalf("once the database takes writes again: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f = openFile(t, path)
	defer f.Close()
	rec, err := f.Get(ctx, "c")
	if err != nil || rec.Version != acked+1 || rec.LastSeq != acked-1 {
		t.Errorf("after reopening: %+v %v, want version %d with %d messages", rec, err, acked+1, acked-1)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkFileList lists from 10,000 conversations of 100 users, all in
// the database: the first page (by the updated index), a user's
// conversations (by the users index), and a tag one in a hundred has
// (read from the records along the updated index).
func BenchmarkFileList(b *testing.B) {
	ctx := context.Background()
	f := openFile(b, filepath.Join(b.TempDir(), "botctl.db"))
	defer f.Close()
	const n, workers = 10_000, 16
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				m := store.Meta{User: fmt.Sprint("user-", i%100), Owner: "bot"}
				if i%100 == 0 {
					m.Tags = []string{"rare"}
				}
				rec := store.Record{ID: storetest.IdleID(i), Bot: "acme-support", State: storetest.State, Created: start.Add(time.Duration(i) * time.Second), Meta: m}
				if err := f.Create(ctx, rec, storetest.Turn(i)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := f.Flush(); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		q    store.Query
		want int
	}{
		{"First", store.Query{}, store.DefaultLimit},
		{"ByUser", store.Query{User: "user-42"}, store.DefaultLimit},
		{"ByTag", store.Query{Tag: "rare"}, store.DefaultLimit},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := f.List(ctx, c.q)
				if err != nil || len(p.Records) != c.want {
					b.Fatalf("List(%+v): %d records, %v", c.q, len(p.Records), err)
				}
			}
		})
	}
}
