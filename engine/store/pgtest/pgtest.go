// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb
// in a temporary directory, postgres on a free loopback port (no Unix
// socket), trust authentication for the user botctl, stopped and deleted
// when the test ends.
//
//	srv := pgtest.Start(t)
//	st, err := store.OpenPostgres(srv.NewDatabase(t))
//
// The binaries are looked up on PATH, then under /usr/lib/postgresql/*/bin
// (where Debian's postgresql package puts them). When they are not
// installed, Start skips the test with a message saying so, or fails it
// when the environment variable BOTCTL_REQUIRE_SERVICES is 1 (as CI sets
// it), so a missing server cannot pass unnoticed.
//
// PostgreSQL refuses to run as root. Run as root, Start runs initdb and
// postgres as the user nobody, in a directory of its own under the system's
// temporary directory.
//
// The cluster runs with fsync off unless Durable is given: tests do not
// survive power cuts, and CREATE DATABASE is much faster without.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/botctl/botctl/engine/internal/testproc"
)

// User is the cluster's superuser, who needs no password.
const User = "botctl"

// Server is a PostgreSQL cluster owned by a test. Its methods are safe for
// concurrent use.
type Server struct {
	// Addr is the server's HOST:PORT on 127.0.0.1.
	Addr string

	bin   string // the directory of initdb and postgres
	dir   string
	runAs *runAs // whom to run as; nil: this process's user
	dbs   atomic.Int64

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// Option adjusts Start.
type Option func(*options)

type options struct{ durable bool }

// Durable keeps fsync on, as a production server has it: for benchmarks.
func Durable() Option { return func(o *options) { o.durable = true } }

// BinDir returns the directory of initdb and postgres, skipping or failing
// tb when PostgreSQL is not installed (see the package doc).
func BinDir(tb testing.TB) string {
	tb.Helper()
	dir, err := findBin()
	if err == nil {
		return dir
	}
	if os.Getenv("BOTCTL_REQUIRE_SERVICES") == "1" {
		tb.Fatalf("PostgreSQL not installed, and BOTCTL_REQUIRE_SERVICES=1 requires it: %v", err)
	}
	tb.Skip("SKIPPED: PostgreSQL not installed (apt-get install postgresql); the PostgreSQL tests did not run")
	return ""
}

// libGlob is where Debian installs each major version's binaries.
var libGlob = "/usr/lib/postgresql/*/bin"

// findBin finds a directory holding both initdb and postgres: that of
// initdb on PATH, else the newest /usr/lib/postgresql/VERSION/bin.
func findBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if isExec(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob(libGlob)
	slices.SortFunc(dirs, func(a, b string) int { return majorOf(b) - majorOf(a) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", fmt.Errorf("no initdb and postgres on $PATH or in /usr/lib/postgresql/*/bin")
}

func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// Start initialises a cluster, starts it and registers its stop (and the
// removal of its files) with tb.Cleanup.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s := &Server{bin: BinDir(tb)}
	if err := s.setUser(); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	// Not tb.TempDir: its parents are private to this process's user,
	// and the server may run as another.
	dir, err := os.MkdirTemp("", "botctl-pgtest-")
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	s.dir = dir
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if s.runAs != nil {
		if err := os.Chown(dir, s.runAs.uid, s.runAs.gid); err != nil {
			tb.Fatalf("pgtest: %v", err)
		}
	}
	data := filepath.Join(dir, "data")
	out, err := s.command("initdb", "-D", data, "-U", User, "--auth=trust", "--no-sync", "--encoding=UTF8", "--no-locale").CombinedOutput()
	if err != nil {
		tb.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
	args := []string{"-D", data, "-k", "", "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"}
	if !o.durable {
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off")
	}
	// The free port is found by listening and closing: another process
	// may take it in between, so try a few times.
	for range 5 {
		var port int
		if port, err = testproc.FreePort(); err != nil {
			continue
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err = s.start(append(args, "-p", strconv.Itoa(port))); err == nil {
			break
		}
	}
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// setUser picks whom the server runs as: nobody when this process is
// root, as postgres refuses to run as root.
func (s *Server) setUser() error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return fmt.Errorf("running as root, PostgreSQL needs another user to run as, and there is no user nobody: %v", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("running as root, PostgreSQL needs another user to run as, and user nobody has no numeric ids (uid %q, gid %q)", u.Uid, u.Gid)
	}
	s.runAs = &runAs{uid: uid, gid: gid}
	return nil
}

// runAs is a user to run the server as.
type runAs struct{ uid, gid int }

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	// initdb and postgres read no HOME of root's, and LC_ALL=C keeps the
	// server's messages in English whatever the machine's locale.
	cmd.Env = append(os.Environ(), "LC_ALL=C", "HOME="+s.dir)
	setProcAttr(cmd, s.runAs)
	return cmd
}

func (s *Server) start(args []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	logPath := filepath.Join(s.dir, "postgres.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := s.command("postgres", args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if s.ping() == nil {
			s.cmd, s.exited = cmd, exited
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("postgres on %s exited at start:\n%s", s.Addr, testproc.LogTail(logPath))
		case <-time.After(50 * time.Millisecond):
		}
	}
	cmd.Process.Kill()
	<-exited
	return fmt.Errorf("postgres on %s did not accept connections within 30s:\n%s", s.Addr, testproc.LogTail(logPath))
}

func (s *Server) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := pgconn.Connect(ctx, s.url("postgres"))
	if err != nil {
		return err
	}
	return c.Close(ctx)
}

func (s *Server) url(db string) string {
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", User, s.Addr, db)
}

// URL returns the postgres:// URL of a database of the server (which
// may not exist: see NewDatabase).
func (s *Server) URL(db string) string { return s.url(db) }

// DataDir is the cluster's data directory: what the server keeps on disk,
// for tests that check what reaches it (run CHECKPOINT first).
func (s *Server) DataDir() string { return filepath.Join(s.dir, "data") }

// NewDatabase creates an empty database and returns its URL.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("test_%d", s.dbs.Add(1))
	if err := s.Exec("postgres", "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return s.url(name)
}

// Exec runs SQL statements in database db as the superuser.
func (s *Server) Exec(db, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgconn.Connect(ctx, s.url(db))
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql).ReadAll(); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// Stop kills the server and waits for it and its processes to exit.
// Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	// SIGQUIT is the immediate shutdown: the postmaster stops its
	// children, then exits, so no backend outlives the test.
	s.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd, s.exited = nil, nil
}
