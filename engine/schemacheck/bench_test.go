package schemacheck

import (
	"fmt"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/load"
)

// genBot writes a valid bot of n dialogs with 10 steps each.
func genBot(n int) []byte {
	var b strings.Builder
	b.WriteString("botctl: 1\nbot:\n  name: big\nvariables:\n  x: 0\ndialogs:\n")
	for d := range n {
		fmt.Fprintf(&b, "  d%d:\n    starters: [\"go %d\", {regex: 'x%d'}]\n    steps:\n", d, d, d)
		for s := range 9 {
			switch s % 3 {
			case 0:
				fmt.Fprintf(&b, "      - {id: s%d, say: \"hi ${vars.x}\", next: s%d}\n", s, s+1)
			case 1:
				fmt.Fprintf(&b, "      - {id: s%d, ask: \"Count?\", save: x, type: integer, rules: [{when: 'answer > 1', goto: s%d}]}\n", s, s+1)
			default:
				fmt.Fprintf(&b, "      - {id: s%d, set: {x: 'vars.x + 1'}}\n", s)
			}
		}
		b.WriteString("      - end\n")
	}
	return []byte(b.String())
}

func benchmarkCheck(b *testing.B, dialogs int) {
	f, ds := load.Parse("big.yaml", genBot(dialogs))
	if f == nil || ds.HasErrors() {
		b.Fatal(ds)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ds := Check(f); len(ds) != 0 {
			b.Fatal(ds)
		}
	}
}

func BenchmarkCheck200(b *testing.B)  { benchmarkCheck(b, 200) }
func BenchmarkCheck2000(b *testing.B) { benchmarkCheck(b, 2000) }
