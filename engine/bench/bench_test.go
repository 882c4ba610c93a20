package bench

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/server"
	"github.com/botctl/botctl/engine/transcript"
	"github.com/botctl/botctl/engine/turn"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	// 1µs .. 10ms, 10,000 values evenly spread, shuffled.
	vals := make([]time.Duration, 10000)
	for i := range vals {
		vals[i] = time.Microsecond + time.Duration(i)*time.Microsecond
	}
	rand.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
	for _, v := range vals {
		h.record(v)
	}
	for _, q := range []float64{0.5, 0.95, 0.99} {
		want := time.Microsecond + time.Duration(q*10000-1)*time.Microsecond
		got := h.quantile(q)
		if diff := float64(got-want) / float64(want); diff < -0.02 || diff > 0.02 {
			t.Errorf("p%.0f = %v, want %v within 2%%", q*100, got, want)
		}
	}
	if h.min != time.Microsecond || h.max != 10000*time.Microsecond {
		t.Errorf("min %v max %v", h.min, h.max)
	}
	if got, want := h.mean(), 5000500*time.Nanosecond; got != want {
		t.Errorf("mean = %v, want %v", got, want)
	}

	var a, b histogram
	a.record(3 * time.Millisecond)
	b.record(5 * time.Nanosecond)
	a.merge(&b)
	if a.n != 2 || a.min != 5 || a.max != 3*time.Millisecond || a.quantile(0.5) != 5 {
		t.Errorf("merged: n %d min %v max %v p50 %v", a.n, a.min, a.max, a.quantile(0.5))
	}
	var empty histogram
	if empty.quantile(0.99) != 0 || empty.mean() != 0 {
		t.Error("an empty histogram has a quantile")
	}
}

func TestBuckets(t *testing.T) {
	prev := -1
	for _, v := range []uint64{0, 1, 63, 64, 65, 127, 128, 129, 1000, 1 << 20, 1<<40 + 12345, 1<<63 - 1} {
		i := bucket(v)
		if i < prev {
			t.Errorf("bucket(%d) = %d, before %d", v, i, prev)
		}
		prev = i
		if i >= histBuckets {
			t.Fatalf("bucket(%d) = %d, beyond %d", v, i, histBuckets)
		}
		lo, hi := bucketRange(i)
		if v < lo || v > hi {
			t.Errorf("bucket(%d) = %d covers [%d, %d]", v, i, lo, hi)
		}
		if v >= 64 && float64(hi-lo+1)/float64(lo) > 1.0/64+1e-9 {
			t.Errorf("bucket %d is %d wide at %d: more than 1/64", i, hi-lo+1, lo)
		}
	}
}

func TestSame(t *testing.T) {
	parse := func(src string) []transcript.Line {
		tr, diags := transcript.Parse("x.transcript", []byte(src))
		if diags.HasErrors() {
			t.Fatal(diags.Err())
		}
		return tr.Lines
	}
	exp := parse("<< transfer to=agent skill=\"billing\"\n<< buttons a | b\n< hi\n")
	got := []transcript.Line{
		transcript.ActionLine("transfer to=agent skill=billing"),
		transcript.ActionLine("buttons a | b"),
		{Kind: transcript.Say, Text: "hi"},
	}
	ptrs := []*transcript.Line{&exp[0], &exp[1], &exp[2]}
	if !matches(ptrs, got) {
		t.Error("the same lines do not match")
	}
	got[1] = transcript.ActionLine("buttons a | c")
	if matches(ptrs, got) {
		t.Error("other buttons match")
	}
	if matches(ptrs, got[:2]) {
		t.Error("fewer lines match")
	}
	if same(&exp[2], &transcript.Line{Kind: transcript.Refusal, Text: "hi"}) {
		t.Error("a refusal is the same as a message")
	}
}

// examplePaths lists the transcripts of an example bot.
func examplePaths(t *testing.T, bot string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "dialogs", bot, "tests", "*.transcript"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no transcripts for %s: %v", bot, err)
	}
	return paths
}

func prepare(t *testing.T, botPath string, paths []string) *Suite {
	t.Helper()
	bot, diags := engine.Load(botPath)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	s, err := Prepare(bot, botPath, paths)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPrepareExamples checks what the example bots' transcripts need, as
// the dry runs find it.
func TestPrepareExamples(t *testing.T) {
	type want struct {
		calls []string
		skip  string // a prefix of HTTPSkip
	}
	wants := map[string]want{
		"agent_callback":             {calls: []string{"create_callback"}},
		"agent_callback_declined":    {},
		"callback_bad_phone":         {},
		"callback_cancelled":         {},
		"callback_unclear":           {},
		"callback_failed":            {calls: []string{"create_callback"}},
		"cancel":                     {},
		"order_bad_numbers":          {},
		"order_delivered":            {calls: []string{"order_lookup"}},
		"order_lookup_failed":        {calls: []string{"order_lookup"}},
		"order_not_found":            {calls: []string{"order_lookup"}},
		"order_shipped":              {calls: []string{"order_lookup"}},
		"transfer_attempts":          {},
		"transfer_unavailable":       {skip: "its header makes a transfer request fail"},
		"signup/business":            {calls: []string{"submit_application"}, skip: "what the bot says depends on the date"},
		"signup/cancel":              {},
		"signup/cancel_anywhere":     {},
		"signup/gave_up":             {},
		"signup/enterprise":          {calls: []string{"submit_application"}, skip: "line 35: its upload has no type"},
		"signup/order_question":      {skip: "it hands the conversation to the bot acme-support"},
		"signup/order_question_unav": {skip: "its header makes a transfer request fail"},
		"signup/personal":            {calls: []string{"submit_application"}},
		"signup/upload_failed":       {calls: []string{"submit_application"}, skip: "its header makes storing a file fail"},
	}
	check := func(prefix string, s *Suite) {
		for _, sc := range s.Scripts {
			name := prefix + strings.TrimSuffix(filepath.Base(sc.Path), ".transcript")
			if name == "signup/order_question_unavailable" {
				name = "signup/order_question_unav"
			}
			w, ok := wants[name]
			if !ok {
				t.Errorf("%s: no expectation", name)
				continue
			}
			if !slices.Equal(sc.Calls, w.calls) {
				t.Errorf("%s: calls %v, want %v", name, sc.Calls, w.calls)
			}
			if !strings.HasPrefix(sc.HTTPSkip, w.skip) || (w.skip == "") != (sc.HTTPSkip == "") {
				t.Errorf("%s: HTTPSkip %q, want it to start with %q", name, sc.HTTPSkip, w.skip)
			}
			if sc.Turns() != len(sc.turns) || sc.Turns() < 2 {
				t.Errorf("%s: %d turns", name, sc.Turns())
			}
		}
	}
	check("", prepare(t, "../../dialogs/acme-support", examplePaths(t, "acme-support")))
	check("signup/", prepare(t, "../../dialogs/signup", examplePaths(t, "signup")))
}

// TestRunInProcess replays every example transcript in process: no errors,
// no mismatches, every turn counted.
func TestRunInProcess(t *testing.T) {
	for _, bot := range []string{"acme-support", "signup"} {
		s := prepare(t, "../../dialogs/"+bot, examplePaths(t, bot))
		var turnsPerRound int
		for _, sc := range s.Scripts {
			turnsPerRound += sc.Turns()
		}
		var progress int
		r, err := Run(context.Background(), s, Options{Conversations: 4 * len(s.Scripts), Concurrency: 3,
			Progress: func(Progress) { progress++ }, ProgressEvery: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if r.Errors != 0 || r.Mismatches != 0 {
			t.Errorf("%s: %d errors %v, %d mismatches %v", bot, r.Errors, r.FirstErrors, r.Mismatches, r.FirstMismatches)
		}
		if r.Turns != int64(4*turnsPerRound) {
			t.Errorf("%s: %d turns, want %d", bot, r.Turns, 4*turnsPerRound)
		}
		if r.Mode != "in-process" || r.Concurrency != 3 || r.TurnsPerSec <= 0 || r.Latency.P50 <= 0 ||
			r.Latency.P50 > r.Latency.P99 || r.Latency.P99 > r.Latency.Max || r.Memory.PeakHeap == 0 {
			t.Errorf("%s: implausible report %+v", bot, r)
		}
		if len(r.Transcripts) != len(s.Scripts) || len(r.Skipped) != 0 {
			t.Errorf("%s: transcripts %v, skipped %v", bot, r.Transcripts, r.Skipped)
		}
	}
}

const loopBot = `botctl: 1
bot:
  name: loop
  welcome: hello
variables: {n: 0}
dialogs:
  hello:
    steps:
      - say: "Hello!"
        buttons: [Count]
  count:
    starters: [count]
    steps:
      - ask: "How many?"
        save: n
        type: integer
      - say: "You said ${vars.n}."
`

const loopTranscript = `---
bot: loop.yaml
---
< Hello!
<< buttons Count
> count
< How many?
> 3
< You said 3.
`

// writeBot writes a bot and a transcript into a directory and returns
// their paths.
func writeBot(t *testing.T, bot, tr string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	bp, tp := filepath.Join(dir, "loop.yaml"), filepath.Join(dir, "loop.transcript")
	if err := os.WriteFile(bp, []byte(bot), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tp, []byte(tr), 0o644); err != nil {
		t.Fatal(err)
	}
	return bp, tp
}

// serve serves the bot at path on a loopback listener.
func serve(t *testing.T, path string, opts ...server.Option) string {
	t.Helper()
	bot, diags := engine.Load(path)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	all := append([]server.Option{server.WithBots(&server.Bot{Bot: bot, Path: path}),
		server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	srv, err := server.New(all...)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL
}

func TestRunHTTP(t *testing.T) {
	bp, tp := writeBot(t, loopBot, loopTranscript)
	s := prepare(t, bp, []string{tp})
	url := serve(t, bp, server.WithAPIKeys("bench-test-key-0123456789"))
	r, err := Run(context.Background(), s, Options{URL: url, APIKey: "bench-test-key-0123456789", Conversations: 40, Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	if r.Mode != "http" || r.Errors != 0 || r.Mismatches != 0 || r.Turns != 40*3 {
		t.Errorf("report %+v", r)
	}

	// Without the key, creating a conversation is refused: the warm-up
	// says so and the run does not start.
	_, err = Run(context.Background(), s, Options{URL: url, Conversations: 4})
	if err == nil || !strings.Contains(err.Error(), "create: HTTP 401 unauthorized") {
		t.Errorf("without a key: %v", err)
	}
}

// TestRunHTTPMismatch replays against a server whose bot says something
// else: every conversation's last turn is a mismatch, and the report shows
// the first ones.
func TestRunHTTPMismatch(t *testing.T) {
	bp, tp := writeBot(t, loopBot, loopTranscript)
	s := prepare(t, bp, []string{tp})
	other, _ := writeBot(t, strings.Replace(loopBot, "You said", "You typed", 1), loopTranscript)
	url := serve(t, other)
	r, err := Run(context.Background(), s, Options{URL: url, Conversations: 10, Concurrency: 2, Examples: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 0 || r.Mismatches != 10 || len(r.FirstMismatches) != 2 {
		t.Fatalf("%d errors, %d mismatches, %d shown", r.Errors, r.Mismatches, len(r.FirstMismatches))
	}
	want := tp + ":8: after > 3\n  - < You said 3.\n  + < You typed 3.\n"
	if got := r.FirstMismatches[0].String(); got != want {
		t.Errorf("mismatch:\n%s\nwant:\n%s", got, want)
	}
}

// TestRunHTTPSkips checks that transcripts a server would answer
// differently are left out, with their reasons, and that a run with none
// left is an error.
func TestRunHTTPSkips(t *testing.T) {
	s := prepare(t, "../../dialogs/signup", examplePaths(t, "signup"))
	_, err := Run(context.Background(), &Suite{BotPath: s.BotPath, Bot: s.Bot, Scripts: slices.DeleteFunc(slices.Clone(s.Scripts),
		func(sc *Script) bool { return sc.HTTPSkip == "" })}, Options{URL: "http://127.0.0.1:1"})
	if err == nil || !strings.HasPrefix(err.Error(), "none of the transcripts can replay against a server: ") {
		t.Errorf("err = %v", err)
	}
	url := serve(t, "../../dialogs/signup")
	r, err := Run(context.Background(), s, Options{URL: url, Conversations: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Transcripts) != 3 || !strings.HasSuffix(r.Transcripts[0], "cancel.transcript") || len(r.Skipped) != 6 {
		t.Errorf("transcripts %v, skipped %v", r.Transcripts, r.Skipped)
	}
	if r.Errors != 0 || r.Mismatches != 0 {
		t.Errorf("%d errors %v, %d mismatches %v", r.Errors, r.FirstErrors, r.Mismatches, r.FirstMismatches)
	}
	var personal string
	for _, sk := range r.Skipped {
		if strings.HasSuffix(sk.Path, "personal.transcript") {
			personal = sk.Reason
		}
	}
	if personal != "it calls submit_application, which a server calls for real (it has no mocks); --no-mocks replays it against the server's backends" {
		t.Errorf("personal: %q", personal)
	}
}

// TestPrepareRefusesFailing checks that a transcript that does not pass
// is refused before any load.
func TestPrepareRefusesFailing(t *testing.T) {
	bp, tp := writeBot(t, loopBot, strings.Replace(loopTranscript, "< You said 3.", "< You said three.", 1))
	bot, _ := engine.Load(bp)
	_, err := Prepare(bot, bp, []string{tp})
	want := "1 transcript does not pass against the bot (botctl test shows the differences):\n  " + tp +
		`:9: the bot did "< You said 3.", but the transcript expects "< You said three."`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// callerFunc answers every integration call with its status and body.
type callerFunc func() (int, any)

func (f callerFunc) Call(context.Context, *turn.Request) turn.CallResult {
	status, body := f()
	return turn.CallResult{Status: status, Body: body}
}

// TestRunNoMocksLive replays a transcript that calls an integration with
// the calls made by a live caller instead of the mocks.
func TestRunNoMocksLive(t *testing.T) {
	s := prepare(t, "../../dialogs/acme-support", []string{"../../dialogs/acme-support/tests/order_shipped.transcript"})
	live := callerFunc(func() (int, any) {
		return 200, map[string]any{"status": "shipped", "eta": "2025-06-05", "carrier": "DHL", "tracking_url": "https://track.example/JD0146"}
	})
	r, err := Run(context.Background(), s, Options{NoMocks: true, Caller: live, Conversations: 5,
		Getenv: func(k string) string { return map[string]string{"ORDERS_API": "http://orders.test"}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if r.Mocks || r.Errors != 0 || r.Mismatches != 0 {
		t.Errorf("report %+v", r)
	}
}

// BenchmarkReplay replays the example bots' transcripts in process, one
// conversation per op, as botctl bench does; ns/turn is the mean turn.
func BenchmarkReplay(b *testing.B) {
	for _, bot := range []string{"acme-support", "signup"} {
		b.Run(bot, func(b *testing.B) {
			paths, _ := filepath.Glob(filepath.Join("..", "..", "dialogs", bot, "tests", "*.transcript"))
			bt, diags := engine.Load("../../dialogs/" + bot)
			if diags.HasErrors() {
				b.Fatal(diags.Err())
			}
			s, err := Prepare(bt, "../../dialogs/"+bot, paths)
			if err != nil {
				b.Fatal(err)
			}
			l := &load{o: Options{Examples: 1}, d: &inprocDriver{bot: bt}}
			h := &histogram{}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				l.conversation(context.Background(), s.Scripts[i%len(s.Scripts)], h)
				i++
			}
			if l.errors.Load()+l.mismatches.Load() > 0 {
				b.Fatalf("%d errors %v, %d mismatches", l.errors.Load(), l.errorList, l.mismatches.Load())
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(l.turns.Load()), "ns/turn")
		})
	}
}

// TestRunCanceled checks that a canceled run stops early and counts no
// error for the turns it cut short.
func TestRunCanceled(t *testing.T) {
	bp, tp := writeBot(t, loopBot, loopTranscript)
	s := prepare(t, bp, []string{tp})
	url := serve(t, bp)
	ctx, cancel := context.WithCancel(context.Background())
	r, err := Run(ctx, s, Options{URL: url, Conversations: 1_000_000, Concurrency: 4,
		Progress: func(p Progress) {
			if p.Turns > 100 {
				cancel()
			}
		}, ProgressEvery: time.Millisecond})
	if err != context.Canceled {
		t.Fatalf("err = %v", err)
	}
	if r.Errors != 0 || r.Mismatches != 0 || r.Turns == 0 || r.Turns >= 3_000_000 {
		t.Errorf("%d turns, %d errors %v, %d mismatches", r.Turns, r.Errors, r.FirstErrors, r.Mismatches)
	}
}

// TestRunHTTPNoServer: a URL nobody answers at is a clear error before any
// load starts.
func TestRunHTTPNoServer(t *testing.T) {
	bp, tp := writeBot(t, loopBot, loopTranscript)
	s := prepare(t, bp, []string{tp})
	hs := httptest.NewServer(http.NotFoundHandler())
	url := hs.URL
	hs.Close() // nothing listens there now
	_, err := Run(context.Background(), s, Options{URL: url, Conversations: 4})
	if err == nil || !strings.Contains(err.Error(), "no server answers at "+url+" (is botctl serve running there?)") {
		t.Errorf("err = %v", err)
	}
}

const callsBot = `botctl: 1
bot:
  name: calls
  welcome: hello
variables: {s: ""}
integrations:
  a:
    url: "http://a.test/s"
    post: {s: 'result.body.s'}
dialogs:
  hello:
    steps:
      - say: "Hello!"
  check:
    starters: [check]
    steps:
      - call: a
        on_failure: down
      - say: "It is ${vars.s}."
      - end
      - id: down
        say: "It is down."
`

// callsTranscript calls a three times: it gets one, two, two.
const callsTranscript = `---
bot: loop.yaml
mocks:
  a:
    - {body: {s: one}}
    - {status: 200, body: {s: two}}
---
< Hello!
> check
< It is one.
> check
< It is two.
> check
< It is two.
`

// writeMocks writes a mock file and returns its path.
func writeMocks(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mocks.yaml")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMocksProblem checks when a server's mock file answers a transcript
// as its own mocks do: the responses of the calls it makes (three, of a
// two-entry list) must be the same, the last repeating; what the file has
// beyond them does not matter.
func TestMocksProblem(t *testing.T) {
	bp, tp := writeBot(t, callsBot, callsTranscript)
	sc := prepare(t, bp, []string{tp}).Scripts[0]
	if !slices.Equal(sc.Calls, []string{"a"}) || sc.callCounts["a"] != 3 || sc.HTTPSkip != "" {
		t.Fatalf("calls %v %v, skip %q", sc.Calls, sc.callCounts, sc.HTTPSkip)
	}
	for _, c := range []struct{ file, want string }{
		{"a: [{body: {s: one}}, {body: {s: two}}]", ""},
		{"a: [{status: 200, body: {s: one}}, {body: {s: two}}, {body: {s: two}}, {body: {s: nine}}]", ""},
		{"a: [{body: {s: one}}, {body: {s: two}}]\nb: [{error: timeout}]", ""},
		{"a: [{body: {s: one}}]", "it calls a, which the server's mock file F answers otherwise than the transcript's mocks (call 2 of 3)"},
		{"a: [{body: {s: one}}, {body: {s: two}}, {body: {s: three}}]", "it calls a, which the server's mock file F answers otherwise than the transcript's mocks (call 3 of 3)"},
		{"a: [{status: 201, body: {s: one}}, {body: {s: two}}]", "it calls a, which the server's mock file F answers otherwise than the transcript's mocks (call 1 of 3)"},
		{"a: [{body: {s: one}, headers: {X-A: b}}, {body: {s: two}}]", "it calls a, which the server's mock file F answers otherwise than the transcript's mocks (call 1 of 3)"},
		{"a: [{body: {s: one}}, {error: timeout}]", "it calls a, which the server's mock file F answers otherwise than the transcript's mocks (call 2 of 3)"},
		{"b: [{body: {s: one}}]", "it calls a, for which the server's mock file F has no responses"},
	} {
		set, err := mock.Parse([]byte(c.file))
		if err != nil {
			t.Fatal(err)
		}
		if got := sc.mocksProblem(set, "F"); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.file, got, c.want)
		}
	}
}

// TestRunHTTPServerMocks replays a transcript that calls an integration
// against a server answering from a mock file (server.WithMocks, as
// `botctl serve --mock` does): with the file that gives its calls its own
// responses, every conversation — 8 at once — gets one, two, two;
// with another file it is left out, with the reason.
func TestRunHTTPServerMocks(t *testing.T) {
	bp, tp := writeBot(t, callsBot, callsTranscript)
	s := prepare(t, bp, []string{tp})
	file := writeMocks(t, "a: [{body: {s: one}}, {body: {s: two}}]\n")
	set, err := mock.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, bp, server.WithMocks(set))
	r, err := Run(context.Background(), s, Options{URL: url, ServerMocks: file, Conversations: 40, Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 0 || r.Mismatches != 0 || r.Turns != 40*4 || len(r.Skipped) != 0 || r.ServerMocks != file {
		t.Errorf("%d errors %v, %d mismatches %v, %d turns, skipped %v, server mocks %q",
			r.Errors, r.FirstErrors, r.Mismatches, r.FirstMismatches, r.Turns, r.Skipped, r.ServerMocks)
	}

	other := writeMocks(t, "a: [{body: {s: one}}, {body: {s: three}}]\n")
	_, err = Run(context.Background(), s, Options{URL: url, ServerMocks: other, Conversations: 4})
	want := "none of the transcripts can replay against a server: " + tp +
		": it calls a, which the server's mock file " + other + " answers otherwise than the transcript's mocks (call 2 of 3)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}

	// Without ServerMocks, nothing changes: a transcript that calls
	// integrations is left out.
	_, err = Run(context.Background(), s, Options{URL: url, Conversations: 4})
	want = "none of the transcripts can replay against a server: " + tp +
		": it calls a, which a server calls for real (it has no mocks); --no-mocks replays it against the server's backends"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// TestRunServerMocksOptions checks the options ServerMocks does not go with.
func TestRunServerMocksOptions(t *testing.T) {
	bp, tp := writeBot(t, callsBot, callsTranscript)
	s := prepare(t, bp, []string{tp})
	none := filepath.Join(t.TempDir(), "none.yaml")
	bad := writeMocks(t, "a: {status: 99}\n")
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{ServerMocks: "m.yaml"}, "a server's mock file is for a run against a server (a URL)"},
		{Options{URL: "http://127.0.0.1:1", ServerMocks: "m.yaml", NoMocks: true}, "a server's mock file and calling integrations for real (NoMocks) do not go together"},
		{Options{URL: "http://127.0.0.1:1", ServerMocks: none}, "open " + none + ": no such file or directory"},
		{Options{URL: "http://127.0.0.1:1", ServerMocks: bad}, bad + `: line 1: mocks for "a": status must be an HTTP status code (100-599), not "99"`},
	} {
		_, err := Run(context.Background(), s, c.o)
		if err == nil || err.Error() != c.want {
			t.Errorf("%+v: err = %v, want %s", c.o, err, c.want)
		}
	}
}

// TestRunHTTPExampleServerMocks replays acme-support's transcripts against
// a server answering from the bot's offline mock file: those whose calls
// the file answers as their own mocks do replay with the ones that make no
// call; the others are left out, each naming the integration.
func TestRunHTTPExampleServerMocks(t *testing.T) {
	const file = "../../dialogs/acme-support/mocks/offline.yaml"
	s := prepare(t, "../../dialogs/acme-support", examplePaths(t, "acme-support"))
	set, err := mock.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, "../../dialogs/acme-support", server.WithMocks(set))
	r, err := Run(context.Background(), s, Options{URL: url, ServerMocks: file, Conversations: 48, Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 0 || r.Mismatches != 0 {
		t.Errorf("%d errors %v, %d mismatches %v", r.Errors, r.FirstErrors, r.Mismatches, r.FirstMismatches)
	}
	var got []string
	for _, p := range r.Transcripts {
		got = append(got, strings.TrimSuffix(filepath.Base(p), ".transcript"))
	}
	want := []string{"agent_callback", "agent_callback_declined", "callback_bad_phone", "callback_cancelled", "callback_unclear", "cancel", "order_bad_numbers", "transfer_attempts"}
	if !slices.Equal(got, want) {
		t.Errorf("replayed %v\nwant     %v", got, want)
	}
	differ := func(name string, n int) string {
		return "it calls " + name + ", which the server's mock file " + file + " answers otherwise than the transcript's mocks (call 1 of " + strconv.Itoa(n) + ")"
	}
	skips := map[string]string{}
	for _, sk := range r.Skipped {
		skips[strings.TrimSuffix(filepath.Base(sk.Path), ".transcript")] = sk.Reason
	}
	wantSkips := map[string]string{
		"callback_failed":      differ("create_callback", 1),
		"order_delivered":      differ("order_lookup", 2),
		"order_lookup_failed":  differ("order_lookup", 1),
		"order_not_found":      differ("order_lookup", 3),
		"order_shipped":        differ("order_lookup", 1),
		"transfer_unavailable": "its header makes a transfer request fail (transfers:); a served bot's transfers are the server's",
	}
	if !reflect.DeepEqual(skips, wantSkips) {
		t.Errorf("skipped %v\nwant    %v", skips, wantSkips)
	}
}

// TestRunHTTPUpload replays an upload against a server, which checks the
// file's first bytes against its type: the file sent passes.
func TestRunHTTPUpload(t *testing.T) {
	bp, tp := writeBot(t, `botctl: 1
bot:
  name: loop
  welcome: ask
variables: {doc: {}}
dialogs:
  ask:
    steps:
      - ask: "Send it."
        save: doc
        type: file
        accept: [pdf, png, docx, txt]
      - say: "Got ${vars.doc.name}."
`, `---
bot: loop.yaml
---
< Send it.
<< upload accept=pdf,png,docx,txt
>> upload name=a.pdf type=application/pdf size=1200
< Processing the file…
< Successfully processed the file.
< Got a.pdf.
`)
	s := prepare(t, bp, []string{tp})
	url := serve(t, bp, server.WithFiles(&server.MemoryFiles{}))
	r, err := Run(context.Background(), s, Options{URL: url, Conversations: 2, Concurrency: 1, Examples: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 0 || r.Mismatches != 0 {
		t.Errorf("%d errors %v, %d mismatches %v", r.Errors, r.FirstErrors, r.Mismatches, r.FirstMismatches)
	}
	for typ, want := range map[string]string{"image/png": "\x89PNG\r\n\x1a\n\x00\x00", "text/plain": "    ", "application/x-thing": "\x00\x00"} {
		if got := string(fileContent(typ, len(want))); got != want {
			t.Errorf("fileContent(%s) = %q, want %q", typ, got, want)
		}
	}
}
