package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/botctl/botctl/engine/bench"
)

const benchLong = `Bench replays the user side of transcripts — their > messages and >>
events — as load, and checks every answer of the bot against the
transcript's < and << lines: a load test that also proves the bot right.

PATH is the bot. TRANSCRIPTS are .transcript files or directories of them;
by default, the transcripts below the bot's directory that are about this
bot (e.g. dialogs/acme-support/tests). Each must pass as botctl test runs
it; bench replays them in turn, --conversations in all, --concurrency at
once.

In process (the default), a conversation runs as a served one does but
without HTTP or a store: the engine runs each turn, the state goes through
its JSON form between turns, and integration calls are answered by each
transcript's mocks.

With --url, bench replays against a running botctl serve: it creates each
conversation (with --api-key, or BOTCTL_API_KEY, when the server has keys),
then sends each > line to complete and each >> line to events, with the
conversation's token. A server answers integration calls itself, not from
each transcript's mocks, so transcripts that call integrations are left out
unless --no-mocks (the server's backends answer, and must answer as the
mocks do) or --mock FILE is given.

--mock FILE says that the server answers integration calls from FILE: it
runs botctl serve --mock with the same FILE, and each conversation gets an
integration's responses in order, the last repeating. A transcript that
calls integrations then replays when, for every integration it calls, FILE
gives its calls the responses its own mocks give them (the first n for n
calls); otherwise it is left out, naming the first integration whose mocks
differ.

Transcripts the server would answer differently are left out too, each
with the reason: failed transfers or uploads set in the header, hand-offs
to another bot, answers that depend on the date or the conversation id.

--no-mocks in process calls integrations for real, with env and secrets
from the environment.

The report gives turns per second, the latency of a turn (mean, p50, p95,
p99, max), errors (a turn that could not run: no mock, an HTTP error),
mismatches (a turn whose answer differs from the transcript; the first few
are shown) and the memory this process used. A turn is the start of a
conversation or one input. Over HTTP the memory is bench's own, not the
server's. On a terminal, runs longer than two seconds show a progress line
on stderr; Ctrl-C stops the run and reports what was done.

Exit status: 0 when there were no errors and no mismatches, 1 otherwise, 2
when the command line is wrong.`

const benchExample = `  botctl bench dialogs/acme-support
  botctl bench --conversations 20000 --concurrency 8 dialogs/signup
  botctl bench --url http://127.0.0.1:8080 --concurrency 64 dialogs/acme-support
  botctl bench --url http://127.0.0.1:8080 --mock dialogs/acme-support/mocks/offline.yaml dialogs/acme-support
  botctl bench --format json dialogs/acme-support dialogs/acme-support/tests/cancel.transcript`

type benchOptions struct {
	conversations, concurrency int
	url, apiKey, mockFile      string
	noMocks                    bool
	format                     *enumFlag
}

func (a *app) benchCommand() *cobra.Command {
	o := benchOptions{format: newEnum("text", "text", "json")}
	cmd := &cobra.Command{
		Use:     "bench PATH [TRANSCRIPTS...]",
		Short:   "Replay transcripts as load and check every answer",
		Long:    benchLong,
		Example: benchExample,
		Args:    pathArgs(true),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.conversations < 1 {
				return usagef("--conversations must be at least 1, got %d", o.conversations)
			}
			if o.concurrency < 0 {
				return usagef("--concurrency must be at least 1, got %d", o.concurrency)
			}
			if o.url != "" && !strings.HasPrefix(o.url, "http://") && !strings.HasPrefix(o.url, "https://") {
				return usagef("--url takes the server's http:// or https:// URL, not %q", o.url)
			}
			if o.mockFile != "" && o.url == "" {
				return usagef("--mock FILE says what the server at --url answers integration calls from; in process, each transcript's own mocks answer them")
			}
			if o.mockFile != "" && o.noMocks {
				return usagef("--mock and --no-mocks do not go together: with --mock the server answers integration calls from FILE, with --no-mocks its back ends do")
			}
			return a.bench(args[0], args[1:], o)
		},
	}
	f := cmd.Flags()
	f.IntVarP(&o.conversations, "conversations", "n", 1000, "how many conversations to replay in all")
	f.IntVarP(&o.concurrency, "concurrency", "c", 0, "how many conversations run at once (default: the CPUs in process, 64 with --url)")
	f.StringVar(&o.url, "url", "", "replay against the botctl serve at this `URL` instead of in process")
	f.StringVar(&o.apiKey, "api-key", "", "the server's admin API `KEY`, to create conversations (default: BOTCTL_API_KEY)")
	f.BoolVar(&o.noMocks, "no-mocks", false, "call integrations for real instead of answering them from the transcripts' mocks")
	f.StringVar(&o.mockFile, "mock", "", "with --url: the server answers integration calls from this mock `FILE` (it runs botctl serve --mock FILE)")
	f.Var(o.format, "format", "output format")
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords(o.format.words...))
	return cmd
}

func (a *app) bench(botPath string, args []string, o benchOptions) error {
	opts := bench.Options{
		Conversations: o.conversations, Concurrency: o.concurrency,
		URL: o.url, APIKey: o.apiKey, NoMocks: o.noMocks, Getenv: a.getenv, ServerMocks: o.mockFile,
	}
	if opts.APIKey == "" {
		key, _, _ := strings.Cut(a.getenv("BOTCTL_API_KEY"), ",")
		opts.APIKey = strings.TrimSpace(key)
	}
	var prog *progressLine
	if a.isTerminal(a.stderr) {
		prog = &progressLine{w: a.stderr}
		opts.Progress = prog.show
	}
	var transcripts []string
	for _, p := range args {
		transcripts = append(transcripts, displayPath(p))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := bench.RunPath(ctx, displayPath(botPath), transcripts, opts)
	prog.clear()
	interrupted := errors.Is(err, context.Canceled)
	if err != nil && !interrupted {
		return a.engineError(err)
	}
	if o.format.value == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := writeBenchReport(a.stdout, rep); err != nil {
		return err
	}
	if interrupted {
		return errors.New("interrupted: the figures are of the turns run until then")
	}
	if rep.Errors > 0 || rep.Mismatches > 0 {
		return exitError{exitFailure}
	}
	return nil
}

// writeBenchReport prints a run's report for people.
func writeBenchReport(w io.Writer, r *bench.Report) error {
	var b strings.Builder
	where := "in process, integrations answered by the transcripts' mocks"
	switch {
	case r.Mode == "http" && r.ServerMocks != "":
		where = "against " + r.URL + ", integrations answered by the server from " + r.ServerMocks
	case r.Mode == "http" && r.Mocks:
		where = "against " + r.URL
	case r.Mode == "http":
		where = "against " + r.URL + ", integrations called by the server"
	case !r.Mocks:
		where = "in process, integrations called for real"
	}
	fmt.Fprintf(&b, "bench %s (%s): %s, %s\n", r.Bot, r.BotPath, count(len(r.Transcripts), "transcript"), where)
	for _, s := range r.Skipped {
		fmt.Fprintf(&b, "  skipped %s: %s\n", s.Path, s.Reason)
	}
	row := func(name, format string, args ...any) {
		fmt.Fprintf(&b, "%-14s %s\n", name, fmt.Sprintf(format, args...))
	}
	row("conversations", "%s at concurrency %d", thousands(int64(r.Conversations)), r.Concurrency)
	row("turns", "%s in %.3f s: %s turns/s", thousands(r.Turns), r.Seconds, thousands(int64(r.TurnsPerSec+0.5)))
	l := r.Latency
	row("latency", "mean %s  p50 %s  p95 %s  p99 %s  max %s", dur(l.Mean), dur(l.P50), dur(l.P95), dur(l.P99), dur(l.Max))
	row("errors", "%d", r.Errors)
	row("mismatches", "%d", r.Mismatches)
	whose := ""
	if r.Mode == "http" {
		whose = " (bench's own, not the server's)"
	}
	rss := ""
	if r.Memory.MaxRSS > 0 {
		rss = ", max RSS " + mib(r.Memory.MaxRSS)
	}
	row("memory", "peak heap %s, Go runtime %s%s%s", mib(r.Memory.PeakHeap), mib(r.Memory.PeakGo), rss, whose)
	for _, m := range r.FirstMismatches {
		b.WriteString("\nmismatch: " + m.String())
	}
	if len(r.FirstErrors) > 0 {
		b.WriteString("\n")
	}
	for _, e := range r.FirstErrors {
		b.WriteString("error: " + e + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// dur formats a latency with three significant digits.
func dur(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d.Nanoseconds())
	case d < time.Millisecond:
		return fmt.Sprintf("%.3gµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.3gms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.3gs", d.Seconds())
}

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// progressLine shows a run's progress on a terminal, once it has taken
// more than two seconds, rewriting one line.
type progressLine struct {
	w     io.Writer
	mu    sync.Mutex
	shown bool
}

func (p *progressLine) show(pr bench.Progress) {
	if pr.Elapsed < 2*time.Second {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shown = true
	rate := float64(pr.Turns) / pr.Elapsed.Seconds()
	fmt.Fprintf(p.w, "\r\033[K%s/%s conversations  %s turns  %s turns/s  %d errors  %d mismatches",
		thousands(int64(pr.Conversations)), thousands(int64(pr.Total)), thousands(pr.Turns), thousands(int64(rate)), pr.Errors, pr.Mismatches)
}

// clear removes the progress line, if one was shown.
func (p *progressLine) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
