package transcript_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/transcript"
)

const sensitiveBot = `botctl: 1
bot: {name: pay, welcome: w}
variables:
  card: ""
dialogs:
  w:
    steps:
      - {ask: "Your card number?", save: card, sensitive: true}
      - say: "I charged the card ${vars.card}."
`

// With mask_sensitive, the bot's lines are compared and updated with the
// sensitive values masked, while the input stays the real answer (so the
// transcript replays) and assertions read the real value. Without it, the
// lines show the values.
func TestRunMaskSensitive(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bot.yaml"), []byte(sensitiveBot), 0o644); err != nil {
		t.Fatal(err)
	}
	runIn := func(src string) *transcript.Result {
		t.Helper()
		res := (&transcript.Runner{}).RunSource(filepath.Join(dir, "case.transcript"), []byte(src))
		if !res.Ran() {
			t.Fatalf("the transcript did not run: %v %v", res.Diags, res.BotDiags)
		}
		return res
	}
	masked := "---\nbot: bot.yaml\nmask_sensitive: true\n---\n< Your card number?\n> 4111 1111 1111 1111\n< I charged the card [sensitive].\n? vars.card == \"4111 1111 1111 1111\"\n"
	if res := runIn(masked); !res.Passed() {
		t.Errorf("the masked transcript failed:\n%s", failures(res))
	}
	clear := strings.Replace(strings.Replace(masked, "mask_sensitive: true\n", "", 1), "[sensitive]", "4111 1111 1111 1111", 1)
	if res := runIn(clear); !res.Passed() {
		t.Errorf("without mask_sensitive:\n%s", failures(res))
	}

	// --update writes the bot's line masked, and keeps the input.
	stale := strings.Replace(masked, "< I charged the card [sensitive].\n", "< I charged it.\n", 1)
	res := runIn(stale)
	if res.Passed() {
		t.Fatal("a stale line passed")
	}
	if got := string(res.Actual); got != masked {
		t.Errorf("updated:\n%s\nwant:\n%s", got, masked)
	}
}
