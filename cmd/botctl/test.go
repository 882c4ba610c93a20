package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/fatih/color"
	"github.com/spf13/cobra"

	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/transcript"
)

const testLong = `Test runs golden transcripts: conversations written down in .transcript
files, each replayed against its bot and compared with what the bot does.

Each PATH is a .transcript file or a directory searched for them (with no
PATH, the current directory). Directories named testdata, or whose names
begin with "." or "_", are skipped while searching, as go test does; name
them on the command line to run what they hold.

A transcript runs against the bot its header names (bot: PATH, relative to
the transcript), or the bot given with --bot. The conversation starts as a
served one does, with the welcome dialog; then every > message and >> event
is played in turn, and the bot's messages and actions are compared with the
< and << lines that follow it. Integration calls are answered by the
header's mocks; a call with no mock fails the transcript. ? lines are
assertions over the conversation's variables and state.

Each transcript is reported as PASS or FAIL. A failure names the first line
where the bot did something else, and shows a unified diff of the
transcript as written (-) and as the bot ran it (+).

--update rewrites the < and << lines of each transcript from what the bot
did and leaves every other byte alone; review the change with git diff.

--cover reports, per bot and dialog, how many steps and edges the
transcripts exercised, and lists the missed ones by file:line. The edges
are the rules (else included), on_failure and on_fail, and the defaults a
step takes when no route is written: a question's attempts used up, a
call's or transfer's failure, a question an interrupt dialog takes over.
--cover-min N fails the run when a bot's steps or its edges are under N
percent. --cover-html DIR also writes the coverage as web pages to DIR.

--watch runs the tests again each time a *.yaml, *.yml or .transcript file
below the paths is added, removed or changed (it looks every 300ms), after
a separator line with the time; Ctrl-C stops it, with exit status 0.

--format chooses the report: text (the default, for people), json (one
document: {"results": [...], "summary": {...}}, and with --cover
"coverage": [...], per bot its steps, edges and what was missed), junit (JUnit XML, a
<testsuite> per bot and a <testcase> per transcript, for CI systems) or
github (an ::error annotation per failure at its file and line, for GitHub
Actions, then the summary line). With junit, the --cover report is
written to stderr.

See docs/testing.md for the format.

Exit status: 0 when every transcript passes, 1 when any fails (or coverage
is under --cover-min), 2 when the command line is wrong.`

const testExample = `  botctl test
  botctl test dialogs/acme-support
  botctl test --run order_status -v
  botctl test --update dialogs/signup/tests/business.transcript
  botctl test --cover --cover-min 100 dialogs/
  botctl test --format junit dialogs/ > report.xml`

type testOptions struct {
	format    string
	bot       string
	update    bool
	run       string
	verbose   bool
	cover     bool
	coverMin  float64
	coverHTML string
	watch     bool
}

func (a *app) testCommand() *cobra.Command {
	var o testOptions
	format := newEnum("text", testFormats...)
	cmd := &cobra.Command{
		Use:     "test [PATH...]",
		Short:   "Run golden transcript tests against bots",
		Long:    testLong,
		Example: testExample,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.coverHTML != "" {
				o.cover = true
			}
			if cmd.Flags().Changed("cover-min") {
				o.cover = true
				if o.coverMin < 0 || o.coverMin > 100 {
					return usagef("--cover-min wants a percentage from 0 to 100, got %g", o.coverMin)
				}
			}
			o.format = format.value
			return a.test(args, o)
		},
	}
	f := cmd.Flags()
	f.Var(format, "format", "report format")
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords(format.words...))
	f.StringVar(&o.bot, "bot", "", "run every transcript against this bot, whatever its header says")
	f.BoolVar(&o.update, "update", false, "rewrite the < and << lines from what the bot did")
	f.StringVar(&o.run, "run", "", "run only transcripts whose path matches this regular expression")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "show each transcript's conversation")
	f.BoolVar(&o.cover, "cover", false, "report the steps and edges the transcripts exercised")
	f.Float64Var(&o.coverMin, "cover-min", 0, "fail when a bot's steps or edges are under this percentage (implies --cover)")
	f.StringVar(&o.coverHTML, "cover-html", "", "also write the coverage as web pages to this directory (implies --cover)")
	f.BoolVar(&o.watch, "watch", false, "run again whenever a .yaml or .transcript file below the paths changes, until Ctrl-C")
	return cmd
}

func (a *app) test(args []string, o testOptions) error {
	if o.watch {
		return a.testWatch(args, o)
	}
	return a.testOnce(args, o)
}

// testOnce runs the tests once.
func (a *app) testOnce(args []string, o testOptions) error {
	cfg := transcript.Config{Update: o.update, Cover: o.cover, CoverMin: o.coverMin}
	if o.run != "" {
		re, err := regexp.Compile(o.run)
		if err != nil {
			return usagef("--run: %v", err)
		}
		cfg.Filter = re
	}
	for _, arg := range args {
		cfg.Paths = append(cfg.Paths, displayPath(arg))
	}
	if o.bot != "" {
		cfg.Bot = displayPath(o.bot)
	}
	rep := a.testReporter(o)
	cfg.Report = rep.result
	sum, err := transcript.RunAll(context.Background(), cfg)
	if err != nil {
		return err
	}
	if o.coverHTML != "" {
		if err := sum.Coverage.WriteHTML(o.coverHTML); err != nil {
			return fmt.Errorf("--cover-html: %w", err)
		}
	}
	if err := rep.end(sum); err != nil {
		return err
	}
	if o.format == "junit" {
		// Its stdout is one document; the coverage report goes beside it.
		on := a.useColor(a.stderr)
		p := &testPrinter{w: colorWriter(a.stderr, on), color: on}
		p.coverage(sum)
	}
	if !sum.OK() {
		return exitError{exitFailure}
	}
	return nil
}

// testReporter returns the reporter of --format.
func (a *app) testReporter(o testOptions) testReporter {
	switch o.format {
	case "json":
		return &jsonReporter{w: a.stdout, updating: o.update}
	case "junit":
		return &junitReporter{w: a.stdout, updating: o.update, start: time.Now()}
	case "github":
		return &githubReporter{w: a.stdout, updating: o.update, shownBots: map[string]bool{}}
	}
	on := a.useColor(a.stdout)
	p := &testPrinter{w: colorWriter(a.stdout, on), color: on, verbose: o.verbose, shownBots: map[string]bool{}, sources: sources()}
	return &textReporter{p: p, updating: o.update}
}

// testPrinter writes the report of a test run in text.
type testPrinter struct {
	w         io.Writer
	color     bool
	verbose   bool
	shownBots map[string]bool // bots whose diagnostics were printed
	sources   func(string) []byte
}

const indent = "    "

func (p *testPrinter) result(res *transcript.Result, ok, updated, updating bool) error {
	green := paint(p.color, color.FgGreen, color.Bold)
	red := paint(p.color, color.FgRed, color.Bold)
	var b strings.Builder
	if p.verbose {
		fmt.Fprintf(&b, "=== RUN   %s\n", res.Path)
		for _, l := range res.Conversation {
			b.WriteString(indent + l + "\n")
		}
	}
	note := ""
	if updated {
		note = " (updated)"
	}
	if ok {
		fmt.Fprintf(&b, "--- %s: %s%s\n", green("PASS"), res.Path, note)
		_, err := io.WriteString(p.w, b.String())
		return err
	}
	fmt.Fprintf(&b, "--- %s: %s%s\n", red("FAIL"), res.Path, note)
	if len(res.BotDiags) > 0 && !p.shownBots[res.BotPath] {
		p.shownBots[res.BotPath] = true
		writeIndented(&b, p.diagnostics(res.BotDiags))
	}
	writeIndented(&b, p.diagnostics(res.Diags))
	for _, f := range res.Failures {
		if updating && f.Kind == transcript.FailOutput {
			continue
		}
		b.WriteString(indent + f.String() + "\n")
	}
	if !p.verbose {
		for _, e := range res.BotErrors {
			b.WriteString(indent + e.Pos.String() + ": note: the bot reported: " + e.Msg + "\n")
		}
	}
	if res.Ran() && !updating {
		writeIndented(&b, transcript.Diff(res.Path, res.Expected, res.Actual, p.color))
	}
	_, err := io.WriteString(p.w, b.String())
	return err
}

func (p *testPrinter) diagnostics(l diag.List) string {
	var b bytes.Buffer
	_ = diag.Text(&b, l, diag.TextOptions{Color: p.color, Sources: p.sources})
	return b.String()
}

func writeIndented(b *strings.Builder, text string) {
	for _, l := range strings.SplitAfter(text, "\n") {
		if l != "" {
			b.WriteString(indent + l)
		}
	}
}

// coverage prints each bot's coverage, and a failure for each one under
// --cover-min.
func (p *testPrinter) coverage(sum *transcript.Summary) error {
	red := paint(p.color, color.FgRed, color.Bold)
	for _, bc := range sum.Coverage {
		fmt.Fprintln(p.w)
		if err := bc.WriteText(p.w); err != nil {
			return err
		}
		if sum.UnderMin(bc) {
			fmt.Fprintf(p.w, "  %s: coverage of steps %.1f%% or of edges %.1f%% is under --cover-min %g%%\n",
				red("FAIL"), bc.Total.StepsPercent(), bc.Total.EdgesPercent(), sum.CoverMin)
		}
	}
	return nil
}

func (p *testPrinter) summary(sum *transcript.Summary) error {
	green := paint(p.color, color.FgGreen, color.Bold)
	red := paint(p.color, color.FgRed, color.Bold)
	var s string
	// "N passed, N failed" is the closing line CI systems read.
	tally := fmt.Sprintf("%d passed, %d failed", sum.Total-sum.Failed, sum.Failed)
	switch {
	case sum.Failed > 0:
		s = fmt.Sprintf("%s: %s", red("FAIL"), tally)
	case sum.CoverFailed():
		s = fmt.Sprintf("%s: %s, but coverage is under --cover-min", red("FAIL"), tally)
	default:
		s = fmt.Sprintf("%s: %s", green("PASS"), tally)
	}
	if sum.Updated > 0 {
		s += fmt.Sprintf(" (%d updated)", sum.Updated)
	}
	_, err := fmt.Fprintln(p.w, s)
	return err
}
