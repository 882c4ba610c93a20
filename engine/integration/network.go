package integration

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The network policy keeps integrations off the networks behind the host:
// a bot's URL comes from env, but a name in it may resolve anywhere, and a
// request to 127.0.0.1, a private address or the cloud metadata service
// (169.254.169.254) would carry the bot's secrets to, and return the
// answers of, services that trust the host's network. Such addresses are
// refused unless the operator allows them: WithLoopback, WithPrivateNetworks,
// or an allowed host (WithAllowedHosts) that names them.
//
// The check runs on the address actually dialled, after DNS, for every
// connection (redirects included), so a name resolving to 127.0.0.1 is
// refused like the address itself.

// WithLoopback(true) lets integrations reach loopback addresses
// (127.0.0.0/8, ::1): `botctl run` allows them so that a bot can call a
// service on the developer's machine. Other private addresses stay refused.
func WithLoopback(allow bool) Option {
	return func(c *Client) error {
		c.policy.loopback = allow
		return nil
	}
}

// WithPrivateNetworks(true) lets integrations reach every address,
// private, loopback and link-local ones included
// (`--allow-private-networks`).
func WithPrivateNetworks(allow bool) Option {
	return func(c *Client) error {
		c.policy.open = allow
		return nil
	}
}

// WithResolver resolves host names with r instead of net.DefaultResolver
// (a test's DNS, a service discovery resolver). The addresses it returns
// are checked like any others.
func WithResolver(r *net.Resolver) Option {
	return func(c *Client) error {
		if r == nil {
			return fmt.Errorf("WithResolver: nil resolver")
		}
		c.policy.resolver = r
		return nil
	}
}

// netPolicy decides which addresses a Client may connect to.
type netPolicy struct {
	open     bool // every address (WithPrivateNetworks)
	loopback bool // loopback addresses too (WithLoopback)
	allow    []hostRule
	resolver *net.Resolver
	proxies  sync.Map // "host:port" of the proxies in use: the operator's, so dialled freely
}

// addrError is a refused address. Its text is the call's result.error.
type addrError struct {
	host string // as the URL names it
	addr netip.Addr
	kind string
}

func (e *addrError) Error() string {
	of := ""
	if h := strings.Trim(e.host, "[]"); h != e.addr.String() {
		of = " of " + e.host
	}
	return fmt.Sprintf("address %s%s is not allowed: it is %s; allow it with --allow-host %s or --allow-private-networks",
		e.addr, of, e.kind, allowEntry(e.host))
}

// allowEntry is how the operator writes host in --allow-host.
func allowEntry(host string) string {
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		return "[" + host + "]"
	}
	return host
}

// Address ranges refused besides those netip classifies.
var (
	cgnat     = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT, shared address space
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")
	siteLocal = netip.MustParsePrefix("fec0::/10") // deprecated, still routed privately
	metadata  = netip.MustParseAddr("169.254.169.254")
	broadcast = netip.MustParseAddr("255.255.255.255")
)

// classify names the kind of a non-public address: "a loopback address",
// "a private address" and so on, or "" for an address on the internet.
// An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is its IPv4 address.
func classify(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "an invalid address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsUnspecified() || thisNet.Contains(a):
		return "an unspecified address"
	case a == metadata:
		return "the cloud metadata address"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a.IsPrivate() || siteLocal.Contains(a):
		return "a private address"
	case cgnat.Contains(a):
		return "a shared (carrier-grade NAT) address"
	case a.IsMulticast() || a == broadcast:
		return "a multicast or broadcast address"
	}
	return ""
}

// check returns an *addrError when a connection to a (port) for host (as
// the URL names it) is not allowed.
func (p *netPolicy) check(host string, a netip.Addr, port string) error {
	if p.open {
		return nil
	}
	kind := classify(a)
	if kind == "" || (p.loopback && a.Unmap().IsLoopback()) {
		return nil
	}
	for _, r := range p.allow {
		if r.prefix.IsValid() && r.prefix.Contains(a.Unmap()) && (r.port == "" || r.port == port) {
			return nil
		}
	}
	return &addrError{host: host, addr: a.Unmap(), kind: kind}
}

// nameAllowed reports whether host (not an address) is listed by name in
// the allowed hosts, which allows whatever address it resolves to.
func (p *netPolicy) nameAllowed(host, port string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, r := range p.allow {
		if !r.prefix.IsValid() && r.matches(host, port) {
			return true
		}
	}
	return false
}

// checkURL refuses a URL whose host is a refused address before anything
// is sent, whatever the transport.
func (p *netPolicy) checkURL(u *url.URL) error {
	a, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]"))
	if err != nil {
		return nil // a name: checked once resolved
	}
	return p.check(u.Hostname(), a, portOf(u))
}

// checkName resolves host and refuses it when an address it resolves to is
// refused: for a request sent through a proxy, which dials the host itself.
func (p *netPolicy) checkName(ctx context.Context, host, port string) error {
	if p.open || p.nameAllowed(host, port) {
		return nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return p.check(host, a, port)
	}
	addrs, err := p.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if err := p.check(host, a, port); err != nil {
			return err
		}
	}
	return nil
}

// transport returns the Client's own transport: http.DefaultTransport's
// settings with a dialer that checks every address it connects to.
func (p *netPolicy) transport(proxy func(*http.Request) (*url.URL, error)) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 16
	base := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Resolver: p.resolver} // as http.DefaultTransport
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil || p.open || p.nameAllowed(host, port) {
			return base.DialContext(ctx, network, addr)
		}
		if _, ok := p.proxies.Load(addr); ok {
			return base.DialContext(ctx, network, addr)
		}
		d := *base
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return err
			}
			return p.check(host, ap.Addr(), port)
		}
		return d.DialContext(ctx, network, addr)
	}
	t.Proxy = func(req *http.Request) (*url.URL, error) {
		u, err := proxy(req)
		if u == nil || err != nil || p.open {
			return u, err
		}
		// The proxy connects to the host, so check the host here; the
		// proxy itself is the operator's to choose.
		p.proxies.Store(net.JoinHostPort(u.Hostname(), portOf(u)), true)
		if err := p.checkName(req.Context(), req.URL.Hostname(), portOf(req.URL)); err != nil {
			return nil, err
		}
		return u, nil
	}
	return t
}

// portOf is u's port, or its scheme's default.
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "socks5", "socks5h":
		return "1080"
	}
	return "80"
}

// parsePrefix parses an address or CIDR entry of the allowed hosts, as a
// prefix of unmapped addresses; ok is false for a name.
func parsePrefix(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if a := p.Addr(); a.Is4In6() {
			bits := p.Bits() - 96
			if bits < 0 {
				return netip.Prefix{}, false
			}
			p = netip.PrefixFrom(a.Unmap(), bits)
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}
