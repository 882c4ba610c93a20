package turn

import (
	"errors"
	"strings"
	"testing"
)

// checkTrace runs a traced conversation and compares it, transitions
// included, with want.
func checkTrace(t *testing.T, bot string, p Performer, want string) {
	t.Helper()
	got, _ := converseTraced(t, compileBot(t, bot), p, want, true)
	want = strings.Join(trimLines(want), "\n")
	if got != want {
		t.Errorf("traced conversation differs\n--- got\n%s\n--- want\n%s", got, want)
	}
}

// traceBot has a transition of every kind that is not a call's or a
// transfer's.
const traceBot = header + `  fallback: fb
  error_message: Broken.
variables: {n: 0, big: false, doc: {}}
dialogs:
  fb:
    steps: [{say: "Pardon?"}]
  count:
    starters: [count, "count *"]
    steps:
      - ask: How many?
        save: n
        type: integer
        max_attempts: 2
        on_fail: gave_up
        rules:
          - {when: 'answer > 9', goto: many}
      - set: {big: 'vars.n > 5'}
      - branch:
          - {when: vars.big, goto: other.start}
      - say: "Few: ${vars.n}."
      - end
      - id: many
        say: Many.
      - end
      - id: gave_up
        say: Never mind.
  strict:
    starters: [{regex: '^strict$'}]
    steps:
      - {ask: "Yes or no?", save: big, type: yes_no, max_attempts: 1}
  other:
    steps:
      - id: start
        say: Other.
      - goto: count
  broken:
    starters: [broken]
    steps: [{say: "${vars.n.x.y}"}]
  stop:
    interrupt: true
    starters: [stop]
    steps: [{say: Stopped.}]
  ping:
    starters: [{event: ping}]
    steps: [{say: pong}]
  file:
    starters: [file]
    steps:
      - {ask: "Send a PDF.", save: doc, type: file, accept: [pdf], max_size: 1KB}
      - say: "Got ${vars.doc.name}."
  bye:
    starters: [bye]
    steps: [{say: Bye.}, close]
`

func TestTraceSteps(t *testing.T) {
	checkTrace(t, traceBot, nil, `
> count
~ start dialog count (exact count)
~ count#1 (ask)
< How many?
> x
~ count#1 (answer): invalid answer; attempt 1 of 2
< Please enter a whole number, like 42.
> 3
~ count#1 (answer): saved n
~ count#2 (set)
~ count#3 (branch)
~ count#4 (say)
< Few: 3.
~ count#5 (end)
> count
~ start dialog count (exact count)
~ count#1 (ask)
< How many?
> 12
~ count#1 (answer): saved n; rule 1 → count.many [edge 1]
~ count.many (say)
< Many.
~ count#7 (end)
> count
~ start dialog count (exact count)
~ count#1 (ask)
< How many?
> 7
~ count#1 (answer): saved n
~ count#2 (set)
~ count#3 (branch): rule 1 → other.start [edge 1]
~ other.start (say)
< Other.
~ other#2 (goto): count#1
~ count#1 (ask)
< How many?
> 7
~ count#1 (answer): saved n
~ count#2 (set)
~ count#3 (branch): rule 1 → other.start [edge 1]
~ other.start (say)
< Other.
~ other#2 (goto): count#1
~ count#1 (ask)
< How many?
> count
~ count#1 (answer): invalid answer; attempt 1 of 2
< Please enter a whole number, like 42.
> a
~ count#1 (answer): invalid answer; attempts used up [edge -1]
~ count.gave_up (say)
< Never mind.
> b
~ start dialog fb (fallback)
~ fb#1 (say)
< Pardon?
> strict
~ start dialog strict (regex ^strict$)
~ strict#1 (ask)
< Yes or no?
> maybe
~ strict#1 (answer): invalid answer; attempts used up [edge -3]
< Broken.
> count
~ start dialog count (exact count)
~ count#1 (ask)
< How many?
> stop
~ count#1 (answer): interrupted by dialog stop [edge -5]
~ start dialog stop (interrupts the question: stop)
~ stop#1 (say)
< Stopped.
> broken
~ start dialog broken (exact broken)
~ broken#1 (say)
~ broken#1 (error): broken#1: cannot fetch x from int
< Broken.
> hello there
~ start dialog fb (fallback)
~ fb#1 (say)
< Pardon?
>> ping
~ start dialog ping (event ping)
~ ping#1 (say)
< pong
>> nothing
~ event: no event starter matches nothing; nothing happens
> file
~ start dialog file (exact file)
~ file#1 (ask)
< Send a PDF.
<< upload accept=pdf
>> upload name=a.txt type=text/plain size=3
~ file#1 (answer): file type not accepted: a.txt; attempt 1 of 3
< The file type is invalid. Upload one of these types: pdf.
>> upload name=a.pdf type=application/pdf size=5000
~ file#1 (answer): file too large: 5000 bytes; attempt 2 of 3
< The file type is invalid. Upload one of these types: pdf.
>> upload name=a.pdf type=application/pdf size=3
< Processing the file…
< Successfully processed the file.
~ file#1 (upload): stored a.pdf
~ file#1 (answer): saved doc
~ file#2 (say)
< Got a.pdf.
> bye
~ start dialog bye (exact bye)
~ bye#1 (say)
< Bye.
~ bye#2 (close)
<< close
`)
	checkTrace(t, traceBot, &mocks{storeErr: errors.New("disk full")}, `
> file
~ start dialog file (exact file)
~ file#1 (ask)
< Send a PDF.
<< upload accept=pdf
>> upload name=a.pdf type=application/pdf size=3
< Processing the file…
< Failed to process the file. Please try again.
~ file#1 (upload): storing failed: disk full
`)
	checkTrace(t, header+`dialogs:
  a:
    starters: [a]
    steps: [{say: a}]
`, nil, `
> b
~ fallback: no starter matches and the bot has no fallback dialog: built-in reply
< Sorry, I didn't understand that. Could you say it another way?
`)
}

func TestTraceCallsAndTransfers(t *testing.T) {
	m := &mocks{calls: map[string][]CallResult{"lookup": {
		{Status: 200, Body: map[string]any{"status": "shipped"}},
		{Status: 500},
		{Status: 503},
		{Error: EventCallUnknown},
	}}}
	checkTrace(t, callBot, m, `
> ruled 1
~ start dialog ruled (wildcard ruled *)
~ ruled#1 (set)
~ ruled#2 (call): lookup
~ ruled#2 (result): success
~ ruled#3 (say)
< Order 1: shipped (try 1)
~ ruled#4 (end)
> ruled 2
~ start dialog ruled (wildcard ruled *)
~ ruled#1 (set)
~ ruled#2 (call): lookup
~ ruled#2 (result): failure: status 500 is not a success; rule 1 → ruled.failed [edge 1]
~ ruled.failed (say)
< Failed: status 500 is not a success
~ ruled#6 (end)
> short 3
~ start dialog shorthand (wildcard short *)
~ shorthand#1 (set)
~ shorthand#2 (call): lookup
~ shorthand#2 (result): failure: status 503 is not a success [edge -2]
~ shorthand.sorry (say)
< Sorry (503).
> bare 4
~ start dialog bare (wildcard bare *)
~ bare#1 (set)
~ bare#2 (call): lookup
~ bare#2 (result): failure: call_outcome_unknown [edge -4]
< Something broke.
`)
	unknown := callBot + `
  unknown:
    starters: [{event: call_outcome_unknown}]
    steps: [{say: "Unknown."}]
`
	checkTrace(t, unknown, &mocks{calls: map[string][]CallResult{"lookup": {{Error: EventCallUnknown}}}}, `
> bare 5
~ start dialog bare (wildcard bare *)
~ bare#1 (set)
~ bare#2 (call): lookup
~ bare#2 (result): outcome unknown: the call may or may not have been performed
~ start dialog unknown (event call_outcome_unknown)
~ unknown#1 (say)
< Unknown.
`)
	checkTrace(t, deskBot, &mocks{transferErrs: []error{nil, errBoom, nil}}, `
~ hello#1 (say)
< Hi! Say agent, quiet agent or billing.
> agent
~ start dialog agent (exact agent)
~ agent#1 (transfer): to agent
< Hold on while I connect you with an agent.
<< transfer to=agent skill=billing agent=4711
~ agent#1 (transfer): requested: an agent owns the conversation
> hello
~ agent: message for the agent; the bot does not answer
>> agent_escalation_failed
~ agent: agent_escalation_failed (1 of 2 in a row): the bot owns the conversation again
~ start dialog busy (event agent_escalation_failed)
~ busy#1 (say)
< All agents are busy; trying again.
~ busy#2 (goto): agent#1
~ agent#1 (transfer): to agent
< Hold on while I connect you with an agent.
~ agent#1 (transfer): could not be requested: boom [edge -2]
~ agent.sorry (say)
< I can't reach our agents right now.
> agent
~ start dialog agent (exact agent)
~ agent#1 (transfer): to agent
< Hold on while I connect you with an agent.
<< transfer to=agent skill=billing agent=4711
~ agent#1 (transfer): requested: an agent owns the conversation
>> agent_done
~ agent: agent_done: the bot owns the conversation again
~ start dialog back (event agent_done)
~ back#1 (say)
< Welcome back, Ann! Tags: ["bot-handoff","desk"]
> quiet agent
~ start dialog quiet (exact quiet agent)
~ quiet#1 (transfer): to agent
<< transfer to=agent
~ quiet#1 (transfer): requested: an agent owns the conversation
>> agent_escalation_failed
~ agent: agent_escalation_failed (1 of 2 in a row): the bot owns the conversation again
~ start dialog busy (event agent_escalation_failed)
~ busy#1 (say)
< All agents are busy; trying again.
~ busy#2 (goto): agent#1
~ agent#1 (transfer): to agent
< Hold on while I connect you with an agent.
<< transfer to=agent skill=billing agent=4711
~ agent#1 (transfer): requested: an agent owns the conversation
>> agent_escalation_failed
~ agent: agent_escalation_failed 2 times in a row (max_transfer_attempts 2): transfer_failed_message
< No agent can take this now, Ann. Please try later.
> billing now
~ start dialog billing (wildcard billing*)
~ billing#1 (set)
~ billing#2 (transfer): to bot
< Passing you to billing.
<< transfer to=bot bot=billing-bot
~ billing#2 (transfer): handed to the bot billing-bot
`)
	// A transfer without on_failure that cannot be requested takes the
	// default: transfer_failed_message.
	checkTrace(t, deskBot, &mocks{transferErrs: []error{errBoom}}, `
~ hello#1 (say)
< Hi! Say agent, quiet agent or billing.
> quiet agent
~ start dialog quiet (exact quiet agent)
~ quiet#1 (transfer): to agent
~ quiet#1 (transfer): could not be requested: boom [edge -4]
< No agent can take this now, Ann. Please try later.
`)
}
