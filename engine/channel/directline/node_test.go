package directline

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// nodeModules installs testdata/js's packages (package-lock.json, with
// npm ci) into a cache directory named by the lock's hash, once, and
// returns the directory. Without node or npm the test is skipped, loudly,
// unless BOTCTL_REQUIRE_SERVICES=1 (CI), where it fails.
func nodeModules(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("BOTCTL_REQUIRE_SERVICES") == "1" {
				t.Fatalf("%s is not installed, and BOTCTL_REQUIRE_SERVICES=1", tool)
			}
			t.Skipf("SKIPPED: %s is not installed: the Direct Line client and Web Chat tests need Node.js 20 and npm", tool)
		}
	}
	installOnce.Do(func() { installDir, installErr = install() })
	if installErr != nil {
		t.Fatal(installErr)
	}
	return installDir
}

var (
	installOnce sync.Once
	installDir  string
	installErr  error
)

func install() (string, error) {
	lock, err := os.ReadFile("testdata/js/package-lock.json")
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(lock)
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "botctl-test", "directline-js-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".done")); err == nil {
		return dir, copyScripts(dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join("testdata/js", f))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			return "", err
		}
	}
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", &installError{err: err, out: string(out)}
	}
	if err := os.WriteFile(filepath.Join(dir, "node_modules", ".done"), nil, 0o644); err != nil {
		return "", err
	}
	return dir, copyScripts(dir)
}

type installError struct {
	err error
	out string
}

func (e *installError) Error() string { return "npm ci: " + e.err.Error() + "\n" + e.out }

// copyScripts puts testdata/js's scripts next to the installed modules,
// where node resolves their requires.
func copyScripts(dir string) error {
	files, err := filepath.Glob("testdata/js/*.js")
	if err != nil {
		return err
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// TestDirectLineJS runs the three-turn conversation of
// testdata/js/conversation.js with Microsoft's botframework-directlinejs,
// over the WebSocket stream and by polling.
func TestDirectLineJS(t *testing.T) {
	dir := nodeModules(t)
	for _, mode := range []string{"websocket", "polling"} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t)
			var gen Conversation
			if st := e.do("POST", "/tokens/generate", testSecret, nil, &gen); st != 200 {
				t.Fatalf("generate: %d", st)
			}
			cmd := exec.Command("node", "conversation.js", e.base, gen.Token, mode)
			cmd.Dir = dir
			done := make(chan struct{})
			var out []byte
			var err error
			go func() { out, err = cmd.CombinedOutput(); close(done) }()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
			if err != nil || !strings.Contains(string(out), "\nOK\n") {
				t.Fatalf("node conversation.js %s: %v\n%s", mode, err, out)
			}
			if testing.Verbose() {
				t.Logf("%s", out)
			}
		})
	}
}
