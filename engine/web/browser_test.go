package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/server"
	"github.com/botctl/botctl/engine/web"
)

// The browser tests drive the chat page in headless Chromium against a
// real server (engine/server, memory store, the acme-support example bot
// with its offline mocks, and testdata/bots/echo.yaml).

const (
	chromium = "/usr/bin/chromium"
	adminKey = "web-test-admin-key-0123456789"
)

// artifacts is where the screenshots go (gitignored).
const artifacts = "testdata/artifacts"

// site is a server with the chat mounted, on a loopback listener.
type site struct {
	t    *testing.T
	url  string
	srv  *server.Server
	mu   sync.Mutex
	auth []string // the Authorization headers of the API requests the browser made
}

func newSite(t *testing.T) *site {
	t.Helper()
	var bots []*server.Bot
	for _, p := range []string{"../../dialogs/acme-support", "testdata/bots/echo.yaml"} {
		b, diags := engine.Load(p)
		if diags.HasErrors() {
			t.Fatalf("bot %s: %v", p, diags)
		}
		bots = append(bots, &server.Bot{Bot: b, Path: p})
	}
	mocks, err := mock.Load("../../dialogs/acme-support/mocks/offline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"ORDERS_API": "http://orders.test", "SUPPORT_API": "http://support.test",
		"ORDERS_TOKEN": "orders-token", "SUPPORT_TOKEN": "support-token",
	}
	srv, err := server.New(
		server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		server.WithAPIKeys(adminKey),
		server.WithTokenSecret([]byte("0123456789abcdef0123456789abcdef")),
		server.WithBots(bots...),
		server.WithCaller(mock.NewPerformer(mocks)),
		server.WithEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }),
	)
	if err != nil {
		t.Fatal(err)
	}
	s := &site{t: t, srv: srv}
	chat := web.Handler(
		web.WithBotExists(func(name string) bool { return srv.Bots().Current(name) != nil }),
		web.WithAPI(srv, adminKey),
	)
	mux := http.NewServeMux()
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			s.mu.Lock()
			s.auth = append(s.auth, r.Header.Get("Authorization"))
			s.mu.Unlock()
		}
		srv.ServeHTTP(w, r)
	}))
	mux.Handle("/chat/", chat)
	mux.Handle("/widget.js", chat)
	mux.HandleFunc("/shop", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, shopPage)
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	s.url = hs.URL
	return s
}

// shopPage is a host page with the widget on it.
const shopPage = `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>ACME shop</title></head>
<body style="margin:0;font:16px system-ui,sans-serif;background:#fafafa">
<header style="padding:20px 32px;background:#111827;color:#fff;font-weight:700">ACME · Shop</header>
<main style="padding:32px"><h1>Help centre</h1><p>Questions about an order? Chat with us.</p></main>
<script src="/widget.js" data-bot="acme-support" data-label="Chat with ACME" async></script>
</body></html>`

// checkTokensOnly checks that the browser called the API with
// conversation tokens only, never the admin key.
func (s *site) checkTokensOnly() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.auth) == 0 {
		s.t.Fatal("the page made no API request")
	}
	for _, a := range s.auth {
		if a == "Bearer "+adminKey || !strings.HasPrefix(a, "Bearer v1.") {
			s.t.Fatalf("the page called the API with Authorization %q; want a conversation token (Bearer v1.…)", a)
		}
	}
}

// event posts a host event to a conversation with the admin key, as an
// agent desk does.
func (s *site) event(id, typ string) {
	s.t.Helper()
	req := httptest.NewRequest("POST", "/v1/conversations/"+id+"/events", strings.NewReader(`{"type":"`+typ+`"}`))
	req.Header.Set("Authorization", "Bearer "+adminKey)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.srv.ServeHTTP(rec, req) // not through the site: only the browser's requests are recorded
	if rec.Code != http.StatusOK {
		s.t.Fatalf("event %s: %d %s", typ, rec.Code, rec.Body)
	}
}

// browser starts headless Chromium with a window of width x height and
// returns its tab. It skips the test when Chromium is not installed,
// unless BOTCTL_REQUIRE_SERVICES=1 (CI, where .ci/run installs it).
func browser(t *testing.T, width, height int) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("BOTCTL_REQUIRE_SERVICES") == "1" {
			t.Fatalf("chromium is not installed at %s and BOTCTL_REQUIRE_SERVICES=1: apt-get install chromium", chromium)
		}
		t.Skipf("SKIPPED: chromium not installed (%s); apt-get install chromium to run the browser tests", chromium)
	}
	dir := t.TempDir()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(width, height),
	)
	t.Cleanup(cancelAlloc) // runs before TempDir's cleanup: the browser is gone first
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	// The window's size less its frame is the viewport; set the viewport.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v\npage text:\n%s", what, err, pageText(ctx))
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// pageText is the text of the conversation, for failure messages.
func pageText(ctx context.Context) string {
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return s
}

// js quotes s as a JavaScript string.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// waitFor waits until the JavaScript condition holds.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Poll[bool]("!!("+cond+")", chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %s: %v\npage text:\n%s", what, err, pageText(ctx))
	}
}

// bubbles returns the texts of the message bubbles of side (bot, user).
const bubblesJS = `[...document.querySelectorAll('#log .row.%s:not(.typing) .bubble')].map(b => b.textContent)`

func bubbles(t *testing.T, ctx context.Context, side string) []string {
	t.Helper()
	return eval[[]string](t, ctx, strings.Replace(bubblesJS, "%s", side, 1))
}

// waitBubble waits for a bubble of side whose text is text.
func waitBubble(t *testing.T, ctx context.Context, side, text string) {
	t.Helper()
	waitFor(t, ctx, side+" bubble "+js(text), strings.Replace(bubblesJS, "%s", side, 1)+`.includes(`+js(text)+`)`)
}

// chipsJS lists the labels of the quick replies on show.
const chipsJS = `[...document.querySelectorAll('#log .chips .chip')].map(b => b.textContent)`

func chip(label string) chromedp.JSPath {
	return chromedp.JSPath(`[...document.querySelectorAll('#log .chips .chip')].find(b => b.textContent === ` + js(label) + `)`)
}

// say types text into the composer and presses Enter.
func say(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	do(t, ctx, "typing "+js(text), chromedp.SendKeys(chromedp.ID("input"), text+kb.Enter))
}

// screenshot saves a screenshot of the page under testdata/artifacts and
// checks it is a PNG of the window's size.
func screenshot(t *testing.T, ctx context.Context, name string, width, height int) {
	t.Helper()
	// Let the entrance animations finish.
	time.Sleep(400 * time.Millisecond)
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if len(buf) < 1000 {
		t.Fatalf("screenshot %s is %d bytes", name, len(buf))
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if cfg.Width < width || cfg.Height < height {
		t.Fatalf("screenshot %s is %dx%d; want at least %dx%d", name, cfg.Width, cfg.Height, width, height)
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artifacts, name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("screenshot %s was not written: %v", path, err)
	}
	t.Logf("screenshot: %s (%dx%d)", path, cfg.Width, cfg.Height)
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func wantStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !equal(got, want) {
		t.Fatalf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// TestChatHappyPath walks acme-support's order status by typing and by a
// quick reply, with a reload in the middle, on a desktop window.
func TestChatHappyPath(t *testing.T) {
	s := newSite(t)
	ctx := browser(t, 1280, 860)

	do(t, ctx, "opening the page", chromedp.Navigate(s.url+"/chat/acme-support"))
	waitBubble(t, ctx, "bot", "I can tell you where your order is, or put you through to our support team.")
	wantStrings(t, "bot bubbles", bubbles(t, ctx, "bot"), []string{
		"Hi there! I'm the ACME support assistant.",
		"I can tell you where your order is, or put you through to our support team.",
	})
	waitFor(t, ctx, "the welcome quick replies", chipsJS+`.join('|') === "Order status|Talk to an agent"`)
	id := eval[string](t, ctx, `JSON.parse(sessionStorage.getItem("botctl.chat::acme-support")).id`)
	if !strings.HasPrefix(id, "c_") {
		t.Fatalf("sessionStorage holds conversation %q", id)
	}

	// Typing: the order status question.
	say(t, ctx, "order status")
	waitBubble(t, ctx, "bot", "What is your order number? It has 5 digits and is in your order confirmation email.")
	wantStrings(t, "user bubbles", bubbles(t, ctx, "user"), []string{"order status"})
	if n := eval[int](t, ctx, `document.querySelectorAll('#log .chips').length`); n != 0 {
		t.Fatalf("%d sets of quick replies still show after the user answered", n)
	}

	// A reload in the middle of the conversation restores it from the log.
	do(t, ctx, "reloading", chromedp.Reload())
	waitBubble(t, ctx, "bot", "What is your order number? It has 5 digits and is in your order confirmation email.")
	wantStrings(t, "bot bubbles after the reload", bubbles(t, ctx, "bot"), []string{
		"Hi there! I'm the ACME support assistant.",
		"I can tell you where your order is, or put you through to our support team.",
		"What is your order number? It has 5 digits and is in your order confirmation email.",
	})
	wantStrings(t, "user bubbles after the reload", bubbles(t, ctx, "user"), []string{"order status"})
	if got := eval[string](t, ctx, `JSON.parse(sessionStorage.getItem("botctl.chat::acme-support")).id`); got != id {
		t.Fatalf("after the reload the page is in conversation %s; want %s", got, id)
	}

	// ... and goes on: the order number, then the delayed follow-up
	// question behind the typing indicator.
	say(t, ctx, "12345")
	waitBubble(t, ctx, "bot", "It should arrive by 2026-11-24. You can follow it here: https://tracking.example.com/JD014600004")
	waitFor(t, ctx, "the typing indicator during the 1s delay",
		`!!document.querySelector('#log .typing') && !`+strings.Replace(bubblesJS, "%s", "bot", 1)+`.includes("Is there anything else I can help you with?")`)
	waitBubble(t, ctx, "bot", "Is there anything else I can help you with?")
	waitFor(t, ctx, "the typing indicator to go", `!document.querySelector('#log .typing')`)
	wantStrings(t, "bot bubbles", bubbles(t, ctx, "bot")[3:], []string{
		"One moment while I look up order 12345…",
		"Good news: order 12345 is on its way with DHL.",
		"It should arrive by 2026-11-24. You can follow it here: https://tracking.example.com/JD014600004",
		"Is there anything else I can help you with?",
	})
	if href := eval[string](t, ctx, `document.querySelector('#log .bubble a').href`); href != "https://tracking.example.com/JD014600004" {
		t.Fatalf("the tracking link is %q", href)
	}
	waitFor(t, ctx, "the follow-up quick replies", chipsJS+`.join('|') === "Check another order|Talk to an agent|No, that's all"`)
	screenshot(t, ctx, "chat-desktop.png", 1280, 860)

	// A quick reply: the goodbye closes the conversation.
	do(t, ctx, "clicking No, that's all", chromedp.Click(chip("No, that's all")))
	waitBubble(t, ctx, "bot", "Thanks for contacting ACME. Have a great day!")
	wantStrings(t, "user bubbles", bubbles(t, ctx, "user"), []string{"order status", "12345", "No, that's all"})
	waitFor(t, ctx, "the closed banner", `!document.getElementById('banner').hidden && document.getElementById('banner').dataset.kind === 'closed'`)
	if got := eval[string](t, ctx, `document.getElementById('banner').innerText`); !strings.Contains(got, "This conversation has ended") {
		t.Fatalf("banner: %q", got)
	}
	if !eval[bool](t, ctx, `document.getElementById('input').disabled`) {
		t.Fatal("the message box is still enabled in a closed conversation")
	}
	screenshot(t, ctx, "chat-closed.png", 1280, 860)

	// The banner's button starts a new conversation.
	do(t, ctx, "starting a new chat", chromedp.Click(chromedp.ID("banner-action")))
	waitFor(t, ctx, "a new conversation", `(JSON.parse(sessionStorage.getItem("botctl.chat::acme-support")) || {}).id !== `+js(id))
	waitBubble(t, ctx, "bot", "Hi there! I'm the ACME support assistant.")
	if n := len(bubbles(t, ctx, "user")); n != 0 {
		t.Fatalf("the new conversation shows %d user bubbles", n)
	}
	s.checkTokensOnly()
}

// TestChatAgentPhone hands the conversation to an agent on a phone-sized
// screen: the banner shows while the agent owns it, and goes when the
// agent desk sends agent_done (the page follows the conversation).
func TestChatAgentPhone(t *testing.T) {
	s := newSite(t)
	ctx := browser(t, 390, 844)
	do(t, ctx, "emulating a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))

	do(t, ctx, "opening the page", chromedp.Navigate(s.url+"/chat/acme-support"))
	waitFor(t, ctx, "the welcome quick replies", chipsJS+`.length === 2`)
	if w := eval[int](t, ctx, `Math.round(document.getElementById('chat').getBoundingClientRect().width)`); w != 390 {
		t.Fatalf("on a phone the chat is %dpx wide; want the whole screen, 390px", w)
	}
	if eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`) {
		t.Fatal("the page scrolls sideways on a phone")
	}

	do(t, ctx, "clicking Talk to an agent", chromedp.Click(chip("Talk to an agent")))
	waitBubble(t, ctx, "bot", "Hold on while I connect you with an agent. It usually takes less than two minutes.")
	waitFor(t, ctx, "the agent banner", `!document.getElementById('banner').hidden && document.getElementById('banner').dataset.kind === 'agent'`)
	if got := eval[string](t, ctx, `document.getElementById('banner').innerText`); !strings.Contains(got, "A person from our team has this conversation") {
		t.Fatalf("banner: %q", got)
	}
	say(t, ctx, "My parcel is late")
	waitFor(t, ctx, "the message to the agent", `!document.querySelector('#log .typing')`)
	wantStrings(t, "user bubbles", bubbles(t, ctx, "user"), []string{"Talk to an agent", "My parcel is late"})
	screenshot(t, ctx, "chat-phone-agent.png", 390, 844)

	// The agent hands back: the page picks up the bot's messages.
	id := eval[string](t, ctx, `JSON.parse(sessionStorage.getItem("botctl.chat::acme-support")).id`)
	s.event(id, "agent_done")
	waitBubble(t, ctx, "bot", "Is there anything else I can help you with?")
	waitFor(t, ctx, "the banner to go", `document.getElementById('banner').hidden`)
	waitFor(t, ctx, "the quick replies", chipsJS+`.join('|') === "Order status|No, that's all"`)

	// After a reload the agent's part shows as it happened.
	do(t, ctx, "reloading", chromedp.Reload())
	waitBubble(t, ctx, "bot", "Is there anything else I can help you with?")
	wantStrings(t, "user bubbles after the reload", bubbles(t, ctx, "user"), []string{"Talk to an agent", "My parcel is late"})
	if !eval[bool](t, ctx, `document.getElementById('banner').hidden`) {
		t.Fatal("the agent banner shows after the agent handed back")
	}
	do(t, ctx, "clicking Order status", chromedp.Click(chip("Order status")))
	waitBubble(t, ctx, "bot", "What is your order number? It has 5 digits and is in your order confirmation email.")
	screenshot(t, ctx, "chat-phone.png", 390, 844)
	s.checkTokensOnly()
}

// TestChatXSS checks that markup from a bot (an echo of the user) and in a
// quick reply's label shows as text and runs nothing.
func TestChatXSS(t *testing.T) {
	s := newSite(t)
	ctx := browser(t, 1024, 768)
	do(t, ctx, "opening the page", chromedp.Navigate(s.url+"/chat/echo"))
	const label = `<img src=x onerror="window.__xss='button'">`
	waitFor(t, ctx, "the quick reply", chipsJS+`.includes(`+js(label)+`)`)

	do(t, ctx, "clicking the markup quick reply", chromedp.Click(chip(label)))
	waitBubble(t, ctx, "bot", "You said: "+label)
	const attack = `<script>window.__xss='script'</script><img src=x onerror="window.__xss='img'"><b>bold</b>`
	say(t, ctx, attack)
	waitBubble(t, ctx, "bot", "You said: "+attack)
	time.Sleep(300 * time.Millisecond) // an image error handler would have run by now

	if v := eval[string](t, ctx, `String(window.__xss)`); v != "undefined" {
		t.Fatalf("injected code ran: window.__xss = %s", v)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#log img, #log script, #log b').length`); n != 0 {
		t.Fatalf("%d elements were made from message text", n)
	}
	wantStrings(t, "user bubbles", bubbles(t, ctx, "user"), []string{label, attack})
	visible := eval[string](t, ctx, `document.getElementById('log').innerText`)
	if !strings.Contains(visible, "You said: "+attack) {
		t.Fatalf("the markup is not visible as text:\n%s", visible)
	}
	screenshot(t, ctx, "chat-xss.png", 1024, 768)
	s.checkTokensOnly()
}

// TestChatUpload answers a file question with the file picker.
func TestChatUpload(t *testing.T) {
	s := newSite(t)
	ctx := browser(t, 1024, 768)
	dir := t.TempDir()
	pdf := filepath.Join(dir, "invoice.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n% a test file\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "opening the page", chromedp.Navigate(s.url+"/chat/echo"))
	waitBubble(t, ctx, "bot", "Say anything and I will repeat it. Say upload to send a file.")
	if !eval[bool](t, ctx, `document.getElementById('attach').hidden`) {
		t.Fatal("the upload button shows before the bot asks for a file")
	}
	say(t, ctx, "upload")
	waitBubble(t, ctx, "bot", "Please upload your document (PDF or PNG, up to 5 MB).")
	waitFor(t, ctx, "the upload card", `!!document.querySelector('#log .upload') && !document.getElementById('attach').hidden`)
	if got := eval[string](t, ctx, `document.getElementById('file').accept`); got != ".pdf,.png" {
		t.Fatalf("the file input accepts %q; want .pdf,.png", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('#log .upload').innerText`); !strings.Contains(got, "PDF, PNG · up to 5 MB") {
		t.Fatalf("upload card: %q", got)
	}
	screenshot(t, ctx, "chat-upload.png", 1024, 768)
	do(t, ctx, "choosing the file", chromedp.SetUploadFiles(chromedp.ID("file"), []string{pdf}))
	waitBubble(t, ctx, "bot", "Got invoice.pdf (29 bytes).")
	wantStrings(t, "bot bubbles", bubbles(t, ctx, "bot")[2:], []string{"Processing the file…", "Thanks, I have your file.", "Got invoice.pdf (29 bytes)."})
	if got := eval[string](t, ctx, `document.querySelector('#log .row.user .file-name').textContent`); got != "invoice.pdf" {
		t.Fatalf("the file bubble names %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#log .upload').length`); n != 0 {
		t.Fatal("the upload card still shows after the upload")
	}

	// After a reload the upload shows as the user's file.
	do(t, ctx, "reloading", chromedp.Reload())
	waitBubble(t, ctx, "bot", "Got invoice.pdf (29 bytes).")
	if got := eval[string](t, ctx, `document.querySelector('#log .row.user .file-name').textContent + ' ' + document.querySelector('#log .row.user .file-size').textContent`); got != "invoice.pdf 29 B" {
		t.Fatalf("the restored file bubble: %q", got)
	}
	s.checkTokensOnly()
}

// TestWidget opens the chat from the widget's launcher on a host page.
func TestWidget(t *testing.T) {
	s := newSite(t)
	ctx := browser(t, 1280, 860)
	do(t, ctx, "opening the shop", chromedp.Navigate(s.url+"/shop"))
	const widget = `document.querySelector('[data-botctl-widget="acme-support"]')`
	waitFor(t, ctx, "the launcher", widget+` && `+widget+`.shadowRoot.querySelector('button')`)
	launcher := chromedp.JSPath(widget + `.shadowRoot.querySelector('button')`)
	if got := eval[string](t, ctx, widget+`.shadowRoot.querySelector('button').getAttribute('aria-label')`); got != "Chat with ACME" {
		t.Fatalf("launcher label %q", got)
	}
	if n := eval[int](t, ctx, widget+`.shadowRoot.querySelectorAll('iframe').length`); n != 0 {
		t.Fatal("the widget loads the chat before it is opened")
	}
	do(t, ctx, "opening the widget", chromedp.Click(launcher))
	const frame = widget + `.shadowRoot.querySelector('iframe')`
	waitFor(t, ctx, "the chat in the panel", frame+` && `+frame+`.contentDocument && `+frame+`.contentDocument.body && `+
		frame+`.contentDocument.body.innerText.includes("I'm the ACME support assistant.")`)
	if got := eval[string](t, ctx, frame+`.getAttribute('src')`); got != s.url+"/chat/acme-support?embed=1" {
		t.Fatalf("the panel shows %q", got)
	}
	screenshot(t, ctx, "widget-open.png", 1280, 860)

	// The page's close button (shown in the panel only) closes the panel;
	// the launcher opens it again on the same conversation.
	if w := eval[int](t, ctx, frame+`.contentDocument.getElementById('close').getBoundingClientRect().width`); w == 0 {
		t.Fatal("the chat in the panel has no close button")
	}
	do(t, ctx, "closing", chromedp.Evaluate[chromedp.Void](frame+`.contentDocument.getElementById('close').click()`))
	waitFor(t, ctx, "the panel to close", frame+`.parentNode.style.display === 'none'`)
	do(t, ctx, "reopening", chromedp.Click(launcher))
	waitFor(t, ctx, "the panel to open", frame+`.parentNode.style.display === 'block'`)
	if n := eval[int](t, ctx, widget+`.shadowRoot.querySelectorAll('iframe').length`); n != 1 {
		t.Fatalf("%d chat frames after reopening", n)
	}
	if got := eval[int](t, ctx, frame+`.contentDocument.querySelectorAll('#log .row.bot').length`); got != 2 {
		t.Fatalf("after reopening the chat shows %d bot bubbles; want the 2 of the welcome", got)
	}

	// On a phone the panel covers the screen, the launcher under it hidden.
	do(t, ctx, "emulating a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	waitFor(t, ctx, "the panel to cover the screen", frame+`.parentNode.getBoundingClientRect().width === 390 && `+
		frame+`.parentNode.getBoundingClientRect().height === 844 && `+widget+`.shadowRoot.querySelector('button').style.display === 'none'`)
	screenshot(t, ctx, "widget-phone.png", 390, 844)
	if w := eval[int](t, ctx, frame+`.contentDocument.getElementById('close').getBoundingClientRect().width`); w == 0 {
		t.Fatal("on a phone the panel has no close button")
	}
	do(t, ctx, "closing", chromedp.Evaluate[chromedp.Void](frame+`.contentDocument.getElementById('close').click()`))
	waitFor(t, ctx, "the launcher to come back", frame+`.parentNode.style.display === 'none' && `+
		widget+`.shadowRoot.querySelector('button').style.display === 'grid'`)
}
