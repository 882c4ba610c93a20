package compile

import (
	"os"
	"runtime/pprof"
	"strconv"
	"testing"

	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/load"
)

func TestScaleTmp(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("N"))
	f, _ := load.Parse("bot.yaml", genBot(n))
	tree, _ := load.Merge([]*dialog.File{f})
	out, _ := os.Create(os.Getenv("PROF"))
	pprof.StartCPUProfile(out)
	for i := 0; i < 40000/n; i++ {
		Compile(tree)
	}
	pprof.StopCPUProfile()
}
