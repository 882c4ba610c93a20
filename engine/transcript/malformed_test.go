package transcript_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/transcript"
)

// update rewrites golden files from what the code does. BOTCTL_UPDATE_GOLDEN=1
// does the same for runs such as `go test ./...`.
var update = flag.Bool("update", false, "rewrite the golden files of testdata/transcripts")

func updating() bool { return *update || os.Getenv("BOTCTL_UPDATE_GOLDEN") == "1" }

// malformedDir holds transcripts with one mistake each, next to the error
// botctl test reports for them (name.golden).
const malformedDir = "../../testdata/transcripts"

// TestMalformed runs every transcript of testdata/transcripts and compares
// the one error it gets, printed as botctl test prints it (with the source
// line and a caret), with its golden file.
func TestMalformed(t *testing.T) {
	t.Chdir(malformedDir)
	names, err := filepath.Glob("*.transcript")
	if err != nil || len(names) == 0 {
		t.Fatalf("no cases in %s (%v)", malformedDir, err)
	}
	cases := map[string]bool{}
	for _, name := range names {
		golden := strings.TrimSuffix(name, ".transcript") + ".golden"
		cases[golden] = true
		t.Run(strings.TrimSuffix(name, ".transcript"), func(t *testing.T) {
			r := &transcript.Runner{}
			res := r.Run(name)
			if res.Ran() {
				t.Fatalf("%s ran; every case must be refused with an error", name)
			}
			if len(res.Diags) != 1 || res.Diags[0].Severity != diag.Error {
				t.Errorf("%s: want exactly one error, got %d diagnostics:\n%v", name, len(res.Diags), res.Diags)
			}
			for _, d := range res.Diags {
				if d.Pos.File != name || d.Pos.Line < 1 || d.Pos.Col < 1 {
					t.Errorf("%s: diagnostic without a file:line:col in the transcript: %v", name, d)
				}
			}
			var b bytes.Buffer
			src := func(string) []byte { return res.Expected }
			if err := diag.Text(&b, res.Diags, diag.TextOptions{Sources: src}); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			if updating() {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run `go test ./engine/transcript -run TestMalformed -update` to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s: the error differs from %s\n--- got\n%s--- want\n%s", name, golden, got, want)
			}
		})
	}
	all, _ := filepath.Glob("*.golden")
	for _, g := range all {
		if !cases[g] {
			t.Errorf("%s has no transcript next to it", g)
		}
	}
}
