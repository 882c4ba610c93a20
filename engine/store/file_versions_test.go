package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
	bolt "go.etcd.io/bbolt"
)

// TestFileScanLogAndDatabase scans a store whose conversations are in
// the database, in the log only, or in both (the log newer), while fn
// moves the log into the database under the scan's feet: each is visited
// once, as the log has it.
func TestFileScanLogAndDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "botctl.db")
	f := openFile(t, path, store.WithApplyEvery(time.Hour, 1<<40))
	defer f.Close()
	want := map[string]int64{}
	create := func(id string) {
		if err := f.Create(ctx, store.Record{ID: id, Bot: "acme", State: json.RawMessage(`{"v":1}`)}, []store.Message{{Kind: "bot", Text: "hi"}}); err != nil {
			t.Fatal(err)
		}
		want[id] = 1
	}
	commit := func(id string) {
		v := want[id]
		if _, err := f.Commit(ctx, id, v, store.Update{State: json.RawMessage(fmt.Sprintf(`{"v":%d}`, v+1))}); err != nil {
			t.Fatal(err)
		}
		want[id] = v + 1
	}
	// Ids sort in the database by length first: the log-only ones fall
	// before, among and after the database's.
	for i := range 400 {
		create(fmt.Sprint("db", i))
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := range 400 {
		if i%3 == 0 {
			commit(fmt.Sprint("db", i)) // newer in the log
		}
	}
	for _, id := range []string{"a", "log1", "db5x", "log-only-999", "zz"} {
		create(id)
		commit(id)
	}
	var (
		seen    = map[string]int{}
		flushed bool
	)
	err := f.Scan(ctx, func(rec store.Record) error {
		seen[rec.ID]++
		if rec.Version != want[rec.ID] || string(rec.State) != fmt.Sprintf(`{"v":%d}`, want[rec.ID]) {
			t.Errorf("Scan's %s: version %d, state %s; want version %d", rec.ID, rec.Version, rec.State, want[rec.ID])
		}
		if !flushed {
			// Everything leaves the log for the database, some of it
			// behind the cursor and some ahead.
			flushed = true
			return f.Flush()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("Scan visited %s %d times, want once", id, seen[id])
		}
	}
	if len(seen) != len(want) {
		t.Errorf("Scan visited %d conversations, want %d", len(seen), len(want))
	}
}

// TestFileVersionsBucket checks where versions are: in their own bucket,
// and a file that never had one has no such bucket, so it is the same
// format 2 file as before versions were stored.
func TestFileVersionsBucket(t *testing.T) {
	ctx := context.Background()
	buckets := func(p string) map[string]int {
		t.Helper()
		db, err := bolt.Open(p, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		out := map[string]int{}
		db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
				out[string(name)] = b.Stats().KeyN
				return nil
			})
		})
		return out
	}

	empty := filepath.Join(t.TempDir(), "botctl.db")
	f := openFile(t, empty)
	if _, err := f.ListVersions(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if err := f.DeleteVersion(ctx, "acme", "h"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := buckets(empty); len(got) != 5 || got["convs"] != 0 || got["updated"] != 0 || got["users"] != 0 || got["due"] != 0 {
		t.Errorf("buckets of a store that never had a version: %v, want meta, convs and the indexes only", got)
	}

	path := filepath.Join(t.TempDir(), "botctl.db")
	f = openFile(t, path)
	for _, h := range []string{"h1", "h2"} {
		v := store.BotVersion{Bot: "acme", Hash: h, Files: []store.SourceFile{{Name: "main.yaml", Src: []byte("bot: acme")}}}
		if err := f.PutVersion(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := buckets(path); got["versions"] != 2 || got["convs"] != 0 {
		t.Errorf("buckets after two PutVersions: %v, want versions with two keys, convs none", got)
	}
}
