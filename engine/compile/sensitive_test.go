package compile

import (
	"reflect"
	"testing"
)

// A variable is sensitive when declared so in the long form or when a
// sensitive question saves it; the short form and a mapping without the
// key sensitive stay ordinary initial values.
func TestSensitiveVariables(t *testing.T) {
	src := `botctl: 1
bot:
  name: pay
  welcome: w
variables:
  card: ""
  pin: {default: "0000", sensitive: true}
  open: {default: x, sensitive: false}
  address: {street: "", default: here}
  name: ""
dialogs:
  w:
    steps:
      - {ask: "Card?", save: card, sensitive: true}
      - {ask: "Name?", save: name}
      - say: "${vars.card}${vars.pin}${vars.open}${vars.address}${vars.name}"
`
	bot, ds := compileSrc(t, src)
	if ds.HasErrors() {
		t.Fatalf("compile: %v", ds)
	}
	if want := []string{"card", "pin"}; !reflect.DeepEqual(bot.Sensitive, want) {
		t.Errorf("Sensitive = %q, want %q", bot.Sensitive, want)
	}
	initial := map[string]any{}
	for _, v := range bot.Variables {
		initial[v.Name] = v.Initial
	}
	want := map[string]any{"card": "", "pin": "0000", "open": "x",
		"address": map[string]any{"street": "", "default": "here"}, "name": ""}
	if !reflect.DeepEqual(initial, want) {
		t.Errorf("initial values = %v, want %v", initial, want)
	}
	if a := bot.Dialog("w").Steps[0].Ask; !a.Sensitive {
		t.Error("the card question is not sensitive")
	}
	if a := bot.Dialog("w").Steps[1].Ask; a.Sensitive {
		t.Error("the name question is sensitive")
	}
}
