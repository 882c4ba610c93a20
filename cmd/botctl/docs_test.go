package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
)

// repoRoot is the root of the module, from this package's directory.
var repoRoot = filepath.Join("..", "..")

// fencedAfter returns the first fenced block that follows marker in the
// markdown file at path, without its fences.
func fencedAfter(t *testing.T, path, marker string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot, path))
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	i := strings.Index(s, marker)
	if i < 0 {
		t.Fatalf("%s has no %q", path, marker)
	}
	s = s[i:]
	open := strings.Index(s, "\n```")
	if open < 0 {
		t.Fatalf("%s: no fenced block after %q", path, marker)
	}
	s = s[open+4:]
	s = s[strings.Index(s, "\n")+1:]
	end := strings.Index(s, "\n```")
	if end < 0 {
		t.Fatalf("%s: the fenced block after %q does not end", path, marker)
	}
	return s[:end+1]
}

// TestEditorsDocMessages checks that the messages docs/editors.md shows
// are those botctl validate prints, which the script
// validate_schema_messages.txtar checks against the real command.
func TestEditorsDocMessages(t *testing.T) {
	doc := fencedAfter(t, "docs/editors.md", "## What the messages mean")
	ar, err := txtar.ParseFile(filepath.Join(repoRoot, "testdata", "script", "validate_schema_messages.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		if f.Name == "want.txt" {
			if got := string(f.Data); got != doc {
				t.Errorf("docs/editors.md shows\n%s\nbut botctl validate prints\n%s", doc, got)
			}
			return
		}
	}
	t.Fatal("the script has no want.txt")
}

// A quickstartBlock is a fenced sh block of the README that follows a
// <!-- quickstart --> comment: TestReadmeQuickstart runs it as written.
// A block after <!-- quickstart: background --> is one long-running
// command (a server), started before the blocks that follow and stopped
// with an interrupt at the end. Lines "# → TEXT" expect TEXT in the
// block's output.
type quickstartBlock struct {
	line       int // of the opening fence, 1-based
	background bool
	script     string
	expect     []string
}

func quickstartBlocks(readme string) ([]quickstartBlock, error) {
	var blocks []quickstartBlock
	lines := strings.Split(readme, "\n")
	for i := 0; i < len(lines); i++ {
		marker := strings.TrimSpace(lines[i])
		if marker != "<!-- quickstart -->" && marker != "<!-- quickstart: background -->" {
			continue
		}
		if i+1 >= len(lines) || lines[i+1] != "```sh" {
			return nil, fmt.Errorf("README.md:%d: %s must be followed by a ```sh block", i+1, marker)
		}
		b := quickstartBlock{line: i + 2, background: strings.Contains(marker, "background")}
		var script []string
		for i += 2; ; i++ {
			if i >= len(lines) {
				return nil, fmt.Errorf("README.md:%d: the block does not end", b.line)
			}
			if lines[i] == "```" {
				break
			}
			if want, ok := strings.CutPrefix(lines[i], "# → "); ok {
				b.expect = append(b.expect, want)
				continue
			}
			script = append(script, lines[i])
		}
		b.script = strings.Join(script, "\n") + "\n"
		if b.background && len(script) != 1 {
			return nil, fmt.Errorf("README.md:%d: a background block must be one command", b.line)
		}
		blocks = append(blocks, b)
	}
	return blocks, nil
}

func TestQuickstartBlocks(t *testing.T) {
	readme := "text\n<!-- quickstart -->\n```sh\na 1\n# → out\nb\n```\n\n<!-- quickstart: background -->\n```sh\nserve\n```\n```sh\nnot marked\n```\n"
	got, err := quickstartBlocks(readme)
	if err != nil {
		t.Fatal(err)
	}
	want := []quickstartBlock{
		{line: 3, script: "a 1\nb\n", expect: []string{"out"}},
		{line: 10, background: true, script: "serve\n"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, bad := range []string{
		"<!-- quickstart -->\ntext\n",
		"<!-- quickstart -->\n```sh\nno end\n",
		"<!-- quickstart: background -->\n```sh\na\nb\n```\n",
	} {
		if _, err := quickstartBlocks(bad); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}

// TestReadmeQuickstart runs the README's quick start with botctl (this
// test binary, on PATH by TestMain) in a copy of the repository's tracked
// files, so that every command there works as written on a fresh clone.
// The server listens on a free port instead of 8080.
func TestReadmeQuickstart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a server and several commands")
	}
	if _, err := exec.LookPath("botctl"); err != nil {
		t.Fatalf("botctl is not on PATH: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := quickstartBlocks(string(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) == 0 {
		t.Fatal("README.md marks no quick start block")
	}
	dir := copyTracked(t)
	addr := freeAddr(t)

	type server struct {
		cmd  *exec.Cmd
		out  *bytes.Buffer
		line int
	}
	var servers []server
	defer func() {
		for _, s := range servers {
			_ = s.cmd.Process.Kill()
		}
	}()
	for _, b := range blocks {
		script := strings.ReplaceAll(b.script, "127.0.0.1:8080", addr)
		if strings.Contains(script, "curl ") {
			if _, err := exec.LookPath("curl"); err != nil {
				t.Logf("README.md:%d: skipped: no curl", b.line)
				continue
			}
		}
		if b.background {
			var out bytes.Buffer
			cmd := exec.Command("sh", "-c", "exec "+script)
			cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			servers = append(servers, server{cmd, &out, b.line})
			waitListening(t, addr, &out, b.line)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, "sh", "-e", "-c", script)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("README.md:%d: %v\n%s\n%s", b.line, err, script, out)
		}
		for _, want := range b.expect {
			if !strings.Contains(string(out), want) {
				t.Errorf("README.md:%d: the output has no %q:\n%s", b.line, want, out)
			}
		}
	}
	for _, s := range servers {
		_ = s.cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- s.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("README.md:%d: the server did not stop cleanly on an interrupt: %v\n%s", s.line, err, s.out)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("README.md:%d: the server did not stop within 30s of an interrupt", s.line)
		}
	}
}

// copyTracked copies the repository's tracked files into a new directory,
// as a fresh clone has them.
func copyTracked(t *testing.T) string {
	t.Helper()
	list, err := exec.Command("git", "-C", repoRoot, "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("cannot list the repository's files: %v", err)
	}
	dir := t.TempDir()
	for _, name := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(repoRoot, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// freeAddr returns a loopback address no one listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// waitListening waits until something accepts connections at addr.
func waitListening(t *testing.T, addr string, out *bytes.Buffer, line int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("README.md:%d: nothing listens on %s after 30s\n%s", line, addr, out)
}
