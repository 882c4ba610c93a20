// Package bench is the load generator of `botctl bench`: it replays the
// user side of transcripts — their `>` messages and `>>` events — as many
// concurrent conversations, in this process or against a running `botctl
// serve`, and checks every answer of the bot against the transcript's `<`
// and `<<` lines, so that a load test also proves the bot right.
//
//	suite, err := bench.Prepare(bot, "dialogs/acme-support", paths)
//	report, err := bench.Run(ctx, suite, bench.Options{Conversations: 1000, Concurrency: 8})
//	fmt.Printf("%.0f turns/s, p99 %v\n", report.TurnsPerSecond, report.Latency.P99)
//
// In process, a conversation runs as a served one does, without the HTTP
// and the store: turn.Drive for each turn, the state through its JSON
// form between turns, integration calls answered by the transcript's mocks
// (or made for real with NoMocks). Over HTTP (URL set), each turn is a
// request: create, then complete or events. A server has no per-transcript
// mocks: a transcript whose conversation calls integrations replays over
// HTTP with NoMocks, against the server's real backends, or with
// ServerMocks, the mock file the server answers from (`botctl serve
// --mock`), when the file gives its calls the responses its own mocks do.
// Transcripts whose answers the server decides differently (failed
// transfers or uploads from the header, hand-offs to other bots, answers
// that depend on the date or the conversation id) are left out
// (Script.HTTPSkip says why).
//
// A turn is the start of a conversation or one input; its latency is the
// time from the input to the bot's answer (in process: the call of
// turn.Drive with the state's decoding and encoding; over HTTP: the
// request). Percentiles come from a log-linear histogram accurate to 1.6%.
package bench

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/botctl/botctl/engine/integration"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/transcript"
)

// Options configure a run.
type Options struct {
	// Conversations is how many conversations to replay in all, the
	// transcripts taken in turn (default 1000).
	Conversations int
	// Concurrency is how many conversations run at once (default: the
	// number of CPUs in process, 64 over HTTP).
	Concurrency int

	// URL is a running botctl serve to replay against; "" runs in process.
	URL string
	// APIKey authorises creating conversations over HTTP ("" for a
	// server on loopback without keys).
	APIKey string
	// HTTPClient is the client for URL (default: one that keeps a
	// connection per concurrent conversation).
	HTTPClient *http.Client

	// NoMocks makes integration calls for real: in process through
	// Caller (default: an integration.Client that may reach loopback, as
	// `botctl run` does, and redacts the secrets) with env and secrets
	// from Getenv; over HTTP it
	// replays transcripts that call integrations too, which the server
	// calls.
	NoMocks bool
	Caller  Caller
	Getenv  func(string) string

	// ServerMocks, with URL, is the mock file the server answers
	// integration calls from (it runs `botctl serve --mock FILE`): a
	// transcript that calls integrations replays when, for each one, the
	// responses its calls get from the file are those its own mocks give
	// them, and is left out otherwise. "" when the server calls its back
	// ends. It does not go with NoMocks.
	ServerMocks string

	// Progress, when set, is called every ProgressEvery (default 500ms)
	// while the run goes on.
	Progress      func(Progress)
	ProgressEvery time.Duration

	// Examples is how many mismatches and errors the report describes
	// (default 5).
	Examples int
}

// Progress is how far a run has come.
type Progress struct {
	Elapsed       time.Duration
	Conversations int // finished
	Total         int // to run
	Turns         int64
	Errors        int64
	Mismatches    int64
}

// Report is the outcome of a run.
type Report struct {
	Mode        string   `json:"mode"` // in-process or http
	URL         string   `json:"url,omitempty"`
	Bot         string   `json:"bot"`
	BotPath     string   `json:"bot_path"`
	Mocks       bool     `json:"mocks"`
	ServerMocks string   `json:"server_mocks,omitempty"` // the server's mock file (Options.ServerMocks)
	Transcripts []string `json:"transcripts"`
	Skipped     []Skip   `json:"skipped,omitempty"`

	Conversations int     `json:"conversations"`
	Concurrency   int     `json:"concurrency"`
	Turns         int64   `json:"turns"`
	Errors        int64   `json:"errors"`
	Mismatches    int64   `json:"mismatches"`
	Seconds       float64 `json:"seconds"`
	TurnsPerSec   float64 `json:"turns_per_second"`
	Latency       Latency `json:"latency"`
	Memory        Memory  `json:"memory"`

	FirstMismatches []Mismatch `json:"first_mismatches,omitempty"`
	FirstErrors     []string   `json:"first_errors,omitempty"`
}

// Skip is a transcript a run left out, and why.
type Skip struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Latency summarises the turns' latencies.
type Latency struct {
	Mean time.Duration `json:"mean_ns"`
	P50  time.Duration `json:"p50_ns"`
	P95  time.Duration `json:"p95_ns"`
	P99  time.Duration `json:"p99_ns"`
	Max  time.Duration `json:"max_ns"`
}

// Memory is what this process used during the run. Over HTTP it is the
// load generator's, not the server's.
type Memory struct {
	// PeakHeap is the most the Go heap's objects (live and not yet
	// swept) took, sampled every 10ms.
	PeakHeap uint64 `json:"peak_heap_bytes"`
	// PeakGo is the most memory the Go runtime had mapped.
	PeakGo uint64 `json:"peak_go_bytes"`
	// MaxRSS is the process's peak resident set (getrusage), since it
	// started; 0 where the system does not tell.
	MaxRSS uint64 `json:"max_rss_bytes"`
}

// Mismatch is a turn whose answer differed from the transcript.
type Mismatch struct {
	Transcript string   `json:"transcript"`
	Line       int      `json:"line"`  // the input's line; 1 for the start
	Input      string   `json:"input"` // the input as written, "" for the start
	Expected   []string `json:"expected"`
	Got        []string `json:"got"`
}

func (m Mismatch) String() string {
	var b strings.Builder
	in := "the start of the conversation"
	if m.Input != "" {
		in = m.Input
	}
	fmt.Fprintf(&b, "%s:%d: after %s\n", m.Transcript, m.Line, in)
	for _, l := range m.Expected {
		b.WriteString("  - " + l + "\n")
	}
	for _, l := range m.Got {
		b.WriteString("  + " + l + "\n")
	}
	return b.String()
}

// Run replays the suite's transcripts as o says and reports how it went.
// Every transcript runs once first, unmeasured (a warm-up, and a check
// that the server answers); a failure there ends the run with an error.
func Run(ctx context.Context, s *Suite, o Options) (*Report, error) {
	if o.Conversations <= 0 {
		o.Conversations = 1000
	}
	if o.Concurrency <= 0 {
		o.Concurrency = runtime.GOMAXPROCS(0)
		if o.URL != "" {
			o.Concurrency = 64
		}
	}
	o.Concurrency = min(o.Concurrency, o.Conversations)
	if o.Examples <= 0 {
		o.Examples = 5
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 500 * time.Millisecond
	}
	if o.ServerMocks != "" && o.URL == "" {
		return nil, errors.New("a server's mock file is for a run against a server (a URL)")
	}
	if o.ServerMocks != "" && o.NoMocks {
		return nil, errors.New("a server's mock file and calling integrations for real (NoMocks) do not go together")
	}
	rep := &Report{Mode: "in-process", Bot: s.Bot.Name, BotPath: s.BotPath, Mocks: !o.NoMocks,
		ServerMocks: o.ServerMocks, Conversations: o.Conversations, Concurrency: o.Concurrency}

	scripts := s.Scripts
	var d driver
	if o.URL == "" {
		in := &inprocDriver{bot: s.Bot}
		if o.NoMocks {
			in.env, in.secrets = envFrom(o.Getenv, s.Bot.Env), envFrom(o.Getenv, s.Bot.Secrets)
			in.live = o.Caller
			if in.live == nil {
				c, err := integration.New(integration.WithSecrets(slices.Collect(maps.Values(in.secrets))...), integration.WithLoopback(true))
				if err != nil {
					return nil, err
				}
				in.live = c
			}
		}
		d = in
	} else {
		rep.Mode, rep.URL = "http", o.URL
		client := o.HTTPClient
		if client == nil {
			client = newHTTPClient(o.Concurrency)
		}
		d = &httpDriver{base: strings.TrimRight(o.URL, "/"), client: client, key: o.APIKey, bot: s.Bot.Name}
		var served mock.Set
		if o.ServerMocks != "" {
			var err error
			if served, err = mock.Load(o.ServerMocks); err != nil {
				return nil, err
			}
		}
		scripts = nil
		for _, sc := range s.Scripts {
			reason := sc.HTTPSkip
			switch {
			case reason != "" || len(sc.Calls) == 0 || o.NoMocks:
			case served != nil:
				reason = sc.mocksProblem(served, o.ServerMocks)
			default:
				reason = "it calls " + strings.Join(sc.Calls, ", ") +
					", which a server calls for real (it has no mocks); --no-mocks replays it against the server's backends"
			}
			if reason != "" {
				rep.Skipped = append(rep.Skipped, Skip{sc.Path, reason})
			} else {
				scripts = append(scripts, sc)
			}
		}
		if len(scripts) == 0 {
			return rep, errors.New("none of the transcripts can replay against a server: " + skipSummary(rep.Skipped))
		}
	}
	for _, sc := range scripts {
		rep.Transcripts = append(rep.Transcripts, sc.Path)
	}

	// Warm up: each transcript once, in order.
	for _, sc := range scripts {
		if _, err := replay(d.open(sc), sc); err != nil {
			return rep, fmt.Errorf("%s: %w", sc.Path, err)
		}
	}

	l := &load{o: o, scripts: scripts, d: d}
	runtime.GC()
	mem := startMemSampler(10 * time.Millisecond)
	began := time.Now()
	stopProgress := l.progress(began)
	hist := l.run(ctx)
	elapsed := time.Since(began)
	stopProgress()
	rep.Memory.PeakHeap, rep.Memory.PeakGo = mem.finish()
	rep.Memory.MaxRSS = maxRSS()

	rep.Turns, rep.Errors, rep.Mismatches = l.turns.Load(), l.errors.Load(), l.mismatches.Load()
	rep.Seconds = elapsed.Seconds()
	if rep.Seconds > 0 {
		rep.TurnsPerSec = float64(rep.Turns) / rep.Seconds
	}
	rep.Latency = Latency{Mean: hist.mean(), P50: hist.quantile(0.50), P95: hist.quantile(0.95),
		P99: hist.quantile(0.99), Max: hist.max}
	rep.FirstMismatches, rep.FirstErrors = l.mismatchList, l.errorList
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	return rep, nil
}

func skipSummary(skips []Skip) string {
	var parts []string
	for _, s := range skips {
		parts = append(parts, s.Path+": "+s.Reason)
	}
	return strings.Join(parts, "; ")
}

// load is a run under way.
type load struct {
	o       Options
	scripts []*Script
	d       driver

	next                      atomic.Int64 // the next conversation to start
	done                      atomic.Int64 // conversations finished
	turns, errors, mismatches atomic.Int64

	mu           sync.Mutex
	mismatchList []Mismatch
	errorList    []string
}

// run runs the conversations on o.Concurrency workers and returns the
// merged latency histogram.
func (l *load) run(ctx context.Context) *histogram {
	hists := make([]*histogram, l.o.Concurrency)
	var wg sync.WaitGroup
	for w := range hists {
		h := &histogram{}
		hists[w] = h
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(l.next.Add(1)) - 1
				if i >= l.o.Conversations {
					return
				}
				l.conversation(ctx, l.scripts[i%len(l.scripts)], h)
				l.done.Add(1)
			}
		})
	}
	wg.Wait()
	all := &histogram{}
	for _, h := range hists {
		all.merge(h)
	}
	return all
}

// conversation replays one conversation of s, recording each turn.
func (l *load) conversation(ctx context.Context, s *Script, h *histogram) {
	c := l.d.open(s)
	for k := range s.turns {
		t := &s.turns[k]
		began := time.Now()
		var got []transcript.Line
		var err error
		if t.Input == nil {
			got, err = c.start(ctx)
		} else {
			got, err = c.input(ctx, t.Input)
		}
		if err != nil && ctx.Err() != nil {
			return // interrupted: not a failure of the turn
		}
		h.record(time.Since(began))
		l.turns.Add(1)
		if err != nil {
			l.errors.Add(1)
			line := 1
			if t.Input != nil {
				line = t.Input.Num
			}
			l.mu.Lock()
			if len(l.errorList) < l.o.Examples {
				l.errorList = append(l.errorList, fmt.Sprintf("%s:%d: %v", s.Path, line, err))
			}
			l.mu.Unlock()
			return // the conversation cannot go on
		}
		if !matches(t.Expected, got) {
			l.mismatches.Add(1)
			l.mu.Lock()
			if len(l.mismatchList) < l.o.Examples {
				l.mismatchList = append(l.mismatchList, mismatch(s, t, got))
			}
			l.mu.Unlock()
		}
	}
}

func mismatch(s *Script, t *transcript.Turn, got []transcript.Line) Mismatch {
	m := Mismatch{Transcript: s.Path, Line: 1}
	if t.Input != nil {
		m.Line, m.Input = t.Input.Num, t.Input.Raw
	}
	for _, e := range t.Expected {
		m.Expected = append(m.Expected, e.Raw)
	}
	for _, g := range got {
		m.Got = append(m.Got, transcript.Format(g))
	}
	return m
}

// progress calls o.Progress every o.ProgressEvery until the returned
// function is called.
func (l *load) progress(began time.Time) (stop func()) {
	if l.o.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(l.o.ProgressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				l.o.Progress(Progress{Elapsed: time.Since(began), Conversations: int(l.done.Load()), Total: l.o.Conversations,
					Turns: l.turns.Load(), Errors: l.errors.Load(), Mismatches: l.mismatches.Load()})
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
