package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fatih/color"
	"github.com/mattn/go-colorable"
	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/botctl/botctl/engine/diag"
)

// enumFlag is a string flag restricted to a few words; a wrong word is a
// usage error that lists the right ones.
type enumFlag struct {
	value string
	words []string
}

func newEnum(def string, words ...string) *enumFlag { return &enumFlag{value: def, words: words} }

func (f *enumFlag) String() string { return f.value }
func (f *enumFlag) Type() string   { return strings.Join(f.words, "|") }

func (f *enumFlag) Set(s string) error {
	if !slices.Contains(f.words, s) {
		return fmt.Errorf("want %s", orList(f.words))
	}
	f.value = s
	return nil
}

func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

func completeWords(words ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return words, cobra.ShellCompDirectiveNoFileComp
	}
}

// colorMode is the value of --color.
type colorMode string

const (
	colorAuto   colorMode = "auto"
	colorAlways colorMode = "always"
	colorNever  colorMode = "never"
)

var colorModes = []string{string(colorAuto), string(colorAlways), string(colorNever)}

func (m *colorMode) String() string { return string(*m) }
func (m *colorMode) Type() string   { return "auto|always|never" }

func (m *colorMode) Set(s string) error {
	if !slices.Contains(colorModes, s) {
		return fmt.Errorf("want %s", orList(colorModes))
	}
	*m = colorMode(s)
	return nil
}

// useColor decides whether output to w is coloured. --color=always and
// --color=never win; otherwise colour needs a terminal, NO_COLOR unset or
// empty (https://no-color.org) and a TERM other than dumb, so piped or
// redirected output never carries escape codes.
func (a *app) useColor(w io.Writer) bool {
	switch a.color {
	case colorAlways:
		return true
	case colorNever:
		return false
	}
	if a.getenv("NO_COLOR") != "" || a.getenv("TERM") == "dumb" {
		return false
	}
	return a.isTerminal(w)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// colorWriter wraps w so ANSI colours also work on Windows consoles; on
// other systems, and without colour, it returns w.
func colorWriter(w io.Writer, on bool) io.Writer {
	if f, ok := w.(*os.File); ok && on {
		return colorable.NewColorable(f)
	}
	return w
}

// paint returns a function that colours text with attrs when on is set,
// whatever fatih/color guessed about os.Stdout.
func paint(on bool, attrs ...color.Attribute) func(string) string {
	c := color.New(attrs...)
	if on {
		c.EnableColor()
	} else {
		c.DisableColor()
	}
	return func(s string) string { return c.Sprint(s) }
}

// displayPath is how a path from the command line appears in output:
// cleaned, and relative to the working directory when it lies below it.
func displayPath(p string) string {
	p = filepath.Clean(p)
	if !filepath.IsAbs(p) {
		return p
	}
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	rel, err := filepath.Rel(wd, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return p
	}
	return rel
}

// sources reads the files diagnostics point into, once each, for the
// snippets of diag.Text. A file that cannot be read gets no snippet.
func sources() func(string) []byte {
	cache := map[string][]byte{}
	return func(name string) []byte {
		if src, ok := cache[name]; ok {
			return src
		}
		src, err := os.ReadFile(name)
		if err != nil {
			src = nil
		}
		cache[name] = src
		return src
	}
}

// printDiagnostics writes l for people to w, with snippets, coloured as
// --color and w allow.
func (a *app) printDiagnostics(w io.Writer, l diag.List, summary bool) error {
	on := a.useColor(w)
	return diag.Text(colorWriter(w, on), l, diag.TextOptions{Color: on, Sources: sources(), Summary: summary})
}
