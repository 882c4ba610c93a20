package redistest_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/botctl/botctl/engine/store/redistest"
)

// fakeTB records how Binary gives up.
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

// run calls Binary on a fakeTB in its own goroutine, as Goexit needs.
func run(f *fakeTB) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		redistest.Binary(f)
	}()
	<-done
}

func TestBinaryMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())

	t.Setenv("BOTCTL_REQUIRE_SERVICES", "")
	f := &fakeTB{}
	run(f)
	if want := "SKIPPED: redis-server not installed (apt-get install redis-server); the Redis tests did not run"; f.skipped != want || f.fatal != "" {
		t.Errorf("without BOTCTL_REQUIRE_SERVICES: skipped %q, fatal %q; want skipped %q", f.skipped, f.fatal, want)
	}

	t.Setenv("BOTCTL_REQUIRE_SERVICES", "1")
	f = &fakeTB{}
	run(f)
	if want := `redis-server not installed, and BOTCTL_REQUIRE_SERVICES=1 requires it: exec: "redis-server": executable file not found in $PATH`; f.fatal != want || f.skipped != "" {
		t.Errorf("with BOTCTL_REQUIRE_SERVICES=1: fatal %q, skipped %q; want fatal %q", f.fatal, f.skipped, want)
	}
}

func TestStartStopRestart(t *testing.T) {
	srv := redistest.Start(t)
	if err := redistest.Ping(srv.Addr); err != nil {
		t.Fatalf("PING after Start: %v", err)
	}
	if got, want := srv.URL(2), "redis://"+srv.Addr+"/2"; got != want {
		t.Errorf("URL(2) = %s, want %s", got, want)
	}
	srv.Stop()
	if err := redistest.Ping(srv.Addr); err == nil {
		t.Error("PING answered after Stop")
	}
	srv.Stop() // again: nothing to do
	srv.Restart()
	if err := redistest.Ping(srv.Addr); err != nil {
		t.Errorf("PING after Restart: %v", err)
	}
}
