package bench

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine"
)

// TestTranscriptsAboutBot checks the default transcripts: those
// below the bot's directory whose header names it.
func TestTranscriptsAboutBot(t *testing.T) {
	paths, err := Transcripts("../../dialogs/signup", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 9 || paths[0] != filepath.Join("..", "..", "dialogs", "signup", "tests", "business.transcript") {
		t.Errorf("paths %v", paths)
	}
	// Both bots' transcripts are below dialogs/, but a file bot takes
	// only those that name it.
	if _, err := Transcripts("../../dialogs/signup/signup.yaml", nil); err != nil {
		t.Error(err)
	}
	_, err = Transcripts("../../dialogs", nil)
	if err == nil || !strings.Contains(err.Error(), "no transcripts about this bot") {
		t.Errorf("dialogs/: %v", err)
	}
}

// TestRunPath replays a bot's own transcripts, found below its directory,
// and refuses a bot that does not compile with its diagnostics.
func TestRunPath(t *testing.T) {
	rep, err := RunPath(context.Background(), "../../dialogs/signup", nil, Options{Conversations: 14, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Bot != "signup" || rep.BotPath != "../../dialogs/signup" || len(rep.Transcripts) != 9 || rep.Errors != 0 || rep.Mismatches != 0 {
		t.Errorf("report: bot %s (%s), %d transcripts, %d errors, %d mismatches", rep.Bot, rep.BotPath, len(rep.Transcripts), rep.Errors, rep.Mismatches)
	}
	dir := t.TempDir()
	bot := filepath.Join(dir, "bot.yaml")
	os.WriteFile(bot, []byte("botctl: 1\nbot: {name: b}\ndialogs:\n  hi:\n    starters: [hi]\n    steps: [{goto: nowhere}]\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "hi.transcript"), []byte("> hi\n"), 0o644)
	_, err = RunPath(context.Background(), bot, nil, Options{})
	var load *engine.LoadError
	if !errors.As(err, &load) || !strings.Contains(err.Error(), "nowhere") {
		t.Errorf("a bot that does not compile: %v", err)
	}
}
