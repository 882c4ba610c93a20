package engine_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/graph"
)

// loadTimeout bounds one run of the pipeline on one fuzz input. Inputs are
// small; a run this long means a loop that does not terminate.
const loadTimeout = 10 * time.Second

// FuzzLoad feeds arbitrary bytes, as one bot file, through the whole
// pipeline (load, schema check, compile): it must return, without panicking,
// a compiled bot exactly when there are no errors, and diagnostics that each
// point at a line and column of the file.
//
//	go test ./engine -run '^$' -fuzz FuzzLoad -fuzztime 30s
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{invalidDir, examplesDir} {
		seedDir(f, dir)
	}
	f.Add([]byte(""))
	f.Add([]byte("botctl: 1\nbot: {name: x}\n"))

	f.Fuzz(func(t *testing.T, src []byte) {
		path := filepath.Join(t.TempDir(), "bot.yaml")
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		type result struct {
			bot   *graph.Bot
			diags diag.List
		}
		done := make(chan result, 1)
		go func() {
			bot, diags := engine.Load(path)
			done <- result{bot, diags}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(loadTimeout):
			t.Fatalf("engine.Load did not return within %s", loadTimeout)
		}

		if r.diags.HasErrors() != (r.bot == nil) {
			t.Errorf("bot == nil is %v but HasErrors is %v:\n%s", r.bot == nil, r.diags.HasErrors(), render(r.diags))
		}
		lines := splitLines(src)
		for _, d := range r.diags {
			if d.Pos.File != path {
				t.Errorf("%s: file is not %s", d.Error(), path)
			} else if msg := posProblem(d.Pos, lines); msg != "" {
				t.Errorf("%s: %s", d.Error(), msg)
			}
			if d.Code == "" || d.Message == "" {
				t.Errorf("%#v: a diagnostic needs a code and a message", d)
			}
		}
	})
}

// seedDir adds every bot file below dir to the corpus.
func seedDir(f *testing.F, dir string) {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && path == dir {
				return filepath.SkipDir
			}
			return err
		}
		if d.Type().IsRegular() && isBotFile(d.Name()) {
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			f.Add(src)
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
}
