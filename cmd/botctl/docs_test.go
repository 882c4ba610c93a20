package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
