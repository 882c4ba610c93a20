package integration

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// checkURL parses a rendered request URL and applies the run-time half of
// the URL rule of docs/integrations.md#9-security. The compiler already made sure that only env
// can reach the scheme and host; here the URL must be http or https, carry
// no user name or password, have a host (an allowed one, when there is an
// allow list), and have no path segment that is "." or ".." once decoded —
// escaping cannot make those safe, since servers and proxies that decode
// %2F before routing would resolve them.
func (c *Client) checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid url: %v", inner(err))
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return nil, fmt.Errorf("invalid url %q: it must start with http:// or https:// (is an env variable in it empty?)", raw)
	default:
		return nil, fmt.Errorf("url scheme %q is not allowed: use http or https", u.Scheme)
	}
	if u.User != nil {
		return nil, errors.New("url must not carry a user name or password: send credentials in a header")
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("invalid url %q: it has no host (is an env variable in it empty?)", raw)
	}
	if dot := dotSegment(u.EscapedPath()); dot != "" {
		return nil, fmt.Errorf("refused: the url path has a %q segment once decoded", dot)
	}
	if len(c.allow) > 0 && !c.allowed(u) {
		names := make([]string, len(c.allow))
		for i, r := range c.allow {
			names[i] = r.String()
		}
		return nil, fmt.Errorf("host %s is not allowed (allowed hosts: %s)", u.Host, strings.Join(names, ", "))
	}
	if err := c.policy.checkURL(u); err != nil {
		return nil, err
	}
	return u, nil
}

// dotSegment returns "." or ".." when a segment of an escaped path, decoded,
// is or contains such a segment (a decoded "..%2F" is "../"); a ";"
// parameter after the dots counts too ("..;x", which some servers resolve).
func dotSegment(escapedPath string) string {
	for seg := range strings.SplitSeq(escapedPath, "/") {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			dec = seg
		}
		for _, part := range strings.FieldsFunc(dec, func(r rune) bool { return r == '/' || r == '\\' }) {
			part, _, _ = strings.Cut(part, ";")
			if part == "." || part == ".." {
				return part
			}
		}
	}
	return ""
}

// hostRule is one entry of an allow list.
type hostRule struct {
	name   string       // lower case, no brackets; ".acme.example" for "*.acme.example"
	port   string       // "" for any port
	prefix netip.Prefix // for an address ("10.0.0.5") or a CIDR ("10.0.0.0/8"); invalid for a name
}

func (r hostRule) String() string {
	n := r.name
	if strings.HasPrefix(n, ".") {
		n = "*" + n
	}
	if r.port == "" {
		return n
	}
	return net.JoinHostPort(n, r.port)
}

// matches reports whether the rule allows host (lower case, no trailing
// dot) on port.
func (r hostRule) matches(host, port string) bool {
	if r.port != "" && r.port != port {
		return false
	}
	if r.prefix.IsValid() {
		a, err := netip.ParseAddr(host)
		return err == nil && r.prefix.Contains(a.Unmap())
	}
	if strings.HasPrefix(r.name, ".") {
		return len(host) > len(r.name) && strings.HasSuffix(host, r.name)
	}
	return host == r.name
}

// parseHostRule parses an `--allow-host` entry.
func parseHostRule(s string) (hostRule, error) {
	orig := s
	s = strings.ToLower(strings.TrimSpace(s))
	bad := func(why string) (hostRule, error) {
		return hostRule{}, fmt.Errorf("allowed host %q: %s", orig, why)
	}
	if s == "" {
		return bad("empty")
	}
	if p, ok := parsePrefix(s); ok && strings.Contains(s, "/") {
		return hostRule{name: p.String(), prefix: p}, nil // a CIDR: any port
	}
	if strings.Contains(s, "://") || strings.ContainsAny(s, "/?#@") {
		return bad("give a host name such as api.acme.example, optionally with a port, or an address or CIDR such as 10.0.0.0/8, not a URL")
	}
	var r hostRule
	switch {
	case strings.HasPrefix(s, "["):
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			if !strings.HasSuffix(s, "]") {
				return bad("an IPv6 address is written [::1] or [::1]:8080")
			}
			h, p = s[1:len(s)-1], ""
		}
		r.name, r.port = h, p
	case strings.Count(s, ":") == 1:
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return bad(err.Error())
		}
		r.name, r.port = h, p
	default:
		r.name = s // a name, or a bare IPv6 address
	}
	if r.port != "" {
		if n, err := strconv.Atoi(r.port); err != nil || n < 1 || n > 65535 {
			return bad("the port must be a number from 1 to 65535")
		}
	}
	r.name = strings.TrimSuffix(r.name, ".")
	if rest, ok := strings.CutPrefix(r.name, "*."); ok {
		if rest == "" || strings.Contains(rest, "*") {
			return bad("a wildcard is written *.acme.example")
		}
		r.name = "." + rest
	}
	if r.name == "" || strings.Contains(r.name, "*") {
		return bad("a wildcard is written *.acme.example")
	}
	if p, ok := parsePrefix(r.name); ok {
		r.prefix = p
	}
	return r, nil
}

// allowed reports whether u's host matches the allow list.
func (c *Client) allowed(u *url.URL) bool {
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	port := portOf(u)
	for _, r := range c.allow {
		if r.matches(host, port) {
			return true
		}
	}
	return false
}

// checkHeaders refuses header names that are not HTTP tokens and values
// with line breaks or other control characters (a templated user value
// must not add headers of its own).
func checkHeaders(hs [][2]string) error {
	for _, h := range hs {
		if !validName(h[0]) {
			return fmt.Errorf("invalid header name %q", h[0])
		}
		for i := 0; i < len(h[1]); i++ {
			if b := h[1][i]; (b < 0x20 && b != '\t') || b == 0x7f {
				return fmt.Errorf("header %s: its value has a line break or another control character", h[0])
			}
		}
	}
	return nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 0x80 || b <= ' ' || strings.IndexByte(`"(),/:;<=>?@[\]{}`, b) >= 0 || b == 0x7f {
			return false
		}
	}
	return true
}
