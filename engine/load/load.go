// Package load reads a bot from disk: one YAML file, or a directory whose
// *.yaml and *.yml files are merged into one bot.
//
// Loading reports YAML syntax errors and the merge rules of the language
// (exactly one file carries `bot:`, no name defined twice); shape and meaning
// are checked by later stages.
package load

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/internal/yamlpos"
)

// MaxFileSize bounds one bot file; anything larger is refused before parsing.
const MaxFileSize = 16 << 20

// Files returns the bot files at path in merge order: the file itself, or the
// *.yaml and *.yml files directly inside a directory, sorted by name, leaving
// out hidden ones (names starting with a dot).
func Files(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if ext != ".yaml" && ext != ".yml" || strings.HasPrefix(e.Name(), ".") {
			// Hidden files are an editor's or a deploy's temporary
			// copies (".bot.yaml.swp", ".tmp.yaml"): merged in, they would
			// define everything twice.
			continue
		}
		name := filepath.Join(path, e.Name())
		regular := e.Type().IsRegular()
		if e.Type()&fs.ModeSymlink != 0 {
			// Mounted configuration (a Kubernetes ConfigMap, say) is made of
			// links to files; follow them.
			info, err := os.Stat(name)
			regular = err == nil && info.Mode().IsRegular()
		}
		if regular {
			files = append(files, name)
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, errors.New("no .yaml or .yml files in this directory")
	}
	return files, nil
}

// Path loads the bot at path (a file or a directory).
func Path(path string) (*dialog.Bot, diag.List) {
	var diags diag.List
	names, err := Files(path)
	if err != nil {
		diags.Errorf(diag.Pos{File: path}, "read-error", "%s", cleanErr(err))
		return nil, diags
	}
	var files []*dialog.File
	for _, name := range names {
		src, err := readFile(name)
		if err != nil {
			diags.Errorf(diag.Pos{File: name}, "read-error", "%s", cleanErr(err))
			continue
		}
		f, ds := Parse(name, src)
		diags.Append(ds)
		if f != nil {
			files = append(files, f)
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	bot, ds := Merge(files)
	diags.Append(ds)
	return bot, diags
}

func readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > MaxFileSize {
		return nil, fmt.Errorf("file is larger than %d MiB; split the bot into several files", MaxFileSize>>20)
	}
	return src, nil
}

func cleanErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse parses one file's bytes. It returns a nil File when the YAML is not
// well formed.
func Parse(name string, src []byte) (*dialog.File, diag.List) {
	var diags diag.List
	f := &dialog.File{Path: name, Src: src}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) {
		diags.Warnf(diag.Pos{File: name, Line: 1, Col: 1}, "empty-file", "the file is empty")
		return f, diags
	}
	if err != nil {
		diags.Add(yamlError(name, src, err))
		return nil, diags
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		diags.Errorf(dialog.NodePos(f, &extra), "multiple-documents",
			"a bot file holds one YAML document; move this one into a file of its own")
	} else if !errors.Is(err, io.EOF) {
		diags.Add(yamlError(name, src, err))
		return nil, diags
	}
	if len(doc.Content) == 1 {
		f.Root = doc.Content[0]
	}
	return f, diags
}

// yamlError turns a yaml.v3 error into a diagnostic at the problem.
func yamlError(name string, src []byte, err error) diag.Diagnostic {
	e := yamlpos.Locate(src, err)
	return diag.Diagnostic{
		Pos:      diag.Pos{File: name, Line: e.Line, Col: e.Col},
		Severity: diag.Error,
		Code:     "yaml-syntax",
		Message:  "invalid YAML: " + e.Msg,
	}
}

// Merge combines the trees of a bot's files. Exactly one file must carry the
// `bot:` header, and at most one `nlu:`; a dialog, integration,
// interaction, variable, intent or entity defined twice is an error that
// names both places.
func Merge(files []*dialog.File) (*dialog.Bot, diag.List) {
	var diags diag.List
	bot := &dialog.Bot{}
	seen := map[string]diag.Pos{}
	define := func(kind string, name dialog.Scalar) bool {
		if !name.IsSet() {
			return true // not a name at all: the schema check reports it
		}
		pos := name.Pos()
		key := kind + "\x00" + name.Value
		if prev, ok := seen[key]; ok {
			diags.Errorf(pos, "duplicate-"+kind, "%s %q is already defined at %s", kind, name.Value, prev)
			return false
		}
		seen[key] = pos
		return true
	}
	for _, f := range files {
		b := dialog.Decode(f)
		bot.Files = append(bot.Files, f)
		if b.Header != nil {
			if bot.Header != nil {
				diags.Errorf(b.Header.Pos(), "duplicate-header",
					"only one file may carry the `bot:` header; another is at %s", bot.Header.Pos())
			} else {
				bot.Header = b.Header
				bot.Format = b.Format
			}
		}
		bot.Variables = appendDefined(bot.Variables, b.Variables, "variable", define, func(v *dialog.Variable) dialog.Scalar { return v.Name })
		bot.Integrations = appendDefined(bot.Integrations, b.Integrations, "integration", define, func(in *dialog.Integration) dialog.Scalar { return in.Name })
		bot.LLMs = appendDefined(bot.LLMs, b.LLMs, "language model", define, func(l *dialog.LLM) dialog.Scalar { return l.Name })
		bot.Interactions = appendDefined(bot.Interactions, b.Interactions, "interaction", define, func(in *dialog.Interaction) dialog.Scalar { return in.ID })
		if b.NLU != nil {
			if bot.NLU != nil {
				diags.Errorf(b.NLU.Pos(), "duplicate-nlu",
					"only one file may carry `nlu:`; another is at %s", bot.NLU.Pos())
			} else {
				bot.NLU = b.NLU
			}
		}
		bot.Intents = appendDefined(bot.Intents, b.Intents, "intent", define, func(in *dialog.Intent) dialog.Scalar { return in.Name })
		bot.Entities = appendDefined(bot.Entities, b.Entities, "entity", define, func(e *dialog.Entity) dialog.Scalar { return e.Name })
		bot.Dialogs = appendDefined(bot.Dialogs, b.Dialogs, "dialog", define, func(d *dialog.Dialog) dialog.Scalar { return d.Name })
	}
	if bot.Header == nil && len(files) > 0 {
		pos := diag.Pos{File: files[0].Path, Line: 1, Col: 1}
		if len(files) == 1 {
			diags.Errorf(pos, "missing-header", "the bot has no `bot:` header; add `bot:` with at least a `name`")
		} else {
			diags.Errorf(pos, "missing-header", "none of the bot's %d files carries the `bot:` header; add it to exactly one", len(files))
		}
	}
	return bot, diags
}

// appendDefined appends to dst the elements of src whose name define
// accepts: a name already defined in another file is reported there.
func appendDefined[T any](dst, src []T, kind string, define func(string, dialog.Scalar) bool, name func(T) dialog.Scalar) []T {
	for _, x := range src {
		if define(kind, name(x)) {
			dst = append(dst, x)
		}
	}
	return dst
}
