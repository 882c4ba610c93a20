// Package engine is the facade over botctl's pipeline: load the YAML files of
// a bot, check them against the JSON Schema, and compile them into an
// immutable graph.
//
//	bot, diags := engine.Load("dialogs/acme")
//	if diags.HasErrors() { ... }
//
// The work is done in sub-packages with one job each: load (files and
// merging), schemacheck (JSON Schema with YAML positions), compile (semantic
// checks and the graph), cond (expressions and templates), graph (the
// compiled bot), diag (positions and diagnostics).
package engine

import (
	"bytes"
	"unicode/utf8"

	"github.com/botctl/botctl/engine/compile"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/load"
	"github.com/botctl/botctl/engine/schemacheck"
)

// Load loads, checks and compiles the bot at path (a file or a directory).
// It returns every diagnostic found, sorted; the bot is nil when there are
// errors.
func Load(path string) (*graph.Bot, diag.List) {
	tree, diags := load.Path(path)
	if tree == nil {
		diags.Sort()
		return nil, diags
	}
	return check(tree, diags)
}

// check runs the schema check and the compiler over a loaded tree.
func check(tree *dialog.Bot, diags diag.List) (*graph.Bot, diag.List) {
	for _, f := range tree.Files {
		diags.Append(schemacheck.Check(f))
	}
	bot, ds := compile.Compile(tree)
	diags.Append(ds)
	clamp(diags, tree.Files)
	diags.Sort()
	if diags.HasErrors() {
		return nil, diags
	}
	return bot, diags
}

// LoadSources checks and compiles a bot from its files' names and bytes,
// as graph.Bot.Sources holds them: a version of a bot kept in a store. The
// bot's Version is the same as when it was compiled from those files on
// disk.
func LoadSources(sources []graph.Source) (*graph.Bot, diag.List) {
	var diags diag.List
	var files []*dialog.File
	for _, src := range sources {
		f, ds := load.Parse(src.Name, src.Src)
		diags.Append(ds)
		if f != nil {
			files = append(files, f)
		}
	}
	if diags.HasErrors() {
		diags.Sort()
		return nil, diags
	}
	tree, ds := load.Merge(files)
	diags.Append(ds)
	if tree == nil {
		diags.Sort()
		return nil, diags
	}
	return check(tree, diags)
}

// clamp keeps every position inside its file. yaml.v3 places an empty value
// at the end of a file one line past the last, which editors cannot show.
func clamp(diags diag.List, files []*dialog.File) {
	for i := range diags {
		p := &diags[i].Pos
		for _, f := range files {
			if f.Path != p.File || !p.IsValid() {
				continue
			}
			lines := bytes.Split(f.Src, []byte("\n"))
			if len(lines) > 1 && len(lines[len(lines)-1]) == 0 {
				lines = lines[:len(lines)-1] // the final newline ends the last line
			}
			if p.Line > len(lines) {
				last := bytes.TrimRight(lines[len(lines)-1], "\r")
				p.Line = len(lines)
				p.Col = utf8.RuneCount(last) + 1
			}
			break
		}
	}
}
