package reload

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/load"
)

// Defaults of Watch.
const (
	DefaultInterval = time.Second
	DefaultDebounce = 500 * time.Millisecond
)

// Option configures Watch.
type Option func(*watcher)

// WithInterval sets how often the files are polled (default
// DefaultInterval); values below or equal to 0 are ignored.
func WithInterval(d time.Duration) Option {
	return func(w *watcher) {
		if d > 0 {
			w.interval = d
		}
	}
}

// WithDebounce sets how long the files of a bot must stay unchanged before
// the bot is compiled (default DefaultDebounce). Changes are seen at polls,
// so the effective wait is rounded up to a whole number of intervals; 0
// compiles at the poll that sees a change. Negative values are ignored.
func WithDebounce(d time.Duration) Option {
	return func(w *watcher) {
		if d >= 0 {
			w.debounce = d
		}
	}
}

// WithLogger logs to l: each reload (Info), each refusal (Error) with every
// diagnostic as its own record (Error or Warn), the warnings of an accepted
// bot (Warn) and unchanged recompiles (Debug). The default logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(w *watcher) {
		if l != nil {
			w.log = l
		}
	}
}

// WithVersion tells Watch the version of the bot the caller serves for
// path (graph.Bot.Version). Watch compiles every path once when it starts
// and hands over a bot whose version differs, so an edit made between the
// caller's load and the start of Watch is not missed. For a path without a
// version, the bot compiled at the start becomes the served one and is not
// handed over.
func WithVersion(path, version string) Option {
	return func(w *watcher) { w.versions[path] = version }
}

// WithRefused calls f with the diagnostics of every refused bot, after they
// are logged (for a metric or an admin endpoint). f runs on the watching
// goroutine.
func WithRefused(f func(path string, diags diag.List)) Option {
	return func(w *watcher) { w.refused = f }
}

// WithLoader compiles bots with f instead of engine.Load.
func WithLoader(f func(path string) (*graph.Bot, diag.List)) Option {
	return func(w *watcher) {
		if f != nil {
			w.load = f
		}
	}
}

type watcher struct {
	interval, debounce time.Duration
	log                *slog.Logger
	versions           map[string]string
	refused            func(string, diag.List)
	load               func(string) (*graph.Bot, diag.List)
	onLoad             func(string, *graph.Bot)
}

// bot is the watched state of one path.
type bot struct {
	path    string
	snap    snapshot
	version string    // the version served; "" when none compiled yet
	pending bool      // changed since the last compile
	changed time.Time // when the change was last seen
}

// Watch polls the bots at paths until ctx is done and calls onLoad(path,
// bot) with every bot that changed and compiled without errors, from the
// goroutine that called Watch, one call at a time; onLoad should return
// quickly. It returns nil when ctx is done, or an error at once when paths
// is empty or onLoad is nil. A path that does not exist or has no bot files
// is watched all the same: its bot loads when the files appear.
func Watch(ctx context.Context, paths []string, onLoad func(path string, bot *graph.Bot), opts ...Option) error {
	if len(paths) == 0 {
		return errors.New("reload: no bot paths to watch")
	}
	if onLoad == nil {
		return errors.New("reload: no onLoad callback")
	}
	w := &watcher{
		interval: DefaultInterval,
		debounce: DefaultDebounce,
		log:      slog.New(slog.DiscardHandler),
		versions: map[string]string{},
		load:     engine.Load,
		onLoad:   onLoad,
	}
	for _, o := range opts {
		o(w)
	}

	bots := make([]*bot, len(paths))
	for i, p := range paths {
		// Snapshot before compiling: a change made during the compile
		// shows up at the first poll.
		bots[i] = &bot{path: p, snap: w.take(p, time.Now()), version: w.versions[p]}
	}
	for _, b := range bots {
		_, known := w.versions[b.path]
		w.compile(ctx, b, known)
	}
	w.log.Info("watching bots for changes", slog.Any("paths", paths),
		slog.Duration("interval", w.interval), slog.Duration("debounce", w.debounce))

	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			for _, b := range bots {
				if ctx.Err() != nil {
					return nil
				}
				if snap := w.take(b.path, now); !snap.equal(b.snap) {
					b.snap, b.pending, b.changed = snap, true, now
				}
				if b.pending && now.Sub(b.changed) >= w.debounce {
					b.pending = false
					w.compile(ctx, b, true)
				}
			}
		}
	}
}

// compile loads b's bot. When it compiles and its version differs from the
// served one, it becomes the served one, and onLoad gets it if deliver.
func (w *watcher) compile(ctx context.Context, b *bot, deliver bool) {
	nb, diags := w.safeLoad(b.path)
	if nb == nil || diags.HasErrors() {
		w.logDiags(ctx, b.path, diags)
		w.log.LogAttrs(ctx, slog.LevelError, "bot reload refused; the running version keeps serving",
			slog.String("path", b.path), slog.Int("errors", diags.Count(diag.Error)),
			slog.Int("warnings", diags.Count(diag.Warning)), slog.String("version", b.version))
		if w.refused != nil {
			w.refused(b.path, diags)
		}
		return
	}
	if nb.Version == b.version {
		w.log.LogAttrs(ctx, slog.LevelDebug, "bot unchanged", slog.String("path", b.path),
			slog.String("bot", nb.Name), slog.String("version", nb.Version))
		return
	}
	w.logDiags(ctx, b.path, diags)
	previous := b.version
	b.version = nb.Version
	if !deliver {
		return
	}
	w.log.LogAttrs(ctx, slog.LevelInfo, "bot reloaded", slog.String("path", b.path), slog.String("bot", nb.Name),
		slog.String("version", nb.Version), slog.String("previous", previous), slog.Int("warnings", diags.Count(diag.Warning)))
	w.onLoad(b.path, nb)
}

// safeLoad runs the loader, turning a panic (a compiler bug met on a
// half-written file) into a refusal rather than a crash of the server.
func (w *watcher) safeLoad(path string) (b *graph.Bot, diags diag.List) {
	defer func() {
		if r := recover(); r != nil {
			b, diags = nil, nil
			diags.Errorf(diag.Pos{File: path}, "internal-error", "compiling the bot panicked: %v", r)
		}
	}()
	return w.load(path)
}

// logDiags logs each diagnostic as one record: Error or Warn by severity.
func (w *watcher) logDiags(ctx context.Context, path string, diags diag.List) {
	for _, d := range diags {
		level := slog.LevelError
		if d.Severity == diag.Warning {
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{
			slog.String("path", path), slog.String("file", d.Pos.File),
			slog.Int("line", d.Pos.Line), slog.Int("col", d.Pos.Col),
			slog.String("severity", d.Severity.String()), slog.String("code", d.Code),
			slog.String("message", d.Message),
		}
		if d.Suggestion != "" {
			attrs = append(attrs, slog.String("suggestion", d.Suggestion))
		}
		w.log.LogAttrs(ctx, level, "bot diagnostic", attrs...)
	}
}

// snapshot is what a poll sees of one bot path.
type snapshot struct {
	err   string // the path cannot be listed: missing, unreadable, no bot files
	files []fileState
}

// fileState is one bot file. Its content is hashed only while its mtime is
// recent (racy), since a file rewritten within the file system's timestamp
// granularity keeps its mtime; older files are compared by size and mtime
// alone, as git does for its index.
type fileState struct {
	name   string
	err    string
	size   int64
	mtime  time.Time
	hashed bool
	sum    [sha256.Size]byte
}

// racyMin is the least age below which a file's content is hashed; the
// window grows with the interval so the next poll still hashes it.
const racyMin = 2 * time.Second

// take reads the state of the bot files at path.
func (w *watcher) take(path string, now time.Time) snapshot {
	names, err := load.Files(path)
	if err != nil {
		return snapshot{err: err.Error()}
	}
	racy := racyMin + 2*w.interval
	s := snapshot{files: make([]fileState, len(names))}
	for i, name := range names {
		f := fileState{name: name}
		info, err := os.Stat(name)
		if err != nil {
			f.err = err.Error()
		} else {
			f.size, f.mtime = info.Size(), info.ModTime()
			if now.Sub(f.mtime) < racy {
				f.sum, f.hashed = hashFile(name)
			}
		}
		s.files[i] = f
	}
	return s
}

func hashFile(name string) ([sha256.Size]byte, bool) {
	var sum [sha256.Size]byte
	f, err := os.Open(name)
	if err != nil {
		return sum, false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, load.MaxFileSize+1)); err != nil {
		return sum, false
	}
	copy(sum[:], h.Sum(nil))
	return sum, true
}

// equal reports whether two snapshots show the same files. Contents are
// compared when both sides hashed them.
func (s snapshot) equal(o snapshot) bool {
	if s.err != o.err || len(s.files) != len(o.files) {
		return false
	}
	for i, f := range s.files {
		g := o.files[i]
		if f.name != g.name || f.err != g.err || f.size != g.size || !f.mtime.Equal(g.mtime) {
			return false
		}
		if f.hashed && g.hashed && f.sum != g.sum {
			return false
		}
	}
	return true
}

// String describes a snapshot, for test failures.
func (s snapshot) String() string {
	if s.err != "" {
		return "error: " + s.err
	}
	out := ""
	for _, f := range s.files {
		out += fmt.Sprintf("%s %d %s hashed=%v\n", f.name, f.size, f.mtime.Format(time.RFC3339Nano), f.hashed)
	}
	return out
}
