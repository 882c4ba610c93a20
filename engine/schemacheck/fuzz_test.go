package schemacheck

import (
	"os"
	"testing"

	"github.com/botctl/botctl/engine/load"
)

// FuzzCheck feeds arbitrary YAML to Check: it must not panic, must not fail
// internally, and every diagnostic must have a position.
func FuzzCheck(f *testing.F) {
	if src, err := os.ReadFile("testdata/full.yaml"); err == nil {
		f.Add(src)
	}
	for _, tt := range checkTests {
		f.Add([]byte(tt.src))
	}
	for _, s := range []string{
		"",
		"~",
		"[]",
		"- - - a",
		"? [a, b]\n: c\n",
		"? {a: 1}\n: c\ndialogs: {? [x]: y}\n",
		"dialogs: {x: {steps: [{say: !!binary aGk=}]}}\n",
		"variables: {a: .inf, b: .nan, c: 0x1F, d: 123456789012345678901234567890, e: 1_000}\n",
		"dialogs:\n  x: &x {steps: [*x]}\n",
		"bot: &b {name: a, <<: *b}\n",
		"dialogs: {'': {steps: [{'': ''}]}}\n",
		"dialogs: {\"a\\u0000b\": {}}\n",
		"dialogs: {x: {steps: [{say: {{a}}}]}}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, _ := load.Parse("fuzz.yaml", src)
		if file == nil {
			return
		}
		for _, d := range Check(file) {
			if d.Code == "internal-error" {
				t.Fatalf("internal error: %s\ninput:\n%s", d.Error(), src)
			}
			if d.Pos.Line <= 0 || d.Pos.Col <= 0 || d.Pos.File != "fuzz.yaml" {
				t.Fatalf("diagnostic without a position: %s\ninput:\n%s", d.Error(), src)
			}
		}
	})
}
