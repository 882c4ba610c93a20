package compile

import (
	"reflect"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/graph"
)

func TestChannels(t *testing.T) {
	src := `botctl: 1
bot:
  name: t
  secrets: [DL_SECRET, SLACK_TOKEN]
  channels:
    directline: {secret: DL_SECRET}
    slack: {signing_secret: SLACK_SIGNING, bot_token: SLACK_TOKEN}
dialogs:
  welcome:
    starters: [hi]
    steps: [end]
`
	_, ds := compileSrc(t, src)
	want := "bot.yaml:7:29: error[undeclared-secret]: channel slack, `signing_secret`: the secret SLACK_SIGNING is not declared: add it to the `secrets:` list of the bot header\n"
	if got := diagLines(withoutLints(ds)); got != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
	}
	bot, ds := compileSrc(t, strings.Replace(src, "[DL_SECRET, SLACK_TOKEN]", "[DL_SECRET, SLACK_TOKEN, SLACK_SIGNING]", 1))
	if ds.HasErrors() {
		t.Fatalf("diagnostics: %v", ds)
	}
	wantCh := []graph.Channel{
		{Name: "directline", Settings: map[string]string{"secret": "DL_SECRET"}},
		{Name: "slack", Settings: map[string]string{"signing_secret": "SLACK_SIGNING", "bot_token": "SLACK_TOKEN"}},
	}
	if !reflect.DeepEqual(bot.Channels, wantCh) {
		t.Errorf("Channels = %+v, want %+v", bot.Channels, wantCh)
	}
	if c := bot.Channel("directline"); c == nil || c.Settings["secret"] != "DL_SECRET" {
		t.Errorf("Channel(directline) = %+v", c)
	}
	if c := bot.Channel("telegram"); c != nil {
		t.Errorf("Channel(telegram) = %+v, want nil", c)
	}
}

func TestChannelsSuggestion(t *testing.T) {
	_, ds := compileSrc(t, `botctl: 1
bot:
  name: t
  secrets: [DL_SECRET]
  channels:
    directline: {secret: DL_SECRE}
dialogs:
  welcome:
    starters: [hi]
    steps: [end]
`)
	want := "bot.yaml:6:26: error[undeclared-secret]: channel directline, `secret`: the secret DL_SECRE is not declared: add it to the `secrets:` list of the bot header (did you mean `DL_SECRET`?)\n"
	if got := diagLines(withoutLints(ds)); got != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
	}
}
