package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestUseColor(t *testing.T) {
	tests := []struct {
		mode colorMode
		tty  bool
		env  map[string]string
		want bool
	}{
		{colorAuto, true, nil, true},
		{colorAuto, false, nil, false},
		{colorAuto, true, map[string]string{"NO_COLOR": "1"}, false},
		{colorAuto, true, map[string]string{"NO_COLOR": ""}, true}, // set but empty does not count
		{colorAuto, true, map[string]string{"TERM": "dumb"}, false},
		{colorAuto, true, map[string]string{"TERM": "xterm-256color"}, true},
		{colorAlways, false, nil, true},
		{colorAlways, false, map[string]string{"NO_COLOR": "1"}, true},
		{colorNever, true, nil, false},
	}
	for _, tt := range tests {
		a := &app{
			color:      tt.mode,
			getenv:     func(k string) string { return tt.env[k] },
			isTerminal: func(io.Writer) bool { return tt.tty },
		}
		if got := a.useColor(io.Discard); got != tt.want {
			t.Errorf("--color=%s, terminal %v, env %v: useColor = %v, want %v", tt.mode, tt.tty, tt.env, got, tt.want)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	if isTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("a regular file is a terminal")
	}
}

// TestColorOnTerminal runs validate with colour decided automatically and a
// stdout that claims to be a terminal: the report is coloured, unless
// NO_COLOR is set.
func TestColorOnTerminal(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("bot.yaml", []byte("botctl: 1\nbot:\n  name: x\n  welcome: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, noColor := range []string{"", "1"} {
		var stdout, stderr bytes.Buffer
		a := &app{
			stdout: &stdout, stderr: &stderr, color: colorAuto,
			getenv:     func(k string) string { return map[string]string{"NO_COLOR": noColor}[k] },
			isTerminal: func(w io.Writer) bool { return w == &stdout },
		}
		root := a.rootCommand()
		root.SetArgs([]string{"validate", "bot.yaml"})
		if err := root.Execute(); err == nil {
			t.Fatal("validate succeeded on a broken bot")
		}
		coloured := bytes.Contains(stdout.Bytes(), []byte("\x1b[31;1merror["))
		if coloured != (noColor == "") {
			t.Errorf("NO_COLOR=%q: coloured = %v; output:\n%q", noColor, coloured, stdout.String())
		}
	}
}

func TestDisplayPath(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(filepath.Dir(filepath.Dir(wd)), "elsewhere", "bot.yaml")
	tests := []struct{ in, want string }{
		{"bot.yaml", "bot.yaml"},
		{"./dialogs/acme/", filepath.Join("dialogs", "acme")},
		{"../x.yaml", filepath.Join("..", "x.yaml")},
		{filepath.Join(wd, "dialogs", "acme"), filepath.Join("dialogs", "acme")},
		{wd, "."},
		{outside, outside},
	}
	for _, tt := range tests {
		if got := displayPath(tt.in); got != tt.want {
			t.Errorf("displayPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVersionString(t *testing.T) {
	platform := " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
	tests := []struct {
		stamp stamp
		info  *debug.BuildInfo
		want  string
	}{
		{stamp{}, nil, "botctl (devel)" + platform},
		{stamp{}, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "botctl (devel)" + platform},
		{stamp{}, &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "botctl v1.2.0" + platform},
		{stamp{}, &debug.BuildInfo{
			Main: debug.Module{Version: "v1.2.1-0.20250101000000-3f2a9c1b7d4e"},
			Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "3f2a9c1b7d4e5f60718293a4b5c6d7e8f9a0b1c2"},
				{Key: "vcs.modified", Value: "true"},
			},
		}, "botctl v1.2.1-0.20250101000000-3f2a9c1b7d4e (3f2a9c1b7d4e, modified)" + platform},
		{stamp{}, &debug.BuildInfo{
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}},
		}, "botctl (devel) (abc)" + platform},
		// A make build stamps both; they win over what the toolchain recorded.
		{stamp{"v1.3.0-2-g3f2a9c1-dirty", "3f2a9c1b7d4e5f60718293a4b5c6d7e8f9a0b1c2"}, &debug.BuildInfo{
			Main:     debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}},
		}, "botctl v1.3.0-2-g3f2a9c1-dirty (3f2a9c1b7d4e)" + platform},
		// With VCS stamping off, the stamp alone says it.
		{stamp{"3f2a9c1", "3f2a9c1b7d4e5f60718293a4b5c6d7e8f9a0b1c2"}, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			"botctl 3f2a9c1 (3f2a9c1b7d4e)" + platform},
		// A stamped version without a commit keeps the recorded commit.
		{stamp{version: "v2.0.0"}, &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}}},
			"botctl v2.0.0 (abc)" + platform},
	}
	for _, tt := range tests {
		if got := versionString(tt.stamp, tt.info); got != tt.want {
			t.Errorf("versionString = %q, want %q", got, tt.want)
		}
	}
}
