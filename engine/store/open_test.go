package store_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/store/pgtest"
	"github.com/botctl/botctl/engine/store/redistest"
)

func TestOpen(t *testing.T) {
	t.Chdir(t.TempDir())

	s, err := store.Open("memory")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*store.Memory); !ok {
		t.Errorf("Open(memory) = %T", s)
	}
	s.Close()

	s, err = store.Open("file")
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := s.(*store.File); !ok || f.Path() != "botctl-data/botctl.db" {
		t.Errorf("Open(file) = %#v", s)
	}
	s.Close()
	if _, err := os.Stat(filepath.Join("botctl-data", "botctl.db")); err != nil {
		t.Errorf("the default database was not created: %v", err)
	}

	s, err = store.Open("file:data/x.db")
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := s.(*store.File); !ok || f.Path() != "data/x.db" {
		t.Errorf("Open(file:data/x.db) = %#v", s)
	}
	s.Close()

	for spec, want := range map[string]string{
		"file:":          `store: "file:" needs a path, e.g. file:./botctl-data/botctl.db`,
		"postgres://db":  `store: postgres URL "postgres://db": no database name after the host (want postgres://USER:PASSWORD@HOST:PORT/DATABASE)`,
		"":               `store: unknown store "": use memory, file:PATH, redis://HOST:PORT/DB or postgres://USER:PASSWORD@HOST:PORT/DATABASE`,
		"pg://u:pw@h/db": `store: unknown store "pg://u:xxxxx@h/db": use memory, file:PATH, redis://HOST:PORT/DB or postgres://USER:PASSWORD@HOST:PORT/DATABASE`,
		"redis://h:1/db": `store: redis URL "redis://h:1/db": redis: invalid database number: "db" (want redis://HOST:PORT/DB)`,
	} {
		if _, err := store.Open(spec); err == nil || err.Error() != want {
			t.Errorf("Open(%q):\n got %v\nwant %s", spec, err, want)
		}
	}
}

func TestOpenRedis(t *testing.T) {
	srv := redistest.Start(t)
	s, err := store.Open(srv.URL(1), store.WithTTL(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, ok := s.(*store.Redis)
	if !ok || r.TTL() != 0 {
		t.Errorf("Open(%s) = %T with TTL %v", srv.URL(1), s, r.TTL())
	}
}

func TestOpenPostgres(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	for _, spec := range []string{url, "postgresql" + strings.TrimPrefix(url, "postgres")} {
		s, err := store.Open(spec)
		if err != nil {
			t.Fatalf("Open(%s): %v", spec, err)
		}
		if _, ok := s.(*store.Postgres); !ok {
			t.Errorf("Open(%s) = %T", spec, s)
		}
		s.Close()
	}
}
