package transcript_test

import (
	"fmt"
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
	want := `desk (testdata/desk.yaml): 37.5%
  welcome steps 1/1 edges 0/0
  status steps 4/7 edges 0/2
  attach steps 0/1 edges 0/0
  agent steps 1/1 edges 0/0
  reminder steps 0/1 edges 0/0
  upgrade steps 0/2 edges 0/0
  bye steps 0/1 edges 0/0
  missed testdata/desk.yaml:49:13: status#2: rule 1 (when result.ok && vars.state == "open" → status.open) never taken
  missed testdata/desk.yaml:50:21: status#2: on_failure → status.sorry never taken (the call never failed)
  missed testdata/desk.yaml:53:9: step status.open (say) never ran
  missed testdata/desk.yaml:55:9: step status#6 (end) never ran
  missed testdata/desk.yaml:56:9: step status.sorry (say) never ran
  missed testdata/desk.yaml:62:9: step attach#1 (ask) never ran
  missed testdata/desk.yaml:76:9: step reminder#1 (say) never ran
  missed testdata/desk.yaml:80:9: step upgrade#1 (set) never ran
  missed testdata/desk.yaml:81:9: step upgrade#2 (say) never ran
  missed testdata/desk.yaml:86:9: step bye#1 (close) never ran
`
	if got := report(c); got != want {
		t.Errorf("coverage differs\n--- got\n%s--- want\n%s", got, want)
	}

	// The package's transcripts of the desk bot, added to the same
	// coverage, reach everything but the transfer's and question's
	// failure edges, which the desk bot does not have.
	for _, p := range []string{"testdata/desk.transcript", "testdata/upgrade.transcript"} {
		if res := r.Run(p); !res.Passed() {
			t.Fatalf("%s: %v %v", p, res.Diags, res.Failures)
		}
	}
	want = `desk (testdata/desk.yaml): 100.0%
  welcome steps 1/1 edges 0/0
  status steps 7/7 edges 2/2
  attach steps 1/1 edges 0/0
  agent steps 1/1 edges 0/0
  reminder steps 1/1 edges 0/0
  upgrade steps 2/2 edges 0/0
  bye steps 1/1 edges 0/0
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
	if !strings.Contains(got, "agent.yaml:78:18: callback.ask_phone: on_fail → callback.no_phone never taken") {
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
	want := `odd (bot.yaml): 62.5%
  hello steps 1/1 edges 0/0
  agent steps 1/1 edges 0/0
  look steps 2/4 edges 1/2
  missed bot.yaml:21:21: look#1: on_failure → look.sorry never taken
  missed bot.yaml:22:9: step look#2 (say) never ran
  missed bot.yaml:23:9: step look#3 (end) never ran
`
	if got := report(c); got != want {
		t.Errorf("coverage differs\n--- got\n%s--- want\n%s", got, want)
	}
}
