// Package transcript reads, runs and writes golden conversation tests: the
// `.transcript` files of docs/testing.md that `botctl test` checks a bot against.
//
// A transcript is an optional YAML header between `---` lines (the bot, the
// user and start parameters, env, secrets, integration mocks, the clock),
// then one line per event of the conversation:
//
//	> order status                      a user message
//	< What is your order number?        a bot message, expected
//	<< buttons Yes | No                 a bot action, expected
//	<! the conversation is closed; ...  the host refused the input, expected
//	>> upload name=a.pdf size=1200      an event from the host
//	? vars.order_number == "12345"      an assertion over the conversation
//	# a comment
//
// Parse turns a file into a Transcript and reports mistakes as diagnostics
// with file:line:col; Check reports what does not fit the bot it runs
// against (undeclared variables in assertions, unknown events, mocks for
// integrations the bot lacks), and CheckMocks does the last for a mock set
// read from elsewhere. A Runner runs transcripts against their bots, the way
// a served conversation runs: it performs integration calls from the mocks,
// compares what the bot said with the expected lines, evaluates assertions
// and records which steps and edges ran, for Coverage. Result.Actual is
// the transcript rewritten with what the bot said (`botctl test --update`),
// every other byte kept. Write produces a transcript from a recorded
// conversation, for hosts that export one.
//
//	r := &transcript.Runner{}
//	res := r.Run("dialogs/acme-support/tests/order_status.transcript")
//	if !res.Passed() {
//		for _, f := range res.Failures { fmt.Println(f) }
//		fmt.Print(transcript.Diff(res.Path, res.Expected, res.Actual, false))
//	}
//
// RunAll is `botctl test` without its printing: it finds the transcripts
// below some paths (Find), runs them with one Runner, rewrites them with
// Config.Update, and sums up, reporting each result as it goes.
//
// A Runner caches the bots it loads and is not safe for concurrent use;
// Parse, Write and Diff are.
package transcript
