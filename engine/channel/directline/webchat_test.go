package directline

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

const chromium = "/usr/bin/chromium"

// TestWebChat renders Microsoft's Web Chat (the UMD bundle of the npm
// package, served by the test) against the channel in headless Chromium:
// the bot's first message and its buttons show, a button answers, and a
// typed answer gets the bot's reply.
func TestWebChat(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("BOTCTL_REQUIRE_SERVICES") == "1" {
			t.Fatalf("chromium is not installed at %s and BOTCTL_REQUIRE_SERVICES=1: apt-get install chromium", chromium)
		}
		t.Skipf("SKIPPED: chromium not installed (%s); apt-get install chromium to run the Web Chat test", chromium)
	}
	dir := nodeModules(t)
	e := newEnv(t)
	var gen Conversation
	if st := e.do("POST", "/tokens/generate", testSecret, nil, &gen); st != 200 {
		t.Fatalf("generate: %d", st)
	}
	bundle := filepath.Join(dir, "node_modules", "botframework-webchat", "dist", "webchat.js")
	opts, _ := json.Marshal(map[string]string{"domain": e.base, "token": gen.Token})
	page := `<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="webchat" style="height: 600px"></div>
<script src="/webchat.js"></script>
<script>
window.WebChat.renderWebChat({directLine: window.WebChat.createDirectLine(` + string(opts) + `)}, document.getElementById('webchat'));
</script></body></html>`
	site := http.NewServeMux()
	site.HandleFunc("/webchat.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, bundle) })
	site.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	})
	// Another origin than the bot's, as a site embedding Web Chat is.
	ws := httptest.NewServer(site)
	t.Cleanup(ws.Close)

	ctx := chrome(t)
	run(t, ctx, "opening the page", chromedp.Navigate(ws.URL))
	waitText(t, ctx, "Welcome to Pizza Bot! Which size?")
	// The suggested actions bar under the transcript; the activity shows
	// them too, for screen readers.
	large := `[...document.querySelectorAll('#webchat .webchat__suggested-actions button')].filter(b => b.textContent.trim() === "Large").pop()`
	waitJS(t, ctx, "the button Large", large)
	run(t, ctx, "clicking Large", chromedp.Click(chromedp.JSPath(large)))
	waitText(t, ctx, "A Large pizza. What name is the order under?")
	run(t, ctx, "typing the name", chromedp.SendKeys(chromedp.CSS(`#webchat input[type=text], #webchat textarea`), "Ada"+kb.Enter))
	waitText(t, ctx, "Thanks, Ada: your Large pizza is on its way.")
	waitJS(t, ctx, "the button Order again", `[...document.querySelectorAll('#webchat button')].some(b => b.textContent.trim() === "Order again")`)
}

// chrome starts headless Chromium with the flags of engine/web's browser
// tests and returns its tab.
func chrome(t *testing.T) context.Context {
	t.Helper()
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
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(800, 700),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v\npage text:\n%s", what, err, bodyText(ctx))
	}
}

func bodyText(ctx context.Context) string {
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return s
}

func waitJS(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Poll[bool]("!!("+cond+")", chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %s: %v\npage text:\n%s", what, err, bodyText(ctx))
	}
}

func waitText(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	q, _ := json.Marshal(text)
	waitJS(t, ctx, strings.TrimSpace(text), `document.body.innerText.includes(`+string(q)+`)`)
}
