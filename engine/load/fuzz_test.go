package load

import (
	"testing"

	"github.com/botctl/botctl/engine/dialog"
)

// FuzzParse feeds arbitrary bytes to the YAML parser and tree decoder: they
// must return, with diagnostics or a tree, and never panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte("botctl: 1\nbot: {name: x}\ndialogs:\n  a: {steps: [end]}\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("bot: [\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		file, _ := Parse("fuzz.yaml", src)
		if file == nil {
			return
		}
		Merge(nil)
		bot, _ := Merge([]*dialog.File{file})
		if bot == nil {
			t.Fatal("Merge returned no bot")
		}
	})
}
