package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/store/redistest"
)

// TestRedisVersionKeys checks the keys versions are under, as documented,
// and that they never expire, whatever the conversations' TTL.
func TestRedisVersionKeys(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	r := openRedis(t, srv.URL(2), store.WithTTL(time.Hour))
	defer r.Close()
	c := raw(t, srv, 2)
	v := store.BotVersion{Bot: "acme", Hash: "h1", Files: []store.SourceFile{{Name: "main.yaml", Src: []byte("bot: acme")}}}
	if err := r.PutVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := "botctl:bot:{acme}:sources botctl:bot:{acme}:versions botctl:indexed"
	if got := strings.Join(sortStrings(keys), " "); got != want {
		t.Errorf("keys: %s, want %s", got, want)
	}
	for _, k := range keys {
		if ttl, _ := c.PTTL(ctx, k).Result(); ttl != -1 {
			t.Errorf("PTTL %s = %v, want -1 (no expiry)", k, ttl)
		}
	}
	// The last version gone, its keys are too.
	if err := r.DeleteVersion(ctx, "acme", "h1"); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.DBSize(ctx).Result(); n != 1 {
		t.Errorf("%d keys left after deleting the only version, want botctl:indexed only", n)
	}
}

// TestRedisScanPrefixes runs stores whose prefixes are patterns, or
// prefixes of each other, on one database: each scans only its own
// conversations, and not the versions.
func TestRedisScanPrefixes(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	prefixes := []string{"a", "a*", "ab", `a\`, "a[b]", "a?"}
	for _, p := range prefixes {
		r := openRedis(t, srv.URL(0), store.WithPrefix(p))
		defer r.Close()
		for i := range 3 {
			if err := r.Create(ctx, store.Record{ID: fmt.Sprint(p, "/", i)}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.PutVersion(ctx, store.BotVersion{Bot: "b", Hash: "h", Files: []store.SourceFile{{Name: "f"}}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range prefixes {
		r := openRedis(t, srv.URL(0), store.WithPrefix(p))
		defer r.Close()
		var got []string
		if err := r.Scan(ctx, func(rec store.Record) error { got = append(got, rec.ID); return nil }); err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if want := []string{p + "/0", p + "/1", p + "/2"}; !slices.Equal(got, want) {
			t.Errorf("prefix %q: Scan visited %q, want %q", p, got, want)
		}
	}
}
