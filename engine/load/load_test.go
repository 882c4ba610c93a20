package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// render formats diagnostics with paths relative to dir, one per line.
func render(dir string, errs interface{ Error() string }) string {
	if errs == nil {
		return ""
	}
	return strings.ReplaceAll(errs.Error(), dir+string(filepath.Separator), "")
}

func TestPath(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		want    string // every diagnostic, as Diagnostic.Error() lines
		dialogs []string
	}{
		{
			name: "merged in lexical order",
			files: map[string]string{
				"b.yaml":     "dialogs:\n  second: {steps: [end]}\n",
				"a.yml":      "botctl: 1\nbot: {name: x}\ndialogs:\n  first: {steps: [end]}\n",
				"notes.txt":  "not yaml: [",
				"c.YAML":     "dialogs:\n  third: {steps: [end]}\n",
				"sub/d.yaml": "dialogs:\n  nested: {steps: [end]}\n",
			},
			dialogs: []string{"first", "second", "third"},
		},
		{
			name: "duplicate dialog names both places",
			files: map[string]string{
				"a.yaml": "botctl: 1\nbot: {name: x}\ndialogs:\n  help: {steps: [end]}\n",
				"b.yaml": "dialogs:\n\n  help: {steps: [end]}\n",
			},
			want:    `b.yaml:3:3: error[duplicate-dialog]: dialog "help" is already defined at a.yaml:4:3`,
			dialogs: []string{"help"},
		},
		{
			name: "duplicate integration and variable",
			files: map[string]string{
				"a.yaml": "botctl: 1\nbot: {name: x}\nvariables: {n: 1}\nintegrations:\n  api: {url: 'http://x'}\n",
				"b.yaml": "variables:\n  n: 2\nintegrations:\n  api: {url: 'http://y'}\n",
			},
			want: "b.yaml:2:3: error[duplicate-variable]: variable \"n\" is already defined at a.yaml:3:13\n" +
				"b.yaml:4:3: error[duplicate-integration]: integration \"api\" is already defined at a.yaml:5:3",
		},
		{
			name: "duplicate interaction id",
			files: map[string]string{
				"a.yaml": "botctl: 1\nbot: {name: x}\ninteractions:\n  - {id: r, point: p, dialog: d}\n",
				"b.yaml": "interactions:\n  - id: r\n    point: q\n    dialog: d\n",
			},
			want: `b.yaml:2:9: error[duplicate-interaction]: interaction "r" is already defined at a.yaml:4:10`,
		},
		{
			name: "intents and entities merge; duplicates and a second nlu name both places",
			files: map[string]string{
				"a.yaml":       "botctl: 1\nbot: {name: x}\nnlu: {threshold: auto}\n",
				"intents.yaml": "nlu: {threshold: 0.5}\nintents:\n  refund: {examples: [a]}\n  \"yes\": {examples: [b]}\nentities:\n  plan: {values: {p: [q]}}\n",
				"more.yaml":    "intents:\n  refund: {examples: [c]}\nentities:\n  plan: {values: {p: [q]}}\n",
			},
			want: "intents.yaml:1:1: error[duplicate-nlu]: only one file may carry `nlu:`; another is at a.yaml:3:1\n" +
				"more.yaml:2:3: error[duplicate-intent]: intent \"refund\" is already defined at intents.yaml:3:3\n" +
				"more.yaml:4:3: error[duplicate-entity]: entity \"plan\" is already defined at intents.yaml:6:3",
		},
		{
			name: "two headers",
			files: map[string]string{
				"a.yaml": "botctl: 1\nbot: {name: x}\n",
				"b.yaml": "botctl: 1\nbot: {name: y}\n",
			},
			want: "b.yaml:2:1: error[duplicate-header]: only one file may carry the `bot:` header; another is at a.yaml:2:1",
		},
		{
			name:  "no header",
			files: map[string]string{"a.yaml": "dialogs: {}\n", "b.yaml": "variables: {}\n"},
			want:  "a.yaml:1:1: error[missing-header]: none of the bot's 2 files carries the `bot:` header; add it to exactly one",
		},
		{
			name:  "syntax error",
			files: map[string]string{"a.yaml": "botctl: 1\nbot:\n  name: x\n    bad: [\n"},
			want:  "a.yaml:4:5: error[yaml-syntax]: invalid YAML: mapping values are not allowed in this context",
		},
		{
			name:  "two documents",
			files: map[string]string{"a.yaml": "botctl: 1\nbot: {name: x}\n---\ndialogs: {}\n"},
			want:  "a.yaml:3:1: error[multiple-documents]: a bot file holds one YAML document; move this one into a file of its own",
		},
		{
			name:  "empty file warns",
			files: map[string]string{"a.yaml": "botctl: 1\nbot: {name: x}\n", "b.yaml": "# nothing yet\n"},
			want:  "b.yaml:1:1: warning[empty-file]: the file is empty",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			bot, diags := Path(dir)
			var lines []string
			for _, d := range diags {
				lines = append(lines, render(dir, d))
			}
			if got := strings.Join(lines, "\n"); got != tt.want {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", got, tt.want)
			}
			if tt.dialogs != nil {
				if bot == nil {
					t.Fatal("no bot")
				}
				var names []string
				for _, d := range bot.Dialogs {
					names = append(names, d.Name.Value)
				}
				if strings.Join(names, ",") != strings.Join(tt.dialogs, ",") {
					t.Errorf("dialogs = %v, want %v", names, tt.dialogs)
				}
			}
		})
	}
}

func TestPathErrors(t *testing.T) {
	dir := t.TempDir()
	if _, diags := Path(filepath.Join(dir, "missing.yaml")); !strings.Contains(diags.Err().Error(), "no such file or directory") {
		t.Errorf("missing file: %v", diags)
	}
	if _, diags := Path(dir); !strings.Contains(diags.Err().Error(), "no .yaml or .yml files in this directory") {
		t.Errorf("empty dir: %v", diags)
	}
}

func TestParseSingleFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{"bot.yaml": "botctl: 1\nbot: {name: x}\n"})
	bot, diags := Path(filepath.Join(dir, "bot.yaml"))
	if len(diags) != 0 || bot == nil || bot.Header == nil || bot.Header.Name.Value != "x" {
		t.Fatalf("bot=%v diags=%v", bot, diags)
	}
	if bot.Format.Value != "1" {
		t.Errorf("format = %q", bot.Format.Value)
	}
}

func TestFilesFollowsSymlinks(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"data/bot.yaml": "botctl: 1\nbot: {name: x}\n",
		"bot/.keep":     "",
	})
	if err := os.Symlink(filepath.Join(dir, "data", "bot.yaml"), filepath.Join(dir, "bot", "bot.yaml")); err != nil {
		t.Skip(err)
	}
	if err := os.Symlink(filepath.Join(dir, "data"), filepath.Join(dir, "bot", "dir.yaml")); err != nil {
		t.Skip(err)
	}
	files, err := Files(filepath.Join(dir, "bot"))
	if err != nil || len(files) != 1 || filepath.Base(files[0]) != "bot.yaml" {
		t.Errorf("Files = %v, %v; want the linked bot.yaml only", files, err)
	}
}

// Hidden files are left out of a directory bot: a deploy's temporary copy
// (".tmp.yaml") must not define the bot twice while it is being written.
func TestFilesSkipsHiddenFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"bot.yaml":  "botctl: 1\nbot: {name: x}\n",
		".tmp.yaml": "botctl: 1\nbot: {name: x}\n",
	})
	files, err := Files(dir)
	if err != nil || len(files) != 1 || filepath.Base(files[0]) != "bot.yaml" {
		t.Errorf("Files = %v, %v; want bot.yaml only", files, err)
	}
}
