package integration

import (
	"testing"
	"time"
)

func TestBackoffWait(t *testing.T) {
	c, err := New(WithBackoff(100*time.Millisecond, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for n, span := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		span *= time.Millisecond
		for range 100 {
			if d := c.wait(n); d < span/2 || d > span {
				t.Fatalf("wait(%d) = %v, want %v to %v", n, d, span/2, span)
			}
		}
	}
	if d := c.wait(1000); d < 500*time.Millisecond || d > time.Second {
		t.Errorf("wait(1000) = %v, want the cap", d)
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{1 << 20: "1 MiB", 5 << 20: "5 MiB", 512 << 10: "512 KiB", 1000: "1000 bytes", 1: "1 byte", 1536 << 10: "1536 KiB"} {
		if got := size(n); got != want {
			t.Errorf("size(%d) = %q, want %q", n, got, want)
		}
	}
}
