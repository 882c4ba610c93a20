package diff

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/botctl/botctl/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// updateGolden reports whether golden files should be rewritten: with
// -update, or with BOTCTL_UPDATE_GOLDEN=1 so that `go test ./...` can do it
// for every package at once.
func updateGolden() bool {
	return *update || os.Getenv("BOTCTL_UPDATE_GOLDEN") == "1"
}

// TestGolden compares each scenario of testdata (a directory holding the
// bots old and new) and checks both renderings against NAME.txt and
// NAME.json.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "old"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no scenarios in testdata: %v", err)
	}
	for _, old := range dirs {
		dir := filepath.Dir(old)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			a, diags := engine.Load(old)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			b, diags := engine.Load(filepath.Join(dir, "new"))
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			r := Compare(a, b)
			var text, js bytes.Buffer
			if err := Text(&text, r); err != nil {
				t.Fatal(err)
			}
			if err := JSON(&js, r); err != nil {
				t.Fatal(err)
			}
			golden(t, dir+".txt", text.Bytes())
			golden(t, dir+".json", js.Bytes())
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if updateGolden() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to rewrite it):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
