package transcript_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/transcript"
)

// transcriptRoots are the directories whose transcripts must pass: the
// example bots' and the repository's test data. A transcript with a
// .golden file next to it is a deliberately malformed case (TestMalformed).
var transcriptRoots = []string{"../../dialogs", "../../testdata", "testdata"}

// TestRepoTranscripts runs every transcript of the repository through the
// runner botctl test uses, so `go test ./...` covers them, and checks that
// the example bots' transcripts exercise every step and edge.
func TestRepoTranscripts(t *testing.T) {
	r := &transcript.Runner{Coverage: &transcript.Coverage{}}
	n := 0
	for _, root := range transcriptRoots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".transcript") {
				return nil
			}
			if _, err := os.Stat(strings.TrimSuffix(path, ".transcript") + ".golden"); err == nil {
				return nil
			}
			n++
			t.Run(filepath.ToSlash(path), func(t *testing.T) {
				res := r.Run(path)
				for _, d := range res.Diags {
					t.Error(d)
				}
				for _, d := range res.BotDiags {
					t.Error(d)
				}
				for _, f := range res.Failures {
					t.Error(f)
				}
				if res.Ran() && !res.Passed() {
					t.Log("\n" + transcript.Diff(path, res.Expected, res.Actual, false))
				}
			})
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if n == 0 {
		t.Fatal("no transcripts found")
	}
	for _, b := range r.Coverage.Report() {
		if !strings.HasPrefix(filepath.ToSlash(b.Path), "../../dialogs/") {
			continue
		}
		if b.Total.StepsHit != b.Total.Steps || b.Total.EdgesHit != b.Total.Edges {
			t.Errorf("the transcripts of example bot %s exercise %d/%d steps and %d/%d edges; every example bot's must reach all:",
				b.Name, b.Total.StepsHit, b.Total.Steps, b.Total.EdgesHit, b.Total.Edges)
			for _, m := range b.Missed {
				t.Errorf("  %s", m)
			}
		}
	}
}
