package main

import "testing"

func TestParseBench(t *testing.T) {
	out := `goos: linux
BenchmarkServe/echo-2         	  119197	     19862 ns/op	     50347 req/s	    9940 B/op	     123 allocs/op
BenchmarkServe/file-2         	   21258	    128712 ns/op	      7769 req/s	         9.274 writes/fsync	   40198 B/op	     343 allocs/op
BenchmarkServe/file-2         	   21258	    100000 ns/op	      8000 req/s
BenchmarkCompile/dialogs=200/steps=2000-2         	      10	  25500000 ns/op
PASS
`
	s := samples{}
	parseBench(out, s)
	if v, ok := s.median("BenchmarkServe/echo", "req/s"); !ok || v != 50347 {
		t.Errorf("echo req/s = %v %v", v, ok)
	}
	if v, _ := s.median("BenchmarkServe/file", "req/s"); v != (7769+8000)/2.0 {
		t.Errorf("file req/s median = %v", v)
	}
	if v, _ := s.median("BenchmarkServe/file", "writes/fsync"); v != 9.274 {
		t.Errorf("writes/fsync = %v", v)
	}
	if v, _ := s.median("BenchmarkCompile/dialogs=200/steps=2000", "ns/op"); v != 25500000 {
		t.Errorf("compile = %v", v)
	}
	if _, ok := s.median("BenchmarkServe/redis", "req/s"); ok {
		t.Error("a benchmark that did not run has a median")
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{7}, 7}} {
		if got, _ := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestShellJoin(t *testing.T) {
	got := shellJoin([]string{"./engine/turn", "-run", "^$", "-bench", "BenchmarkStep|BenchmarkTurn", "it's"})
	want := `./engine/turn -run '^$' -bench 'BenchmarkStep|BenchmarkTurn' 'it'\''s'`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestNumbers(t *testing.T) {
	if got := num(1234567); got != "1,234,567" {
		t.Errorf("num = %s", got)
	}
	for v, want := range map[float64]string{950: "950 ns", 1140: "1.14 µs", 25.5e6: "25.5 ms", 1.2e9: "1.2 s"} {
		if got := ns(v); got != want {
			t.Errorf("ns(%v) = %s, want %s", v, got, want)
		}
	}
}

// TestServedRunArgs checks the commands of a served run: acme-support,
// which has a mock file, is served and benchmarked with it; signup, which
// has none, without.
func TestServedRunArgs(t *testing.T) {
	const root = "../../../.."
	if got := mockFile(root, "acme-support"); got != "dialogs/acme-support/mocks/offline.yaml" {
		t.Errorf("acme-support's mock file: %q", got)
	}
	if got := mockFile(root, "signup"); got != "" {
		t.Errorf("signup's mock file: %q", got)
	}
	for _, c := range []struct {
		bot, serve, bench string
	}{
		{"acme-support",
			"serve --addr 127.0.0.1:0 --store memory --mock dialogs/acme-support/mocks/offline.yaml dialogs/acme-support dialogs/signup",
			"--url http://127.0.0.1:9 --concurrency 64 --conversations 6400 --mock dialogs/acme-support/mocks/offline.yaml dialogs/acme-support"},
		{"signup",
			"serve --addr 127.0.0.1:0 --store memory dialogs/acme-support dialogs/signup",
			"--url http://127.0.0.1:9 --concurrency 64 --conversations 6400 dialogs/signup"},
	} {
		mocks := mockFile(root, c.bot)
		if got := shellJoin(serveArgs("memory", mocks)); got != c.serve {
			t.Errorf("%s: serve %s\nwant        %s", c.bot, got, c.serve)
		}
		if got := shellJoin(servedBenchArgs("http://127.0.0.1:9", c.bot, mocks)); got != c.bench {
			t.Errorf("%s: bench %s\nwant        %s", c.bot, got, c.bench)
		}
	}
	want := "botctl serve for each run below (a new one each time; it logs the port it listens on), with --mock dialogs/BOT/mocks/offline.yaml for a bot that has one (signup has none)"
	if got := servedNote(root); got != want {
		t.Errorf("note %s\nwant %s", got, want)
	}
}

func TestServedMocksText(t *testing.T) {
	const (
		none = "Transcripts whose conversation calls integrations are left out (the server calls them for real: it has no mocks)."
		with = "The server of acme-support (dialogs/acme-support/mocks/offline.yaml) answers integration calls from the bot's mock file (`botctl serve --mock FILE`: each conversation gets the file's responses in its own order), and bench is given the same `--mock FILE`: a transcript that calls integrations replays when the file answers its calls as its own mocks do, and is left out otherwise."
	)
	acme := servedRun{bot: "acme-support", mocks: "dialogs/acme-support/mocks/offline.yaml"}
	signup := servedRun{bot: "signup"}
	for _, c := range []struct {
		runs []servedRun
		want string
	}{
		{[]servedRun{signup, signup}, none},
		{[]servedRun{acme, acme}, with},
		{[]servedRun{acme, signup, acme, signup}, with + " For signup, with no mock file, every transcript that calls integrations is left out."},
	} {
		if got := servedMocksText(c.runs); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}
