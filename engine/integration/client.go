package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/turn"
)

// Defaults and limits of a Client.
const (
	// DefaultTimeout bounds each attempt of a request whose Timeout is 0.
	DefaultTimeout = 5 * time.Second
	// DefaultMaxBody is the largest response body a Client reads (1 MiB).
	DefaultMaxBody = 1 << 20
	// MaxRetries caps an integration's `retries`, so that one turn cannot
	// hold a conversation for hours; larger values count as MaxRetries.
	MaxRetries = 10
	// DefaultBackoff and DefaultMaxBackoff shape the wait before a retry:
	// DefaultBackoff doubled per retry, at most DefaultMaxBackoff, each
	// wait drawn at random from its upper half (jitter).
	DefaultBackoff    = 200 * time.Millisecond
	DefaultMaxBackoff = 2 * time.Second
	// maxRedirects bounds the same-origin redirects a request may follow.
	maxRedirects = 5
)

// Client performs integration requests over HTTP. It implements the Call
// half of turn.Performer; hosts pair it with their own Transfer and
// Store. The zero value is not usable: build one with New. A Client is
// immutable after New and safe for concurrent use.
type Client struct {
	http        *http.Client
	maxBody     int64
	allow       []hostRule
	log         *slog.Logger
	redact      *turn.Redactor
	backoff     time.Duration
	maxBackoff  time.Duration
	transportIn http.RoundTripper
	policy      netPolicy
}

// Option configures a Client.
type Option func(*Client) error

// WithTransport sends requests through rt instead of a private clone of
// http.DefaultTransport: a test server's transport, a proxy, a custom
// dialer or resolver. The Client keeps its own redirect policy (same
// origin only), which is why it takes a transport and not an http.Client.
// rt does its own dialing, so of the network policy only the check of a
// URL whose host is an address applies: rt must keep private addresses
// out itself.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *Client) error {
		if rt == nil {
			return errors.New("WithTransport: nil transport")
		}
		c.transportIn = rt
		return nil
	}
}

// WithMaxBody sets the largest response body read, in bytes (default 1 MiB).
// A larger response is a failed call: "response larger than 1 MiB".
func WithMaxBody(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return fmt.Errorf("the response size cap must be positive, not %d", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithAllowedHosts restricts requests to the given hosts (the
// `--allow-host` flag of run and serve). Each entry is a host name or IP
// ("orders.acme.example", "10.0.0.5", "[::1]"), optionally with a port
// ("orders.acme.example:8443"; without one any port matches),
// "*.acme.example" for every subdomain of acme.example (not acme.example
// itself), or a CIDR ("10.1.0.0/16", any port). Matching ignores case.
// With no entries every host is allowed. An entry also lifts the network
// policy for what it names: a name listed may resolve to a private
// address, and an address or CIDR listed may be dialled although private.
func WithAllowedHosts(hosts ...string) Option {
	return func(c *Client) error {
		for _, h := range hosts {
			r, err := parseHostRule(h)
			if err != nil {
				return err
			}
			c.allow = append(c.allow, r)
		}
		return nil
	}
}

// WithLogger logs every call (Info: conversation, integration, method,
// host, status, attempts, duration, error) and every attempt (Debug, with the URL path)
// to l. Secret values are redacted from every logged value; query strings
// and header values are never logged. The default logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		if l != nil {
			c.log = l
		}
		return nil
	}
}

// WithSecrets names the secret values to redact: every occurrence, raw or
// URL- or JSON-escaped, in a result's error, body and headers, in logs and
// in Describe is replaced by "[redacted]". Pass the values of the bot's
// secrets (turn.Context.Secrets); empty values are ignored.
func WithSecrets(values ...string) Option {
	return func(c *Client) error {
		c.redact = turn.NewRedactor(append(c.redact.Secrets(), values...)...)
		return nil
	}
}

// WithBackoff sets the wait before the first retry and the most any wait
// may grow to (defaults DefaultBackoff and DefaultMaxBackoff). Tests use
// small values to stay fast.
func WithBackoff(first, most time.Duration) Option {
	return func(c *Client) error {
		if first <= 0 || most < first {
			return fmt.Errorf("WithBackoff(%v, %v): want 0 < first <= most", first, most)
		}
		c.backoff, c.maxBackoff = first, most
		return nil
	}
}

// New returns a Client configured by opts. It fails only on a malformed
// option, such as an allowed host that is a URL.
func New(opts ...Option) (*Client, error) {
	c := &Client{
		maxBody:    DefaultMaxBody,
		log:        slog.New(slog.DiscardHandler),
		backoff:    DefaultBackoff,
		maxBackoff: DefaultMaxBackoff,
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	c.policy.allow = c.allow
	if c.policy.resolver == nil {
		c.policy.resolver = net.DefaultResolver
	}
	rt := c.transportIn
	if rt == nil {
		rt = c.policy.transport(http.ProxyFromEnvironment)
	}
	c.http = &http.Client{Transport: rt, CheckRedirect: checkRedirect}
	return c, nil
}

// Call performs req and reports the outcome. Each attempt is bounded by
// req.Timeout (DefaultTimeout when 0); network errors (timeouts included)
// and 5xx responses are retried up to req.Retries times with exponential
// backoff and jitter; ctx bounds the whole call, backoff waits included.
//
// A response of any status comes back with Status, Headers and Body set
// and Error empty: the runtime decides success (the integration's
// `success`, by default 2xx) and fills Error for a status it rejects.
// Everything else — a refused URL, a network or TLS error, an oversize
// body, a body that is not the JSON its Content-Type claims — sets Error.
// Secret values are redacted from the whole result.
func (c *Client) Call(ctx context.Context, req *turn.Request) turn.CallResult {
	if req == nil {
		return turn.CallResult{Error: "no request"}
	}
	start := time.Now()
	res, attempts := c.call(ctx, req)
	res = c.redact.Result(res)
	attrs := []any{
		slog.String("conversation", req.Conversation),
		slog.String("integration", name(req)),
		slog.String("method", req.Method),
		slog.String("host", c.redact.Redact(hostOf(req.URL))),
		slog.Int("status", res.Status),
		slog.Int("attempts", attempts),
		slog.Duration("duration", time.Since(start)),
	}
	if res.Error != "" {
		c.log.WarnContext(ctx, "integration call failed", append(attrs, slog.String("error", res.Error))...)
	} else {
		c.log.InfoContext(ctx, "integration call", attrs...)
	}
	return res
}

// call runs the attempts of req; it returns the last attempt's result and
// the number of attempts made.
func (c *Client) call(ctx context.Context, req *turn.Request) (turn.CallResult, int) {
	u, err := c.checkURL(req.URL)
	if err != nil {
		return turn.CallResult{Error: err.Error()}, 0
	}
	if err := checkHeaders(req.Headers); err != nil {
		return turn.CallResult{Error: err.Error()}, 0
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	retries := min(max(req.Retries, 0), MaxRetries)
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return turn.CallResult{Error: "call canceled: " + err.Error()}, attempt
		}
		t0 := time.Now()
		res, retry := c.attempt(ctx, req, timeout)
		c.log.DebugContext(ctx, "integration attempt",
			slog.String("conversation", req.Conversation),
			slog.String("integration", name(req)),
			slog.Int("attempt", attempt+1),
			slog.String("method", req.Method),
			slog.String("host", c.redact.Redact(u.Host)),
			slog.String("path", c.redact.Redact(u.EscapedPath())),
			slog.Int("status", res.Status),
			slog.String("error", c.redact.Redact(res.Error)),
			slog.Duration("duration", time.Since(t0)),
		)
		if !retry || attempt >= retries {
			return res, attempt + 1
		}
		wait := time.NewTimer(c.wait(attempt))
		select {
		case <-ctx.Done():
			wait.Stop()
			return turn.CallResult{Error: "call canceled: " + ctx.Err().Error()}, attempt + 1
		case <-wait.C:
		}
	}
}

// wait is the backoff before retry number n+1: backoff·2ⁿ capped at
// maxBackoff, drawn uniformly from its upper half.
func (c *Client) wait(n int) time.Duration {
	d := c.maxBackoff
	if n < 30 && c.backoff<<n < c.maxBackoff {
		d = c.backoff << n
	}
	return d/2 + rand.N(d/2+1)
}

// attempt sends req once. retry reports whether the outcome is worth
// another attempt: a network error or a 5xx status.
func (c *Client) attempt(ctx context.Context, req *turn.Request, timeout time.Duration) (res turn.CallResult, retry bool) {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(actx, req.Method, req.URL, body)
	if err != nil {
		return turn.CallResult{Error: "invalid request: " + inner(err).Error()}, false
	}
	for _, h := range req.Headers {
		hreq.Header.Add(h[0], h[1])
	}
	if hreq.Header.Get("Accept") == "" {
		hreq.Header.Set("Accept", "application/json")
	}
	if req.Body != nil && hreq.Header.Get("Content-Type") == "" {
		hreq.Header.Set("Content-Type", "application/json")
	}
	if req.Key != "" && hreq.Header.Get("Idempotency-Key") == "" {
		// The same on every attempt of this call, and on no other call:
		// a service that honours it performs the call once.
		hreq.Header.Set("Idempotency-Key", req.Key)
	}
	if hreq.Header.Get("User-Agent") == "" {
		hreq.Header.Set("User-Agent", "botctl")
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		msg, retry := describe(err, ctx, timeout)
		return turn.CallResult{Error: msg}, retry
	}
	defer resp.Body.Close()
	res = turn.CallResult{Status: resp.StatusCode, Headers: firstValues(resp.Header)}
	retry = resp.StatusCode >= 500
	if resp.ContentLength > c.maxBody && hreq.Method != http.MethodHead {
		res.Error = "response larger than " + size(c.maxBody)
		return res, retry
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		msg, again := describe(err, ctx, timeout)
		if !strings.HasPrefix(msg, "timeout") && !strings.HasPrefix(msg, "call canceled") {
			msg = "reading the response body: " + msg
		}
		res.Error = msg
		return res, retry || again
	}
	if int64(len(data)) > c.maxBody {
		res.Error = "response larger than " + size(c.maxBody)
		return res, retry
	}
	ctype := resp.Header.Get("Content-Type")
	res.Body, err = Decode(ctype, data)
	if err != nil {
		res.Error = err.Error()
	}
	return res, retry
}

// Describe formats req for a trace or a log line, secrets redacted:
// "POST https://api.example/orders?x=1 (Authorization, Content-Type; 24-byte body)".
func (c *Client) Describe(req *turn.Request) string {
	if req == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(req.Method + " " + req.URL)
	var extra []string
	if len(req.Headers) > 0 {
		names := make([]string, len(req.Headers))
		for i, h := range req.Headers {
			names[i] = h[0]
		}
		extra = append(extra, strings.Join(names, ", "))
	}
	if req.Body != nil {
		extra = append(extra, fmt.Sprintf("%d-byte body", len(req.Body)))
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, "; ") + ")")
	}
	return c.redact.Redact(b.String())
}

// checkRedirect follows redirects within the request's origin only: a
// redirect elsewhere could carry the request's secret headers to a host
// the allow list and the URL rule never saw.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return &redirectError{fmt.Sprintf("more than %d redirects", maxRedirects)}
	}
	from := via[0].URL
	if !strings.EqualFold(req.URL.Scheme, from.Scheme) || !strings.EqualFold(req.URL.Host, from.Host) {
		return &redirectError{fmt.Sprintf("redirect to another origin (%s://%s) refused", req.URL.Scheme, req.URL.Host)}
	}
	return nil
}

type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// firstValues keeps the first value of each header, under its canonical
// name ("Content-Type").
func firstValues(h http.Header) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, vs := range h {
		if len(vs) > 0 {
			out[k] = vs[0]
		}
	}
	return out
}

// size formats a byte count the way an operator writes it: "1 MiB",
// "512 KiB", "1000 bytes".
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n == 1:
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

func name(req *turn.Request) string {
	if req.Integration == nil {
		return ""
	}
	return req.Integration.Name
}

// hostOf returns the host of a raw URL, for logs; "" when it does not parse.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}
