package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/transcript"
)

// testFormats are the values of botctl test --format.
var testFormats = []string{"text", "json", "junit", "github"}

// testReporter writes the report of a test run in one --format: it is told
// of each transcript as it is run, then of the summary.
type testReporter interface {
	result(res *transcript.Result, v transcript.Verdict) error
	end(sum *transcript.Summary) error
}

// textReporter is the report for people, printed as the run goes.
type textReporter struct {
	p        *testPrinter
	updating bool
}

func (r *textReporter) result(res *transcript.Result, v transcript.Verdict) error {
	return r.p.result(res, v.Passed, v.Updated, r.updating)
}

func (r *textReporter) end(sum *transcript.Summary) error {
	r.p.coverage(sum)
	return r.p.summary(sum)
}

// reported is one transcript's outcome, kept until the end of the run by
// the reports that are one document.
type reported struct {
	res *transcript.Result
	v   transcript.Verdict
}

// shownFailures lists the failures of res that the reports show: with
// --update, output differences are resolved by the rewrite, not failures.
func shownFailures(res *transcript.Result, v transcript.Verdict, updating bool) []transcript.Failure {
	if v.Passed {
		return nil
	}
	var out []transcript.Failure
	for _, f := range res.Failures {
		if updating && f.Kind == transcript.FailOutput {
			continue
		}
		out = append(out, f)
	}
	return out
}

// problems lists the diagnostics that kept res from running: its own, and
// its bot's when the bot does not compile.
func problems(res *transcript.Result) diag.List {
	var l diag.List
	l.Append(res.Diags)
	l.Append(res.BotDiags)
	return l
}

var failKinds = map[transcript.FailKind]string{
	transcript.FailOutput:    "output",
	transcript.FailAssertion: "assertion",
	transcript.FailMock:      "mock",
	transcript.FailStart:     "start",
	transcript.FailState:     "state",
}

// suiteOf names the group a transcript is reported in: its bot, or, for
// one that got no bot, its directory.
func suiteOf(res *transcript.Result) string {
	if res.BotPath != "" {
		return filepath.ToSlash(res.BotPath)
	}
	return filepath.ToSlash(filepath.Dir(res.Path))
}

func seconds(d time.Duration) float64 { return d.Seconds() }

// jsonReporter writes one JSON document at the end of the run.
type jsonReporter struct {
	w        io.Writer
	updating bool
	doc      jsonTestReport
}

// jsonTestReport is the document of botctl test --format json. The
// results are under a key of their own so that other parts of a run's
// outcome sit beside them.
type jsonTestReport struct {
	Results []jsonTestResult `json:"results"`
	Summary jsonTestSummary  `json:"summary"`
	// Coverage is the coverage report of a run with --cover, a bot each.
	Coverage transcript.CoverReport `json:"coverage,omitempty"`
}

type jsonTestResult struct {
	Path    string `json:"path"`
	Bot     string `json:"bot"` // the bot's path; "" when the transcript got no bot
	Passed  bool   `json:"passed"`
	Updated bool   `json:"updated"`
	// Failures are the ways the bot differed from the transcript, the first
	// difference first; Diagnostics are what kept it from running.
	Failures    []jsonFailure     `json:"failures"`
	Diagnostics []diag.Diagnostic `json:"diagnostics"`
	Duration    float64           `json:"duration"` // seconds
}

type jsonFailure struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Kind     string `json:"kind"`
	Message  string `json:"message"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
}

type jsonTestSummary struct {
	Total   int  `json:"total"`
	Passed  int  `json:"passed"`
	Failed  int  `json:"failed"`
	Updated int  `json:"updated"`
	OK      bool `json:"ok"`
}

func (r *jsonReporter) result(res *transcript.Result, v transcript.Verdict) error {
	out := jsonTestResult{
		Path:        filepath.ToSlash(res.Path),
		Bot:         filepath.ToSlash(res.BotPath),
		Passed:      v.Passed,
		Updated:     v.Updated,
		Failures:    []jsonFailure{},
		Diagnostics: problems(res),
		Duration:    seconds(res.Duration),
	}
	if out.Diagnostics == nil {
		out.Diagnostics = diag.List{}
	}
	for _, f := range shownFailures(res, v, r.updating) {
		out.Failures = append(out.Failures, jsonFailure{
			File: filepath.ToSlash(f.Pos.File), Line: f.Pos.Line, Kind: failKinds[f.Kind],
			Message: f.Msg, Expected: f.Expected, Actual: f.Actual,
		})
	}
	r.doc.Results = append(r.doc.Results, out)
	return nil
}

func (r *jsonReporter) end(sum *transcript.Summary) error {
	if r.doc.Results == nil {
		r.doc.Results = []jsonTestResult{}
	}
	r.doc.Summary = jsonTestSummary{Total: sum.Total, Passed: sum.Total - sum.Failed, Failed: sum.Failed, Updated: sum.Updated, OK: sum.OK()}
	r.doc.Coverage = sum.Coverage
	enc := json.NewEncoder(r.w)
	enc.SetEscapeHTML(false) // "< Hello", as the transcript has it
	enc.SetIndent("", "  ")
	return enc.Encode(r.doc)
}

// junitReporter writes a JUnit XML document at the end of the run: a
// <testsuite> per bot with a <testcase> per transcript, as CI systems read
// it (the attributes of the common JUnit schema: tests, failures, errors,
// skipped, time).
type junitReporter struct {
	w        io.Writer
	updating bool
	start    time.Time
	runs     []reported
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
	elapsed   time.Duration
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
}

// junitProblem is a <failure> (the transcript ran and the bot did
// something else) or an <error> (it could not run).
type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func junitTime(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func (r *junitReporter) result(res *transcript.Result, v transcript.Verdict) error {
	r.runs = append(r.runs, reported{res, v})
	return nil
}

func (r *junitReporter) end(*transcript.Summary) error {
	doc := junitSuites{Name: "botctl test"}
	index := map[string]int{}
	var total time.Duration
	for _, run := range r.runs {
		name := suiteOf(run.res)
		i, ok := index[name]
		if !ok {
			i = len(doc.Suites)
			index[name] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: name, Timestamp: r.start.Format("2006-01-02T15:04:05")})
		}
		s := &doc.Suites[i]
		c := r.testcase(run, name)
		s.Tests++
		switch {
		case c.Error != nil:
			s.Errors++
		case c.Failure != nil:
			s.Failures++
		}
		s.elapsed += run.res.Duration
		total += run.res.Duration
		s.Cases = append(s.Cases, c)
	}
	for i := range doc.Suites {
		s := &doc.Suites[i]
		s.Time = junitTime(s.elapsed)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
	}
	doc.Time = junitTime(total)
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(r.w, "%s%s\n", xml.Header, b)
	return err
}

func (r *junitReporter) testcase(run reported, suite string) junitCase {
	res := run.res
	path := filepath.ToSlash(res.Path)
	c := junitCase{Name: path, Classname: suite, File: path, Time: junitTime(res.Duration)}
	if run.v.Passed {
		return c
	}
	if !res.Ran() {
		l := problems(res)
		var b strings.Builder
		_ = diag.Text(&b, l, diag.TextOptions{})
		msg := "the transcript did not run"
		if len(l) > 0 {
			msg = l[0].Error()
		}
		c.Error = &junitProblem{Message: msg, Type: "error", Text: b.String()}
		return c
	}
	fs := shownFailures(res, run.v, r.updating)
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String() + "\n")
		if f.Expected != "" || f.Actual != "" {
			fmt.Fprintf(&b, "  expected: %s\n  actual:   %s\n", f.Expected, f.Actual)
		}
	}
	if !r.updating {
		b.WriteString(transcript.Diff(res.Path, res.Expected, res.Actual, false))
	}
	msg, kind := "the transcript failed", ""
	if len(fs) > 0 {
		msg, kind = fs[0].String(), failKinds[fs[0].Kind]
	}
	c.Failure = &junitProblem{Message: msg, Type: kind, Text: b.String()}
	return c
}

// githubReporter writes GitHub Actions workflow commands: an ::error
// annotation per failure, at its file and line, so that each shows on
// the line of the transcript in the pull request, then the summary line.
type githubReporter struct {
	w         io.Writer
	updating  bool
	shownBots map[string]bool
}

func (r *githubReporter) result(res *transcript.Result, v transcript.Verdict) error {
	var b strings.Builder
	if !res.Ran() && !v.Passed {
		l := res.Diags
		if len(res.BotDiags) > 0 && !r.shownBots[res.BotPath] {
			r.shownBots[res.BotPath] = true
			l = append(append(diag.List{}, l...), res.BotDiags...)
		}
		for _, d := range l {
			if d.Severity != diag.Error {
				continue
			}
			msg := d.Message
			if d.Suggestion != "" {
				msg += " (" + d.Suggestion + ")"
			}
			b.WriteString(githubError(d.Pos, msg))
		}
	}
	for _, f := range shownFailures(res, v, r.updating) {
		b.WriteString(githubError(f.Pos, f.Msg))
	}
	_, err := io.WriteString(r.w, b.String())
	return err
}

func (r *githubReporter) end(sum *transcript.Summary) error {
	var b strings.Builder
	for _, bc := range sum.Coverage {
		if sum.UnderMin(bc) {
			b.WriteString(githubError(diag.Pos{File: bc.Path}, fmt.Sprintf("coverage of bot %s is %.1f%% of steps and %.1f%% of edges, under --cover-min %g%%", bc.Name, bc.Total.StepsPercent(), bc.Total.EdgesPercent(), sum.CoverMin)))
		}
	}
	if _, err := io.WriteString(r.w, b.String()); err != nil {
		return err
	}
	p := &testPrinter{w: r.w}
	return p.summary(sum)
}

// githubError formats one ::error workflow command at pos.
func githubError(pos diag.Pos, msg string) string {
	var props []string
	if pos.File != "" {
		props = append(props, "file="+githubProperty(filepath.ToSlash(pos.File)))
	}
	if pos.Line > 0 {
		props = append(props, fmt.Sprintf("line=%d", pos.Line))
	}
	if pos.Col > 0 {
		props = append(props, fmt.Sprintf("col=%d", pos.Col))
	}
	cmd := "::error"
	if len(props) > 0 {
		cmd += " " + strings.Join(props, ",")
	}
	return cmd + "::" + githubData(msg) + "\n"
}

// githubData escapes the message of a workflow command as the runner
// unescapes it (actions/toolkit, command.ts): %, CR and LF.
var githubDataEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")

// githubPropertyEscaper escapes a property value, where : and , would
// end it, too.
var githubPropertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")

func githubData(s string) string     { return githubDataEscaper.Replace(s) }
func githubProperty(s string) string { return githubPropertyEscaper.Replace(s) }
