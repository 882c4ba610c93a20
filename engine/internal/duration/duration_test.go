package duration

import (
	"testing"
	"time"
)

func TestParseFormat(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		out  string
	}{
		{"10m", 10 * time.Minute, "10m"},
		{"90s", 90 * time.Second, "1m30s"},
		{"1h30m", 90 * time.Minute, "1h30m"},
		{"2h", 2 * time.Hour, "2h"},
		{"1d", Day, "1d"},
		{"2d12h", 60 * time.Hour, "2d12h"},
		{" 1d1s ", Day + time.Second, "1d1s"},
		{"500ms", 500 * time.Millisecond, "500ms"},
		{"0s", 0, "0s"},
	} {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if s := Format(got); s != tt.out {
			t.Errorf("Format(%v) = %q, want %q", got, s, tt.out)
		}
	}
	for _, bad := range []string{"", "d", "1.5d", "-1d", "1d-2h", "1dd", "x", "10", "1d+1h", "999999999d"} {
		if d, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", bad, d)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"10m", "1d", "2d12h", "1h30m", "-5s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil || d < 0 {
			return
		}
		back, err := Parse(Format(d))
		if err != nil || back != d {
			t.Fatalf("Parse(Format(%v)) = %v, %v (from %q, formatted %q)", d, back, err, s, Format(d))
		}
	})
}
