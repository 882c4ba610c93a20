package integration_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/integration"
)

// TestNetworkPolicy calls a loopback server under each policy: the
// default (`botctl serve`) refuses it before sending anything; an allowed
// host, a CIDR, --allow-private-networks or the loopback allowance of
// `botctl run` reach it.
func TestNetworkPolicy(t *testing.T) {
	s, n := server(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) })
	u, _ := url.Parse(s.URL)
	port := u.Port()
	mapped := "http://[::ffff:127.0.0.1]:" + port + "/x"
	refused := "address 127.0.0.1 is not allowed: it is a loopback address; allow it with --allow-host 127.0.0.1 or --allow-private-networks"
	tests := []struct {
		name string
		opts []integration.Option
		url  string
		want string // result.error; "" for a call that reaches the server
	}{
		{"default", nil, s.URL, refused},
		{"default, IPv4-mapped", nil, mapped,
			"address 127.0.0.1 of ::ffff:127.0.0.1 is not allowed: it is a loopback address; allow it with --allow-host [::ffff:127.0.0.1] or --allow-private-networks"},
		{"other hosts allowed", []integration.Option{integration.WithAllowedHosts("127.0.0.2")}, s.URL,
			"host 127.0.0.1:" + port + " is not allowed (allowed hosts: 127.0.0.2)"},
		{"allow-host", []integration.Option{integration.WithAllowedHosts("127.0.0.1")}, s.URL, ""},
		{"allow-host with the port", []integration.Option{integration.WithAllowedHosts("127.0.0.1:" + port)}, s.URL, ""},
		{"allow-host with another port", []integration.Option{integration.WithAllowedHosts("127.0.0.1:1", "localhost")}, s.URL,
			"host 127.0.0.1:" + port + " is not allowed (allowed hosts: 127.0.0.1:1, localhost)"},
		{"allow-host CIDR", []integration.Option{integration.WithAllowedHosts("127.0.0.0/8")}, s.URL, ""},
		{"allow-host CIDR, IPv4-mapped", []integration.Option{integration.WithAllowedHosts("127.0.0.0/8")}, mapped, ""},
		{"allow-private-networks", []integration.Option{integration.WithPrivateNetworks(true)}, s.URL, ""},
		{"loopback", []integration.Option{integration.WithLoopback(true)}, s.URL, ""},
		{"loopback, IPv4-mapped", []integration.Option{integration.WithLoopback(true)}, mapped, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := n.Load()
			c, err := integration.New(tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			res := c.Call(context.Background(), get(tt.url))
			if res.Error != tt.want {
				t.Errorf("Error = %q\nwant %q", res.Error, tt.want)
			}
			if reached := n.Load() > before; reached != (tt.want == "") {
				t.Errorf("the server was reached: %v, want %v", reached, tt.want == "")
			}
		})
	}
}

// TestNetworkPolicyAfterDNS checks the address a name resolves to, not the
// name: a name pointing at 127.0.0.1 is refused unless it is allowed by
// name, or loopback is.
func TestNetworkPolicyAfterDNS(t *testing.T) {
	s, n := server(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) })
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.URL, "http://"))
	target := "http://orders.test:" + port + "/x"
	resolver := integration.WithResolver(integration.LoopbackResolver(t))
	tests := []struct {
		name string
		opts []integration.Option
		want string
	}{
		{"default", nil, "address 127.0.0.1 of orders.test is not allowed: it is a loopback address; allow it with --allow-host orders.test or --allow-private-networks"},
		{"the name allowed", []integration.Option{integration.WithAllowedHosts("orders.test")}, ""},
		{"a wildcard allowed", []integration.Option{integration.WithAllowedHosts("*.test")}, ""},
		{"another name allowed", []integration.Option{integration.WithAllowedHosts("orders.test:1", "*.test:1", "127.0.0.0/8")}, "host orders.test:" + port + " is not allowed (allowed hosts: orders.test:1, *.test:1, 127.0.0.0/8)"},
		{"loopback", []integration.Option{integration.WithLoopback(true)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := n.Load()
			c, err := integration.New(append(tt.opts, resolver)...)
			if err != nil {
				t.Fatal(err)
			}
			res := c.Call(context.Background(), get(target))
			if res.Error != tt.want {
				t.Errorf("Error = %q\nwant %q", res.Error, tt.want)
			}
			if reached := n.Load() > before; reached != (tt.want == "") {
				t.Errorf("the server was reached: %v, want %v", reached, tt.want == "")
			}
		})
	}
}

// TestNetworkPolicyLocalhost resolves "localhost" with the machine's
// resolver: whichever loopback address comes first is refused.
func TestNetworkPolicyLocalhost(t *testing.T) {
	s, n := server(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) })
	target := strings.Replace(s.URL, "127.0.0.1", "localhost", 1)
	c, err := integration.New()
	if err != nil {
		t.Fatal(err)
	}
	res := c.Call(context.Background(), get(target))
	want := " of localhost is not allowed: it is a loopback address; allow it with --allow-host localhost or --allow-private-networks"
	if !strings.HasPrefix(res.Error, "address ") || !strings.HasSuffix(res.Error, want) || n.Load() != 0 {
		t.Errorf("Error = %q (%d requests), want \"address ...%s\" and none", res.Error, n.Load(), want)
	}
}
