package schemacheck

import (
	"os"
	"testing"

	"github.com/botctl/botctl/engine/load"
)

func BenchmarkBig(b *testing.B) {
	src, _ := os.ReadFile("/tmp/big.yaml")
	f, _ := load.Parse("x.yaml", src)
	b.ReportAllocs()
	for b.Loop() {
		if ds := Check(f); len(ds) != 0 {
			b.Fatal(ds)
		}
	}
}
