package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWatchChanged(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mod time.Time) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	write("bot/bot.yaml", "botctl: 1\n", t0)
	write("bot/tests/a.transcript", "< Hi\n", t0)
	write("bot/notes.txt", "not watched\n", t0)
	look := func() map[string]fileStamp {
		t.Helper()
		m, err := watchedFiles([]string{dir})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	before := look()
	if len(before) != 2 {
		t.Fatalf("want the .yaml and the .transcript, got %v", before)
	}
	steps := []struct {
		name    string
		do      func()
		changed bool
	}{
		{"nothing", func() {}, false},
		{"an unwatched file", func() { write("bot/notes.txt", "still not watched\n", t0.Add(time.Hour)) }, false},
		{"a transcript rewritten", func() { write("bot/tests/a.transcript", "< Hello\n", t0.Add(time.Second)) }, true},
		{"a bot file, same time, other size", func() { write("bot/bot.yaml", "botctl: 1\nbot: {}\n", t0) }, true},
		{"a new .yml", func() { write("bot/more.yml", "x: 1\n", t0) }, true},
		{"a file removed", func() {
			if err := os.Remove(filepath.Join(dir, "bot", "more.yml")); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a file in a hidden directory", func() { write("bot/.git/x.yaml", "x\n", t0) }, false},
	}
	for _, s := range steps {
		s.do()
		after := look()
		if got := watchChanged(before, after); got != s.changed {
			t.Errorf("%s: changed = %v, want %v", s.name, got, s.changed)
		}
		before = after
	}
	if m, err := watchedFiles([]string{filepath.Join(dir, "missing")}); err != nil || len(m) != 0 {
		t.Errorf("a missing path: %v, %v; want no files and no error", m, err)
	}
}
