package transcript_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/transcript"
)

// deskHeader is the header of the desk bot's test transcripts.
const deskHeader = `---
bot: desk.yaml
env: {TICKETS_API: "http://tickets.test"}
mocks:
  ticket_lookup:
    - {status: 200, body: {state: closed}}
---
`

// run runs a transcript as if read from testdata/case.transcript.
func run(t *testing.T, src string) *transcript.Result {
	t.Helper()
	r := &transcript.Runner{}
	res := r.RunSource("testdata/case.transcript", []byte(src))
	if !res.Ran() {
		t.Fatalf("the transcript did not run: %v %v", res.Diags, res.BotDiags)
	}
	return res
}

func failures(res *transcript.Result) string {
	var b strings.Builder
	for _, f := range res.Failures {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}

func TestRunFailures(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // the failures, one per line
	}{{
		name: "a different message",
		body: `< Hello!\nI answer questions about tickets.
<< buttons Ticket status | Agent
> ticket status
< Which ticket number?
`,
		want: `testdata/case.transcript:11: the bot did "< Which ticket?", but the transcript expects "< Which ticket number?"
`,
	}, {
		name: "trailing spaces",
		body: "< Hello!\\nI answer questions about tickets.  \n<< buttons Ticket status | Agent\n",
		want: `testdata/case.transcript:8: the bot did "< Hello!\\nI answer questions about tickets.", but the transcript expects "< Hello!\\nI answer questions about tickets.  " (they differ only in trailing spaces)
`,
	}, {
		name: "a message the bot does not send",
		body: `< Hello!\nI answer questions about tickets.
<< buttons Ticket status | Agent
> ticket status
< Which ticket?
< Please type it like T-12.
> T-1
`,
		want: `testdata/case.transcript:12: the transcript expects "< Please type it like T-12.", but the bot did nothing more after "> ticket status"
`,
	}, {
		name: "nothing at all",
		body: `< Hello!\nI answer questions about tickets.
<< buttons Ticket status | Agent
> ticket status
< Which ticket?
> T-1
# the bot's answer is missing
> thanks
< Sorry, I didn't understand that.
`,
		want: `testdata/case.transcript:12: after "> T-1" the bot also did "< Ticket T-1 is closed. Path: C:\\tickets\\\\n", which the transcript does not expect
`,
	}, {
		name: "welcome output missing from the transcript",
		body: `# The welcome dialog is forgotten.
> bye
<< close
`,
		want: `testdata/case.transcript:8: when the conversation started the bot also did "< Hello!\\nI answer questions about tickets.", which the transcript does not expect
`,
	}, {
		name: "an unexpected refusal, and an expected one",
		body: `< Hello!\nI answer questions about tickets.
<< buttons Ticket status | Agent
> bye
<< close
> hello?
>> agent_done
<! the conversation is closed; start a new conversation
`,
		want: `testdata/case.transcript:12: "> hello?" was refused: the conversation is closed; start a new conversation (write ` + "`<! the conversation is closed; start a new conversation`" + ` after it if that is what should happen)
`,
	}, {
		name: "an assertion that does not hold",
		body: `< Hello!\nI answer questions about tickets.
<< buttons Ticket status | Agent
> ticket status
< Which ticket?
> T-1
< Ticket T-1 is closed. Path: C:\tickets\\n
? vars.ticket == "T-1" && vars.state == "open" && conversation.turn == 3
? vars.file.name == "x"
`,
		want: `testdata/case.transcript:14: assertion failed: vars.ticket == "T-1" && vars.state == "open" && conversation.turn == 3 (vars.ticket is "T-1", vars.state is "closed", conversation.turn is 3)
testdata/case.transcript:15: assertion vars.file.name == "x": cannot fetch name from <nil>
`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, deskHeader+tt.body)
			if got := failures(res); got != tt.want {
				t.Errorf("failures differ\n--- got\n%s--- want\n%s", got, tt.want)
			}
			for _, f := range res.Failures {
				if f.Kind != transcript.FailOutput && f.Kind != transcript.FailAssertion {
					t.Errorf("unexpected kind %d: %v", f.Kind, f)
				}
			}
		})
	}
}

func TestRunMissingMock(t *testing.T) {
	res := run(t, `---
bot: desk.yaml
---
< Hello!\nI answer questions about tickets.
<< buttons Ticket status | Agent
> ticket status
< Which ticket?
> T-1
< Sorry, the ticket system is down.
`)
	want := "testdata/case.transcript:8: \"> T-1\" calls integration `ticket_lookup`, which has no mock; add its responses to the header, as mocks: {ticket_lookup: [{status: 200, body: {...}}]}\n"
	if got := failures(res); got != want {
		t.Errorf("failures differ\n--- got\n%s--- want\n%s", got, want)
	}
	if res.Failures[0].Kind != transcript.FailMock || res.PassedAfterUpdate() {
		t.Errorf("a missing mock must stay a failure after --update: %+v", res.Failures)
	}
}

func TestRunInteractionNotOffered(t *testing.T) {
	res := run(t, `---
bot: desk.yaml
interaction: upgrade
params: {plan: enterprise}
---
< Let's upgrade you from enterprise.
`)
	want := "testdata/case.transcript:3: interaction upgrade is not offered for these params: its `when` (params.plan != \"enterprise\") is false\n"
	if got := failures(res); got != want {
		t.Errorf("failures differ\n--- got\n%s--- want\n%s", got, want)
	}
}

// TestRunBotErrors: a problem the bot reports while running is shown, but
// the transcript (which pins down what the user saw) passes.
func TestRunBotErrors(t *testing.T) {
	res := run(t, `---
bot: desk.yaml
transfers: [{error: "no agents online"}]
---
< Hello!\nI answer questions about tickets.
<< buttons Ticket status | Agent
> agent
< Connecting you.
< Not able to transfer to Agent at this time. Please try later.
`)
	if !res.Passed() {
		t.Fatalf("want a pass, got %s", failures(res))
	}
	if len(res.BotErrors) != 1 || res.BotErrors[0].String() != "testdata/case.transcript:7: transfer could not be requested: no agents online" {
		t.Errorf("BotErrors = %v", res.BotErrors)
	}
}

// TestUpdate is the acceptance test of --update: a transcript that differs
// from the bot fails at the right line; the rewritten transcript differs
// from the original only in its < and << lines, keeps every other byte
// (comments, blank lines, CRLF endings, assertions, the header), and passes.
func TestUpdate(t *testing.T) {
	src := strings.ReplaceAll(deskHeader+`# Greeting.

< Hi!
> ticket status
# The question:
< Which ticket is it?
< (an extra line)
> T-1
? vars.state == "closed"

> bye
`, "\n", "\r\n")
	res := run(t, src)
	want := "testdata/case.transcript:10: the bot did \"< Hello!\\\\nI answer questions about tickets.\", but the transcript expects \"< Hi!\"\n"
	if got := failures(res); got != want {
		t.Fatalf("failures differ\n--- got\n%s--- want\n%s", got, want)
	}
	if !res.PassedAfterUpdate() {
		t.Fatal("only outputs differ, so the update must pass")
	}
	wantActual := strings.ReplaceAll(deskHeader+`# Greeting.

< Hello!\nI answer questions about tickets.
<< buttons Ticket status | Agent
> ticket status
# The question:
< Which ticket?
> T-1
< Ticket T-1 is closed. Path: C:\tickets\\n
? vars.state == "closed"

> bye
<< close
`, "\n", "\r\n")
	if string(res.Actual) != wantActual {
		t.Errorf("Actual differs\n--- got\n%s--- want\n%s", res.Actual, wantActual)
	}
	checkOnlyExpectedLinesChanged(t, src, string(res.Actual))

	again := run(t, string(res.Actual))
	if !again.Passed() || string(again.Actual) != string(again.Expected) {
		t.Errorf("the updated transcript does not pass: %s", failures(again))
	}
}

// checkOnlyExpectedLinesChanged checks that removing the <, << and <! lines
// of both versions leaves the same bytes.
func checkOnlyExpectedLinesChanged(t *testing.T, before, after string) {
	t.Helper()
	strip := func(s string) string {
		var b strings.Builder
		for _, l := range strings.SplitAfter(s, "\n") {
			if !strings.HasPrefix(l, "<") {
				b.WriteString(l)
			}
		}
		return b.String()
	}
	if strip(before) != strip(after) {
		t.Errorf("lines other than < and << changed\n--- before\n%s--- after\n%s", strip(before), strip(after))
	}
}

// TestUpdateExampleTranscripts breaks every expected line of a real
// transcript and checks that the update restores the file exactly.
func TestUpdateExampleTranscripts(t *testing.T) {
	path := "../../dialogs/acme-support/tests/order_not_found.transcript"
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var broken strings.Builder
	n := 0
	for _, l := range strings.SplitAfter(string(orig), "\n") {
		switch {
		case strings.HasPrefix(l, "<< "):
			continue // dropped: the update puts it back
		case strings.HasPrefix(l, "< "):
			n++
			if n%2 == 0 {
				l = "< something else\n"
			}
		}
		broken.WriteString(l)
	}
	r := &transcript.Runner{}
	res := r.RunSource(path, []byte(broken.String()))
	if res.Passed() || !res.PassedAfterUpdate() {
		t.Fatalf("want a failure that the update resolves, got %v", res.Failures)
	}
	if string(res.Actual) != string(orig) {
		t.Errorf("the update does not restore the transcript\n%s", transcript.Diff(path, orig, res.Actual, false))
	}
}

func TestRunWithBotOverride(t *testing.T) {
	r := &transcript.Runner{Bot: "testdata/desk.yaml"}
	res := r.RunSource("elsewhere/x.transcript", []byte("< Hello!\\nI answer questions about tickets.\n<< buttons Ticket status | Agent\n"))
	if !res.Passed() {
		t.Fatalf("%v %v", res.Diags, res.Failures)
	}
	if res.BotPath != "testdata/desk.yaml" {
		t.Errorf("BotPath = %q", res.BotPath)
	}
}

func TestRunBotWithErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/bot.yaml", []byte("botctl: 1\nbot: {name: b}\ndialogs:\n  a:\n    steps: [{goto: nowhere}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &transcript.Runner{}
	for i := 0; i < 2; i++ {
		res := r.RunSource(dir+"/t.transcript", []byte("---\nbot: bot.yaml\n---\n> hi\n"))
		if res.Ran() || len(res.Diags) != 1 || len(res.BotDiags) == 0 {
			t.Fatalf("want the bot's errors, got %v / %v", res.Diags, res.BotDiags)
		}
		want := dir + "/t.transcript:2:6: error[bot-errors]: bot " + dir + "/bot.yaml does not compile (1 error)"
		if got := res.Diags[0].Error(); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}

func TestRunDialogStart(t *testing.T) {
	res := run(t, `---
bot: desk.yaml
dialog: attach
---
< Upload the screenshot.
<< upload accept=png
>> upload name=shot.png type=image/png size=10
< Processing the file…
< Successfully processed the file.
? vars.file.id == "upload-1"
`)
	if !res.Passed() {
		t.Errorf("%s", failures(res))
	}
}

func TestRunAbsoluteBotPath(t *testing.T) {
	abs, err := filepath.Abs("testdata/desk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := &transcript.Runner{}
	res := r.RunSource(filepath.Join(t.TempDir(), "t.transcript"), []byte("---\nbot: "+filepath.ToSlash(abs)+"\n---\n< Hello!\\nI answer questions about tickets.\n<< buttons Ticket status | Agent\n"))
	if !res.Passed() {
		t.Errorf("%v %v", res.Diags, failures(res))
	}
}

// TestRunLongLineDifference: when two long lines differ near their end,
// the message shows the stretch around the difference, not their starts.
func TestRunLongLineDifference(t *testing.T) {
	res := runOdd(t, &transcript.Runner{}, strings.Replace(oddLines, "arrives on Thursday.", "arrives on Tuesday.", 1))
	want := `t.transcript:5: the bot did "…items left our warehouse in Leipzig on Monday and arrives on Thursday.", ` +
		`but the transcript expects "…items left our warehouse in Leipzig on Monday and arrives on Tuesday."` + "\n"
	if got := failures(res); got != want {
		t.Errorf("failures differ\n--- got\n%s--- want\n%s", got, want)
	}
}

// TestRunRefusalTextDiffers: an expected refusal whose text is not the
// refusal's is reported as such, at the `<!` line.
func TestRunRefusalTextDiffers(t *testing.T) {
	res := run(t, deskHeader+`< Hello!\nI answer questions about tickets.
<< buttons Ticket status | Agent
> bye
<< close
> hello?
<! the conversation is over
`)
	want := `testdata/case.transcript:13: "> hello?" was refused as expected, but the refusal text differs: ` +
		`the transcript expects "<! the conversation is over", the refusal was "<! the conversation is closed; start a new conversation"` + "\n"
	if got := failures(res); got != want {
		t.Errorf("failures differ\n--- got\n%s--- want\n%s", got, want)
	}
	if !res.PassedAfterUpdate() {
		t.Error("--update resolves a refusal's text")
	}
}

// TestRunAssertionValues: a failed assertion shows the values it read as
// the expression sees them: a time as string() gives it, and no value for
// lists, maps and records, whose printed form would mislead.
func TestRunAssertionValues(t *testing.T) {
	res := run(t, deskHeader+`< Hello!\nI answer questions about tickets.
<< buttons Ticket status | Agent
? string(conversation.started_at) == "2025-06-02T09:00:00Z"
? len(conversation.tags) == 1 && conversation.owner == "agent"
? result == nil
`)
	want := `testdata/case.transcript:10: assertion failed: string(conversation.started_at) == "2025-06-02T09:00:00Z" (conversation.started_at is 2025-06-02 09:00:00 +0000 UTC)
testdata/case.transcript:11: assertion failed: len(conversation.tags) == 1 && conversation.owner == "agent" (conversation.owner is "bot")
testdata/case.transcript:12: assertion failed: result == nil
`
	if got := failures(res); got != want {
		t.Errorf("failures differ\n--- got\n%s--- want\n%s", got, want)
	}
}

// TestRunRedactsMockedSecrets: a mock that echoes a secret back is
// redacted exactly as a real response is, in the body, the headers and the
// error, so the value reaches no variable, output or stored state.
func TestRunRedactsMockedSecrets(t *testing.T) {
	dir := t.TempDir()
	bot := `botctl: 1
bot: {name: echo, welcome: w, secrets: [TOKEN]}
variables: {token: ""}
integrations:
  login:
    url: "http://auth.test/login"
    headers: {Authorization: "Bearer ${secret.TOKEN}"}
    post: {token: result.body.token}
dialogs:
  w:
    steps:
      - call: login
        on_failure: failed
      - say: "token ${vars.token}, echo ${result.headers['X-Echo']}"
      - call: login
        on_failure: failed
  failed:
    steps:
      - say: "failed: ${result.error}"
`
	if err := os.WriteFile(filepath.Join(dir, "bot.yaml"), []byte(bot), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &transcript.Runner{}
	res := r.RunSource(filepath.Join(dir, "case.transcript"), []byte(`---
bot: bot.yaml
secrets: {TOKEN: test-token}
mocks:
  login:
    - {status: 200, body: {token: test-token}, headers: {X-Echo: "Bearer test-token"}}
    - {error: "refused for test-token"}
---
< token [redacted], echo Bearer [redacted]
< failed: refused for [redacted]
? result.error == "refused for [redacted]" && vars.token == "[redacted]"
`))
	if !res.Ran() || !res.Passed() {
		t.Errorf("the transcript failed: %v %v\n%s", res.Diags, res.BotDiags, failures(res))
	}
}

// TestRunFailureLines checks the expected and actual lines a failure
// carries apart from its message, which reports such as JSON show.
func TestRunFailureLines(t *testing.T) {
	tests := []struct {
		name             string
		body             string
		line             int
		expected, actual string
	}{{
		name:     "a different message",
		body:     "< Hello!\\nI answer questions about tickets.\n<< buttons Ticket status | Agent\n> ticket status\n< Which ticket number?\n",
		line:     11,
		expected: "< Which ticket number?",
		actual:   "< Which ticket?",
	}, {
		name:     "nothing more",
		body:     "< Hello!\\nI answer questions about tickets.\n<< buttons Ticket status | Agent\n< Bye\n",
		line:     10,
		expected: "< Bye",
	}, {
		name:   "something more",
		body:   "< Hello!\\nI answer questions about tickets.\n",
		line:   8,
		actual: "<< buttons Ticket status | Agent",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, deskHeader+tt.body)
			if len(res.Failures) != 1 {
				t.Fatalf("want one failure, got %q", failures(res))
			}
			f := res.Failures[0]
			if f.Pos.Line != tt.line || f.Expected != tt.expected || f.Actual != tt.actual {
				t.Errorf("got line %d, expected %q, actual %q; want %d, %q, %q", f.Pos.Line, f.Expected, f.Actual, tt.line, tt.expected, tt.actual)
			}
			if res.Duration <= 0 {
				t.Errorf("Duration = %v, want it measured", res.Duration)
			}
		})
	}
}
