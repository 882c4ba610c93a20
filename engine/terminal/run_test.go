package terminal

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/botctl/botctl/engine"
)

const greeter = `botctl: 1
bot: {name: greeter, welcome: welcome, env: [REGION], secrets: [TOKEN]}
variables: {name: ""}
dialogs:
  welcome:
    steps:
      - ask: "Name?"
        save: name
      - say: "Hi ${vars.name}."
`

// TestRunScript runs a piped conversation: the output is in transcript
// form, and the env and secrets that are not set are warned of, env first.
func TestRunScript(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.yaml")
	if err := os.WriteFile(path, []byte(greeter), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var warnings []string
	err := Run(context.Background(), Config{
		Path: path, Stdin: strings.NewReader("# a comment\n\nAnn\n"), Stdout: &out,
		LookupEnv: func(string) (string, bool) { return "", false },
		Warn:      func(msg string) { warnings = append(warnings, msg) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "< Name?\n> Ann\n< Hi Ann.\n"; out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	want := "the bot reads env.REGION, which is not set in the environment|the bot reads secret.TOKEN, which is not set in the environment"
	if got := strings.Join(warnings, "|"); got != want {
		t.Errorf("warnings: %s", got)
	}
}

func TestRunRefuses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bot.yaml")
	os.WriteFile(path, []byte(greeter), 0o644)
	broken := filepath.Join(dir, "broken.yaml")
	os.WriteFile(broken, []byte(strings.Replace(greeter, "save: name", "save: nobody", 1)), 0o644)
	in := strings.NewReader("")
	var load *engine.LoadError
	if err := Run(context.Background(), Config{Path: broken, Stdin: in, Stdout: &bytes.Buffer{}}); !errors.As(err, &load) {
		t.Errorf("a broken bot: %v", err)
	}
	if err := Run(context.Background(), Config{Path: path, Dialog: "nope", Stdin: in, Stdout: &bytes.Buffer{}}); err == nil || err.Error() != `the bot has no dialog "nope"` {
		t.Errorf("an unknown dialog: %v", err)
	}
	var config *engine.ConfigError
	if err := Run(context.Background(), Config{Path: path, AllowHosts: []string{"http://x/"}, Stdin: in, Stdout: &bytes.Buffer{}}); !errors.As(err, &config) {
		t.Errorf("a wrong --allow-host: %v", err)
	}
}

// A piped conversation shows each answer before the next line is read, so
// a program on the other end of the pipes can talk to the bot line by line.
func TestRunScriptAnswersLineByLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.yaml")
	if err := os.WriteFile(path, []byte(greeter), 0o644); err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), Config{Path: path, Stdin: inR, Stdout: outW,
			LookupEnv: func(string) (string, bool) { return "x", true }, Warn: func(string) {}})
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	next := func() string {
		got := make(chan string, 1)
		go func() {
			if lines.Scan() {
				got <- lines.Text()
			} else {
				got <- "(end)"
			}
		}()
		select {
		case l := <-got:
			return l
		case <-time.After(5 * time.Second):
			t.Fatal("no output line within 5 s: the answer waits for more input")
			return ""
		}
	}
	if l := next(); l != "< Name?" {
		t.Fatalf("first line %q", l)
	}
	io.WriteString(inW, "Ann\n")
	if l, l2 := next(), next(); l != "> Ann" || l2 != "< Hi Ann." {
		t.Fatalf("after the answer: %q, %q", l, l2)
	}
	inW.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
