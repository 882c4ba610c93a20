package explore_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/explore"
	"github.com/botctl/botctl/engine/transcript"
)

// exploreInto explores the bot at path, writes its transcripts into a new
// directory and returns the report and the directory.
func exploreInto(t *testing.T, path string) (*explore.Report, string) {
	t.Helper()
	bot, diags := engine.Load(path)
	if bot == nil {
		t.Fatalf("%s does not compile: %v", path, diags)
	}
	dir := filepath.Join(t.TempDir(), "explored")
	rep, err := explore.Explore(bot, path, dir, explore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := explore.Write(dir, rep.Files, false); err != nil {
		t.Fatal(err)
	}
	return rep, dir
}

// runAll runs every transcript in dir as `botctl test --cover` does and
// fails the test for each one that does not pass.
func runAll(t *testing.T, dir string) *transcript.Summary {
	t.Helper()
	sum, err := transcript.RunAll(context.Background(), transcript.Config{
		Paths: []string{dir}, Cover: true,
		Report: func(r *transcript.Result, v transcript.Verdict) error {
			if !v.Passed {
				t.Errorf("%s does not pass: diags %v, failures %v", r.Path, r.Diags, r.Failures)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestExploreBots(t *testing.T) {
	for _, tc := range []struct {
		path string
		min  float64 // the least share of steps and edges reached
	}{
		{"../../dialogs/acme-support", 90},
		{"../../dialogs/signup", 90},
		{"../transcript/testdata/desk.yaml", 100},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			rep, dir := exploreInto(t, tc.path)
			if len(rep.Notes) > 0 {
				t.Errorf("notes: %q", rep.Notes)
			}
			if p := rep.Percent(); p < tc.min {
				t.Errorf("explore reached %.1f%% of steps and edges, want at least %.0f%%; missed %q", p, tc.min, rep.Missed)
			}
			if rep.StepsHit != rep.Steps {
				t.Errorf("reached %d of %d steps; missed %q", rep.StepsHit, rep.Steps, rep.Missed)
			}
			sum := runAll(t, dir)
			if sum.Total != len(rep.Files) || sum.Failed != 0 {
				t.Errorf("ran %d transcripts, %d failed; explore wrote %d", sum.Total, sum.Failed, len(rep.Files))
			}
			// botctl test --cover agrees that the files cover the bot.
			for _, bc := range sum.Coverage {
				if p := bc.Total.Percent(); p < tc.min {
					t.Errorf("botctl test --cover: %.1f%% of steps and rule edges, want at least %.0f%%; missed %v", p, tc.min, bc.Missed)
				}
			}
		})
	}
}

func TestExploreIsDeterministic(t *testing.T) {
	const path = "../../dialogs/acme-support"
	bot, _ := engine.Load(path)
	dir := t.TempDir()
	a, err := explore.Explore(bot, path, dir, explore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := engine.Load(path) // a bot compiled anew, too
	b, err := explore.Explore(again, path, dir, explore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Files) != len(b.Files) {
		t.Fatalf("first run wrote %d files, second %d", len(a.Files), len(b.Files))
	}
	for i := range a.Files {
		if a.Files[i].Name != b.Files[i].Name || !bytes.Equal(a.Files[i].Src, b.Files[i].Src) {
			t.Errorf("file %d differs between runs: %s and %s", i, a.Files[i].Name, b.Files[i].Name)
		}
	}
}

func TestExploreTranscriptsSayWhatTheyReach(t *testing.T) {
	rep, _ := exploreInto(t, "../transcript/testdata/desk.yaml")
	head := regexp.MustCompile(`(?m)^# Written by botctl explore\. It reaches:\n#   `)
	for _, f := range rep.Files {
		if !head.Match(f.Src) || len(f.Reaches) == 0 {
			t.Errorf("%s does not start by saying what it reaches:\n%s", f.Name, f.Src)
		}
	}
	// The failure of the ticket lookup is among what is reached.
	var all []byte
	for _, f := range rep.Files {
		all = append(all, f.Src...)
	}
	for _, want := range []string{"{error: timeout}", "status#2: on_failure → status.sorry", "status#2: call failed", ">> upload name=file.exe size=1200"} {
		if !bytes.Contains(all, []byte(want)) {
			t.Errorf("no transcript has %q", want)
		}
	}
}

func TestWriteKeepsExistingFiles(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "explore-01-welcome.transcript")
	if err := os.WriteFile(old, []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []explore.File{{Name: "explore-01-welcome.transcript", Src: []byte("new\n")}, {Name: "explore-02-x.transcript", Src: []byte("x\n")}}
	err := explore.Write(dir, files, false)
	if err == nil || !strings.Contains(err.Error(), "explore-01-welcome.transcript") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("Write over an existing file: got %v, want an error naming it and --force", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "explore-02-x.transcript")); err == nil {
		t.Errorf("Write wrote a file although it refused another")
	}
	if err := explore.Write(dir, files, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(old); string(got) != "new\n" {
		t.Errorf("with force the file holds %q, want %q", got, "new\n")
	}
}
