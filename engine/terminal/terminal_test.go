package terminal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/mock"
)

func load(t *testing.T, src string) *graph.Bot {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bot.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bot, diags := engine.Load(path)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	return bot
}

const bot = `botctl: 1
bot: {name: t, welcome: menu}
variables: {n: 0, doc: {}}
dialogs:
  menu:
    steps:
      - say: Pick one
        buttons: ["10", "20", Docs]
  number:
    starters: ["20", "1"]
    steps: [{say: "got ${input}"}]
  docs:
    starters: [docs]
    steps:
      - ask: Upload it
        save: doc
        type: file
        accept: [pdf]
      - say: "stored ${vars.doc.name}"
`

func session(t *testing.T, interactive bool) *Session {
	return New(Options{
		Bot: load(t, bot), Performer: mock.NewPerformer(nil), Interactive: interactive,
		Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	})
}

func TestScriptSendsLinesAsTyped(t *testing.T) {
	s := session(t, false)
	got := append(s.Start(), s.Handle("1")...)
	want := "< Pick one\n<< buttons 10 | 20 | Docs\n> 1\n< got 1"
	if strings.Join(got, "\n") != want {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

func TestChatNumberPicksButton(t *testing.T) {
	s := session(t, true)
	s.Start()
	if got := strings.Join(s.Handle("2"), "\n"); got != "(20)\nbot: got 20" {
		t.Errorf("a number picks the button with that number: %q", got)
	}
	s.Handle("/restart")
	// "20" is a label itself, so it is sent as typed.
	if got := strings.Join(s.Handle("20"), "\n"); got != "bot: got 20" {
		t.Errorf("a label typed out is sent as typed: %q", got)
	}
}

func TestUploadPathWithSpaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "my file.pdf")
	if err := os.WriteFile(path, []byte("%PDF-1.4"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := session(t, false)
	s.Start()
	s.Handle("docs")
	got := strings.Join(s.Handle("/upload "+path), "\n")
	want := ">> upload name=\"my file.pdf\" type=application/pdf size=8\n< Processing the file…\n< Successfully processed the file.\n< stored my file.pdf"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestTraceInterleaved(t *testing.T) {
	s := New(Options{Bot: load(t, bot), Performer: mock.NewPerformer(nil), Trace: true})
	got := strings.Join(s.Start(), "\n")
	want := "# trace: menu#1 (say)\n< Pick one\n<< buttons 10 | 20 | Docs"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestUnknownCommand(t *testing.T) {
	s := session(t, false)
	s.Start()
	if got := strings.Join(s.Handle("/nope"), "\n"); got != "# error: unknown command /nope; /help lists the commands" {
		t.Errorf("got %q", got)
	}
}
