package nlutest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/internal/clinc"
	"github.com/botctl/botctl/engine/nlu"
)

// clincBot writes CLINC150's training split as a bot and loads it, as a
// bot author would: `botctl nlu test` on it is what the benchmark and the
// test measure. The data lives beside the repository (BOTCTL_NLU_DATA
// names another place).
func clincBot(tb testing.TB) (dir string, bot func() (nlu.Report, error)) {
	tb.Helper()
	dirs := []string{"../../../shared/nlu/clinc150", "../../../../shared/nlu/clinc150"}
	if d := os.Getenv("BOTCTL_NLU_DATA"); d != "" {
		dirs = []string{d}
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, clinc.Train)); err == nil {
			dir = d
			break
		}
	}
	if dir == "" {
		tb.Skipf("SKIPPED: no CLINC150 data in %v (set BOTCTL_NLU_DATA to its directory)", dirs)
	}
	out := tb.TempDir()
	if err := clinc.WriteBot(dir, out); err != nil {
		tb.Fatal(err)
	}
	b, diags := engine.Load(out)
	if diags.HasErrors() {
		tb.Fatalf("the CLINC150 bot does not compile:\n%v", diags)
	}
	return dir, func() (nlu.Report, error) {
		return Test(b, filepath.Join(dir, clinc.Val), filepath.Join(dir, clinc.ValOOS))
	}
}

// TestCLINC150Bot checks the published figures are beaten by a bot made of
// CLINC150, through the same path as `botctl nlu test`. Training takes
// seconds, so it runs only with BOTCTL_NLU_CLINC=1.
func TestCLINC150Bot(t *testing.T) {
	if os.Getenv("BOTCTL_NLU_CLINC") != "1" {
		t.Skip("set BOTCTL_NLU_CLINC=1 to score the CLINC150 bot")
	}
	_, score := clincBot(t)
	r, err := score()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("in-scope %.1f%%, out-of-scope recall %.1f%%, threshold %.3f, training %.1f s, p99 %.1f µs",
		100*r.InScopeAccuracy, 100*r.OutOfScopeRecall, r.Threshold, r.TrainSeconds, r.LatencyP99us)
	if r.InScope != 3000 || r.OutOfScope != 100 {
		t.Errorf("scored %d in-scope and %d out-of-scope messages, want 3000 and 100", r.InScope, r.OutOfScope)
	}
	if r.InScopeAccuracy < 0.92 || r.OutOfScopeRecall < 0.50 {
		t.Errorf("in-scope accuracy %.3f and out-of-scope recall %.3f, want at least 0.92 and 0.50", r.InScopeAccuracy, r.OutOfScopeRecall)
	}
}

// BenchmarkCLINC150Bot reports the figures of `botctl nlu test` on the
// CLINC150 bot.
func BenchmarkCLINC150Bot(b *testing.B) {
	_, score := clincBot(b)
	var r nlu.Report
	for b.Loop() {
		var err error
		if r, err = score(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(100*r.InScopeAccuracy, "in-scope-%")
	b.ReportMetric(100*r.OutOfScopeRecall, "oos-recall-%")
	b.ReportMetric(r.TrainSeconds, "train-s")
	b.ReportMetric(r.LatencyP99us, "p99-µs")
}
