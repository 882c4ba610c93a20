package engine_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/diag"
)

// update rewrites the golden files of testdata/invalid from what the engine
// reports. BOTCTL_UPDATE_GOLDEN=1 does the same, for runs such as
// `go test ./...` where packages without the flag would reject it.
var update = flag.Bool("update", false, "rewrite the golden files of testdata/invalid")

func updating() bool { return *update || os.Getenv("BOTCTL_UPDATE_GOLDEN") == "1" }

const (
	invalidDir  = "../testdata/invalid"
	examplesDir = "../dialogs"
)

// isBotFile reports whether name is a bot file by its extension.
func isBotFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// botEntries lists the bots of dir: every *.yaml/*.yml file and every
// directory directly inside it, by name.
func botEntries(t testing.TB, dir string) []os.DirEntry {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []os.DirEntry
	for _, e := range entries {
		if e.IsDir() || (e.Type().IsRegular() && isBotFile(e.Name())) {
			out = append(out, e)
		}
	}
	return out
}

// goldenName is the golden file of a case: name.yaml -> name.golden,
// dir -> dir.golden.
func goldenName(entry string) string {
	return strings.TrimSuffix(entry, filepath.Ext(entry)) + ".golden"
}

// render formats diagnostics one per line as diag.Diagnostic.Error does,
// with slash-separated paths so goldens are the same on every system.
func render(diags diag.List) string {
	var b strings.Builder
	for _, d := range diags {
		d.Pos.File = filepath.ToSlash(d.Pos.File)
		b.WriteString(d.Error())
		b.WriteByte('\n')
	}
	return b.String()
}

// TestInvalid loads every broken bot of testdata/invalid and compares its
// diagnostics with the golden file next to it. Paths in diagnostics are
// relative to testdata/invalid, because the test runs from there.
func TestInvalid(t *testing.T) {
	entries := botEntries(t, invalidDir)
	if len(entries) == 0 {
		t.Fatalf("no cases in %s", invalidDir)
	}
	t.Chdir(invalidDir)

	cases := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		golden := goldenName(name)
		cases[golden] = true
		t.Run(strings.TrimSuffix(name, filepath.Ext(name)), func(t *testing.T) {
			_, diags := engine.Load(name)
			got := render(diags)

			if len(diags) == 0 {
				t.Errorf("%s: no diagnostics; every case must report its mistake", name)
			}
			checkPositions(t, name, diags)

			if updating() {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run `go test ./engine -run TestInvalid -update` to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s: diagnostics differ from %s\n--- got\n%s--- want\n%s", name, golden, got, want)
			}
		})
	}

	// A golden file without its case is left over from a renamed or deleted one.
	all, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if strings.HasSuffix(e.Name(), ".golden") && !cases[e.Name()] {
			t.Errorf("%s has no bot file or directory next to it", e.Name())
		}
	}
}

// checkPositions asserts that every diagnostic of the case entry points at a
// real place: a file of the case, a line of that file, and a column of that
// line (or just past its end).
func checkPositions(t *testing.T, entry string, diags diag.List) {
	t.Helper()
	lines := map[string][]string{}
	for _, d := range diags {
		file := filepath.Clean(d.Pos.File)
		if file != filepath.Clean(entry) && filepath.Dir(file) != filepath.Clean(entry) {
			t.Errorf("%s: position in %q, outside the case %q", d.Error(), d.Pos.File, entry)
			continue
		}
		ls, ok := lines[file]
		if !ok {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Errorf("%s: %v", d.Error(), err)
				continue
			}
			ls = splitLines(src)
			lines[file] = ls
		}
		if msg := posProblem(d.Pos, ls); msg != "" {
			t.Errorf("%s: %s", d.Error(), msg)
		}
	}
}

// splitLines splits a file's text into lines, without their line breaks.
func splitLines(src []byte) []string {
	ls := strings.Split(string(src), "\n")
	for i, l := range ls {
		ls[i] = strings.TrimSuffix(l, "\r")
	}
	return ls
}

// posProblem says what is wrong with p as a place in a file of the given
// lines, or returns "" when p names a character of a line, or the place just
// past its end. Columns count characters, as yaml.v3 does.
func posProblem(p diag.Pos, lines []string) string {
	switch {
	case p.Line <= 0 || p.Col <= 0:
		return "no position (line and column must be > 0)"
	case p.Line > len(lines):
		return fmt.Sprintf("line %d is past the end of the file (%d lines)", p.Line, len(lines))
	}
	if n := utf8.RuneCountInString(lines[p.Line-1]); p.Col > n+1 {
		return fmt.Sprintf("column %d is past the end of line %d (%d characters)", p.Col, p.Line, n)
	}
	return ""
}

// TestExamples loads every example bot of dialogs/: each must be clean, with
// neither errors nor warnings.
func TestExamples(t *testing.T) {
	entries := botEntries(t, examplesDir)
	if len(entries) < 2 {
		t.Fatalf("%d example bots in %s; the README promises acme-support and signup", len(entries), examplesDir)
	}
	for _, e := range entries {
		path := filepath.Join(examplesDir, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			bot, diags := engine.Load(path)
			for _, d := range diags {
				t.Errorf("%s", d.Error())
			}
			if bot == nil {
				t.Errorf("%s: no compiled bot", path)
			}
		})
	}
}
