package turn

import (
	"reflect"
	"testing"

	"github.com/botctl/botctl/engine/graph"
)

func TestMasking(t *testing.T) {
	bot := &graph.Bot{Sensitive: []string{"card", "pin", "tags", "ok", "empty"}}
	vars := map[string]any{"card": " 4111 1111 1111 1111 ", "pin": 123, "tags": []any{"alpha", 42.5}, "ok": true, "empty": "", "name": "Ann"}
	st := State{Vars: vars}
	got := SensitiveTexts(bot, st)
	if want := []string{"4111 1111 1111 1111", "123", "alpha", "42.5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SensitiveTexts = %q, want %q", got, want)
	}
	rd := NewMasker(got...)
	for in, want := range map[string]string{
		"card 4111 1111 1111 1111 ok":  "card [sensitive] ok",
		"?card=4111+1111+1111+1111":    "?card=[sensitive]",
		"pin 123 stays: under four":    "pin 123 stays: under four",
		"alphabet has alpha and 42.5%": "[sensitive]bet has [sensitive] and [sensitive]%",
		"[sensitive] is left as it is": "[sensitive] is left as it is",
	} {
		if out := rd.Redact(in); out != want {
			t.Errorf("Redact(%q) = %q, want %q", in, out, want)
		}
	}
	shown := MaskVars(bot, vars)
	want := map[string]any{"card": Masked, "pin": Masked, "tags": Masked, "ok": Masked, "empty": "", "name": "Ann"}
	if !reflect.DeepEqual(shown, want) {
		t.Errorf("MaskVars = %v, want %v", shown, want)
	}
	if vars["card"] == Masked {
		t.Error("MaskVars changed its argument")
	}
}
