package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// botName is the shape of a bot's name (docs/language.md#17-names-durations-and-sizes: `[a-z0-9_-]+`); anything
// else is no bot, whatever WithBotExists says.
var botName = regexp.MustCompile(`^[a-z0-9_-]{1,100}$`)

// config is what the options set.
type config struct {
	exists func(name string) bool
	api    http.Handler
	key    string
}

// Option configures the Handler.
type Option func(*config)

// WithBotExists sets how the handler learns whether a bot is hosted: the
// page of an unknown bot is a 404. The default takes every well-formed
// name (the API then refuses an unknown one when the page starts).
func WithBotExists(f func(name string) bool) Option {
	return func(c *config) { c.exists = f }
}

// WithAPI sets the API the page's conversations are created through:
// POST /chat/{bot}/conversations becomes POST /v1/conversations {"bot": NAME}
// on api, with "Authorization: Bearer adminKey" when adminKey is not
// empty (a server without API keys needs none). The key stays in the
// process; the browser gets the conversation's token. Without WithAPI the
// page cannot start conversations (503).
func WithAPI(api http.Handler, adminKey string) Option {
	return func(c *config) { c.api, c.key = api, adminKey }
}

// asset is one embedded file, ready to serve.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// assets are the files under /chat/assets/ and /widget.js.
var assets = func() map[string]asset {
	types := map[string]string{
		".js":  "text/javascript; charset=utf-8",
		".css": "text/css; charset=utf-8",
	}
	out := map[string]asset{}
	for _, name := range []string{"chat.js", "chat.css", "widget.js"} {
		b, err := static.ReadFile("static/" + name)
		if err != nil {
			panic(err) // embedded at build time
		}
		sum := sha256.Sum256(b)
		out[name] = asset{body: b, ctype: types[path.Ext(name)], etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	return out
}()

// version identifies this build's assets: the page links them with
// ?v=version so that a browser never mixes an old script with a new page.
var version = func() string {
	h := sha256.New()
	for _, name := range []string{"chat.js", "chat.css"} {
		h.Write(assets[name].body)
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}()

var page = template.Must(template.ParseFS(static, "static/chat.html"))

// pageData fills chat.html.
type pageData struct {
	Bot, Title, Initials, Version string
}

// csp is the page's Content-Security-Policy: its script and style sheet
// come from this server, it talks to this server only, and any site may
// frame it (the widget does).
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'"

// Handler returns the handler of the chat page, its assets, the
// conversation start and the widget script (see the package comment).
// Paths it does not serve answer 404 in the API's JSON error shape.
func Handler(opts ...Option) http.Handler {
	c := &config{}
	for _, o := range opts {
		o(c)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /chat/{bot}", c.page)
	mux.HandleFunc("POST /chat/{bot}/conversations", c.create)
	mux.HandleFunc("GET /chat/assets/{file}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		if name == "widget.js" {
			name = "" // served at /widget.js only
		}
		serveAsset(w, r, name)
	})
	mux.HandleFunc("GET /widget.js", func(w http.ResponseWriter, r *http.Request) {
		serveAsset(w, r, "widget.js")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); rec.status == http.StatusMethodNotAllowed && allow != "" {
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed",
				fmt.Sprintf("%s is not allowed on %s; use %s", r.Method, r.URL.Path, allow))
			return
		}
		writeError(w, http.StatusNotFound, "not_found", "no such route: "+r.Method+" "+r.URL.Path)
	})
}

// known reports whether the page of bot may be served.
func (c *config) known(bot string) bool {
	return botName.MatchString(bot) && (c.exists == nil || c.exists(bot))
}

func (c *config) page(w http.ResponseWriter, r *http.Request) {
	bot := r.PathValue("bot")
	if !c.known(bot) {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no bot named %q here", bot))
		return
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, pageData{Bot: bot, Title: title(bot), Initials: initials(bot), Version: version}); err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "rendering the chat page: "+err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write(buf.Bytes())
}

// create starts a conversation with the bot through the API (WithAPI).
// The visitor's body is not read: the page chooses the bot and nothing
// else (no user profile, params, interaction or dialog).
func (c *config) create(w http.ResponseWriter, r *http.Request) {
	bot := r.PathValue("bot")
	if !c.known(bot) {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no bot named %q here", bot))
		return
	}
	if c.api == nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the chat page is not connected to the API (web.WithAPI)")
		return
	}
	body, _ := json.Marshal(map[string]string{"bot": bot})
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, "/v1/conversations", bytes.NewReader(body))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	req.Header.Set("Content-Type", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	req.RemoteAddr, req.Host = r.RemoteAddr, r.Host
	for _, h := range []string{"User-Agent", "X-Forwarded-For", "X-Request-Id"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	c.api.ServeHTTP(w, req)
}

// serveAsset serves an embedded file, answering If-None-Match with 304.
func serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := assets[name]
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no such file: "+r.URL.Path)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache") // revalidate: a new binary serves new files
	h.Set("X-Content-Type-Options", "nosniff")
	if name == "widget.js" {
		h.Set("Access-Control-Allow-Origin", "*") // a host page may load it with crossorigin
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
}

// words splits a bot's name at - and _.
func words(bot string) []string {
	return strings.FieldsFunc(bot, func(r rune) bool { return r == '-' || r == '_' })
}

// title makes a heading of a bot's name: "acme-support" is "Acme Support".
func title(bot string) string {
	ws := words(bot)
	if len(ws) == 0 {
		return bot
	}
	for i, w := range ws {
		ws[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(ws, " ")
}

// initials are the avatar's letters: "acme-support" is "AS".
func initials(bot string) string {
	var out string
	for _, w := range words(bot) {
		if len(out) < 2 {
			out += strings.ToUpper(w[:1])
		}
	}
	if out == "" {
		return "B"
	}
	return out
}

// writeError writes an error in the API's shape:
// {"error": {"code": "...", "message": "..."}}.
func writeError(w http.ResponseWriter, status int, code, message string) {
	body, _ := json.Marshal(map[string]map[string]string{"error": {"code": code, "message": message}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// statusRecorder catches the mux's own 404 and 405 answers, which are
// plain text, to answer them in JSON instead.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header         { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *statusRecorder) WriteHeader(code int)        { r.status = code }
