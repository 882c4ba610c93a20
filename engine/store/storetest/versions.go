package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
)

// The cases of the optional capabilities: each skips on a store without
// it.

func versions(t *testing.T, s store.Store) store.Versions {
	t.Helper()
	v, ok := s.(store.Versions)
	if !ok {
		t.Skip("not a store.Versions")
	}
	return v
}

func scanner(t *testing.T, s store.Store) store.Scanner {
	t.Helper()
	sc, ok := s.(store.Scanner)
	if !ok {
		t.Skip("not a store.Scanner")
	}
	return sc
}

// acmeV1 is a version with what sources hold: YAML, an empty file, bytes
// that are not UTF-8, and names in a deliberate, unsorted order.
func acmeV1() store.BotVersion {
	return store.BotVersion{Bot: "acme", Hash: "9f86d081884c7d65", Files: []store.SourceFile{
		{Name: "main.yaml", Src: []byte("botctl: 1\nbot: acme\n")},
		{Name: "empty.yaml", Src: nil},
		{Name: "b.yaml", Src: []byte("\x00\xff\r\n  raw: \"é\"\n")},
	}}
}

func putVersion(t *testing.T, vs store.Versions, v store.BotVersion) {
	t.Helper()
	if err := vs.PutVersion(ctx, v); err != nil {
		t.Fatalf("PutVersion(%s, %s): %v", v.Bot, v.Hash, err)
	}
}

func getVersion(t *testing.T, vs store.Versions, bot, hash string) store.BotVersion {
	t.Helper()
	v, err := vs.GetVersion(ctx, bot, hash)
	if err != nil {
		t.Fatalf("GetVersion(%s, %s): %v", bot, hash, err)
	}
	return v
}

// sameVersion compares every field of a BotVersion, the files byte for
// byte.
func sameVersion(t *testing.T, what string, got, want store.BotVersion) {
	t.Helper()
	same := got.Bot == want.Bot && got.Hash == want.Hash && got.Stored.Equal(want.Stored) &&
		slices.EqualFunc(got.Files, want.Files, func(a, b store.SourceFile) bool {
			return a.Name == b.Name && bytes.Equal(a.Src, b.Src)
		})
	if !same {
		t.Errorf("%s:\n got %s\nwant %s", what, fmtVersion(got), fmtVersion(want))
	}
	if got.Stored.Location() != time.UTC {
		t.Errorf("%s: Stored is in %v, want UTC", what, got.Stored.Location())
	}
}

func fmtVersion(v store.BotVersion) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{Bot:%q Hash:%q Stored:%s Files:", v.Bot, v.Hash, v.Stored.Format(time.RFC3339Nano))
	for _, f := range v.Files {
		fmt.Fprintf(&b, " %q=%q", f.Name, f.Src)
	}
	return b.String() + "}"
}

func listVersions(t *testing.T, vs store.Versions, bot string) []string {
	t.Helper()
	infos, err := vs.ListVersions(ctx, bot)
	if err != nil {
		t.Fatalf("ListVersions(%s): %v", bot, err)
	}
	out := make([]string, len(infos))
	for i, in := range infos {
		out[i] = in.Hash + "@" + in.Stored.UTC().Format(time.RFC3339Nano)
	}
	return out
}

func at(t time.Time, hash string) string { return hash + "@" + t.UTC().Format(time.RFC3339Nano) }

func (su *suite) versionsRoundTrip(t *testing.T) {
	vs := versions(t, su.new(t))
	before := time.Now()
	putVersion(t, vs, acmeV1())
	after := time.Now()
	got := getVersion(t, vs, "acme", acmeV1().Hash)
	between(t, "Stored", got.Stored, before, after)
	want := acmeV1()
	want.Stored = got.Stored
	sameVersion(t, "GetVersion", got, want)

	// Putting it again, even with other files or another time, keeps
	// the first.
	again := acmeV1()
	again.Files = []store.SourceFile{{Name: "other.yaml", Src: []byte("x")}}
	again.Stored = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	putVersion(t, vs, again)
	sameVersion(t, "GetVersion after a second PutVersion", getVersion(t, vs, "acme", want.Hash), want)
	if l := listVersions(t, vs, "acme"); !slices.Equal(l, []string{at(want.Stored, want.Hash)}) {
		t.Errorf("ListVersions after two puts of one version = %q", l)
	}

	// A given Stored, in any zone, is kept in UTC.
	given := store.BotVersion{Bot: "acme", Hash: "given", Stored: time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CEST", 2*3600)),
		Files: []store.SourceFile{{Name: "main.yaml", Src: []byte("bot: acme")}}}
	putVersion(t, vs, given)
	got = getVersion(t, vs, "acme", "given")
	given.Stored = given.Stored.UTC()
	sameVersion(t, "GetVersion of a version with its Stored", got, given)
}

func (su *suite) versionsNotFound(t *testing.T) {
	vs := versions(t, su.new(t))
	for _, k := range [][2]string{{"acme", "nope"}, {"nobody", "nope"}, {"", ""}} {
		if v, err := vs.GetVersion(ctx, k[0], k[1]); !errors.Is(err, store.ErrVersionNotFound) {
			t.Errorf("GetVersion(%q, %q) on an empty store = %s, %v; want ErrVersionNotFound", k[0], k[1], fmtVersion(v), err)
		}
	}
	if l := listVersions(t, vs, "nobody"); len(l) != 0 {
		t.Errorf("ListVersions of an unknown bot = %q, want none", l)
	}
	putVersion(t, vs, acmeV1())
	if _, err := vs.GetVersion(ctx, "acme", "9f86"); !errors.Is(err, store.ErrVersionNotFound) {
		t.Errorf("GetVersion of a prefix of a stored hash: %v, want ErrVersionNotFound", err)
	}
	if _, err := vs.GetVersion(ctx, "acm", acmeV1().Hash); !errors.Is(err, store.ErrVersionNotFound) {
		t.Errorf("GetVersion of a stored hash under another bot: %v, want ErrVersionNotFound", err)
	}
}

func (su *suite) versionsList(t *testing.T) {
	vs := versions(t, su.new(t))
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	put := func(hash string, stored time.Time) {
		putVersion(t, vs, store.BotVersion{Bot: "acme", Hash: hash, Stored: stored,
			Files: []store.SourceFile{{Name: "main.yaml", Src: []byte(hash)}}})
	}
	// Put in an order that is neither by time nor by hash.
	put("c3", t0.Add(2*time.Second))
	put("a1", t0.Add(3*time.Second))
	put("z9", t0.Add(time.Nanosecond))
	put("b2", t0.Add(2*time.Second)) // same time as c3: by hash
	want := []string{
		at(t0.Add(time.Nanosecond), "z9"),
		at(t0.Add(2*time.Second), "b2"),
		at(t0.Add(2*time.Second), "c3"),
		at(t0.Add(3*time.Second), "a1"),
	}
	if l := listVersions(t, vs, "acme"); !slices.Equal(l, want) {
		t.Errorf("ListVersions:\n got %q\nwant %q", l, want)
	}

	// Delete one; deleting it again, or one never stored, is fine.
	for _, k := range [][2]string{{"acme", "b2"}, {"acme", "b2"}, {"acme", "never"}, {"nobody", "b2"}} {
		if err := vs.DeleteVersion(ctx, k[0], k[1]); err != nil {
			t.Errorf("DeleteVersion(%s, %s): %v", k[0], k[1], err)
		}
	}
	if _, err := vs.GetVersion(ctx, "acme", "b2"); !errors.Is(err, store.ErrVersionNotFound) {
		t.Errorf("GetVersion after DeleteVersion: %v, want ErrVersionNotFound", err)
	}
	want = slices.Delete(want, 1, 2)
	if l := listVersions(t, vs, "acme"); !slices.Equal(l, want) {
		t.Errorf("ListVersions after DeleteVersion:\n got %q\nwant %q", l, want)
	}
	// A deleted version can be stored again, as new.
	put("b2", t0.Add(time.Hour))
	if v := getVersion(t, vs, "acme", "b2"); !v.Stored.Equal(t0.Add(time.Hour)) || string(v.Files[0].Src) != "b2" {
		t.Errorf("version put again after its deletion: %s", fmtVersion(v))
	}
}

func (su *suite) versionsIsolation(t *testing.T) {
	vs := versions(t, su.new(t))
	// Bots and hashes that would collide if keys were concatenated
	// carelessly.
	keys := [][2]string{{"a", "b:c"}, {"a:b", "c"}, {"a}:b", "c"}, {"a", "}:b:c"}, {"ab", "c"}, {"a", "bc"}, {"{a}", "x"}, {"a\x00b", "émoji 🙂"}}
	for i, k := range keys {
		putVersion(t, vs, store.BotVersion{Bot: k[0], Hash: k[1], Files: []store.SourceFile{{Name: "f", Src: []byte(fmt.Sprint(i))}}})
	}
	for i, k := range keys {
		v := getVersion(t, vs, k[0], k[1])
		if v.Bot != k[0] || v.Hash != k[1] || len(v.Files) != 1 || string(v.Files[0].Src) != fmt.Sprint(i) {
			t.Errorf("GetVersion(%q, %q) = %s", k[0], k[1], fmtVersion(v))
		}
	}
	for _, bot := range []string{"a", "a:b", "a}:b"} {
		var want []string
		for _, k := range keys {
			if k[0] == bot {
				want = append(want, k[1])
			}
		}
		infos, err := vs.ListVersions(ctx, bot)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, in := range infos {
			got = append(got, in.Hash)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("ListVersions(%q) = %q, want %q", bot, got, want)
		}
	}
	if err := vs.DeleteVersion(ctx, "a", "b:c"); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys[1:] {
		getVersion(t, vs, k[0], k[1])
	}
}

func (su *suite) versionsNoAliasing(t *testing.T) {
	vs := versions(t, su.new(t))
	v := acmeV1()
	putVersion(t, vs, v)
	want := getVersion(t, vs, "acme", v.Hash)
	copy(v.Files[0].Src, "XXXX")
	v.Files[1].Name = "renamed"
	got := getVersion(t, vs, "acme", v.Hash)
	copy(got.Files[0].Src, "YYYY")
	copy(got.Files[2].Src, "YYYY")
	sameVersion(t, "GetVersion after scribbling", getVersion(t, vs, "acme", v.Hash), want)
}

func (su *suite) versionsBadInput(t *testing.T) {
	vs := versions(t, su.new(t))
	files := []store.SourceFile{{Name: "main.yaml", Src: []byte("bot: acme")}}
	huge := make([]byte, store.MaxVersionSize)
	limit := fmt.Sprint(store.MaxVersionSize)
	for _, c := range []struct {
		name string
		v    store.BotVersion
		want string // in the error
	}{
		{"no bot", store.BotVersion{Hash: "h", Files: files}, "bot's name"},
		{"no hash", store.BotVersion{Bot: "acme", Files: files}, "hash"},
		{"no files", store.BotVersion{Bot: "acme", Hash: "h"}, "no files"},
		{"long bot", store.BotVersion{Bot: strings.Repeat("b", 1025), Hash: "h", Files: files}, "at most 1024"},
		{"long hash", store.BotVersion{Bot: "acme", Hash: strings.Repeat("h", 1025), Files: files}, "at most 1024"},
		// The names count too: one byte over.
		{"too large", store.BotVersion{Bot: "acme", Hash: "h", Files: []store.SourceFile{{Name: "m", Src: huge}}}, "at most " + limit},
	} {
		err := vs.PutVersion(ctx, c.v)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("PutVersion with %s: %v, want an error saying %q", c.name, err, c.want)
		}
		if _, err := vs.GetVersion(ctx, c.v.Bot, c.v.Hash); !errors.Is(err, store.ErrVersionNotFound) {
			t.Errorf("GetVersion after a refused PutVersion with %s: %v, want ErrVersionNotFound", c.name, err)
		}
	}
}

// versionsLargest stores a version of MaxVersionSize: the limit is one
// the store really takes.
func (su *suite) versionsLargest(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 16 MB")
	}
	vs := versions(t, su.new(t))
	src := make([]byte, store.MaxVersionSize-len("main.yaml")-len("b.yaml")-1)
	for i := range src {
		src[i] = byte(i * 7)
	}
	v := store.BotVersion{Bot: "acme", Hash: "big", Stored: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		Files: []store.SourceFile{{Name: "main.yaml", Src: src}, {Name: "b.yaml", Src: []byte("x")}}}
	putVersion(t, vs, v)
	sameVersion(t, "GetVersion of the largest version", getVersion(t, vs, "acme", "big"), v)
}

func (su *suite) versionsReopen(t *testing.T) {
	if su.reopen == nil {
		t.Skip("not durable: no storetest.Reopen")
	}
	s := su.open(t)
	vs := versions(t, s)
	putVersion(t, vs, acmeV1())
	want := getVersion(t, vs, "acme", acmeV1().Hash)
	s = su.reopen(t, s)
	t.Cleanup(func() { s.Close() })
	vs = versions(t, s)
	sameVersion(t, "GetVersion after reopen", getVersion(t, vs, "acme", want.Hash), want)
	if l := listVersions(t, vs, "acme"); !slices.Equal(l, []string{at(want.Stored, want.Hash)}) {
		t.Errorf("ListVersions after reopen = %q", l)
	}
}

func (su *suite) versionsClosed(t *testing.T) {
	s := su.open(t)
	vs := versions(t, s)
	putVersion(t, vs, acmeV1())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := vs.PutVersion(ctx, store.BotVersion{Bot: "acme", Hash: "h2", Files: acmeV1().Files}); err == nil {
		t.Error("PutVersion after Close: no error")
	}
	if _, err := vs.GetVersion(ctx, "acme", acmeV1().Hash); err == nil {
		t.Error("GetVersion after Close: no error")
	}
	if _, err := vs.ListVersions(ctx, "acme"); err == nil {
		t.Error("ListVersions after Close: no error")
	}
	if sc, ok := s.(store.Scanner); ok {
		if err := sc.Scan(ctx, func(store.Record) error { return nil }); err == nil {
			t.Error("Scan after Close: no error")
		}
	}
}

// scanAll returns what Scan visits by id, failing on an id seen twice.
func scanAll(t *testing.T, sc store.Scanner) map[string]store.Record {
	t.Helper()
	seen := map[string]store.Record{}
	err := sc.Scan(ctx, func(rec store.Record) error {
		if _, ok := seen[rec.ID]; ok {
			t.Errorf("Scan visited %q twice", rec.ID)
		}
		seen[rec.ID] = rec
		return nil
	})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return seen
}

func (su *suite) scan(t *testing.T) {
	s := su.new(t)
	sc := scanner(t, s)
	if got := scanAll(t, sc); len(got) != 0 {
		t.Errorf("Scan of an empty store visited %d conversations", len(got))
	}
	// Ids that prefix each other or look like other keys, and more than
	// a page of them.
	ids := []string{"a", "a:", "a:msgs", "a}", "a}:msgs", "ab", "{a}", "a\x00b", "émoji 🙂"}
	for i := range 600 {
		ids = append(ids, fmt.Sprintf("conv-%03d", i))
	}
	for _, id := range ids {
		create(t, s, id, []store.Message{{Kind: "bot", Text: "hello"}})
	}
	want := map[string]store.Record{}
	for i, id := range ids {
		rec := get(t, s, id)
		// A third get no turn, a third one, a third two: the last of
		// them just before the scan.
		for v := int64(1); v <= int64(i%3); v++ {
			var err error
			rec, err = s.Commit(ctx, id, v, store.Update{State: json.RawMessage(fmt.Sprintf(`{"turn":%d}`, v)), Msgs: []store.Message{{Kind: "user", Text: "hi"}}})
			if err != nil {
				t.Fatal(err)
			}
		}
		want[id] = rec
	}
	got := scanAll(t, sc)
	for _, id := range ids {
		rec, ok := got[id]
		if !ok {
			t.Errorf("Scan did not visit %q", id)
			continue
		}
		sameRecord(t, fmt.Sprintf("Scan's %q", id), rec, want[id])
	}
	if len(got) != len(ids) {
		t.Errorf("Scan visited %d conversations, want %d", len(got), len(ids))
	}

	// Scan hands out its own copies.
	if err := sc.Scan(ctx, func(rec store.Record) error { copy(rec.State, "XXXXXXXX"); return nil }); err != nil {
		t.Fatal(err)
	}
	sameRecord(t, "Get after scribbling over Scan's records", get(t, s, "a"), want["a"])
}

func (su *suite) scanStops(t *testing.T) {
	s := su.new(t)
	sc := scanner(t, s)
	for i := range 10 {
		create(t, s, fmt.Sprint(i), nil)
	}
	stop := errors.New("enough")
	calls := 0
	err := sc.Scan(ctx, func(store.Record) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("Scan whose fn fails on the third call: %v after %d calls, want fn's error after 3", err, calls)
	}
}

// scanWhileWriting scans while conversations are written, by fn itself
// and by another goroutine: every conversation is visited once, at least
// as new as before Scan, and every write lands.
func (su *suite) scanWhileWriting(t *testing.T) {
	s := su.new(t)
	sc := scanner(t, s)
	vs, _ := s.(store.Versions)
	const n = 300
	before := map[string]int64{}
	for i := range n {
		id := fmt.Sprint("c", i)
		create(t, s, id, nil)
		before[id] = 1
		if i%2 == 0 {
			rec, err := s.Commit(ctx, id, 1, store.Update{State: json.RawMessage(`{"n":2}`)})
			if err != nil {
				t.Fatal(err)
			}
			before[id] = rec.Version
		}
	}
	var (
		wg   sync.WaitGroup
		done atomic.Bool
	)
	wg.Go(func() {
		// Commits to every conversation, round and round, and new
		// conversations, until the scan ends.
		for round := 0; !done.Load(); round++ {
			id := fmt.Sprint("c", round%n)
			rec, err := s.Get(ctx, id)
			if err == nil {
				_, err = s.Commit(ctx, id, rec.Version, store.Update{Msgs: []store.Message{{Kind: "user", Text: "x"}}})
			}
			if err != nil && !errors.Is(err, store.ErrConflict) {
				t.Errorf("Commit during Scan: %v", err)
				return
			}
			if round%10 == 0 {
				if err := s.Create(ctx, store.Record{ID: fmt.Sprint("new", round)}, nil); err != nil {
					t.Errorf("Create during Scan: %v", err)
					return
				}
			}
		}
	})
	seen := map[string]int{}
	err := sc.Scan(ctx, func(rec store.Record) error {
		seen[rec.ID]++
		if v, ok := before[rec.ID]; ok && rec.Version < v {
			t.Errorf("Scan's %s is at version %d, older than the %d before Scan", rec.ID, rec.Version, v)
		}
		// fn may use the store, writes included.
		if _, err := s.Commit(ctx, rec.ID, rec.Version, store.Update{}); err != nil && !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("commit in fn: %w", err)
		}
		if vs != nil && seen[rec.ID] == 1 && len(seen)%50 == 0 {
			if err := vs.PutVersion(ctx, store.BotVersion{Bot: "acme", Hash: rec.ID, Files: acmeV1().Files}); err != nil {
				return fmt.Errorf("put version in fn: %w", err)
			}
		}
		return nil
	})
	done.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("Scan visited %s %d times", id, c)
		}
	}
	for id := range before {
		if seen[id] == 0 {
			t.Errorf("Scan did not visit %s", id)
		}
	}
}
