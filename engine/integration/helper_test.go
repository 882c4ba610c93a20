package integration_test

import (
	"context"
	"encoding/binary"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/integration"
	"github.com/botctl/botctl/engine/turn"
)

// newClient builds a Client with a fast backoff that may reach the
// loopback test servers, failing the test on error.
func newClient(t testing.TB, opts ...integration.Option) *integration.Client {
	t.Helper()
	opts = append([]integration.Option{integration.WithBackoff(time.Millisecond, 4*time.Millisecond), integration.WithLoopback(true)}, opts...)
	c, err := integration.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// get returns a GET request for url from the integration "lookup".
func get(url string) *turn.Request {
	return &turn.Request{Integration: &graph.Integration{Name: "lookup"}, Method: "GET", URL: url, Timeout: 2 * time.Second}
}

// server starts a loopback HTTP server that counts the requests it sees.
func server(t testing.TB, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(s.Close)
	return s, &n
}

// hang is a handler that never answers: it waits for the client to give up
// (or for the test's end, so that Close does not wait forever).
func hang(done <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// countingTransport returns a transport whose dials are counted.
func countingTransport(dials *atomic.Int32, resolver *net.Resolver) *http.Transport {
	d := &net.Dialer{Timeout: 2 * time.Second, Resolver: resolver}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return d.DialContext(ctx, network, addr)
		},
	}
}

// nxdomainResolver returns a resolver that asks a loopback DNS server
// answering every question with NXDOMAIN (no such name), so DNS failures
// are tested without a network or the machine's resolver.
func nxdomainResolver(t testing.TB) (*net.Resolver, *atomic.Int32) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	var queries atomic.Int32
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := nxdomain(buf[:n]); resp != nil {
				queries.Add(1)
				pc.WriteTo(resp, from)
			}
		}
	}()
	addr := pc.LocalAddr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", addr)
		},
	}, &queries
}

// nxdomain answers a DNS query with its question and RCODE 3 (NXDOMAIN).
func nxdomain(q []byte) []byte {
	if len(q) < 12 {
		return nil
	}
	i := 12
	for i < len(q) && q[i] != 0 {
		i += int(q[i]) + 1
	}
	end := i + 1 + 4 // the root label, QTYPE and QCLASS
	if end > len(q) {
		return nil
	}
	resp := make([]byte, 12, end)
	copy(resp, q[:2])                            // ID
	binary.BigEndian.PutUint16(resp[2:], 0x8183) // QR, RD, RA, RCODE=3
	binary.BigEndian.PutUint16(resp[4:], 1)      // QDCOUNT
	return append(resp, q[12:end]...)
}
