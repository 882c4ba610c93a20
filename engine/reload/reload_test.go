package reload

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/graph"
)

const wait = 10 * time.Second // the most any test waits for the watcher

// botYAML is a valid bot that greets with greeting.
func botYAML(greeting string) string {
	return `botctl: 1
bot:
  name: demo
dialogs:
  hello:
    starters: [hi]
    steps:
      - say: ` + greeting + `
      - end
`
}

// brokenYAML is a bot with one error: a goto to a step that does not exist.
const brokenYAML = `botctl: 1
bot:
  name: demo
dialogs:
  hello:
    starters: [hi]
    steps:
      - say: Hello
      - goto: nowhere
`

// extraYAML is a second file of a directory bot.
const extraYAML = `dialogs:
  extra:
    starters: [extra]
    steps:
      - say: Extra
      - end
`

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// record is one captured log record, its attributes as text.
type record struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

// logs is a slog.Handler that keeps every record.
type logs struct {
	mu      sync.Mutex
	records []record
}

func (l *logs) Enabled(context.Context, slog.Level) bool { return true }
func (l *logs) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logs) WithGroup(string) slog.Handler            { return l }
func (l *logs) Handle(_ context.Context, r slog.Record) error {
	rec := record{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	l.mu.Lock()
	l.records = append(l.records, rec)
	l.mu.Unlock()
	return nil
}

func (l *logs) all() []record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.records)
}

// count returns how many records have msg.
func (l *logs) count(msg string) int {
	n := 0
	for _, r := range l.all() {
		if r.msg == msg {
			n++
		}
	}
	return n
}

// waitFor waits until n records have msg.
func (l *logs) waitFor(t *testing.T, msg string, n int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for l.count(msg) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no %d %q log records within %v; got:\n%s", n, msg, wait, l)
		}
		time.Sleep(time.Millisecond)
	}
}

func (l *logs) String() string {
	var b strings.Builder
	for _, r := range l.all() {
		keys := make([]string, 0, len(r.attrs))
		for k := range r.attrs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		fmt.Fprintf(&b, "%s %q", r.level, r.msg)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%q", k, r.attrs[k])
		}
		b.WriteString("\n")
	}
	return b.String()
}

// loaded is one onLoad call.
type loaded struct {
	path string
	bot  *graph.Bot
}

// harness runs Watch in the background for one test.
type harness struct {
	t      *testing.T
	logs   *logs
	loads  chan loaded
	loader atomic.Int32 // compiles done
	done   chan error
}

func start(t *testing.T, paths []string, opts ...Option) *harness {
	t.Helper()
	h := &harness{t: t, logs: &logs{}, loads: make(chan loaded, 100), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	opts = append([]Option{
		WithInterval(10 * time.Millisecond),
		WithDebounce(20 * time.Millisecond),
		WithLogger(slog.New(h.logs)),
		WithLoader(func(path string) (*graph.Bot, diag.List) {
			h.loader.Add(1)
			return engine.Load(path)
		}),
	}, opts...)
	go func() {
		h.done <- Watch(ctx, paths, func(path string, bot *graph.Bot) { h.loads <- loaded{path, bot} }, opts...)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-h.done:
			if err != nil {
				t.Errorf("Watch = %v, want nil", err)
			}
		case <-time.After(wait):
			t.Errorf("Watch did not return within %v of its context's end", wait)
		}
	})
	h.logs.waitFor(t, "watching bots for changes", 1)
	return h
}

// next waits for the next onLoad call.
func (h *harness) next() loaded {
	h.t.Helper()
	select {
	case l := <-h.loads:
		return l
	case <-time.After(wait):
		h.t.Fatalf("no bot loaded within %v; logs:\n%s", wait, h.logs)
		return loaded{}
	}
}

// none checks that onLoad has not been called (yet).
func (h *harness) none() {
	h.t.Helper()
	select {
	case l := <-h.loads:
		h.t.Fatalf("unexpected load of %s version %s", l.path, l.bot.Version)
	default:
	}
}

// version compiles path and returns its bot's version.
func version(t *testing.T, path string) string {
	t.Helper()
	bot, diags := engine.Load(path)
	if bot == nil {
		t.Fatalf("engine.Load(%s): %v", path, diags.Err())
	}
	return bot.Version
}

// say returns the text of the first step of the bot's hello dialog.
func say(b *graph.Bot) string {
	d := b.Dialog("hello")
	if d == nil || len(d.Steps) == 0 || len(d.Steps[0].Say) == 0 {
		return "(no hello say)"
	}
	return d.Steps[0].Say[0].Source
}

func TestValidChangeIsDelivered(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "bot.yaml"), botYAML("Hello v1"))
	v1 := version(t, dir)
	h := start(t, []string{dir}, WithVersion(dir, v1))

	write(t, filepath.Join(dir, "bot.yaml"), botYAML("Hello v2"))
	l := h.next()
	if l.path != dir || l.bot.Name != "demo" || say(l.bot) != "Hello v2" || l.bot.Version != version(t, dir) {
		t.Errorf("loaded %s: bot %s saying %q version %s", l.path, l.bot.Name, say(l.bot), l.bot.Version)
	}
	var info []record
	for _, r := range h.logs.all() {
		if r.msg == "bot reloaded" {
			info = append(info, r)
		}
	}
	want := map[string]string{"path": dir, "bot": "demo", "version": l.bot.Version, "previous": v1, "warnings": "0"}
	if len(info) != 1 || info[0].level != slog.LevelInfo || !mapsEqual(info[0].attrs, want) {
		t.Errorf("reload log records %+v, want one Info with %v", info, want)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestInvalidChangeIsRefusedThenFixed(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bot.yaml")
	write(t, file, botYAML("Hello v1"))
	v1 := version(t, dir)
	var refused []diag.List
	var mu sync.Mutex
	h := start(t, []string{dir}, WithVersion(dir, v1), WithRefused(func(path string, diags diag.List) {
		mu.Lock()
		defer mu.Unlock()
		if path != dir {
			t.Errorf("refused path %s, want %s", path, dir)
		}
		refused = append(refused, diags)
	}))

	write(t, file, brokenYAML)
	h.logs.waitFor(t, "bot reload refused; the running version keeps serving", 1)
	h.none()

	_, want := engine.Load(dir)
	var got []record
	var summary record
	for _, r := range h.logs.all() {
		switch r.msg {
		case "bot diagnostic":
			got = append(got, r)
		case "bot reload refused; the running version keeps serving":
			summary = r
		}
	}
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%d diagnostic records, want %d:\n%s", len(got), len(want), h.logs)
	}
	for i, d := range want {
		level := slog.LevelError
		if d.Severity == diag.Warning {
			level = slog.LevelWarn
		}
		w := map[string]string{
			"path": dir, "file": file, "line": fmt.Sprint(d.Pos.Line), "col": fmt.Sprint(d.Pos.Col),
			"severity": d.Severity.String(), "code": d.Code, "message": d.Message,
		}
		if d.Suggestion != "" {
			w["suggestion"] = d.Suggestion
		}
		if got[i].level != level || !mapsEqual(got[i].attrs, w) {
			t.Errorf("diagnostic record %d: %s %v\nwant %s %v", i, got[i].level, got[i].attrs, level, w)
		}
	}
	// The mistake itself, in full.
	if got[0].attrs["code"] != "unknown-target" || got[0].attrs["line"] != "9" || got[0].attrs["col"] != "15" {
		t.Errorf("first diagnostic %v, want unknown-target at 9:15", got[0].attrs)
	}
	wantSummary := map[string]string{"path": dir, "errors": fmt.Sprint(want.Count(diag.Error)), "warnings": fmt.Sprint(want.Count(diag.Warning)), "version": v1}
	if summary.level != slog.LevelError || !mapsEqual(summary.attrs, wantSummary) {
		t.Errorf("summary %s %v, want ERROR %v", summary.level, summary.attrs, wantSummary)
	}
	mu.Lock()
	if len(refused) != 1 || len(refused[0]) != len(want) {
		t.Errorf("refused callback got %v, want one call with %d diagnostics", refused, len(want))
	}
	mu.Unlock()

	write(t, file, botYAML("Hello v3"))
	l := h.next()
	if say(l.bot) != "Hello v3" {
		t.Errorf("after the fix, loaded a bot saying %q", say(l.bot))
	}
	if r := h.logs.all(); !slices.ContainsFunc(r, func(r record) bool { return r.msg == "bot reloaded" && r.attrs["previous"] == v1 }) {
		t.Errorf("the fix's reload does not name %s as previous:\n%s", v1, h.logs)
	}
}

func TestDeletingFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "bot.yaml"), botYAML("Hello"))
	write(t, filepath.Join(dir, "extra.yaml"), extraYAML)
	h := start(t, []string{dir}, WithVersion(dir, version(t, dir)))

	if err := os.Remove(filepath.Join(dir, "extra.yaml")); err != nil {
		t.Fatal(err)
	}
	l := h.next()
	if l.bot.Dialog("extra") != nil || l.bot.Dialog("hello") == nil {
		t.Errorf("after deleting extra.yaml the bot has dialogs %d", len(l.bot.Dialogs))
	}

	if err := os.Remove(filepath.Join(dir, "bot.yaml")); err != nil {
		t.Fatal(err)
	}
	h.logs.waitFor(t, "bot reload refused; the running version keeps serving", 1)
	h.none()
	var codes []string
	for _, r := range h.logs.all() {
		if r.msg == "bot diagnostic" {
			codes = append(codes, r.attrs["code"]+" "+r.attrs["file"])
		}
	}
	if !slices.Equal(codes, []string{"read-error " + dir}) {
		t.Errorf("diagnostics %v, want [read-error %s]", codes, dir)
	}

	write(t, filepath.Join(dir, "bot.yaml"), botYAML("Back"))
	if l := h.next(); say(l.bot) != "Back" {
		t.Errorf("after restoring bot.yaml, loaded a bot saying %q", say(l.bot))
	}
}

// TestUnchangedContentIsNotDelivered: a touched file, or a file removed and
// written back as it was, recompiles to the served version: no onLoad.
func TestUnchangedContentIsNotDelivered(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bot.yml")
	write(t, file, botYAML("Hello"))
	h := start(t, []string{file}, WithVersion(file, version(t, file)))

	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(file, later, later); err != nil {
		t.Fatal(err)
	}
	h.logs.waitFor(t, "bot unchanged", 1)
	h.none()

	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	h.logs.waitFor(t, "bot reload refused; the running version keeps serving", 1)
	write(t, file, botYAML("Hello"))
	h.logs.waitFor(t, "bot unchanged", 2)
	h.none()

	write(t, file, botYAML("Changed"))
	if l := h.next(); say(l.bot) != "Changed" || l.path != file {
		t.Errorf("loaded %s saying %q", l.path, say(l.bot))
	}
}

// TestDebounce: a burst of writes compiles once, to the last content.
func TestDebounce(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bot.yaml")
	write(t, file, botYAML("Hello v0"))
	h := start(t, []string{dir}, WithVersion(dir, version(t, dir)), WithDebounce(150*time.Millisecond))
	before := h.loader.Load() // the compile at start

	for i := 1; i <= 5; i++ {
		write(t, file, botYAML(fmt.Sprintf("Hello v%d", i)))
	}
	l := h.next()
	if say(l.bot) != "Hello v5" {
		t.Errorf("loaded a bot saying %q, want the last write", say(l.bot))
	}
	if n := h.loader.Load() - before; n != 1 {
		t.Errorf("the burst compiled %d times, want 1", n)
	}
	h.none()
}

// TestSameSizeRewrite: content rewritten with the same size and the same
// mtime (within the file system's timestamp granularity) is still noticed.
func TestSameSizeRewrite(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bot.yaml")
	write(t, file, botYAML("Hello AAA"))
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	w := &watcher{interval: 10 * time.Millisecond}
	a := w.take(dir, time.Now())
	write(t, file, botYAML("Hello BBB"))
	if err := os.Chtimes(file, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	b := w.take(dir, time.Now())
	if a.equal(b) {
		t.Errorf("snapshots of different content are equal:\n%s\n%s", a, b)
	}
	if !b.equal(w.take(dir, time.Now())) {
		t.Errorf("two snapshots of the same files differ")
	}
	// Once the mtime is old, the content is no longer read, and a file
	// aging out of the racy window is not a change.
	old := b
	old.files = slices.Clone(b.files)
	old.files[0].hashed = false
	if !old.equal(b) || !b.equal(old) {
		t.Errorf("a snapshot without hashes differs from one with")
	}
}

// TestInitialVersion: a path whose served version is stale is delivered at
// once; a path without a version is not.
func TestInitialVersion(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	write(t, filepath.Join(a, "bot.yaml"), botYAML("A"))
	write(t, filepath.Join(b, "bot.yaml"), botYAML("B"))
	h := start(t, []string{a, b}, WithVersion(a, "stale"))
	l := h.next()
	if l.path != a || say(l.bot) != "A" {
		t.Errorf("loaded %s saying %q, want %s saying A", l.path, say(l.bot), a)
	}
	h.none()

	write(t, filepath.Join(b, "bot.yaml"), botYAML("B2"))
	if l := h.next(); l.path != b || say(l.bot) != "B2" {
		t.Errorf("loaded %s saying %q, want %s saying B2", l.path, say(l.bot), b)
	}
	h.none()
}

// TestMissingPathAppears: a path with no bot yet loads when it appears.
func TestMissingPathAppears(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "later")
	h := start(t, []string{dir})
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "bot.yaml"), botYAML("Hi"))
	if l := h.next(); l.path != dir || say(l.bot) != "Hi" {
		t.Errorf("loaded %s saying %q", l.path, say(l.bot))
	}
}

func TestLoaderPanicIsRefused(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "bot.yaml"), botYAML("Hello"))
	var calls atomic.Int32
	h := start(t, []string{dir}, WithVersion(dir, version(t, dir)), WithLoader(func(path string) (*graph.Bot, diag.List) {
		if calls.Add(1) == 2 {
			panic("boom")
		}
		return engine.Load(path)
	}))
	write(t, filepath.Join(dir, "bot.yaml"), botYAML("Panics"))
	h.logs.waitFor(t, "bot reload refused; the running version keeps serving", 1)
	h.none()
	for _, r := range h.logs.all() {
		if r.msg == "bot diagnostic" && (r.attrs["code"] != "internal-error" || r.attrs["message"] != "compiling the bot panicked: boom") {
			t.Errorf("diagnostic %v", r.attrs)
		}
	}
	write(t, filepath.Join(dir, "bot.yaml"), botYAML("Recovered"))
	if l := h.next(); say(l.bot) != "Recovered" {
		t.Errorf("loaded a bot saying %q", say(l.bot))
	}
}

func TestWatchArguments(t *testing.T) {
	ctx := context.Background()
	if err := Watch(ctx, nil, func(string, *graph.Bot) {}); err == nil || err.Error() != "reload: no bot paths to watch" {
		t.Errorf("no paths: %v", err)
	}
	if err := Watch(ctx, []string{"x"}, nil); err == nil || err.Error() != "reload: no onLoad callback" {
		t.Errorf("no callback: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := Watch(cancelled, []string{t.TempDir()}, func(string, *graph.Bot) {}); err != nil {
		t.Errorf("cancelled context: %v, want nil", err)
	}
}
