package main

import (
	"bytes"
	"encoding/json"
	"os"

	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/bench"
)

// benchCLI runs botctl bench with args and returns its exit code and output.
func benchCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"bench"}, args...), strings.NewReader(""), &stdout, &stderr,
		func(k string) string { return env[k] })
	return code, stdout.String(), stderr.String()
}

// TestBenchServed is the acceptance check of botctl bench: against a
// botctl serve of both example bots, on 127.0.0.1, at concurrency 64,
// every answer is what the transcripts say and no turn fails.
func TestBenchServed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts botctl serve and replays thousands of turns")
	}
	var bots []string
	for _, name := range []string{"acme-support", "signup"} {
		p, err := filepath.Abs(filepath.Join("..", "..", "dialogs", name))
		if err != nil {
			t.Fatal(err)
		}
		bots = append(bots, p)
	}
	for _, store := range []string{"memory", "file:" + filepath.Join(t.TempDir(), "data", "botctl.db")} {
		s := startServe(t, t.TempDir(), append([]string{"--store", store}, bots...)...)
		for _, bot := range bots {
			code, out, errOut := benchCLI(t, map[string]string{"BOTCTL_API_KEY": testKey},
				"--url", s.url, "--concurrency", "64", "--conversations", "640", "--format", "json", bot)
			if code != 0 {
				t.Fatalf("%s on %s: exit %d\n%s%s", filepath.Base(bot), store, code, out, errOut)
			}
			var r bench.Report
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if r.Errors != 0 || r.Mismatches != 0 || r.Concurrency != 64 || r.Conversations != 640 || r.Mode != "http" {
				t.Errorf("%s on %s: %d errors %v, %d mismatches %v, concurrency %d", filepath.Base(bot), store,
					r.Errors, r.FirstErrors, r.Mismatches, r.FirstMismatches, r.Concurrency)
			}
			if len(r.Transcripts) == 0 || r.Turns < 640*3 {
				t.Errorf("%s on %s: %d transcripts, %d turns", filepath.Base(bot), store, len(r.Transcripts), r.Turns)
			}
			t.Logf("%s on %s: %d transcripts (%d skipped), %d turns, %.0f turns/s, p99 %v",
				filepath.Base(bot), store, len(r.Transcripts), len(r.Skipped), r.Turns, r.TurnsPerSec, r.Latency.P99)
		}
	}
}

// servedMocks answers acme-support's calls as order_delivered and
// agent_callback expect: order_delivered looks up two orders, the first
// delivered, the second processing.
const servedMocks = `order_lookup:
  - {status: 200, body: {status: delivered, eta: "2025-05-30", carrier: UPS}}
  - {status: 200, body: {status: processing}}
create_callback:
  - {status: 201, body: {id: CB-1042}}
`

// TestBenchServedMocks runs botctl bench --mock against a botctl serve
// --mock of acme-support: the transcripts whose calls the file answers as
// their own mocks do replay too, each of 64 conversations at once getting
// the file's responses in its own order (order_delivered's second lookup
// gets the second response in every conversation).
func TestBenchServedMocks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts botctl serve and replays thousands of turns")
	}
	bot, err := filepath.Abs(filepath.Join("..", "..", "dialogs", "acme-support"))
	if err != nil {
		t.Fatal(err)
	}
	mocks := filepath.Join(t.TempDir(), "mocks.yaml")
	if err := os.WriteFile(mocks, []byte(servedMocks), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, t.TempDir(), "--store", "memory", "--mock", mocks, bot)
	env := map[string]string{"BOTCTL_API_KEY": testKey}
	code, out, errOut := benchCLI(t, env, "--url", s.url, "--mock", mocks, "-c", "64", "-n", "640", "--format", "json", bot)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var r bench.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var replayed []string
	for _, p := range r.Transcripts {
		replayed = append(replayed, strings.TrimSuffix(filepath.Base(p), ".transcript"))
	}
	want := []string{"agent_callback", "agent_callback_declined", "callback_bad_phone", "callback_cancelled", "callback_unclear", "cancel", "order_bad_numbers", "order_delivered", "transfer_attempts"}
	if r.Errors != 0 || r.Mismatches != 0 || !slices.Equal(replayed, want) || len(r.Skipped) != 5 || r.ServerMocks != mocks {
		t.Errorf("%d errors %v, %d mismatches %v, replayed %v, skipped %v, server mocks %q",
			r.Errors, r.FirstErrors, r.Mismatches, r.FirstMismatches, replayed, r.Skipped, r.ServerMocks)
	}

	code, out, errOut = benchCLI(t, env, "--url", s.url, "--mock", mocks, "-n", "12", bot,
		filepath.Join(bot, "tests", "order_delivered.transcript"), filepath.Join(bot, "tests", "order_shipped.transcript"))
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	head := strings.Join(strings.SplitN(out, "\n", 3)[:2], "\n")
	wantHead := "bench acme-support (" + bot + "): 1 transcript, against " + s.url + ", integrations answered by the server from " + mocks + "\n" +
		"  skipped " + filepath.Join(bot, "tests", "order_shipped.transcript") + ": it calls order_lookup, which the server's mock file " + mocks +
		" answers otherwise than the transcript's mocks (call 1 of 1)"
	if head != wantHead {
		t.Errorf("got\n%s\nwant\n%s", head, wantHead)
	}
}

// TestBenchInProcess checks the text report of an in-process run.
func TestBenchInProcess(t *testing.T) {
	code, out, errOut := benchCLI(t, nil, "--conversations", "48", "-c", "4", "../../dialogs/acme-support")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	want := []string{
		`^bench acme-support \(\.\./\.\./dialogs/acme-support\): 14 transcripts, in process, integrations answered by the transcripts' mocks$`,
		`^conversations  48 at concurrency 4$`,
		`^turns          26\d in \d+\.\d{3} s: [\d,]+ turns/s$`,
		`^latency        mean \S+  p50 \S+  p95 \S+  p99 \S+  max \S+$`,
		`^errors         0$`,
		`^mismatches     0$`,
		`^memory         peak heap \d+\.\d MiB, Go runtime \d+\.\d MiB(, max RSS \d+\.\d MiB)?$`,
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("line %d: %q does not match %s", i+1, lines[i], re)
		}
	}
}

func TestBenchUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--conversations", "0", "x"}, "botctl: --conversations must be at least 1, got 0\n"},
		{[]string{"--url", "127.0.0.1:8080", "x"}, "botctl: --url takes the server's http:// or https:// URL, not \"127.0.0.1:8080\"\n"},
		{[]string{"--format", "xml", "x"}, "botctl: invalid argument \"xml\" for \"--format\" flag: want text or json\n"},
		{nil, "botctl: bench: missing PATH (a bot file or directory)\n"},
		{[]string{"--mock", "m.yaml", "x"}, "botctl: --mock FILE says what the server at --url answers integration calls from; in process, each transcript's own mocks answer them\n"},
		{[]string{"--url", "http://127.0.0.1:8080", "--mock", "m.yaml", "--no-mocks", "x"}, "botctl: --mock and --no-mocks do not go together: with --mock the server answers integration calls from FILE, with --no-mocks its back ends do\n"},
	} {
		code, _, errOut := benchCLI(t, nil, c.args...)
		if code != exitUsage || !strings.HasPrefix(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, errOut, c.want)
		}
	}
}

// TestBenchProgressLine checks the progress line: nothing for the first
// two seconds, then one line rewritten in place, and cleared at the end.
func TestBenchProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := &progressLine{w: &b}
	p.show(bench.Progress{Elapsed: time.Second, Conversations: 10, Total: 100, Turns: 50})
	if b.Len() != 0 {
		t.Fatalf("a progress line before two seconds: %q", b.String())
	}
	p.show(bench.Progress{Elapsed: 4 * time.Second, Conversations: 1500, Total: 20000, Turns: 12000, Errors: 1, Mismatches: 2})
	want := "\r\033[K1,500/20,000 conversations  12,000 turns  3,000 turns/s  1 errors  2 mismatches"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
	b.Reset()
	p.clear()
	p.clear()
	if b.String() != "\r\033[K" {
		t.Errorf("clear wrote %q", b.String())
	}
	var none *progressLine
	none.clear() // no terminal: nothing to clear
}
