package compile

import (
	"testing"

	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/load"
)

// FuzzCompile feeds arbitrary YAML straight to the compiler, without the
// schema check in front of it: whatever the tree, Compile must not panic,
// must return a graph exactly when it reports no error, and every
// diagnostic must carry a code and a message.
//
//	go test ./engine/compile -run '^$' -fuzz FuzzCompile -fuzztime 30s
func FuzzCompile(f *testing.F) {
	f.Add(fullBot)
	f.Add("dialogs:\n ? -") // a key that is not a name
	for _, c := range checkCases {
		if c.full {
			f.Add(c.src)
		} else {
			f.Add(base + c.src)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		file, _ := load.Parse("bot.yaml", []byte(src))
		if file == nil {
			return
		}
		tree, _ := load.Merge([]*dialog.File{file})
		bot, diags := Compile(tree)
		if diags.HasErrors() != (bot == nil) {
			t.Fatalf("bot == nil is %v, HasErrors is %v", bot == nil, diags.HasErrors())
		}
		for _, d := range diags {
			if d.Code == "" || d.Message == "" {
				t.Fatalf("diagnostic without code or message: %+v", d)
			}
			if d.Pos.File != "bot.yaml" || d.Pos.Line < 1 {
				t.Fatalf("diagnostic without a position in the file: %s", d.Error())
			}
		}
		if bot != nil {
			for _, d := range bot.Dialogs {
				if len(d.Steps) == 0 {
					t.Fatalf("dialog %s has no steps", d.Name)
				}
			}
		}
	})
}
