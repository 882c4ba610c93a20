package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/store/pgtest"
	"github.com/botctl/botctl/engine/store/storetest"
)

func openPostgres(tb testing.TB, url string, opts ...store.Option) *store.Postgres {
	tb.Helper()
	p, err := store.OpenPostgres(url, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestPostgres runs the suite on one cluster, each store on a database of
// its own.
func TestPostgres(t *testing.T) {
	srv := pgtest.Start(t)
	var (
		mu   sync.Mutex
		urls = map[store.Store]string{}
	)
	storetest.Run(t,
		func(tb testing.TB) store.Store {
			u := srv.NewDatabase(tb)
			p := openPostgres(tb, u)
			mu.Lock()
			urls[p] = u
			mu.Unlock()
			return p
		},
		storetest.Reopen(func(tb testing.TB, s store.Store) store.Store {
			mu.Lock()
			u := urls[s]
			mu.Unlock()
			if err := s.Close(); err != nil {
				tb.Fatal(err)
			}
			return openPostgres(tb, u)
		}))
}

// TestPostgresTwoReplicas is the scale-out shape: two stores (two
// replicas, each its own pool) on one database race on one conversation,
// and of the commits at each version exactly one wins.
func TestPostgresTwoReplicas(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	ctx := context.Background()
	a := openPostgres(t, url)
	defer a.Close()
	b := openPostgres(t, url)
	defer b.Close()
	if err := a.Create(ctx, store.Record{ID: "c", Bot: "acme"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Create(ctx, store.Record{ID: "c"}, nil); !errors.Is(err, store.ErrExists) {
		t.Errorf("Create on the other replica: %v, want ErrExists", err)
	}
	const versions = 30
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins = map[int64][]string{}
	)
	for _, r := range []struct {
		name string
		s    *store.Postgres
	}{{"a", a}, {"b", b}} {
		for w := range 3 {
			who := fmt.Sprint(r.name, w)
			wg.Go(func() {
				// Every writer commits at every version, in step with
				// the others: each round, all of them try the same one.
				for v := int64(1); v <= versions; v++ {
					rec, err := r.s.Commit(ctx, "c", v, store.Update{State: json.RawMessage(fmt.Sprintf(`{"by":%q}`, who)), Msgs: []store.Message{{Kind: "user", Text: who}}, Reply: &store.Reply{Key: fmt.Sprint(v), Status: 200, Body: []byte(who)}})

					switch {
					case errors.Is(err, store.ErrConflict):
					case err != nil:
						t.Errorf("%s: Commit at %d: %v", who, v, err)
						return
					default:
						if rec.Version != v+1 {
							t.Errorf("%s: Commit at %d returned version %d", who, v, rec.Version)
						}
						mu.Lock()
						wins[v] = append(wins[v], who)
						mu.Unlock()
					}
					// Wait until someone has moved past v.
					for {
						cur, err := r.s.Get(ctx, "c")
						if err != nil {
							t.Errorf("%s: Get: %v", who, err)
							return
						}
						if cur.Version > v {
							break
						}
					}
				}
			})
		}
	}
	wg.Wait()
	for v := int64(1); v <= versions; v++ {
		if len(wins[v]) != 1 {
			t.Errorf("version %d: won by %q, want exactly one", v, wins[v])
		}
	}
	rec, err := b.Get(ctx, "c")
	if err != nil || rec.Version != versions+1 || rec.LastSeq != versions {
		t.Fatalf("Get after the race: %+v, %v", rec, err)
	}
	msgs, err := a.Messages(ctx, "c", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range msgs {
		v := int64(i) + 1
		if m.Seq != v || len(wins[v]) != 1 || m.Text != wins[v][0] {
			t.Errorf("message %d: Seq %d by %s, want the winner of version %d, %q", i+1, m.Seq, m.Text, v, wins[v])
		}
		// The reply kept is the winner's.
		r, ok, err := b.Reply(ctx, "c", fmt.Sprint(v))
		if err != nil || !ok || len(wins[v]) != 1 || string(r.Body) != wins[v][0] {
			t.Errorf("reply of version %d: %+v, %v, %v; want the winner's, %q", v, r, ok, err, wins[v])
		}
	}
}

// TestPostgresMigrate checks the schema's bookkeeping: replicas opening a
// new database together set it up once, a reopen changes nothing, and a
// database migrated by a newer botctl is refused.
func TestPostgresMigrate(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			p, err := store.OpenPostgres(url)
			if err != nil {
				t.Errorf("OpenPostgres of replicas starting together: %v", err)
				return
			}
			p.Close()
		})
	}
	wg.Wait()
	openPostgres(t, url).Close()

	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var got []string
	rows, _ := c.Query(ctx, `SELECT version FROM botctl_schema_migrations ORDER BY version`)
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		got = append(got, fmt.Sprint(v))
	}
	if strings.Join(got, " ") != "1 2 3" {
		t.Errorf("botctl_schema_migrations holds versions %q, want 1, 2 and 3 once each", got)
	}
	rows, _ = c.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := "botctl_bot_version_files botctl_bot_versions botctl_conversations botctl_messages botctl_replies botctl_schema_migrations"
	if strings.Join(tables, " ") != want {
		t.Errorf("tables: %s, want %s", strings.Join(tables, " "), want)
	}

	if _, err := c.Exec(ctx, `INSERT INTO botctl_schema_migrations (version) VALUES (99)`); err != nil {
		t.Fatal(err)
	}
	_, err = store.OpenPostgres(url)
	wantErr := "cannot set up the tables: the database's schema is at version 99, newer than the 3 this botctl knows"
	if err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Errorf("OpenPostgres of a newer schema: %v, want an error saying %q", err, wantErr)
	}
}

// TestPostgresDown: with the server gone every call fails with an error
// (never a wrong answer), and opening fails naming the address.
func TestPostgresDown(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	ctx := context.Background()
	p := openPostgres(t, url)
	defer p.Close()
	if err := p.Create(ctx, store.Record{ID: "c"}, nil); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := p.Ping(short); err == nil || !strings.HasPrefix(err.Error(), "store: postgres: ") {
		t.Errorf("Ping with the server down: %v", err)
	}
	if _, err := p.Get(short, "c"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get with the server down: %v, want a connection error", err)
	}
	if _, err := p.Commit(short, "c", 1, store.Update{}); err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Commit with the server down: %v, want a connection error", err)
	}
	_, err := store.OpenPostgres(strings.Replace(url, "botctl@", "botctl:s3cret@", 1), store.WithDialTimeout(time.Second))
	want := "store: postgres at " + srv.Addr + " (database test_1) does not answer: "
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("OpenPostgres with nothing listening: %v, want %q... without the password", err, want)
	}
}

func TestPostgresBadURL(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"postgres://u:s3cret@localhost:5432", `store: postgres URL "postgres://u:xxxxx@localhost:5432": no database name after the host (want postgres://USER:PASSWORD@HOST:PORT/DATABASE)`},
		{"postgres://u:s3cret@localhost:x/db", `store: postgres URL "postgres://u:xxxxx@localhost:x/db": invalid port ":x" after host (want postgres://USER:PASSWORD@HOST:PORT/DATABASE)`},
		{"postgres://u:s3cret@localhost:99999/db", `store: postgres URL "postgres://u:xxxxx@localhost:99999/db": invalid port (want postgres://USER:PASSWORD@HOST:PORT/DATABASE)`},
		{"postgres://u@localhost/db?password=s3cret&sslmode=maybe", `store: postgres URL "postgres://u@localhost/db?password=xxxxx&sslmode=maybe": failed to configure TLS (sslmode is invalid) (want postgres://USER:PASSWORD@HOST:PORT/DATABASE)`},
		{"http://localhost/db", `store: postgres URL "http://localhost/db": scheme "http", not postgres or postgresql (want postgres://USER:PASSWORD@HOST:PORT/DATABASE)`},
	} {
		_, err := store.OpenPostgres(c.url)
		if err == nil || err.Error() != c.want {
			t.Errorf("OpenPostgres(%q):\n got %v\nwant %s", c.url, err, c.want)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"memory":                "memory",
		"file:data/x.db":        "file:data/x.db",
		"redis://:pw@h:1/0":     "redis://:xxxxx@h:1/0",
		"redis://h:1/0":         "redis://h:1/0",
		"postgres://u:p@w@h/db": "postgres://u:xxxxx@h/db",
		"postgresql://u@h/db":   "postgresql://u@h/db",
		"postgres://h/db?sslmode=require&password=p&sslpassword=q": "postgres://h/db?sslmode=require&password=xxxxx&sslpassword=xxxxx",
		"postgres://h/db?pass%77ord=p":                             "postgres://h/db?password=xxxxx",
	} {
		if got := store.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
