package transcript_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/transcript"
)

func report(c *transcript.Coverage) string {
	var b strings.Builder
	for _, bc := range c.Report() {
		fmt.Fprintf(&b, "%s (%s): %.1f%%\n", bc.Name, bc.Path, bc.Total.Percent())
		for _, d := range bc.Dialogs {
			fmt.Fprintf(&b, "  %s steps %d/%d edges %d/%d\n", d.Name, d.StepsHit, d.Steps, d.EdgesHit, d.Edges)
		}
		for _, m := range bc.Missed {
			fmt.Fprintf(&b, "  missed %s\n", m)
		}
	}
	return b.String()
}

func TestCoverage(t *testing.T) {
	c := &transcript.Coverage{}
	r := &transcript.Runner{Coverage: c}
	// One lookup that finds a closed ticket; one question answered wrongly
	// twice (max_attempts: 2, no on_fail); a transfer that fails.
	res := r.RunSource("testdata/cover.transcript", []byte(`---
bot: desk.yaml
mocks:
  ticket_lookup: [{status: 200, body: {state: closed}}]
transfers: [{error: "no agents"}]
---
< Hello!\nI answer questions about tickets.
<< buttons Ticket status | Agent
> ticket status
< Which ticket?
> T-1
< Ticket T-1 is closed. Path: C:\tickets\\n
> ticket status
< Which ticket?
> 1
< That doesn't look right. Please try again.
> 2
< Sorry, something went wrong on our side.
> agent
< Connecting you.
< Not able to transfer to Agent at this time. Please try later.
`))
	if !res.Passed() {
		t.Fatalf("%v %v\n%s", res.Diags, res.Failures, transcript.Diff("", res.Expected, res.Actual, false))
	}
	// The question's attempts used up without on_fail, and the transfer
	// that failed without on_failure, took the implicit edges.
	want := `desk (testdata/desk.yaml): 42.1%
  welcome steps 1/1 edges 0/0
  status steps 4/7 edges 1/3
  attach steps 0/1 edges 0/1
  agent steps 1/1 edges 1/1
  reminder steps 0/1 edges 0/0
  upgrade steps 0/2 edges 0/0
  bye steps 0/1 edges 0/0
  missed testdata/desk.yaml:49:13: status#2: rule 1 (when result.ok && vars.state == "open" → status.open) never taken
  missed testdata/desk.yaml:50:21: status#2: on_failure → status.sorry never taken (the call never failed)
  missed testdata/desk.yaml:53:9: step status.open (say) never ran
  missed testdata/desk.yaml:55:9: step status#6 (end) never ran
  missed testdata/desk.yaml:56:9: step status.sorry (say) never ran
  missed testdata/desk.yaml:62:9: step attach#1 (ask) never ran
  missed testdata/desk.yaml:62:9: attach#1: attempts used up → error_message, end never taken (no answer used up max_attempts 3)
  missed testdata/desk.yaml:76:9: step reminder#1 (say) never ran
  missed testdata/desk.yaml:80:9: step upgrade#1 (set) never ran
  missed testdata/desk.yaml:81:9: step upgrade#2 (say) never ran
  missed testdata/desk.yaml:86:9: step bye#1 (close) never ran
`
	if got := report(c); got != want {
		t.Errorf("coverage differs\n--- got\n%s--- want\n%s", got, want)
	}

	// The package's transcripts of the desk bot, added to the same
	// coverage, reach everything but the file question's attempts used
	// up, which none of them does.
	for _, p := range []string{"testdata/desk.transcript", "testdata/upgrade.transcript"} {
		if res := r.Run(p); !res.Passed() {
			t.Fatalf("%s: %v %v", p, res.Diags, res.Failures)
		}
	}
	want = `desk (testdata/desk.yaml): 94.7%
  welcome steps 1/1 edges 0/0
  status steps 7/7 edges 3/3
  attach steps 1/1 edges 0/1
  agent steps 1/1 edges 1/1
  reminder steps 1/1 edges 0/0
  upgrade steps 2/2 edges 0/0
  bye steps 1/1 edges 0/0
  missed testdata/desk.yaml:62:9: attach#1: attempts used up → error_message, end never taken (no answer used up max_attempts 3)
`
	if got := report(c); got != want {
		t.Errorf("coverage differs\n--- got\n%s--- want\n%s", got, want)
	}
}

// TestCoverageEdges checks the edges that are not rules: on_fail of a
// question and on_failure of a transfer, on the example bots.
func TestCoverageEdges(t *testing.T) {
	c := &transcript.Coverage{}
	r := &transcript.Runner{Coverage: c}
	for _, p := range []string{
		"../../dialogs/acme-support/tests/order_bad_numbers.transcript",    // on_fail → agent.offer
		"../../dialogs/acme-support/tests/transfer_unavailable.transcript", // on_failure → unavailable
	} {
		if res := r.Run(p); !res.Passed() {
			t.Fatalf("%s: %v %v", p, res.Diags, res.Failures)
		}
	}
	got := report(c)
	for _, missed := range []string{
		"orders.yaml:29:18: order_status.ask_number: on_fail",
		"agent.yaml:34:21: agent.handoff: on_failure",
	} {
		if strings.Contains(got, missed) {
			t.Errorf("%s was exercised but is reported missed:\n%s", missed, got)
		}
	}
	if !strings.Contains(got, "agent.yaml:81:18: callback.ask_phone: on_fail → callback.no_phone never taken") {
		t.Errorf("an on_fail no transcript took is not reported:\n%s", got)
	}
}

// TestCoverageCaughtFailure: a call that failed, with the failure routed
// by a rule before on_failure, is not reported as a call that never failed.
func TestCoverageCaughtFailure(t *testing.T) {
	c := &transcript.Coverage{}
	if res := runOdd(t, &transcript.Runner{Coverage: c}, oddLines); !res.Passed() {
		t.Fatalf("%s", failures(res))
	}
	want := `odd (bot.yaml): 55.6%
  hello steps 1/1 edges 0/0
  agent steps 1/1 edges 0/1
  look steps 2/4 edges 1/2
  missed bot.yaml:14:9: agent#1: failed → transfer_failed_message, end never taken (no transfer request failed)
  missed bot.yaml:21:21: look#1: on_failure → look.sorry never taken
  missed bot.yaml:22:9: step look#2 (say) never ran
  missed bot.yaml:23:9: step look#3 (end) never ran
`
	if got := report(c); got != want {
		t.Errorf("coverage differs\n--- got\n%s--- want\n%s", got, want)
	}
}

// TestCoverageImplicit: the defaults a step takes when the author wrote no
// route count as edges only once a transcript takes them.
func TestCoverageImplicit(t *testing.T) {
	const bot = `botctl: 1
bot: {name: implicit, welcome: w, error_message: Sorry.}
variables: {n: 0}
integrations:
  api: {url: "http://api.test/"}
dialogs:
  w:
    steps: [{say: Hi.}]
  stop:
    interrupt: true
    starters: [stop]
    steps: [{say: Stopped.}]
  count:
    starters: [count]
    steps:
      - {ask: "How many?", save: n, type: integer, max_attempts: 1}
      - call: api
      - say: Done.
`
	cases := []struct {
		name, status, lines, missed string
	}{
		{"none taken", "200", "> count\n< How many?\n> 2\n< Done.\n",
			"step stop#1, count#1: attempts used up, count#1: interrupted, count#2: failed"},
		{"exhausted", "200", "> count\n< How many?\n> x\n< Sorry.\n",
			"step stop#1, count#1: interrupted, step count#2, count#2: failed, step count#3"},
		{"interrupted", "200", "> count\n< How many?\n> stop\n< Stopped.\n",
			"count#1: attempts used up, step count#2, count#2: failed, step count#3"},
		{"call failed", "500", "> count\n< How many?\n> 2\n< Sorry.\n",
			"step stop#1, count#1: attempts used up, count#1: interrupted, step count#3"},
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bot.yaml"), []byte(bot), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, tt := range cases {
		c := &transcript.Coverage{}
		r := &transcript.Runner{Coverage: c}
		res := r.RunSource("t.transcript", []byte("---\nbot: bot.yaml\nmocks: {api: [{status: "+tt.status+"}]}\n---\n< Hi.\n"+tt.lines))
		if !res.Passed() {
			t.Fatalf("%s: %v %v\n%s", tt.name, res.Diags, res.Failures, transcript.Diff("", res.Expected, res.Actual, false))
		}
		var got []string
		for _, m := range c.Report()[0].Missed {
			w := m.What
			if i := strings.Index(w, " →"); i >= 0 {
				w = w[:i]
			}
			w = strings.TrimSuffix(w, " never taken (no interrupt dialog took over while the question waited)")
			if m.IsEdge {
				got = append(got, w)
			} else {
				got = append(got, "step "+m.Step)
			}
		}
		if g := strings.Join(got, ", "); g != tt.missed {
			t.Errorf("%s: missed %s, want %s", tt.name, g, tt.missed)
		}
	}
}
