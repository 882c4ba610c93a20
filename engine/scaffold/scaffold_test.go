package scaffold_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/scaffold"
	"github.com/botctl/botctl/engine/transcript"
)

func TestCreatePassesTestAndStrictValidate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "support-bot")
	files, err := scaffold.Create(dir, "support-bot")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".github/workflows/botctl.yml", "README.md", "bot.yaml", "mocks/offline.yaml",
		"tests/bad_numbers.transcript", "tests/lookup_failed.transcript",
		"tests/order_processing.transcript", "tests/order_shipped.transcript"}
	if !slices.Equal(files, want) {
		t.Errorf("Create wrote %q, want %q", files, want)
	}

	// validate --strict: no errors and no warnings.
	bot, diags := engine.Load(dir)
	if bot == nil || len(diags) > 0 {
		t.Fatalf("the new bot does not validate cleanly: %v", diags)
	}
	if bot.Name != "support-bot" {
		t.Errorf("bot name %q, want support-bot", bot.Name)
	}

	// botctl test --cover: every transcript passes and covers the bot.
	sum, err := transcript.RunAll(context.Background(), transcript.Config{Paths: []string{dir}, Cover: true,
		Report: func(r *transcript.Result, v transcript.Verdict) error {
			if !v.Passed {
				t.Errorf("%s fails: %v %v", r.Path, r.Diags, r.Failures)
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Total != 4 || sum.Failed != 0 {
		t.Errorf("ran %d transcripts, %d failed; want 4 passing", sum.Total, sum.Failed)
	}
	for _, bc := range sum.Coverage {
		if bc.Total.Percent() != 100 {
			t.Errorf("the transcripts cover %.1f%% of the bot; missed %v", bc.Total.Percent(), bc.Missed)
		}
	}

	// The mock file is one botctl run --mock reads.
	if _, err := os.Stat(filepath.Join(dir, "mocks", "offline.yaml")); err != nil {
		t.Error(err)
	}
	// The workflow is YAML with the steps that build botctl and check the bot.
	src, err := os.ReadFile(filepath.Join(dir, ".github", "workflows", "botctl.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Env  map[string]string
		Jobs map[string]struct {
			Steps []struct{ Run, Uses string }
		}
	}
	if err := yaml.Unmarshal(src, &wf); err != nil {
		t.Fatalf("the workflow is not YAML: %v", err)
	}
	if !strings.Contains(wf.Env["BOTCTL_REPO"], "vars.BOTCTL_REPO") || !strings.Contains(wf.Env["BOTCTL_REF"], "vars.BOTCTL_REF") {
		t.Errorf("the workflow's source of botctl is not configurable: env %v", wf.Env)
	}
	var runs []string
	for _, s := range wf.Jobs["test"].Steps {
		runs = append(runs, s.Run)
	}
	all := strings.Join(runs, "\n")
	for _, want := range []string{"go build -o", "botctl validate --strict", "botctl test --cover"} {
		if !strings.Contains(all, want) {
			t.Errorf("the workflow does not run %q", want)
		}
	}
}

func TestCreateRefusesANonEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(mine, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := scaffold.Create(dir, "bot")
	if err == nil || !strings.Contains(err.Error(), "already exists and is not empty") {
		t.Fatalf("Create into a non-empty directory: got %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("Create wrote into the directory it refused: %d entries", len(entries))
	}
	// An empty directory is fine.
	empty := t.TempDir()
	if _, err := scaffold.Create(empty, "bot"); err != nil {
		t.Errorf("Create into an empty directory: %v", err)
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct{ name, err string }{
		{"support-bot", ""},
		{"bot_2", ""},
		{"My Bot", `"My Bot" is not a valid bot name: use lower-case letters, digits, - and _ (such as "my-bot")`},
		{"", `"" is not a valid bot name: use lower-case letters, digits, - and _`},
		{"../x", `"../x" is not a valid bot name: use lower-case letters, digits, - and _ (such as "x")`},
	} {
		err := scaffold.CheckName(tc.name)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.err {
			t.Errorf("CheckName(%q) = %q, want %q", tc.name, got, tc.err)
		}
	}
	if _, err := scaffold.Create(filepath.Join(t.TempDir(), "x"), "Bad Name"); err == nil {
		t.Error("Create accepted an invalid name")
	}
}
