package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// checkIndexes writes the log into the database and checks that its
// indexes hold exactly one key per record: its Updated and id in the
// updated index, with its user in the users index if it has one, and its
// due time in the due index if it has one.
func checkIndexes(t *testing.T, f *File) {
	t.Helper()
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	err := f.view(func(tx *bolt.Tx) error {
		want := map[string][]string{"updated": nil, "users": nil, "due": nil}
		err := tx.Bucket(bucketConvs).ForEach(func(k, v []byte) error {
			id, ok := recordID(k)
			if !ok {
				return nil
			}
			updated, user, due, err := indexKeys(id, v)
			if err != nil {
				return err
			}
			want["updated"] = append(want["updated"], string(updated))
			if user != nil {
				want["users"] = append(want["users"], string(user))
			}
			if due != nil {
				want["due"] = append(want["due"], string(due))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for name, keys := range want {
			var got []string
			tx.Bucket([]byte(name)).ForEach(func(k, _ []byte) error {
				got = append(got, string(k))
				return nil
			})
			slices.Sort(keys)
			if !slices.Equal(got, keys) {
				t.Errorf("index %s:\n got %q\nwant %q", name, got, keys)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// copyStore copies the database and its log segments from one directory
// to another, as a crash would leave them (the store being idle: every
// write acknowledged is fsynced, none is in flight).
func copyStore(t *testing.T, from, to string) {
	t.Helper()
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		copyFile(t, filepath.Join(from, e.Name()), filepath.Join(to, e.Name()))
	}
}

func listIDs(t *testing.T, f *File, q Query) []string {
	t.Helper()
	q.Limit = MaxLimit
	p, err := f.List(context.Background(), q)
	if err != nil {
		t.Fatalf("List(%+v): %v", q, err)
	}
	var ids []string
	for _, r := range p.Records {
		ids = append(ids, r.ID)
	}
	return ids
}

func msgTexts(t *testing.T, f *File, id string) []string {
	t.Helper()
	msgs, err := f.Messages(context.Background(), id, 0, 0)
	if err != nil {
		t.Fatalf("Messages(%s): %v", id, err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, m.Text)
	}
	return out
}

// TestFileMigrateFormat2 opens a database written by the botctl of
// format 2 (records without Meta, no indexes), with the log segment it
// left holding a commit and a create the database never had: the log is
// replayed, the records migrated, the indexes built, and the store works
// on as one of format 3.
func TestFileMigrateFormat2(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	copyStore(t, "testdata/format2", dir)
	path := filepath.Join(dir, "botctl.db")
	f := mustOpen(t, path)
	defer func() { f.Close() }()

	var format []byte
	f.view(func(tx *bolt.Tx) error {
		format = bytes.Clone(tx.Bucket(bucketMeta).Get(keyFormat))
		return nil
	})
	if !bytes.Equal(format, formatVersion) {
		t.Errorf("format after opening: %s, want %s", format, formatVersion)
	}
	if segs, _ := filepath.Glob(path + ".wal.*"); len(segs) != 0 {
		t.Errorf("log segments left after opening: %q", segs)
	}
	at := func(s int) time.Time { return time.Date(2025, 6, 1, 9, 0, s, 0, time.UTC) }
	for _, want := range []Record{
		{ID: "a", Bot: "acme", Version: 2, State: json.RawMessage(`{"n":2}`), Created: at(1), Updated: at(4), LastSeq: 2},
		{ID: "b", Bot: "shop", Version: 2, State: json.RawMessage(`{"n":2}`), Created: at(2), Updated: at(3), LastSeq: 2},
		{ID: "c", Bot: "acme", Version: 1, Created: at(5), Updated: at(5), LastSeq: 1},
	} {
		got, err := f.Get(ctx, want.ID)
		if err != nil || got.Version != want.Version || string(got.State) != string(want.State) || !got.Created.Equal(want.Created) ||
			!got.Updated.Equal(want.Updated) || got.LastSeq != want.LastSeq || got.Bot != want.Bot || got.User != "" || len(got.Tags) != 0 {
			t.Errorf("Get(%s) = %+v, %v; want %+v", want.ID, got, err, want)
		}
	}
	if got := msgTexts(t, f, "a"); !slices.Equal(got, []string{"hello a", "hi from a"}) {
		t.Errorf("messages of a: %q", got)
	}
	if r, ok, err := f.Reply(ctx, "b", "k1"); err != nil || !ok || string(r.Body) != "ok" {
		t.Errorf("Reply(b, k1) = %+v, %v, %v", r, ok, err)
	}
	checkIndexes(t, f)
	if got := listIDs(t, f, Query{}); !slices.Equal(got, []string{"c", "a", "b"}) {
		t.Errorf("List after migrating: %q", got)
	}
	if got, err := f.Expire(ctx, at(4), 10); err != nil || !slices.Equal(got, []string{"b"}) {
		t.Errorf("Expire before a's update: %q, %v; want b", got, err)
	}
	if _, err := f.Commit(ctx, "a", 2, Update{Meta: &Meta{User: "ann", Tags: []string{"vip"}}}); err != nil {
		t.Fatal(err)
	}
	checkIndexes(t, f)

	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f = mustOpen(t, path)
	if got := listIDs(t, f, Query{User: "ann"}); !slices.Equal(got, []string{"a"}) {
		t.Errorf("List by user after reopening: %q", got)
	}
	checkIndexes(t, f)
}

// TestFileEraseReplay: Deletes and an Expire that only the log has when
// the process dies are replayed — a conversation created again under an
// erased id comes back with nothing of the erased one — and replaying
// the whole log once more onto the database that has it all (segments a
// failed removal left) ends in the same state.
func TestFileEraseReplay(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "botctl.db")
	f := mustOpen(t, path, applyNever)
	defer f.Close()
	for _, id := range []string{"a", "b", "old"} {
		if err := f.Create(ctx, Record{ID: id, Bot: "acme", Created: time.Unix(1000, 0), Meta: Meta{User: "u-" + id}}, []Message{{Kind: "bot", Text: "first " + id}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.Commit(ctx, "a", 1, Update{Msgs: []Message{{Kind: "user", Text: "secret"}}, Reply: &Reply{Key: "k", Status: 200}}); err != nil {
		t.Fatal(err)
	}
	if err := f.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := f.Create(ctx, Record{ID: "a", Bot: "acme", Meta: Meta{User: "u-new"}}, []Message{{Kind: "bot", Text: "second life"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.Delete(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if got, err := f.Expire(ctx, time.Unix(2000, 0), 10); err != nil || !slices.Equal(got, []string{"old"}) {
		t.Fatalf("Expire: %q, %v", got, err)
	}
	check := func(t *testing.T, g *File) {
		t.Helper()
		for _, id := range []string{"b", "old"} {
			if _, err := g.Get(ctx, id); err != ErrNotFound {
				t.Errorf("Get(%s) of an erased conversation: %v", id, err)
			}
		}
		if rec, err := g.Get(ctx, "a"); err != nil || rec.Version != 1 || rec.LastSeq != 1 || rec.User != "u-new" {
			t.Errorf("Get(a) = %+v, %v; want the new conversation", rec, err)
		}
		if got := msgTexts(t, g, "a"); !slices.Equal(got, []string{"second life"}) {
			t.Errorf("messages of the new a: %q", got)
		}
		if _, ok, err := g.Reply(ctx, "a", "k"); ok || err != nil {
			t.Errorf("the erased a's reply: %v, %v", ok, err)
		}
		if got := listIDs(t, g, Query{}); !slices.Equal(got, []string{"a"}) {
			t.Errorf("List: %q", got)
		}
		var scanned []string
		if err := g.Scan(ctx, func(r Record) error { scanned = append(scanned, r.ID); return nil }); err != nil || !slices.Equal(scanned, []string{"a"}) {
			t.Errorf("Scan: %q, %v", scanned, err)
		}
		for _, u := range []string{"u-a", "u-b", "u-old"} {
			if got := listIDs(t, g, Query{User: u}); len(got) != 0 {
				t.Errorf("List by %s: %q", u, got)
			}
		}
	}
	t.Run("log", func(t *testing.T) { check(t, f) })

	crash := t.TempDir()
	copyStore(t, dir, crash)
	g := mustOpen(t, filepath.Join(crash, "botctl.db"))
	t.Run("replayed", func(t *testing.T) {
		check(t, g)
		checkIndexes(t, g)
	})
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	// The same segments again, onto the database that has them.
	segs, _ := filepath.Glob(path + ".wal.*")
	if len(segs) == 0 {
		t.Fatal("no log segment")
	}
	for _, s := range segs {
		copyFile(t, s, filepath.Join(crash, filepath.Base(s)))
	}
	g = mustOpen(t, filepath.Join(crash, "botctl.db"))
	defer g.Close()
	t.Run("replayed-twice", func(t *testing.T) {
		check(t, g)
		checkIndexes(t, g)
	})
}

// TestFileEraseWhileApplying: erasures and new writes under the same id
// land while an apply that has the conversation's older state runs; what
// the apply takes out of memory must not lose them.
func TestFileEraseWhileApplying(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "botctl.db")
	f := mustOpen(t, path, WithApplyEvery(time.Hour, 1))
	defer f.Close()
	if err := f.Create(ctx, Record{ID: "c", Meta: Meta{User: "u"}}, []Message{{Kind: "bot", Text: "one"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	tx, err := f.db.Begin(true) // the next apply blocks in db.Update
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Commit(ctx, "c", 1, Update{Msgs: []Message{{Kind: "user", Text: "two"}}}); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	// That commit's apply runs now; meanwhile:
	if err := f.Delete(ctx, "c"); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if err := f.Create(ctx, Record{ID: "c", Meta: Meta{User: "v"}}, []Message{{Kind: "bot", Text: "again"}}); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	tx.Rollback()
	for _, when := range []string{"before the apply", "after it"} {
		if got := msgTexts(t, f, "c"); !slices.Equal(got, []string{"again"}) {
			t.Errorf("%s: messages %q, want the new conversation's", when, got)
		}
		if got := listIDs(t, f, Query{User: "u"}); len(got) != 0 {
			t.Errorf("%s: List by the erased user: %q", when, got)
		}
		if err := f.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	checkIndexes(t, f)
}

// TestFileExpireSkipsRevived: a conversation committed to after Expire
// chose it, before the committer logs its erasure, is not erased.
func TestFileExpireSkipsRevived(t *testing.T) {
	ctx := context.Background()
	f := mustOpen(t, filepath.Join(t.TempDir(), "botctl.db"))
	defer f.Close()
	before := time.Now().Add(-time.Hour)
	for _, id := range []string{"a", "b"} {
		if err := f.Create(ctx, Record{ID: id, Created: before.Add(-time.Hour)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := f.oldest(before, 10)
	if err != nil || !slices.Equal(ids, []string{"a", "b"}) {
		t.Fatalf("oldest: %q, %v", ids, err)
	}
	if _, err := f.Commit(ctx, "a", 1, Update{}); err != nil {
		t.Fatal(err)
	}
	op := &fileOp{kind: opExpire, ids: ids, before: before}
	if err := f.write(ctx, op); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(op.erased, []string{"b"}) {
		t.Errorf("erased %q, want b only", op.erased)
	}
	if _, err := f.Get(ctx, "a"); err != nil {
		t.Errorf("the revived conversation: %v", err)
	}
	checkIndexes(t, f)
}

// TestFileIndexesThroughWrites keeps the indexes checked through a mix of
// every write, with the log applied after every group and never.
func TestFileIndexesThroughWrites(t *testing.T) {
	for name, opt := range map[string]Option{
		"apply-every-group": WithApplyEvery(time.Millisecond, 1),
		"apply-never":       applyNever,
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "botctl.db")
			f := mustOpen(t, path, opt)
			defer func() { f.Close() }()
			users := []string{"", "ann", "bob"}
			versions := map[string]int64{}
			for i := range 60 {
				id := fmt.Sprint("c", i%20)
				switch v, ok := versions[id]; {
				case !ok:
					if err := f.Create(ctx, Record{ID: id, Created: time.Unix(int64(i), 0), Meta: Meta{User: users[i%3]}}, nil); err != nil {
						t.Fatal(err)
					}
					versions[id] = 1
				case i%7 == 0:
					if err := f.Delete(ctx, id); err != nil {
						t.Fatal(err)
					}
					delete(versions, id)
				default:
					m := &Meta{User: users[(i+1)%3], Tags: []string{fmt.Sprint(i)}}
					if i%2 == 0 {
						m = nil
					}
					if _, err := f.Commit(ctx, id, v, Update{Meta: m}); err != nil {
						t.Fatal(err)
					}
					versions[id]++
				}
			}
			if _, err := f.Expire(ctx, time.Unix(15, 0), 5); err != nil {
				t.Fatal(err)
			}
			checkIndexes(t, f)
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			f = mustOpen(t, path, opt)
			checkIndexes(t, f)
		})
	}
}

// TestFileUserIDTooLong: the users index's key holds the user and the
// conversation id; a pair too long for bbolt is refused up front.
func TestFileUserIDTooLong(t *testing.T) {
	ctx := context.Background()
	f := mustOpen(t, filepath.Join(t.TempDir(), "botctl.db"))
	defer f.Close()
	id := strings.Repeat("x", maxID)
	if err := f.Create(ctx, Record{ID: id, Meta: Meta{User: "u"}}, nil); err == nil || !strings.Contains(err.Error(), "conversation id and user id too large together") {
		t.Errorf("Create with the longest id and a user: %v", err)
	}
	if err := f.Create(ctx, Record{ID: id}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Commit(ctx, id, 1, Update{Meta: &Meta{User: "u"}}); err == nil || !strings.Contains(err.Error(), "too large together") {
		t.Errorf("Commit giving the longest id a user: %v", err)
	}
	short := strings.Repeat("y", maxID-20)
	if err := f.Create(ctx, Record{ID: short, Meta: Meta{User: "u"}}, nil); err != nil {
		t.Errorf("Create with an id and user that fit: %v", err)
	}
	checkIndexes(t, f)
}

// withCompactMin sets the size from which the store compacts by itself.
func withCompactMin(n int64) Option {
	return func(c *config) { c.compactMin = n }
}

// fillSecrets creates n conversations, each with its own secret text in
// a message and its own user, and returns the secrets.
func fillSecrets(t *testing.T, f *File, n int) []string {
	t.Helper()
	ctx := context.Background()
	state := json.RawMessage(fmt.Sprintf(`{"pad":%q}`, strings.Repeat("p", 2000)))
	var secrets []string
	for i := range n {
		secret := fmt.Sprintf("secret-%04d-%s", i, strings.Repeat("s", 500))
		id := fmt.Sprint("c", i)
		if err := f.Create(ctx, Record{ID: id, State: state, Meta: Meta{User: fmt.Sprintf("user-%04d", i)}}, []Message{{Kind: "user", Text: secret}}); err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, secret)
	}
	return secrets
}

// readDir returns the contents of every file in dir, by name.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// holding returns the names of the files that contain s.
func holding(files map[string][]byte, s string) []string {
	var out []string
	for name, b := range files {
		if bytes.Contains(b, []byte(s)) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestFileCompact: after most conversations are deleted, their bytes are
// still in the file (bbolt's free pages); Compact shrinks the file and
// leaves no deleted conversation's text or user id in any file of the
// store, while the others are all there.
func TestFileCompact(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "botctl.db")
	// Never on its own: this test compacts when it means to.
	f := mustOpen(t, path, withCompactMin(1<<40))
	defer f.Close()
	const n, keep = 400, 20
	secrets := fillSecrets(t, f, n)
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := keep + w; i < n; i += 8 {
				if err := f.Delete(ctx, fmt.Sprint("c", i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	before := fileSize(t, path)
	left := 0
	files := readDir(t, dir)
	for _, s := range secrets[keep:] {
		if len(holding(files, s)) > 0 {
			left++
		}
	}
	if left == 0 {
		t.Fatal("no deleted text left in the files before compacting: this test shows nothing")
	}
	if err := f.Compact(ctx); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	after := fileSize(t, path)
	if after*4 > before {
		t.Errorf("file of %d bytes after compacting, %d before: want it under a quarter", after, before)
	}
	files = readDir(t, dir)
	for i, s := range secrets {
		text, user := holding(files, s), holding(files, fmt.Sprintf("user-%04d", i))
		switch {
		case i < keep && !slices.Equal(text, []string{"botctl.db"}):
			t.Errorf("kept conversation c%d's text is in %q, want botctl.db", i, text)
		case i >= keep && (len(text) > 0 || len(user) > 0):
			t.Errorf("deleted conversation c%d's text is in %q and its user in %q", i, text, user)
		}
	}
	if len(files) != 1 {
		t.Errorf("%d files after compacting, want the database only", len(files))
	}
	// The store goes on, on the new file, and across a reopen.
	if _, err := f.Commit(ctx, "c1", 1, Update{Msgs: []Message{{Kind: "user", Text: "after"}}}); err != nil {
		t.Fatal(err)
	}
	if got := listIDs(t, f, Query{User: "user-0003"}); !slices.Equal(got, []string{"c3"}) {
		t.Errorf("List by user after compacting: %q", got)
	}
	checkIndexes(t, f)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	g := mustOpen(t, path)
	defer g.Close()
	if got := msgTexts(t, g, "c1"); len(got) != 2 || got[1] != "after" {
		t.Errorf("messages of c1 after reopening: %q", got)
	}
	if got := len(listIDs(t, g, Query{})); got != keep {
		t.Errorf("%d conversations after reopening, want %d", got, keep)
	}
}

// TestFileCompactsByItself: the store compacts when most of its file is
// free, after the apply of erasures, and when it is opened; a copy a
// crashed compaction left is removed.
func TestFileCompactsByItself(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "botctl.db")
	f := mustOpen(t, path, withCompactMin(0), WithApplyEvery(time.Millisecond, 1))
	fillSecrets(t, f, 200)
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	full := fileSize(t, path)
	if got, err := f.Expire(ctx, time.Now().Add(time.Hour), 190); err != nil || len(got) != 190 {
		t.Fatalf("Expire: %d, %v", len(got), err)
	}
	for deadline := time.Now().Add(10 * time.Second); fileSize(t, path)*4 >= full; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the file is still %d bytes, from %d, after erasing most of it", fileSize(t, path), full)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	// Deleted with compaction out of the way: compacted at the next open.
	path = filepath.Join(dir, "other.db")
	f = mustOpen(t, path, withCompactMin(1<<40))
	fillSecrets(t, f, 200)
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := range 190 {
		if err := f.Delete(ctx, fmt.Sprint("c", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	full = fileSize(t, path)
	if err := os.WriteFile(path+compactSuffix, []byte("torn"), 0o600); err != nil {
		t.Fatal(err)
	}
	f = mustOpen(t, path, withCompactMin(0))
	defer f.Close()
	if got := fileSize(t, path); got*4 > full {
		t.Errorf("opening a file mostly free left it at %d bytes, from %d", got, full)
	}
	if _, err := os.Stat(path + compactSuffix); !os.IsNotExist(err) {
		t.Errorf("the copy a crashed compaction left: %v", err)
	}
	if got := len(listIDs(t, f, Query{})); got != 10 {
		t.Errorf("%d conversations, want 10", got)
	}
	checkIndexes(t, f)
}

// TestFileCompactWhileServing compacts while readers and writers go on
// (run it with -race): none fails, and nothing written is lost.
func TestFileCompactWhileServing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "botctl.db")
	f := mustOpen(t, path, withCompactMin(1<<40), WithApplyEvery(time.Millisecond, 1<<10))
	defer f.Close()
	const writers, commits = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, 3*writers+1)
	for w := range writers {
		id := fmt.Sprint("w", w)
		if err := f.Create(ctx, Record{ID: id, Meta: Meta{User: "u"}}, nil); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for v := int64(1); v <= commits; v++ {
				if _, err := f.Commit(ctx, id, v, Update{Msgs: []Message{{Kind: "user", Text: "x"}}}); err != nil {
					errs <- err
					return
				}
			}
		})
		wg.Go(func() {
			for range commits {
				if _, err := f.Get(ctx, id); err != nil {
					errs <- err
					return
				}
				if _, err := f.List(ctx, Query{User: "u"}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			if err := f.Compact(ctx); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for w := range writers {
		if rec, err := f.Get(ctx, fmt.Sprint("w", w)); err != nil || rec.LastSeq != commits {
			t.Errorf("w%d: %+v, %v; want %d messages", w, rec, err, commits)
		}
	}
	checkIndexes(t, f)
	f.Close()
	if err := f.Compact(ctx); err != ErrClosed {
		t.Errorf("Compact after Close: %v, want ErrClosed", err)
	}
}

// FuzzRecord: a record value of any bytes decodes or fails, never
// panics, and one that decodes encodes back to a value that decodes the
// same.
func FuzzRecord(f *testing.F) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	f.Add(encodeRecord(fileRecord{Bot: "acme", Version: 3, State: json.RawMessage(`{"a":1}`), Created: now, Updated: now, LastSeq: 2,
		Meta: Meta{User: "u", Owner: "bot", Tags: []string{"vip", "x"}}}))
	f.Add(encodeRecord(fileRecord{}))
	f.Fuzz(func(t *testing.T, v []byte) {
		r, err := decodeRecord(v)
		if err != nil {
			return
		}
		again, err := decodeRecord(encodeRecord(r))
		if err != nil {
			t.Fatalf("re-encoded record: %v", err)
		}
		if again.Bot != r.Bot || again.Version != r.Version || !again.Created.Equal(r.Created) || !again.Updated.Equal(r.Updated) ||
			again.LastSeq != r.LastSeq || !bytes.Equal(again.State, r.State) || again.Meta.User != r.Meta.User || again.Meta.Owner != r.Meta.Owner ||
			!slices.Equal(again.Meta.Tags, r.Meta.Tags) {
			t.Fatalf("re-encoded record decodes differently:\n got %+v\nwant %+v", again, r)
		}
	})
}
