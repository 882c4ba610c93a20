package diag

import (
	"bytes"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	sources := map[string]string{
		"bot.yaml": "botctl: 1\n" +
			"dialogs:\n" +
			"  order:\n" +
			"    steps:\n" +
			"      - goto: confrim\n",
		"tabs.yaml":  "a:\t\"x\"\tb: ${ vars.y }\n",
		"crlf.yaml":  "one\r\ntwo: three\r\n",
		"utf8.yaml":  "say: \"Grüße, ${ vars.nme }\"\n",
		"short.yaml": "only one line\n",
		"long.yaml":  "x\nx\nx\nx\nx\nx\nx\nx\nx\nx\nx\nkey: value\n",
	}
	src := func(file string) []byte {
		if s, ok := sources[file]; ok {
			return []byte(s)
		}
		return nil
	}
	unknown := Diagnostic{
		Pos: Pos{File: "bot.yaml", Line: 5, Col: 15}, Severity: Error, Code: "unknown-target",
		Message: "step 1 of dialog order: no step or dialog named `confrim`", Suggestion: "did you mean `confirm`?",
	}
	unused := Diagnostic{
		Pos: Pos{File: "bot.yaml", Line: 3, Col: 3}, Severity: Warning, Code: "unreachable-dialog",
		Message: "dialog order is never started: no starter, target or interaction reaches it",
	}
	tests := []struct {
		name string
		list List
		opts TextOptions
		want string
	}{{
		name: "empty",
		want: "",
	}, {
		name: "empty with summary",
		opts: TextOptions{Summary: true},
		want: "no problems\n",
	}, {
		name: "no sources",
		list: List{unknown, unused},
		opts: TextOptions{Summary: true},
		want: "bot.yaml:5:15: error[unknown-target]: step 1 of dialog order: no step or dialog named `confrim`\n" +
			"  help: did you mean `confirm`?\n" +
			"bot.yaml:3:3: warning[unreachable-dialog]: dialog order is never started: no starter, target or interaction reaches it\n" +
			"1 error, 1 warning\n",
	}, {
		name: "snippets",
		list: List{unknown, unused},
		opts: TextOptions{Sources: src, Summary: true},
		want: "bot.yaml:5:15: error[unknown-target]: step 1 of dialog order: no step or dialog named `confrim`\n" +
			"  5 |       - goto: confrim\n" +
			"    |               ^\n" +
			"  help: did you mean `confirm`?\n" +
			"bot.yaml:3:3: warning[unreachable-dialog]: dialog order is never started: no starter, target or interaction reaches it\n" +
			"  3 |   order:\n" +
			"    |   ^\n" +
			"1 error, 1 warning\n",
	}, {
		name: "tabs keep the caret aligned",
		list: List{{Pos: Pos{File: "tabs.yaml", Line: 1, Col: 14}, Code: "unknown-variable", Message: "no variable y"}},
		opts: TextOptions{Sources: src},
		want: "tabs.yaml:1:14: error[unknown-variable]: no variable y\n" +
			"  1 | a:    \"x\"    b: ${ vars.y }\n" +
			"    |                    ^\n",
	}, {
		name: "column on a tab",
		list: List{{Pos: Pos{File: "tabs.yaml", Line: 1, Col: 3}, Code: "x", Message: "tab"}},
		opts: TextOptions{Sources: src},
		want: "tabs.yaml:1:3: error[x]: tab\n" +
			"  1 | a:    \"x\"    b: ${ vars.y }\n" +
			"    |   ^\n",
	}, {
		name: "columns count characters",
		list: List{{Pos: Pos{File: "utf8.yaml", Line: 1, Col: 21}, Code: "unknown-variable", Message: "no variable nme", Suggestion: "did you mean `name`?"}},
		opts: TextOptions{Sources: src},
		want: "utf8.yaml:1:21: error[unknown-variable]: no variable nme\n" +
			"  1 | say: \"Grüße, ${ vars.nme }\"\n" +
			"    |                     ^\n" +
			"  help: did you mean `name`?\n",
	}, {
		name: "windows line endings",
		list: List{{Pos: Pos{File: "crlf.yaml", Line: 2, Col: 6}, Code: "x", Message: "m"}},
		opts: TextOptions{Sources: src},
		want: "crlf.yaml:2:6: error[x]: m\n" +
			"  2 | two: three\n" +
			"    |      ^\n",
	}, {
		name: "column past the end",
		list: List{{Pos: Pos{File: "short.yaml", Line: 1, Col: 40}, Code: "x", Message: "m"}},
		opts: TextOptions{Sources: src},
		want: "short.yaml:1:40: error[x]: m\n" +
			"  1 | only one line\n" +
			"    |              ^\n",
	}, {
		name: "line without column",
		list: List{{Pos: Pos{File: "short.yaml", Line: 1}, Code: "x", Message: "m"}},
		opts: TextOptions{Sources: src},
		want: "short.yaml:1: error[x]: m\n" +
			"  1 | only one line\n",
	}, {
		name: "line past the end",
		list: List{{Pos: Pos{File: "short.yaml", Line: 3, Col: 1}, Code: "x", Message: "m"}},
		opts: TextOptions{Sources: src},
		want: "short.yaml:3:1: error[x]: m\n",
	}, {
		name: "two-digit line numbers widen the gutter",
		list: List{{Pos: Pos{File: "long.yaml", Line: 12, Col: 6}, Severity: Warning, Code: "x", Message: "m"}},
		opts: TextOptions{Sources: src, Summary: true},
		want: "long.yaml:12:6: warning[x]: m\n" +
			"  12 | key: value\n" +
			"     |      ^\n" +
			"1 warning\n",
	}, {
		name: "file without position",
		list: List{{Pos: Pos{File: "missing.yaml"}, Code: "read-error", Message: "no such file or directory"}},
		opts: TextOptions{Sources: src, Summary: true},
		want: "missing.yaml: error[read-error]: no such file or directory\n" +
			"1 error\n",
	}, {
		name: "no position at all",
		list: List{{Code: "x", Message: "the bot has no dialogs"}, {Code: "y", Message: "again"}},
		opts: TextOptions{Summary: true},
		want: "error[x]: the bot has no dialogs\n" +
			"error[y]: again\n" +
			"2 errors\n",
	}, {
		name: "unknown source file",
		list: List{{Pos: Pos{File: "other.yaml", Line: 1, Col: 1}, Severity: Warning, Code: "x", Message: "m"}, {Pos: Pos{File: "other.yaml", Line: 2, Col: 1}, Severity: Warning, Code: "x", Message: "n"}},
		opts: TextOptions{Sources: src, Summary: true},
		want: "other.yaml:1:1: warning[x]: m\n" +
			"other.yaml:2:1: warning[x]: n\n" +
			"2 warnings\n",
	}, {
		name: "colour",
		list: List{unknown, unused},
		opts: TextOptions{Sources: src, Color: true, Summary: true},
		want: "\x1b[1mbot.yaml:5:15\x1b[22m: \x1b[31;1merror[unknown-target]:\x1b[0;22m step 1 of dialog order: no step or dialog named `confrim`\n" +
			"  \x1b[34m5 |\x1b[0m       - goto: confrim\n" +
			"  \x1b[34m  |\x1b[0m               \x1b[32;1m^\x1b[0;22m\n" +
			"  \x1b[36;1mhelp:\x1b[0;22m did you mean `confirm`?\n" +
			"\x1b[1mbot.yaml:3:3\x1b[22m: \x1b[33;1mwarning[unreachable-dialog]:\x1b[0;22m dialog order is never started: no starter, target or interaction reaches it\n" +
			"  \x1b[34m3 |\x1b[0m   order:\n" +
			"  \x1b[34m  |\x1b[0m   \x1b[32;1m^\x1b[0;22m\n" +
			"1 error, 1 warning\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Text(&b, tt.list, tt.opts); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestTextNoColorEnv checks that the caller's choice wins over NO_COLOR and
// the terminal guesses fatih/color makes on its own.
func TestTextNoColorEnv(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	l := List{{Pos: Pos{File: "a.yaml", Line: 1, Col: 1}, Code: "x", Message: "m"}}
	var b bytes.Buffer
	if err := Text(&b, l, TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if want := "\x1b[1ma.yaml:1:1\x1b[22m: \x1b[31;1merror[x]:\x1b[0;22m m\n"; b.String() != want {
		t.Errorf("Color: true: got %q, want %q", b.String(), want)
	}
	b.Reset()
	if err := Text(&b, l, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if want := "a.yaml:1:1: error[x]: m\n"; b.String() != want {
		t.Errorf("Color: false: got %q, want %q", b.String(), want)
	}
}

func TestSummary(t *testing.T) {
	e := Diagnostic{Severity: Error}
	w := Diagnostic{Severity: Warning}
	tests := []struct {
		list List
		want string
	}{
		{nil, "no problems"},
		{List{e}, "1 error"},
		{List{e, e}, "2 errors"},
		{List{w}, "1 warning"},
		{List{w, w, w}, "3 warnings"},
		{List{e, w, e}, "2 errors, 1 warning"},
		{List{w, e, w}, "1 error, 2 warnings"},
	}
	for _, tt := range tests {
		if got := Summary(tt.list); got != tt.want {
			t.Errorf("Summary(%v) = %q, want %q", tt.list, got, tt.want)
		}
	}
}

// TestOneFormat: Text's first line of a diagnostic is Diagnostic.Error,
// which adds the suggestion the text puts on a help line.
func TestOneFormat(t *testing.T) {
	for _, d := range []Diagnostic{
		{Pos: Pos{File: "bot.yaml", Line: 5, Col: 15}, Code: "unknown-target", Message: "m", Suggestion: "did you mean `a`?"},
		{Pos: Pos{File: "bot.yaml", Line: 5}, Severity: Warning, Code: "unused-variable", Message: "m"},
		{Pos: Pos{File: "gone.yaml"}, Code: "read-error", Message: "no such file or directory"},
		{Code: "no-dialogs", Message: "the bot has no dialogs"},
		{Pos: Pos{File: "bot.yaml", Line: 1, Col: 1}, Message: "no code"},
	} {
		var b bytes.Buffer
		if err := Text(&b, List{d}, TextOptions{}); err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(b.String(), "\n")
		want := d.Error()
		if d.Suggestion != "" {
			want = strings.TrimSuffix(want, " ("+d.Suggestion+")")
		}
		if first != want {
			t.Errorf("Text: %q\nError: %q", first, d.Error())
		}
	}
	d := Diagnostic{Pos: Pos{File: "bot.yaml", Line: 2, Col: 3}, Severity: Warning, Code: "unused-variable", Message: "m", Suggestion: "s"}
	if got, want := d.Error(), "bot.yaml:2:3: warning[unused-variable]: m (s)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
