package integration

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/turn"
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

func TestClassify(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1", "a loopback address"},
		{"127.255.0.9", "a loopback address"},
		{"::1", "a loopback address"},
		{"::ffff:127.0.0.1", "a loopback address"},
		{"10.1.2.3", "a private address"},
		{"172.16.0.1", "a private address"},
		{"172.31.255.255", "a private address"},
		{"192.168.1.1", "a private address"},
		{"::ffff:10.0.0.1", "a private address"},
		{"::ffff:192.168.0.1", "a private address"},
		{"fc00::1", "a private address"},
		{"fd12:3456::1", "a private address"},
		{"fec0::1", "a private address"},
		{"169.254.169.254", "the cloud metadata address"},
		{"::ffff:169.254.169.254", "the cloud metadata address"},
		{"169.254.1.1", "a link-local address"},
		{"fe80::1", "a link-local address"},
		{"0.0.0.0", "an unspecified address"},
		{"0.1.2.3", "an unspecified address"},
		{"::", "an unspecified address"},
		{"::ffff:0.0.0.0", "an unspecified address"},
		{"100.64.0.1", "a shared (carrier-grade NAT) address"},
		{"100.127.255.255", "a shared (carrier-grade NAT) address"},
		{"224.0.0.1", "a multicast or broadcast address"},
		{"255.255.255.255", "a multicast or broadcast address"},
		{"ff02::1", "a multicast or broadcast address"},
		// On the internet:
		{"8.8.8.8", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"192.0.2.1", ""},
		{"2001:db8::1", ""},
		{"::ffff:8.8.8.8", ""},
	}
	for _, tt := range tests {
		if got := classify(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("classify(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// TestProxyChecksTheTarget sends requests through a proxy, which dials the
// target itself: the target's addresses are checked before the request
// goes, and the proxy (the operator's, on loopback here) is not refused.
func TestProxyChecksTheTarget(t *testing.T) {
	var hits atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{}`))
	}))
	defer proxy.Close()
	pu, _ := url.Parse(proxy.URL)
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	c.http.Transport = c.policy.transport(http.ProxyURL(pu))
	call := func(u string) turn.CallResult {
		return c.Call(context.Background(), &turn.Request{Method: "GET", URL: u, Timeout: 2 * time.Second})
	}
	// 192.0.2.1 (TEST-NET-1) is never dialled: the proxy answers for it.
	if res := call("http://192.0.2.1/x"); res.Error != "" || hits.Load() != 1 {
		t.Errorf("a public target through the proxy: %+v, %d requests at the proxy", res, hits.Load())
	}
	want := "address 127.0.0.1 of orders.test is not allowed: it is a loopback address; allow it with --allow-host orders.test or --allow-private-networks"
	c.policy.resolver = loopbackResolver(t)
	if res := call("http://orders.test/x"); res.Error != want || hits.Load() != 1 {
		t.Errorf("a target resolving to loopback through the proxy: %q, %d requests at the proxy; want %q", res.Error, hits.Load(), want)
	}
}
