package terminal

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
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

const idleBot = `botctl: 1
bot: {name: idle, welcome: hello, inactivity: 2m}
variables: {name: ""}
dialogs:
  hello:
    steps:
      - ask: "Name?"
        save: name
      - say: "Hi ${vars.name}."
  nudge:
    starters: [{event: inactive}]
    steps: [{say: "Still there? (${event.after})"}]
`

func TestWaitFiresTimers(t *testing.T) {
	s := New(Options{Bot: load(t, idleBot), Performer: mock.NewPerformer(nil),
		Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }})
	got := append(s.Start(), s.Handle("/wait 1m")...)
	got = append(got, s.Handle("/wait 1m")...)
	got = append(got, s.Handle("Ann")...)
	want := "< Name?\n>> wait 1m\n>> wait 1m\n< Still there? (2m)\n> Ann\n< Hi Ann."
	if strings.Join(got, "\n") != want {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	if out := s.Handle("/wait soon"); !strings.Contains(strings.Join(out, "\n"), "usage: /wait DURATION") {
		t.Errorf("/wait soon: %q", out)
	}
}

// In a chat, timers fire on the real clock while the user types nothing.
func TestChatTimersFireInRealTime(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := New(Options{Bot: load(t, idleBot), Performer: mock.NewPerformer(nil), Interactive: true, Now: clock})
	var smu sync.Mutex
	smu.Lock()
	s.Start()
	smu.Unlock()
	printed := make(chan []string, 4)
	stop := make(chan struct{})
	defer close(stop)
	go timers(stop, &smu, s, func(l []string) { printed <- l })

	select {
	case l := <-printed:
		t.Fatalf("a timer fired before it was due: %q", l)
	case <-time.After(2 * timerPoll):
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	select {
	case l := <-printed:
		if !strings.Contains(strings.Join(l, "\n"), "Still there? (2m)") {
			t.Errorf("the timer printed %q", l)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the inactivity timer did not fire")
	}
}
