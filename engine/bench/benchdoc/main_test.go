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
	got := shellJoin([]string{"./engine/runtime", "-run", "^$", "-bench", "BenchmarkStep|BenchmarkTurn", "it's"})
	want := `./engine/runtime -run '^$' -bench 'BenchmarkStep|BenchmarkTurn' 'it'\''s'`
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
