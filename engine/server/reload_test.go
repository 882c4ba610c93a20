package server

import (
	"os"
	"path/filepath"
	"testing"
)

const botV1 = `botctl: 1
bot: {name: greeter, welcome: welcome}
variables: {name: ""}
dialogs:
  welcome:
    steps:
      - ask: "What is your name?"
        save: name
      - say: "Hello, ${vars.name}!"
`

const botV2 = `botctl: 1
bot: {name: greeter, welcome: welcome}
variables: {name: ""}
dialogs:
  welcome:
    steps:
      - ask: "Who are you?"
        save: name
      - say: "Welcome, ${vars.name}."
`

// A reloaded bot takes new conversations; running ones finish on the
// version they started on.
func TestSwappedBotKeepsRunningConversations(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "greeter.yaml")
	os.WriteFile(path, []byte(botV1), 0o644)
	v1 := loadBot(t, path)
	e := newEnv(t, WithBots(v1))
	old := e.create(map[string]string{"bot": "greeter"})
	if got := lines(old.Messages); got != "< What is your name?\n" {
		t.Fatalf("v1 welcome: %s", got)
	}
	os.WriteFile(path, []byte(botV2), 0o644)
	v2 := loadBot(t, path)
	e.s.Bots().Set(v2)
	fresh := e.create(map[string]string{"bot": "greeter"})
	if got := lines(fresh.Messages); got != "< Who are you?\n" {
		t.Errorf("v2 welcome: %s", got)
	}
	if got := lines(e.say(old.ID, old.Token, "Ann").Messages); got != "< Hello, Ann!\n" {
		t.Errorf("the running conversation did not finish on v1: %s", got)
	}
	if got := lines(e.say(fresh.ID, fresh.Token, "Bo").Messages); got != "< Welcome, Bo.\n" {
		t.Errorf("the new conversation: %s", got)
	}
	var conv ConversationResponse
	e.do("GET", "/v1/conversations/"+old.ID, adminKey, nil).want(t, 200).decode(t, &conv)
	if conv.Version != v1.Version {
		t.Errorf("version %s, want v1's %s", conv.Version, v1.Version)
	}
	// A server that never loaded v1 (after a restart) finishes a v1
	// conversation on v1, loaded from the store.
	e.s.Bots().Set(v1)
	waiting := e.create(map[string]string{"bot": "greeter"})
	restarted, err := New(WithLogger(quietLogger()), WithStore(e.s.Store()), WithAPIKeys(adminKey), WithTokenSecret(testSecret), WithBots(v2))
	if err != nil {
		t.Fatal(err)
	}
	e.hs.Config.Handler = restarted
	if got := lines(e.say(waiting.ID, waiting.Token, "Cy").Messages); got != "< Hello, Cy!\n" {
		t.Errorf("after a restart: %s", got)
	}
}
