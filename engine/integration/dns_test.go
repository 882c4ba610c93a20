package integration

import (
	"context"
	"encoding/binary"
	"net"
	"testing"
)

// LoopbackResolver is loopbackResolver, for the tests of package integration_test.
var LoopbackResolver = loopbackResolver

// loopbackResolver returns a resolver that asks a loopback DNS server
// answering every A question with 127.0.0.1 (and others with no answer):
// any name then points at this machine, as a hostile DNS record would.
func loopbackResolver(t testing.TB) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := answerLoopback(buf[:n]); resp != nil {
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
	}
}

// answerLoopback answers a DNS query for an A record with 127.0.0.1, and
// any other with no records.
func answerLoopback(q []byte) []byte {
	if len(q) < 12 {
		return nil
	}
	i := 12
	for i < len(q) && q[i] != 0 {
		i += int(q[i]) + 1
	}
	end := i + 1 + 4
	if end > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i+1:])
	resp := make([]byte, 12, end+16)
	copy(resp, q[:2])
	binary.BigEndian.PutUint16(resp[2:], 0x8180) // QR, RD, RA, NOERROR
	binary.BigEndian.PutUint16(resp[4:], 1)      // QDCOUNT
	resp = append(resp, q[12:end]...)
	if qtype == 1 { // A
		binary.BigEndian.PutUint16(resp[6:], 1) // ANCOUNT
		resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1)
	}
	return resp
}
