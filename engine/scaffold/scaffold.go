// Package scaffold creates a new bot directory, `botctl init`: a bot with
// a welcome, a question with validation and retries, an integration and a
// branch; mocks to try it offline; transcripts that cover it; a README for
// its author; and a CI workflow. The files are templates embedded in the
// program, so a new bot always matches the botctl that made it.
//
//	files, err := scaffold.Create("support-bot", "support-bot")
package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

// The templates, with `[[.Name]]` for the bot's name (Go's usual braces
// would clash with the workflow's ${{ }}). Each file's name ends in .tmpl,
// so that no tool mistakes a template for a bot, a transcript or a
// workflow of this repository.
//
//go:embed all:template
var templates embed.FS

// validName is the bot name of the language ([a-z0-9_-]+, docs/language.md §17).
var validName = regexp.MustCompile(`^[a-z0-9_-]+$`)

// CheckName reports whether name can be a bot's name, and if not, why.
func CheckName(name string) error {
	if validName.MatchString(name) {
		return nil
	}
	msg := fmt.Sprintf("%q is not a valid bot name: use lower-case letters, digits, - and _", name)
	if s := suggestName(name); s != "" && s != name {
		msg += fmt.Sprintf(" (such as %q)", s)
	}
	return errors.New(msg)
}

// suggestName makes a valid name of name: lower case, spaces and other
// characters as -.
func suggestName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// Create writes a new bot called name into dir, creating dir. It refuses a
// dir that exists and is not empty, writing nothing. It returns the paths
// of the files written, relative to dir with slashes, in lexical order.
func Create(dir, name string) ([]string, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s already exists and is not empty; choose another name or --dir, or remove it", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		if info, serr := os.Stat(dir); serr == nil && !info.IsDir() {
			return nil, fmt.Errorf("%s already exists and is not a directory", dir)
		}
		return nil, err
	}
	files, err := Render(name)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, f.Src, 0o644); err != nil {
			return nil, err
		}
		names = append(names, f.Path)
	}
	return names, nil
}

// File is one file of a new bot.
type File struct {
	Path string // relative, with slashes
	Src  []byte
}

// Render returns the files of a new bot called name, in lexical order of
// their paths.
func Render(name string) ([]File, error) {
	var out []File
	err := fs.WalkDir(templates, "template", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := templates.ReadFile(p)
		if err != nil {
			return err
		}
		t, err := template.New(path.Base(p)).Delims("[[", "]]").Option("missingkey=error").Parse(string(src))
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := t.Execute(&b, struct{ Name string }{name}); err != nil {
			return err
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(p, "template/"), ".tmpl")
		out = append(out, File{Path: rel, Src: b.Bytes()})
		return nil
	})
	return out, err
}
