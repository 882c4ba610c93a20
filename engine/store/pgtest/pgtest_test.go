package pgtest_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/botctl/botctl/engine/store/pgtest"
)

// fakeTB records how BinDir gives up.
type fakeTB struct {
	testing.TB
	skipped, fatal string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skip(args ...any) {
	f.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls BinDir on a fakeTB in its own goroutine, as Goexit needs.
func run(f *fakeTB) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		pgtest.BinDir(f)
	}()
	<-done
}

func TestBinDirMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	defer pgtest.SetLibGlob(t.TempDir() + "/*/bin")()

	t.Setenv("BOTCTL_REQUIRE_SERVICES", "")
	f := &fakeTB{}
	run(f)
	if want := "SKIPPED: PostgreSQL not installed (apt-get install postgresql); the PostgreSQL tests did not run"; f.skipped != want || f.fatal != "" {
		t.Errorf("without BOTCTL_REQUIRE_SERVICES: skipped %q, fatal %q; want skipped %q", f.skipped, f.fatal, want)
	}

	t.Setenv("BOTCTL_REQUIRE_SERVICES", "1")
	f = &fakeTB{}
	run(f)
	if want := "PostgreSQL not installed, and BOTCTL_REQUIRE_SERVICES=1 requires it: no initdb and postgres on $PATH or in /usr/lib/postgresql/*/bin"; f.fatal != want || f.skipped != "" {
		t.Errorf("with BOTCTL_REQUIRE_SERVICES=1: fatal %q, skipped %q; want fatal %q", f.fatal, f.skipped, want)
	}
}

func TestStartStop(t *testing.T) {
	srv := pgtest.Start(t)
	ctx := context.Background()
	u1, u2 := srv.NewDatabase(t), srv.NewDatabase(t)
	if u1 == u2 {
		t.Fatalf("NewDatabase twice returned %s", u1)
	}
	c, err := pgx.Connect(ctx, u1)
	if err != nil {
		t.Fatal(err)
	}
	var who, addr string
	if err := c.QueryRow(ctx, `SELECT current_user, host(inet_server_addr())`).Scan(&who, &addr); err != nil {
		t.Fatal(err)
	}
	c.Close(ctx)
	if who != pgtest.User || addr != "127.0.0.1" {
		t.Errorf("connected as %s to %s, want %s on 127.0.0.1", who, addr, pgtest.User)
	}
	srv.Stop()
	if _, err := pgx.Connect(ctx, u1); err == nil {
		t.Error("connected after Stop")
	}
	srv.Stop() // again: nothing to do
}
