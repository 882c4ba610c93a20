package integration_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/integration"
	"github.com/botctl/botctl/engine/turn"
)

func TestCallJSON(t *testing.T) {
	var seen http.Header
	var body string
	s, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
		b, _ := io.ReadAll(r.Body)
		body = r.Method + " " + r.URL.RequestURI() + " " + string(b)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Add("X-Multi", "first")
		w.Header().Add("X-Multi", "second")
		w.WriteHeader(201)
		io.WriteString(w, `{"id": "CB-1", "n": 3, "f": 1.5, "big": 1e400, "list": [1, "a", null, true]}`)
	})
	req := get(s.URL + "/callbacks?x=1")
	req.Method = "POST"
	req.Headers = [][2]string{{"Authorization", "Bearer t"}, {"X-Trace", "a"}, {"X-Trace", "b"}}
	req.Body = []byte(`{"phone":"+1 555"}`)
	got := newClient(t).Call(context.Background(), req)

	want := turn.CallResult{
		Status: 201,
		Body: map[string]any{"id": "CB-1", "n": 3, "f": 1.5, "big": "1e400",
			"list": []any{1, "a", nil, true}},
		Headers: map[string]string{
			"Content-Type":   "application/json; charset=utf-8",
			"X-Multi":        "first",
			"Content-Length": got.Headers["Content-Length"],
			"Date":           got.Headers["Date"],
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Call =\n%#v\nwant\n%#v", got, want)
	}
	if body != `POST /callbacks?x=1 {"phone":"+1 555"}` {
		t.Errorf("server saw %q", body)
	}
	for k, v := range map[string]string{
		"Accept": "application/json", "Content-Type": "application/json",
		"Authorization": "Bearer t", "User-Agent": "botctl",
	} {
		if seen.Get(k) != v {
			t.Errorf("request header %s = %q, want %q", k, seen.Get(k), v)
		}
	}
	if tr := seen.Values("X-Trace"); !reflect.DeepEqual(tr, []string{"a", "b"}) {
		t.Errorf("X-Trace = %q, want both values", tr)
	}
}

func TestCallKeepsAuthorHeaders(t *testing.T) {
	var seen http.Header
	s, _ := server(t, func(w http.ResponseWriter, r *http.Request) { seen = r.Header.Clone() })
	req := get(s.URL)
	req.Headers = [][2]string{{"Accept", "text/csv"}, {"Content-Type", "application/vnd.x+json"}, {"User-Agent", "acme"}}
	req.Body = []byte(`{}`)
	newClient(t).Call(context.Background(), req)
	if seen.Get("Accept") != "text/csv" || seen.Get("Content-Type") != "application/vnd.x+json" || seen.Get("User-Agent") != "acme" {
		t.Errorf("author headers replaced: %v", seen)
	}
	// With no body, no Content-Type is added.
	newClient(t).Call(context.Background(), get(s.URL))
	if ct, ok := seen["Content-Type"]; ok {
		t.Errorf("Content-Type %q sent without a body", ct)
	}
}

func TestCallBodyByContentType(t *testing.T) {
	tests := []struct {
		ctype, body string
		want        any
	}{
		{"text/plain; charset=utf-8", "hello", "hello"},
		{"", `{"a":1}`, `{"a":1}`}, // no Content-Type: the text, not JSON
		{"text/html", "<p>x</p>", "<p>x</p>"},
		{"application/problem+json", `{"title":"gone"}`, map[string]any{"title": "gone"}},
		{"APPLICATION/JSON", `[1,2]`, []any{1, 2}},
		{"application/json", "", nil},
		{"application/octet-stream", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		s, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = []string{tt.ctype}
			io.WriteString(w, tt.body)
		})
		got := newClient(t).Call(context.Background(), get(s.URL))
		if got.Error != "" || got.Status != 200 || !reflect.DeepEqual(got.Body, tt.want) {
			t.Errorf("%q %q: got status %d body %#v error %q, want body %#v", tt.ctype, tt.body, got.Status, got.Body, got.Error, tt.want)
		}
	}
}

// TestTimeout: a server that never answers; the call returns within the
// timeout + 10%, with the timeout in the error.
func TestTimeout(t *testing.T) {
	done := make(chan struct{})
	s, n := server(t, hang(done))
	defer close(done)
	req := get(s.URL + "/orders/1")
	req.Timeout = 500 * time.Millisecond
	start := time.Now()
	got := newClient(t).Call(context.Background(), req)
	elapsed := time.Since(start)
	if got.Error != "timeout after 500ms" || got.Status != 0 {
		t.Errorf("Call = %+v, want error %q", got, "timeout after 500ms")
	}
	if elapsed < req.Timeout || elapsed > req.Timeout*110/100 {
		t.Errorf("the call took %v, want %v to %v", elapsed, req.Timeout, req.Timeout*110/100)
	}
	if n.Load() != 1 {
		t.Errorf("server saw %d requests, want 1", n.Load())
	}
}

// TestTimeoutRetried: a timeout is a network error, so it is retried.
func TestTimeoutRetried(t *testing.T) {
	done := make(chan struct{})
	s, n := server(t, hang(done))
	defer close(done)
	req := get(s.URL)
	req.Timeout = 50 * time.Millisecond
	req.Retries = 2
	got := newClient(t).Call(context.Background(), req)
	if got.Error != "timeout after 50ms" || n.Load() != 3 {
		t.Errorf("Call = %+v after %d attempts, want a timeout after 3", got, n.Load())
	}
}

// TestTimeoutInBody: the headers come, the body never ends.
func TestTimeoutInBody(t *testing.T) {
	done := make(chan struct{})
	s, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"a":`)
		w.(http.Flusher).Flush()
		hang(done)(w, r)
	})
	defer close(done)
	req := get(s.URL)
	req.Timeout = 200 * time.Millisecond
	got := newClient(t).Call(context.Background(), req)
	if got.Error != "timeout after 200ms" || got.Status != 200 {
		t.Errorf("Call = %+v, want status 200 and a timeout", got)
	}
}

func TestConnectionRefused(t *testing.T) {
	addr := closedPort(t)
	var dials atomic.Int32
	c := newClient(t, integration.WithTransport(countingTransport(&dials, nil)))
	req := get("http://" + addr + "/orders/1")
	req.Retries = 2
	got := c.Call(context.Background(), req)
	if want := "connection refused by " + addr; got.Error != want {
		t.Errorf("Error = %q, want %q", got.Error, want)
	}
	if dials.Load() != 3 {
		t.Errorf("%d dials, want 3 (retries: 2)", dials.Load())
	}
}

func TestDNSFailure(t *testing.T) {
	resolver, queries := nxdomainResolver(t)
	var dials atomic.Int32
	c := newClient(t, integration.WithTransport(countingTransport(&dials, resolver)))
	req := get("http://orders.invalid/orders/1")
	req.Retries = 2
	start := time.Now()
	got := c.Call(context.Background(), req)
	if got.Error != "host not found: orders.invalid" {
		t.Errorf("Error = %q", got.Error)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the lookup took %v", d)
	}
	if dials.Load() != 1 || queries.Load() == 0 {
		t.Errorf("%d dials, %d DNS queries: want one dial (an unknown host is not retried) that asked the DNS server", dials.Load(), queries.Load())
	}
}

func TestStatus4xxNotRetried(t *testing.T) {
	s, n := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		io.WriteString(w, `{"error":"no such order"}`)
	})
	req := get(s.URL)
	req.Retries = 2
	got := newClient(t).Call(context.Background(), req)
	if got.Status != 404 || got.Error != "" || !reflect.DeepEqual(got.Body, map[string]any{"error": "no such order"}) {
		t.Errorf("Call = %+v, want status 404, the body, no error (the runtime decides)", got)
	}
	if n.Load() != 1 {
		t.Errorf("server saw %d attempts, want 1", n.Load())
	}
}

func TestStatus5xxRetried(t *testing.T) {
	s, n := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
		io.WriteString(w, "busy")
	})
	req := get(s.URL)
	req.Retries = 2
	got := newClient(t).Call(context.Background(), req)
	if got.Status != 503 || got.Error != "" || got.Body != "busy" {
		t.Errorf("Call = %+v, want the last 503", got)
	}
	if n.Load() != 3 {
		t.Errorf("server saw %d attempts, want 3 (retries: 2)", n.Load())
	}
}

func TestStatus5xxThenSuccess(t *testing.T) {
	var seen atomic.Int32
	s, n := server(t, func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) == 1 {
			w.WriteHeader(502)
			return
		}
		io.WriteString(w, "ok")
	})
	req := get(s.URL)
	req.Retries = 5
	got := newClient(t).Call(context.Background(), req)
	if got.Status != 200 || got.Body != "ok" || n.Load() != 2 {
		t.Errorf("Call = %+v after %d attempts, want 200 after 2", got, n.Load())
	}
}

// Every attempt of a call carries the call's idempotency key, so that a
// service can tell a retry from a new call; an author's own header wins.
func TestIdempotencyKeyOnEveryAttempt(t *testing.T) {
	var keys []string
	var mu sync.Mutex
	s, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		n := len(keys)
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(503)
			return
		}
		io.WriteString(w, "ok")
	})
	req := get(s.URL)
	req.Retries, req.Key = 2, "c_1/4/1"
	if got := newClient(t).Call(context.Background(), req); got.Status != 200 {
		t.Fatalf("Call = %+v", got)
	}
	if want := []string{"c_1/4/1", "c_1/4/1"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("Idempotency-Key per attempt = %q, want %q", keys, want)
	}
	keys = nil
	req = get(s.URL)
	req.Key, req.Headers = "c_1/4/2", [][2]string{{"Idempotency-Key", "author"}}
	newClient(t).Call(context.Background(), req)
	if len(keys) != 1 || keys[0] != "author" {
		t.Errorf("with the author's header: %q, want [author]", keys)
	}
}

func TestNotJSONClaimingJSON(t *testing.T) {
	tests := []struct{ ctype, body, want string }{
		{"application/json", "<html>Bad gateway</html>",
			"invalid JSON in response (Content-Type application/json): invalid character '<' looking for beginning of value (at byte 1)"},
		{"application/json; charset=utf-8", `{"status": "shipped"`,
			"invalid JSON in response (Content-Type application/json): unexpected end of JSON input"},
		{"application/hal+json", `{"a":1} {"b":2}`,
			"invalid JSON in response (Content-Type application/hal+json): more data after the JSON value (at byte 9)"},
	}
	for _, tt := range tests {
		s, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", tt.ctype)
			io.WriteString(w, tt.body)
		})
		got := newClient(t).Call(context.Background(), get(s.URL))
		if got.Error != tt.want || got.Status != 200 || got.Body != tt.body {
			t.Errorf("%s %q:\n got %+v\nwant error %q, status 200 and the text", tt.ctype, tt.body, got, tt.want)
		}
	}
}

func TestOversizeBody(t *testing.T) {
	big := strings.Repeat("x", integration.DefaultMaxBody+1)
	tests := []struct {
		name    string
		opts    []integration.Option
		length  bool // send Content-Length
		body    string
		wantErr string
	}{
		{"declared", nil, true, big, "response larger than 1 MiB"},
		{"streamed", nil, false, big, "response larger than 1 MiB"},
		{"at the cap", nil, false, big[1:], ""},
		{"configured", []integration.Option{integration.WithMaxBody(1024)}, false, big[:1025], "response larger than 1 KiB"},
		{"odd cap", []integration.Option{integration.WithMaxBody(1000)}, true, big[:1001], "response larger than 1000 bytes"},
	}
	for _, tt := range tests {
		s, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
			if !tt.length {
				w.(http.Flusher).Flush() // chunked: no length to check up front
			}
			io.WriteString(w, tt.body)
		})
		got := newClient(t, tt.opts...).Call(context.Background(), get(s.URL))
		if got.Error != tt.wantErr || got.Status != 200 {
			t.Errorf("%s: status %d error %q, want 200 and %q", tt.name, got.Status, got.Error, tt.wantErr)
		}
	}
}

// TestHeadLength: a HEAD response announces the length of a body it does
// not carry; that is no reason to fail.
func TestHeadLength(t *testing.T) {
	s, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5000000")
		w.Header().Set("Content-Type", "application/json")
	})
	req := get(s.URL)
	req.Method = "HEAD"
	got := newClient(t).Call(context.Background(), req)
	if got.Error != "" || got.Status != 200 || got.Body != nil || got.Headers["Content-Length"] != "5000000" {
		t.Errorf("HEAD = %+v", got)
	}
}

func TestTLS(t *testing.T) {
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secure") }))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	defer s.Close()

	// A client that does not trust the test certificate.
	got := newClient(t).Call(context.Background(), get(s.URL))
	if want := "TLS error: x509: certificate signed by unknown authority"; got.Error != want {
		t.Errorf("untrusted: Error = %q, want %q", got.Error, want)
	}
	// One that does.
	got = newClient(t, integration.WithTransport(s.Client().Transport)).Call(context.Background(), get(s.URL))
	if got.Error != "" || got.Body != "secure" {
		t.Errorf("trusted: %+v", got)
	}
	// One that trusts it but asks for another name.
	tr := s.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: tr.TLSClientConfig.RootCAs, ServerName: "orders.acme.example"}
	got = newClient(t, integration.WithTransport(tr)).Call(context.Background(), get(s.URL))
	if want := "TLS error: x509: certificate is valid for example.com, *.example.com, not orders.acme.example"; got.Error != want {
		t.Errorf("wrong name: Error = %q, want %q", got.Error, want)
	}
	// https:// to a plain HTTP server.
	plain, _ := server(t, func(http.ResponseWriter, *http.Request) {})
	got = newClient(t).Call(context.Background(), get(strings.Replace(plain.URL, "http:", "https:", 1)))
	if want := "TLS error: the server did not answer with TLS (an https:// URL for a plain HTTP port?)"; got.Error != want {
		t.Errorf("plain: Error = %q, want %q", got.Error, want)
	}
}

func TestURLChecks(t *testing.T) {
	s, n := server(t, func(http.ResponseWriter, *http.Request) {})
	host := strings.TrimPrefix(s.URL, "http://")
	tests := []struct{ url, want string }{
		{"ftp://" + host + "/x", `url scheme "ftp" is not allowed: use http or https`},
		{"file:///etc/passwd", `url scheme "file" is not allowed: use http or https`},
		{"/orders/1", `invalid url "/orders/1": it must start with http:// or https:// (is an env variable in it empty?)`},
		{"http:///orders/1", `invalid url "http:///orders/1": it has no host (is an env variable in it empty?)`},
		{"http://ann:pw@" + host + "/x", "url must not carry a user name or password: send credentials in a header"},
		{"http://" + host + "/orders/%zz", `invalid url: invalid URL escape "%zz"`},
		{"http://" + host + "/orders/..", `refused: the url path has a ".." segment once decoded`},
		{"http://" + host + "/orders/.", `refused: the url path has a "." segment once decoded`},
		{"http://" + host + "/orders/..%2F", `refused: the url path has a ".." segment once decoded`},
		{"http://" + host + "/orders/%2E%2E", `refused: the url path has a ".." segment once decoded`},
		{"http://" + host + "/orders/a%2F..%2Fadmin", `refused: the url path has a ".." segment once decoded`},
		{"http://" + host + "/orders/..%5Cadmin", `refused: the url path has a ".." segment once decoded`},
		{"http://" + host + "/orders/..;x/admin", `refused: the url path has a ".." segment once decoded`},
	}
	for _, tt := range tests {
		got := newClient(t).Call(context.Background(), get(tt.url))
		if got.Error != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.url, got.Error, tt.want)
		}
	}
	if n.Load() != 0 {
		t.Errorf("the server saw %d requests, want none", n.Load())
	}
	// Dots inside a segment are fine.
	for _, p := range []string{"/orders/1.2", "/orders/...", "/orders/.well-known", "/orders/a..b"} {
		if got := newClient(t).Call(context.Background(), get(s.URL+p)); got.Error != "" {
			t.Errorf("%s: %q", p, got.Error)
		}
	}
}

func TestHeaderValueInjection(t *testing.T) {
	s, n := server(t, func(http.ResponseWriter, *http.Request) {})
	req := get(s.URL)
	req.Headers = [][2]string{{"X-User", "ann\r\nX-Admin: 1"}}
	if got := newClient(t).Call(context.Background(), req); got.Error != "header X-User: its value has a line break or another control character" {
		t.Errorf("Error = %q", got.Error)
	}
	req.Headers = [][2]string{{"Bad Name", "x"}}
	if got := newClient(t).Call(context.Background(), req); got.Error != `invalid header name "Bad Name"` {
		t.Errorf("Error = %q", got.Error)
	}
	if n.Load() != 0 {
		t.Errorf("the server saw %d requests, want none", n.Load())
	}
}

func TestAllowedHosts(t *testing.T) {
	s, _ := server(t, func(http.ResponseWriter, *http.Request) {})
	port := s.URL[strings.LastIndex(s.URL, ":")+1:]
	tests := []struct {
		allow []string
		url   string
		want  string
	}{
		{[]string{"127.0.0.1"}, s.URL, ""},
		{[]string{"127.0.0.1:" + port}, s.URL, ""},
		{[]string{"orders.acme.example", "127.0.0.1:1"}, s.URL + "/x",
			"host 127.0.0.1:" + port + " is not allowed (allowed hosts: orders.acme.example, 127.0.0.1:1)"},
		{[]string{"localhost"}, "http://LOCALHOST:" + port, ""},
		{[]string{"*.acme.example"}, "http://acme.example/x", "host acme.example is not allowed (allowed hosts: *.acme.example)"},
		{[]string{"*.acme.example"}, "http://evilacme.example/x", "host evilacme.example is not allowed (allowed hosts: *.acme.example)"},
		{[]string{"orders.acme.example:443"}, "http://orders.acme.example/x", "host orders.acme.example is not allowed (allowed hosts: orders.acme.example:443)"},
		{[]string{"[::1]:8080"}, "http://[::1]:9090/x", "host [::1]:9090 is not allowed (allowed hosts: [::1]:8080)"},
	}
	for _, tt := range tests {
		got := newClient(t, integration.WithAllowedHosts(tt.allow...)).Call(context.Background(), get(tt.url))
		if got.Error != tt.want {
			t.Errorf("allow %v, %s:\n got %q\nwant %q", tt.allow, tt.url, got.Error, tt.want)
		}
	}
}

func TestAllowedHostsParse(t *testing.T) {
	good := []string{"api.acme.example", "API.acme.example:8443", "*.acme.example", "10.0.0.5", "[::1]", "[::1]:80", "::1", " localhost ", "10.0.0.0/8", "fd00::/8", "::ffff:127.0.0.0/104"}
	if _, err := integration.New(integration.WithAllowedHosts(good...)); err != nil {
		t.Errorf("New(%q): %v", good, err)
	}
	bad := []struct{ in, want string }{
		{"", `allowed host "": empty`},
		{"https://api.acme.example", `allowed host "https://api.acme.example": give a host name such as api.acme.example, optionally with a port, or an address or CIDR such as 10.0.0.0/8, not a URL`},
		{"api.acme.example/v1", `allowed host "api.acme.example/v1": give a host name such as api.acme.example, optionally with a port, or an address or CIDR such as 10.0.0.0/8, not a URL`},
		{"api.acme.example:http", `allowed host "api.acme.example:http": the port must be a number from 1 to 65535`},
		{"api.acme.example:0", `allowed host "api.acme.example:0": the port must be a number from 1 to 65535`},
		{"*", `allowed host "*": a wildcard is written *.acme.example`},
		{"api.*.example", `allowed host "api.*.example": a wildcard is written *.acme.example`},
		{"[::1", `allowed host "[::1": an IPv6 address is written [::1] or [::1]:8080`},
		{"10.0.0.0/33", `allowed host "10.0.0.0/33": give a host name such as api.acme.example, optionally with a port, or an address or CIDR such as 10.0.0.0/8, not a URL`},
	}
	for _, tt := range bad {
		_, err := integration.New(integration.WithAllowedHosts(tt.in))
		if err == nil || err.Error() != tt.want {
			t.Errorf("WithAllowedHosts(%q) error = %v, want %s", tt.in, err, tt.want)
		}
	}
	if _, err := integration.New(integration.WithMaxBody(0)); err == nil || err.Error() != "the response size cap must be positive, not 0" {
		t.Errorf("WithMaxBody(0) error = %v", err)
	}
}

func TestRedirects(t *testing.T) {
	other, otherN := server(t, func(http.ResponseWriter, *http.Request) {})
	s, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old":
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
		case "/new":
			io.WriteString(w, "moved "+r.Header.Get("Authorization"))
		case "/away":
			http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	})
	req := get(s.URL + "/old")
	req.Headers = [][2]string{{"Authorization", "Bearer t"}}
	if got := newClient(t).Call(context.Background(), req); got.Error != "" || got.Body != "moved Bearer t" {
		t.Errorf("same origin: %+v", got)
	}
	req.URL = s.URL + "/away"
	if got, want := newClient(t).Call(context.Background(), req), "redirect to another origin ("+other.URL+") refused"; got.Error != want {
		t.Errorf("other origin: Error = %q, want %q", got.Error, want)
	}
	if otherN.Load() != 0 {
		t.Errorf("the other origin saw %d requests", otherN.Load())
	}
	req.URL = s.URL + "/loop"
	if got := newClient(t).Call(context.Background(), req); got.Error != "more than 5 redirects" {
		t.Errorf("loop: Error = %q", got.Error)
	}
}

func TestCanceled(t *testing.T) {
	s, n := server(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	c, err := integration.New(integration.WithBackoff(time.Hour, time.Hour), integration.WithLoopback(true))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	req := get(s.URL)
	req.Retries = 3
	start := time.Now()
	got := c.Call(ctx, req)
	if got.Error != "call canceled: context canceled" || time.Since(start) > time.Second || n.Load() != 1 {
		t.Errorf("Call = %+v after %v and %d attempts, want a prompt cancel during the backoff", got, time.Since(start), n.Load())
	}
	// Canceled before it starts.
	if got := c.Call(ctx, req); got.Error != "call canceled: context canceled" || n.Load() != 1 {
		t.Errorf("Call on a canceled context = %+v", got)
	}
	// The caller's deadline is not the integration's timeout.
	done := make(chan struct{})
	defer close(done)
	slow, _ := server(t, hang(done))
	dctx, dcancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer dcancel()
	if got := c.Call(dctx, get(slow.URL)); got.Error != "call canceled: context deadline exceeded" {
		t.Errorf("caller deadline: Error = %q", got.Error)
	}
}

func TestNilRequest(t *testing.T) {
	if got := newClient(t).Call(context.Background(), nil); got.Error != "no request" {
		t.Errorf("Call(nil) = %+v", got)
	}
}

func TestDescribe(t *testing.T) {
	c := newClient(t, integration.WithSecrets("tok"))
	req := get("https://api.acme.example/orders/1?key=tok")
	req.Method = "POST"
	req.Headers = [][2]string{{"Authorization", "Bearer tok"}, {"Accept", "application/json"}}
	req.Body = []byte(`{"a":"tok"}`)
	want := "POST https://api.acme.example/orders/1?key=[redacted] (Authorization, Accept; 11-byte body)"
	if got := c.Describe(req); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

// Every log record of a call names the conversation that made it, as every
// record about a conversation does.
func TestCallLogsConversation(t *testing.T) {
	s, _ := server(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	req := get(s.URL)
	req.Conversation = "c_42"
	newClient(t, integration.WithLogger(logger)).Call(context.Background(), req)
	for _, msg := range []string{"integration call", "integration attempt"} {
		if !strings.Contains(logs.String(), `"msg":"`+msg+`","conversation":"c_42"`) {
			t.Errorf("the %q record does not name the conversation:\n%s", msg, logs.String())
		}
	}
}
