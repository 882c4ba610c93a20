package transcript

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const echoBot = `botctl: 1
bot: {name: echo, welcome: hi}
dialogs:
  hi:
    steps:
      - say: Hello
`

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRunAll runs a directory of transcripts: in order, the passing and
// failing ones counted, and with Update the failing one rewritten.
func TestRunAll(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"bot.yaml":              echoBot,
		"tests/a.transcript":    "---\nbot: ../bot.yaml\n---\n< Hello\n",
		"tests/b.transcript":    "---\nbot: ../bot.yaml\n---\n< Goodbye\n",
		"tests/_x/c.transcript": "not run: the directory starts with _\n",
	})
	var seen []string
	cfg := Config{Paths: []string{dir}, Cover: true, CoverMin: 100, Report: func(r *Result, v Verdict) error {
		seen = append(seen, filepath.Base(r.Path)+" "+map[bool]string{true: "ok", false: "fail"}[v.Passed])
		return nil
	}}
	sum, err := RunAll(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(seen, ", "); got != "a.transcript ok, b.transcript fail" {
		t.Errorf("reported %s", got)
	}
	if sum.Total != 2 || sum.Failed != 1 || sum.Updated != 0 || sum.OK() || len(sum.Coverage) != 1 || sum.CoverFailed() {
		t.Errorf("summary %+v", sum)
	}

	seen = nil
	cfg.Update, cfg.Filter = true, regexp.MustCompile(`b\.transcript$`)
	if sum, err = RunAll(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(seen, ", "); got != "b.transcript ok" || sum.Updated != 1 || !sum.OK() {
		t.Errorf("with update: reported %s, summary %+v", got, sum)
	}
	if src, _ := os.ReadFile(filepath.Join(dir, "tests", "b.transcript")); string(src) != "---\nbot: ../bot.yaml\n---\n< Hello\n" {
		t.Errorf("rewritten as %q", src)
	}

	cfg.Filter = regexp.MustCompile(`nothing`)
	if _, err := RunAll(context.Background(), cfg); err == nil || err.Error() != `no transcript matches --run "nothing" (of 2 transcripts)` {
		t.Errorf("a filter matching nothing: %v", err)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"b.transcript": "", "sub/a.transcript": "", "testdata/x.transcript": "", ".hidden/y.transcript": "", "notes.txt": "",
	})
	got, err := Find([]string{dir, filepath.Join(dir, "b.transcript"), filepath.Join(dir, "testdata")})
	want := []string{filepath.Join(dir, "b.transcript"), filepath.Join(dir, "sub", "a.transcript"), filepath.Join(dir, "testdata", "x.transcript")}
	if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Find = %v, %v; want %v", got, err, want)
	}
	if _, err := Find([]string{filepath.Join(dir, "sub", "none")}); err == nil || !strings.HasSuffix(err.Error(), "none: no such file or directory") {
		t.Errorf("a missing path: %v", err)
	}
	if _, err := Find([]string{filepath.Join(dir, ".hidden")}); err != nil {
		t.Errorf("a hidden directory named: %v", err)
	}
	os.MkdirAll(filepath.Join(dir, "empty"), 0o755)
	if _, err := Find([]string{filepath.Join(dir, "empty")}); err == nil || !strings.HasSuffix(err.Error(), "empty: no .transcript files found") {
		t.Errorf("a directory without transcripts: %v", err)
	}
}
