package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// requireTool returns the path of an external program, or skips the test
// loudly when it is missing. With BOTCTL_REQUIRE_SERVICES=1 (as in CI) a
// missing program fails the test instead.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("BOTCTL_REQUIRE_SERVICES") == "1" {
		t.Fatalf("%s is required (BOTCTL_REQUIRE_SERVICES=1) but not installed", name)
	}
	t.Skipf("SKIPPED: %s is not installed; install it to run this test", name)
	return ""
}

// TestRunTerminal drives the interactive chat of the built binary in a real
// pseudo-terminal (tmux) and checks what the screen shows.
func TestRunTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives tmux")
	}
	tmux := requireTool(t, "tmux")
	dir := t.TempDir()
	bin := filepath.Join(dir, "botctl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	bot := filepath.Join(dir, "bot.yaml")
	if err := os.WriteFile(bot, []byte(`botctl: 1
bot:
  name: tty
  welcome: menu
variables: {colour: ""}
dialogs:
  menu:
    steps:
      - say: "Welcome, ${user.name}."
        buttons: [Colours, Help]
  colours:
    starters: [colours]
    steps:
      - ask: Which colour?
        save: colour
        type: choice
        choices: [Red, Green, Blue]
      - say: "You chose ${vars.colour}."
  help:
    starters: [help]
    steps: [{say: "Ask me about colours."}]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	socket := "botctl-test-" + strconv.Itoa(os.Getpid())
	tm := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(tmux, append([]string{"-L", socket}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	cmd := "env -u NO_COLOR TERM=xterm-256color " + bin + " run --user name=Ann " + bot
	tm("-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "30", "-s", "chat", cmd)
	t.Cleanup(func() { exec.Command(tmux, "-L", socket, "kill-server").Run() })

	screen := func() string { return tm("capture-pane", "-p", "-t", "chat") }
	waitUntil := func(what string, ok func(screen string) bool) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			s := screen()
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("the screen never showed %s; it shows:\n%s", what, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor := func(want string) string {
		t.Helper()
		return waitUntil(strconv.Quote(want), func(s string) bool { return strings.Contains(s, want) })
	}
	send := func(text string) {
		t.Helper()
		tm("send-keys", "-t", "chat", "-l", text)
		tm("send-keys", "-t", "chat", "Enter")
	}

	s := waitFor("you>")
	for _, want := range []string{"Chatting with tty. Type /help for commands.", "bot: Welcome, Ann.", "[1] Colours  [2] Help"} {
		if !strings.Contains(s, want) {
			t.Errorf("start screen lacks %q:\n%s", want, s)
		}
	}
	send("1") // picks the first button
	s = waitFor("[1] Red  [2] Green  [3] Blue")
	if !strings.Contains(s, "(Colours)") || !strings.Contains(s, "bot: Which colour?") {
		t.Errorf("picking a button by number:\n%s", s)
	}
	send("purple")
	waitFor("bot: Please choose one of: Red, Green, Blue.")
	send("3")
	waitFor("bot: You chose Blue.")
	send("/vars")
	waitFor(`vars.colour = "Blue"`)
	// Line editing: type, erase a word with backspaces, finish the line.
	tm("send-keys", "-t", "chat", "-l", "helpxx")
	tm("send-keys", "-t", "chat", "BSpace", "BSpace", "Enter")
	waitFor("bot: Ask me about colours.")
	// History: the up arrow brings back the last line.
	tm("send-keys", "-t", "chat", "Up", "Enter")
	waitUntil("the answer to help twice (history)", func(s string) bool {
		return strings.Count(s, "bot: Ask me about colours.") == 2
	})
	send("/quit")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if exec.Command(tmux, "-L", socket, "has-session", "-t", "chat").Run() != nil {
			break // the program exited and took its session with it
		}
		if time.Now().After(deadline) {
			t.Fatalf("/quit did not end the program; the screen shows:\n%s", screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
