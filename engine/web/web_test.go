package web

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// do asks h for method path and returns the answer.
func do(t *testing.T, h http.Handler, method, path string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func hosts(names ...string) Option {
	return WithBotExists(func(name string) bool {
		for _, n := range names {
			if n == name {
				return true
			}
		}
		return false
	})
}

func TestRoutes(t *testing.T) {
	h := Handler(hosts("acme-support"))
	tests := []struct {
		method, path string
		status       int
		ctype        string
		body         string // the whole body, or for 200 a part of it
	}{
		{"GET", "/chat/acme-support", 200, "text/html; charset=utf-8", `<body data-bot="acme-support">`},
		{"GET", "/chat/acme-support", 200, "text/html; charset=utf-8", `<title>Acme Support · Chat</title>`},
		{"GET", "/chat/acme-support", 200, "text/html; charset=utf-8", `<link rel="stylesheet" href="assets/chat.css?v=` + version + `">`},
		{"GET", "/chat/acme-support", 200, "text/html; charset=utf-8", `<script src="assets/chat.js?v=` + version + `" defer></script>`},
		{"GET", "/chat/assets/chat.js", 200, "text/javascript; charset=utf-8", `"use strict";`},
		{"GET", "/chat/assets/chat.css", 200, "text/css; charset=utf-8", `.bubble {`},
		{"GET", "/widget.js", 200, "text/javascript; charset=utf-8", `document.currentScript`},
		{"GET", "/chat/billing", 404, "application/json",
			`{"error":{"code":"not_found","message":"no bot named \"billing\" here"}}` + "\n"},
		{"GET", "/chat/Acme%20Support", 404, "application/json",
			`{"error":{"code":"not_found","message":"no bot named \"Acme Support\" here"}}` + "\n"},
		{"GET", "/chat/%3Cscript%3E", 404, "application/json",
			`{"error":{"code":"not_found","message":"no bot named \"\u003cscript\u003e\" here"}}` + "\n"},
		{"POST", "/chat/billing/conversations", 404, "application/json",
			`{"error":{"code":"not_found","message":"no bot named \"billing\" here"}}` + "\n"},
		{"GET", "/chat/assets/app.js", 404, "application/json",
			`{"error":{"code":"not_found","message":"no such file: /chat/assets/app.js"}}` + "\n"},
		{"GET", "/chat/assets/widget.js", 404, "application/json",
			`{"error":{"code":"not_found","message":"no such file: /chat/assets/widget.js"}}` + "\n"},
		{"GET", "/chat/assets/chat.html", 404, "application/json",
			`{"error":{"code":"not_found","message":"no such file: /chat/assets/chat.html"}}` + "\n"},
		{"GET", "/chat/", 404, "application/json",
			`{"error":{"code":"not_found","message":"no such route: GET /chat/"}}` + "\n"},
		{"GET", "/chat/acme-support/conversations", 405, "application/json",
			`{"error":{"code":"method_not_allowed","message":"GET is not allowed on /chat/acme-support/conversations; use POST"}}` + "\n"},
		{"POST", "/widget.js", 405, "application/json",
			`{"error":{"code":"method_not_allowed","message":"POST is not allowed on /widget.js; use GET, HEAD"}}` + "\n"},
		{"POST", "/chat/acme-support/conversations", 503, "application/json",
			`{"error":{"code":"unavailable","message":"the chat page is not connected to the API (web.WithAPI)"}}` + "\n"},
	}
	for _, tt := range tests {
		w := do(t, h, tt.method, tt.path, nil)
		if w.Code != tt.status {
			t.Errorf("%s %s: status %d; want %d (%s)", tt.method, tt.path, w.Code, tt.status, w.Body)
			continue
		}
		if got := w.Header().Get("Content-Type"); got != tt.ctype {
			t.Errorf("%s %s: Content-Type %q; want %q", tt.method, tt.path, got, tt.ctype)
		}
		if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options %q", tt.method, tt.path, got)
		}
		if tt.status == 200 {
			if !strings.Contains(w.Body.String(), tt.body) {
				t.Errorf("%s %s: the body lacks %s", tt.method, tt.path, tt.body)
			}
		} else if got := w.Body.String(); got != tt.body {
			t.Errorf("%s %s:\n got %s\nwant %s", tt.method, tt.path, got, tt.body)
		}
	}
}

func TestPageHeaders(t *testing.T) {
	w := do(t, Handler(), "GET", "/chat/any-bot", nil)
	if w.Code != 200 {
		t.Fatalf("without WithBotExists a well-formed name is served; got %d", w.Code)
	}
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
			"connect-src 'self'; base-uri 'none'; form-action 'none'",
		"Cache-Control":   "no-store",
		"Referrer-Policy": "no-referrer",
	}
	for k, v := range want {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s: %q; want %q", k, got, v)
		}
	}
	// The page carries no inline script or style: the CSP would block it.
	body := w.Body.String()
	for _, bad := range []string{"<script>", "<style", " style=", " onclick=", " onload="} {
		if strings.Contains(body, bad) {
			t.Errorf("the page has %q, which its Content-Security-Policy blocks", bad)
		}
	}
}

func TestAssetRevalidation(t *testing.T) {
	h := Handler()
	w := do(t, h, "GET", "/widget.js", nil)
	etag := w.Header().Get("ETag")
	if etag == "" || w.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q", etag, w.Header().Get("Cache-Control"))
	}
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("widget.js: Access-Control-Allow-Origin %q; want *", got)
	}
	w = do(t, h, "GET", "/widget.js", http.Header{"If-None-Match": {etag}})
	if w.Code != http.StatusNotModified {
		t.Fatalf("If-None-Match with the ETag: %d; want 304", w.Code)
	}
}

// TestCreate checks that the page's start becomes the API's create, with
// the admin key added in the process and nothing of the visitor's body.
func TestCreate(t *testing.T) {
	var got struct {
		method, path, auth, ctype, body, forwarded string
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.method, got.path, got.auth, got.ctype, got.body = r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(b)
		got.forwarded = r.Header.Get("X-Forwarded-For")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"c_1","token":"v1.x"}`)
	})
	h := Handler(hosts("acme-support"), WithAPI(api, "admin-key-0123456789"))
	r := httptest.NewRequest("POST", "/chat/acme-support/conversations",
		strings.NewReader(`{"bot":"other","params":{"admin":true},"interaction":"refund"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer visitor")
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusCreated || w.Body.String() != `{"id":"c_1","token":"v1.x"}` {
		t.Fatalf("answer %d %s", w.Code, w.Body)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q; want no-store (the answer has a token)", w.Header().Get("Cache-Control"))
	}
	want := struct{ method, path, auth, ctype, body, forwarded string }{
		"POST", "/v1/conversations", "Bearer admin-key-0123456789", "application/json", `{"bot":"acme-support"}`, "203.0.113.7",
	}
	if got != want {
		t.Errorf("the API got %+v\nwant %+v", got, want)
	}

	// A server without API keys: no Authorization at all.
	h = Handler(hosts("acme-support"), WithAPI(api, ""))
	do(t, h, "POST", "/chat/acme-support/conversations", http.Header{"Authorization": {"Bearer visitor"}})
	if got.auth != "" {
		t.Errorf("without a key the API got Authorization %q", got.auth)
	}
}

func TestTitle(t *testing.T) {
	for _, tt := range []struct{ bot, title, initials string }{
		{"acme-support", "Acme Support", "AS"},
		{"billing", "Billing", "B"},
		{"order_status_bot", "Order Status Bot", "OS"},
		{"2fa", "2fa", "2"},
		{"-", "-", "B"},
	} {
		if got := title(tt.bot); got != tt.title {
			t.Errorf("title(%q) = %q; want %q", tt.bot, got, tt.title)
		}
		if got := initials(tt.bot); got != tt.initials {
			t.Errorf("initials(%q) = %q; want %q", tt.bot, got, tt.initials)
		}
	}
}

// TestPageFavicon checks that the page names its icon inline, as a data
// URL the Content-Security-Policy allows (img-src data:), so a browser does
// not ask the server for /favicon.ico.
func TestPageFavicon(t *testing.T) {
	body := do(t, Handler(), "GET", "/chat/any-bot", nil).Body.String()
	const prefix = `<link rel="icon" href="data:image/svg+xml,`
	i := strings.Index(body, prefix)
	if i < 0 {
		t.Fatalf("the page has no inline icon:\n%s", body)
	}
	href := body[i+len(`<link rel="icon" href="`):]
	href = href[:strings.Index(href, `"`)]
	svg, err := url.PathUnescape(strings.TrimPrefix(href, "data:image/svg+xml,"))
	if err != nil {
		t.Fatalf("the icon's data URL does not unescape: %v", err)
	}
	var doc struct {
		XMLName xml.Name
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil || doc.XMLName.Local != "svg" {
		t.Errorf("the icon is not an SVG document (%v): %s", err, svg)
	}
}
