// Package redistest starts a throwaway redis-server for tests: on a free
// loopback port, in a temporary directory, without persistence, stopped
// when the test ends.
//
//	srv := redistest.Start(t)
//	st, err := store.OpenRedis(srv.URL(0))
//
// When redis-server is not installed, Start skips the test with a message
// saying so, or fails it when the environment variable
// BOTCTL_REQUIRE_SERVICES is 1 (as CI sets it), so a missing server cannot
// pass unnoticed.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/internal/testproc"
)

// Server is a redis-server process owned by a test. Its methods are safe
// for concurrent use.
type Server struct {
	// Addr is the server's HOST:PORT on 127.0.0.1.
	Addr string

	tb   testing.TB
	bin  string
	dir  string
	port int

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
}

// Binary returns the path of redis-server, skipping or failing tb when it
// is not installed (see the package doc).
func Binary(tb testing.TB) string {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err == nil {
		return bin
	}
	msg := "SKIPPED: redis-server not installed (apt-get install redis-server); the Redis tests did not run"
	if os.Getenv("BOTCTL_REQUIRE_SERVICES") == "1" {
		tb.Fatalf("redis-server not installed, and BOTCTL_REQUIRE_SERVICES=1 requires it: %v", err)
	}
	tb.Skip(msg)
	return ""
}

// Start starts a redis-server and registers its stop with tb.Cleanup.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{tb: tb, bin: Binary(tb), dir: tb.TempDir()}
	var err error
	// The free port is found by listening and closing: another process
	// may take it in between, so try a few times.
	for range 5 {
		if s.port, err = testproc.FreePort(); err != nil {
			continue
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// URL returns the redis:// URL of database db on the server.
func (s *Server) URL(db int) string {
	return fmt.Sprintf("redis://%s/%d", s.Addr, db)
}

// Stop kills the server and waits for it to exit; the data is lost.
// Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.exited
	s.cmd, s.exited = nil, nil
}

// Restart starts a stopped server again on the same port, empty.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	var err error
	// The port may linger briefly after the kill.
	for range 20 {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.tb.Fatalf("redistest: restart: %v", err)
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	logPath := filepath.Join(s.dir, "redis.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
	)
	cmd.Dir = s.dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	setPdeathsig(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if Ping(s.Addr) == nil {
			s.cmd, s.exited = cmd, exited
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server on port %d exited at start:\n%s", s.port, testproc.LogTail(logPath))
		case <-time.After(20 * time.Millisecond):
		}
	}
	cmd.Process.Kill()
	<-exited
	return fmt.Errorf("redis-server on port %d did not answer PING within 10s:\n%s", s.port, testproc.LogTail(logPath))
}

// Ping sends a PING to the Redis server at addr and expects +PONG.
func Ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}
