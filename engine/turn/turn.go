package turn

// This file is the dispatcher: Run, the routing of each input, and the
// machine with the helpers every step kind shares. Each step kind has its
// own file (say.go, ask.go, set.go, branch.go, call.go, transfer.go,
// upload.go, goto.go).

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/defaults"
)

// MaxSteps bounds the steps one turn may execute without waiting for the
// user, so that no bot can hang a host. A turn that reaches it sends the
// bot's error_message and reports an error.
const MaxSteps = 1000

// DefaultFallback is the reply to a message no starter matches, for a bot
// with no fallback dialog.
const DefaultFallback = defaults.Fallback

// InputKind tells what a turn's input is.
type InputKind int

const (
	Start        InputKind = iota // a new conversation: the welcome dialog, or Input.Dialog
	Message                       // a user message: Input.Text
	Event                         // a host event: Input.Event with Input.Fields
	CallDone                      // the result of an EffCall: Input.Result
	TransferDone                  // the result of an EffTransfer: Input.Err ("" = requested)
	UploadDone                    // the result of an EffStore: Input.FileID or Input.Err
	Tick                          // the clock reached Due: fire the timer due (timer.go)
)

// Events the engine gives meaning to.
const (
	EventAgentDone       = "agent_done"
	EventEscalationFail  = "agent_escalation_failed"
	EventUpload          = "upload"
	EventUploadSucceeded = "file_upload_success"
	EventUploadFailed    = "file_upload_failed"
	// EventCallUnknown starts the dialog that handles an integration call
	// whose outcome is unknown: the host stopped between performing it and
	// storing its result. Without such a dialog the call is a failure with
	// result.error "call_outcome_unknown".
	EventCallUnknown = "call_outcome_unknown"
)

// Input is one thing that happens to a conversation.
type Input struct {
	Kind   InputKind
	Text   string            // Message
	Event  string            // Event: its name
	Fields map[string]string // Event: its fields (upload: name, type, size)
	Dialog string            // Start: a dialog to start instead of the welcome dialog
	Result *CallResult       // CallDone
	FileID string            // UploadDone: the stored file's id
	Err    string            // TransferDone, UploadDone: why it failed ("" = it worked)
	// Unknown says, with CallDone, that the call's outcome is unknown: it
	// may or may not have been performed (Result is then ignored).
	Unknown bool
}

// Context is what the host lends a turn: the clock, the declared
// environment and secrets, and whether to trace. It is not part of the
// conversation's state and is never stored.
type Context struct {
	Now     time.Time
	Env     map[string]string
	Secrets map[string]string
	Trace   bool
	// Redactor redacts Secrets from call results and errors. Nil: the
	// first turn that needs it builds it and keeps it here, so a host that
	// lends the same Context to many turns (one at a time) builds it once;
	// a host that makes a Context per turn may keep one per set of secrets.
	Redactor *Redactor
}

// Refusal errors: the input does not apply to the conversation as it is.
// The state is unchanged and nothing is shown. Turn may wrap them with the
// input they refuse ("event agent_done refused: ..."); test with errors.Is.
var (
	ErrClosed      = errors.New("the conversation is closed; start a new conversation")
	ErrWrongBot    = errors.New("the conversation belongs to another bot")
	ErrNotWaiting  = errors.New("the conversation is not waiting for that result")
	ErrBusy        = errors.New("the conversation is waiting for the result of an integration call, upload or transfer request; deliver it first")
	ErrNoAgent     = errors.New("no agent owns the conversation; agent_done and agent_escalation_failed apply only after a transfer to an agent")
	ErrAgentOwns   = errors.New("an agent owns the conversation; only agent_done and agent_escalation_failed apply until it is handed back")
	ErrHandedOff   = errors.New("the conversation was handed to another bot")
	ErrNoFileAsked = errors.New("no file question is waiting for an upload")
	ErrNoEvent     = errors.New("an event needs a name")
	ErrOwnEvent    = errors.New("botctl raises this event itself (file_upload_success:..., file_upload_failed:..., call_outcome_unknown, inactive); a host cannot send it")
	ErrUnknownKind = errors.New("unknown input kind")
	ErrNotDue      = errors.New("no timer of the conversation is due")
)

// HandedOffError refuses an input to a conversation that a transfer
// `to: bot` handed to another bot. It matches ErrHandedOff with errors.Is.
type HandedOffError struct {
	Bot string // the bot the conversation went to
}

func (e *HandedOffError) Error() string {
	return "the conversation was handed to the bot " + e.Bot + ", which answers it from now on; this bot takes no more input"
}

// Is makes errors.Is(err, ErrHandedOff) hold.
func (e *HandedOffError) Is(target error) bool { return target == ErrHandedOff }

// refused wraps a refusal with the input it refuses.
func refused(what string, err error) error {
	return fmt.Errorf("%s refused: %w", what, err)
}

// Run runs one turn: the conversation in state st receives in. It returns
// the new state and what to show and do. Run is pure: st is not modified,
// and the same bot, state, input and context give the same result. A
// refused input returns st unchanged, an empty Reply and an error.
func Run(bot *graph.Bot, st State, in Input, ctx *Context) (State, Reply, error) {
	if st.Bot != "" && st.Bot != bot.Name {
		return st, Reply{}, ErrWrongBot
	}
	if ctx == nil {
		ctx = &Context{}
	}
	m := &machine{bot: bot, st: st.clone(), ctx: ctx}
	m.env = cond.Env{
		Vars: m.st.Vars, Params: m.st.Params, User: m.st.User, Input: m.st.Input,
		Env: ctx.Env, Now: ctx.now, Event: m.st.Event,
	}
	if m.st.Result != nil {
		m.env.Result = *m.st.Result
	}
	m.syncConversation()
	if in.Kind != Message {
		m.understand() // a message is understood once it is the last one
	}
	if err := m.dispatch(in); err != nil {
		return st, Reply{}, err
	}
	return m.st, m.reply, nil
}

// syncConversation refreshes `conversation` in the expression environment
// after the turn counter, owner or tags changed.
func (m *machine) syncConversation() {
	m.env.Conversation = cond.Conversation{
		ID: m.st.ID, StartedAt: m.st.StartedAt, Turn: m.st.Turn,
		Owner: m.st.Owner, Tags: tags(m.st.Tags),
	}
}

// tags gives conversation.tags: never nil, so that a conversation without
// tags shows them as [] rather than null.
func tags(t []string) []string {
	if t == nil {
		return []string{}
	}
	return t
}

func (c *Context) now() time.Time {
	if c.Now.IsZero() {
		return time.Now()
	}
	return c.Now
}

type machine struct {
	bot   *graph.Bot
	st    State
	ctx   *Context
	env   cond.Env
	reply Reply
	steps int
	// startEvent is what startDialog records as the event that started
	// the dialog (State.Event): set just before it, nil for a message.
	startEvent map[string]string
	nlu        *understanding // nil until the turn reads the message (nlu.go)
}

// MessageRefusal returns the error Turn refuses a user message with in state
// st, or nil when Turn takes it. A message is refused only for the state it
// finds (another bot's conversation, closed, handed to another bot, waiting
// for a host's result), never for what it says, so a host can check before
// it queues a message, without running the turn.
func MessageRefusal(bot *graph.Bot, st State) error {
	switch {
	case st.Bot != "" && st.Bot != bot.Name:
		return ErrWrongBot
	case st.Owner == OwnerClosed:
		return ErrClosed
	case st.HandedTo != "":
		return &HandedOffError{Bot: st.HandedTo}
	case st.Wait == WaitCall || st.Wait == WaitUpload || st.Wait == WaitTransfer:
		return ErrBusy
	}
	return nil
}

func (m *machine) dispatch(in Input) error {
	st := &m.st
	if in.Kind == Start || in.Kind == Message || in.Kind == Event {
		st.Effects = 0 // a new input: its effects are counted afresh
	}
	if st.Owner == OwnerClosed {
		return ErrClosed
	}
	if st.HandedTo != "" {
		return &HandedOffError{Bot: st.HandedTo}
	}
	switch in.Kind {
	case Start:
		if st.Owner == OwnerAgent {
			return refused("start", ErrAgentOwns)
		}
		st.Turn++
		st.Quiet = m.ctx.now()
		m.syncConversation()
		if in.Dialog != "" {
			d := m.bot.Dialog(in.Dialog)
			if d == nil {
				return fmt.Errorf("the bot has no dialog %q", in.Dialog)
			}
			m.startDialog(d)
		} else if m.bot.Welcome != nil {
			m.startDialog(m.bot.Welcome)
		}
	case Message:
		if err := MessageRefusal(m.bot, *st); err != nil {
			return err
		}
		return m.message(in.Text)
	case Event:
		return m.event(in)
	case CallDone:
		if st.Wait != WaitCall || (in.Result == nil && !in.Unknown) {
			return ErrNotWaiting
		}
		if in.Unknown {
			m.callUnknown()
			return nil
		}
		m.callDone(in.Result)
	case TransferDone:
		if st.Wait != WaitTransfer {
			return ErrNotWaiting
		}
		m.transferDone(in.Err)
	case UploadDone:
		if st.Wait != WaitUpload {
			return ErrNotWaiting
		}
		m.uploadDone(in.FileID, in.Err)
	case Tick:
		return m.tick()
	default:
		return ErrUnknownKind
	}
	return nil
}

// message takes a user message that MessageRefusal admits.
func (m *machine) message(text string) error {
	st := &m.st
	st.Turn++
	st.Input = text
	st.Quiet, st.Nudged = m.ctx.now(), 0
	m.env.Input = text
	m.nlu = nil // a new message
	m.understand()
	m.syncConversation()
	if st.Owner == OwnerAgent {
		// The host records the message with its owner and passes it to
		// the agent; the bot does not answer, and no starter matches.
		m.traceOwner("agent", "message for the agent; the bot does not answer")
		return nil
	}
	if st.Wait == WaitIntent && m.chooseIntent(text) {
		return nil
	}
	if st.Wait == WaitAnswer {
		step := m.waitingStep()
		interrupt := func(s *graph.Starter, how string) {
			if step != nil && m.tracing() {
				m.traceEdge(step, "answer", EdgeInterrupted, "interrupted by dialog ", s.Dialog.Name)
			}
			m.traceStart(s.Dialog, how, s.Text)
			m.startDialog(s.Dialog)
		}
		if s := m.bot.Starters.MatchInterrupt(text); s != nil {
			interrupt(s, "interrupts the question: ")
			return nil
		}
		if step == nil || step.Ask == nil || !typedAnswer(step.Ask, text, m.ctx.now()) {
			if s := m.matchIntent(true); s != nil {
				interrupt(s, "interrupts the question: intent ")
				return nil
			}
		}
		if step != nil && step.Ask != nil {
			m.answer(step, text)
			return nil
		}
		m.clearWait()
	}
	if s := m.bot.Starters.Match(text); s != nil {
		m.traceStart(s.Dialog, s.Kind.String(), " ", s.Text)
		m.startDialog(s.Dialog)
		return nil
	}
	if m.disambiguate() {
		return nil
	}
	if s := m.matchIntent(false); s != nil {
		m.traceStart(s.Dialog, "intent ", s.Text)
		m.startDialog(s.Dialog)
		return nil
	}
	if m.bot.Fallback != nil {
		m.traceStart(m.bot.Fallback, "fallback")
		m.startDialog(m.bot.Fallback)
		return nil
	}
	m.traceOwner("fallback", "no starter matches and the bot has no fallback dialog: built-in reply")
	m.say(DefaultFallback, 0)
	return nil
}

// event takes a host event: the agent's (transfer.go), an upload
// (upload.go), or one that starts the dialog whose event starter matches.
func (m *machine) event(in Input) error {
	st := &m.st
	if in.Event == "" {
		return ErrNoEvent
	}
	if ownEvent(in.Event) {
		return refused("event "+in.Event, ErrOwnEvent)
	}
	switch st.Wait {
	case WaitCall, WaitUpload, WaitTransfer:
		return refused("event "+in.Event, ErrBusy)
	}
	agentEvent := in.Event == EventAgentDone || in.Event == EventEscalationFail
	switch {
	case agentEvent && st.Owner != OwnerAgent:
		return refused("event "+in.Event, ErrNoAgent)
	case !agentEvent && st.Owner == OwnerAgent:
		return refused("event "+in.Event, ErrAgentOwns)
	}
	switch in.Event {
	case EventAgentDone:
		m.agentDone()
	case EventEscalationFail:
		m.escalationFailed()
	case EventUpload:
		step := m.waitingStep()
		if st.Wait != WaitAnswer || step == nil || step.Ask == nil || step.Ask.Type != graph.File {
			return refused("event upload", ErrNoFileAsked)
		}
		st.Turn++
		m.syncConversation()
		m.upload(step, in.Fields)
	default:
		st.Turn++
		m.syncConversation()
		m.startEvent = eventFields(in)
		if !m.raise(in.Event) {
			m.traceOwner("event", "no event starter matches ", in.Event, "; nothing happens")
		}
	}
	return nil
}

// raise starts the dialog whose event starter matches name, if any, and
// reports whether one did.
func (m *machine) raise(name string) bool {
	s := m.bot.Starters.MatchEvent(name)
	if s == nil {
		return false
	}
	m.traceStart(s.Dialog, "event ", name)
	m.startDialog(s.Dialog)
	return true
}

func (m *machine) waitingStep() *graph.Step {
	return StepAt(m.bot, m.st.Dialog, m.st.Step)
}

// StepAt returns the step of bot at a conversation's position (State.Dialog
// and State.Step), or nil when the bot has no such step.
func StepAt(bot *graph.Bot, dialog, key string) *graph.Step {
	d := bot.Dialog(dialog)
	if d == nil {
		return nil
	}
	if n, ok := legacyIndex(key); ok {
		if n < 1 || n > len(d.Steps) {
			return nil
		}
		return d.Steps[n-1]
	}
	return d.StepByKey(key)
}

// legacyIndex reads a position stored before steps had keys: a 1-based
// index, "#N". Such a state always names the version it was stored on,
// whose steps the index counts.
func legacyIndex(key string) (int, bool) {
	if !strings.HasPrefix(key, "#") {
		return 0, false
	}
	n, err := strconv.Atoi(key[1:])
	return n, err == nil
}

func (m *machine) clearWait() { m.st.clearWait() }

// endDialog ends the dialog; one a timer started over a question gives
// the question back (timer.go).
func (m *machine) endDialog() {
	by := m.st.Dialog
	m.st.LeaveDialog()
	if r := m.st.Resume; r != nil {
		if r.By == by {
			m.resume()
		} else {
			m.st.Resume = nil
		}
	}
}

// effect asks the host to perform e, under a key unique to the
// conversation, its turn and the effect's place in the turn.
func (m *machine) effect(e Effect) {
	m.st.Effects++
	e.Key = m.st.ID + "/" + strconv.Itoa(m.st.Turn) + "/" + strconv.Itoa(m.st.Effects)
	if e.Call != nil {
		e.Call.Key, e.Call.Conversation = e.Key, m.st.ID
	}
	m.reply.Effects = append(m.reply.Effects, e)
}

func (m *machine) startDialog(d *graph.Dialog) {
	m.clearWait()
	m.st.Event, m.startEvent = m.startEvent, nil
	m.env.Event = m.st.Event
	m.run(d.Steps[0])
}

// eventFields is an event input as event.* reads it: its fields and its
// name.
func eventFields(in Input) map[string]string {
	out := make(map[string]string, len(in.Fields)+1)
	for k, v := range in.Fields {
		out[k] = v
	}
	out["name"] = in.Event
	return out
}

// run executes steps from s until the conversation must wait or the dialog
// ends.
func (m *machine) run(s *graph.Step) {
	for s != nil {
		m.steps++
		if m.steps > MaxSteps {
			m.fail(s, "the turn ran %d steps without waiting for the user; a loop in the bot?", MaxSteps)
			return
		}
		if r := m.st.Resume; r != nil && s.Dialog.Name != r.By {
			m.st.Resume = nil // the timer's dialog went elsewhere
		}
		m.st.Dialog = s.Dialog.Name
		m.st.Step = s.Key
		next, wait := m.exec(s)
		if wait {
			return
		}
		s = m.follow(next)
	}
}

// exec runs one step and returns where control goes, or wait = true when
// the conversation now waits (for the user or the host) or the turn failed.
func (m *machine) exec(s *graph.Step) (next graph.Target, wait bool) {
	switch s.Kind {
	case graph.StepSay:
		return m.sayStep(s)
	case graph.StepAsk:
		return m.askStep(s)
	case graph.StepSet:
		return m.setStep(s)
	case graph.StepBranch:
		return m.branchStep(s)
	case graph.StepCall:
		return m.callStep(s)
	case graph.StepGenerate:
		return m.generateStep(s)
	case graph.StepTransfer:
		return m.transferStep(s)
	case graph.StepGoto:
		return m.gotoStep(s)
	case graph.StepEnd:
		return m.endStep(s)
	case graph.StepClose:
		return m.closeStep(s)
	case graph.StepSchedule:
		return m.scheduleStep(s)
	}
	return s.Next, false
}

// fail reports an author-facing error, tells the user the bot's
// error_message and ends the dialog.
func (m *machine) fail(s *graph.Step, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if s != nil {
		msg = s.Name() + ": " + msg
	}
	m.reply.Errors = append(m.reply.Errors, msg)
	m.traceStep(s, "error", msg)
	m.sayError()
	m.endDialog()
}

// render renders t, failing the turn at s on error; ok is false then.
func (m *machine) render(s *graph.Step, t *cond.Template) (string, bool) {
	if t == nil {
		return "", true
	}
	text, err := t.Render(&m.env)
	if err != nil {
		m.fail(s, "%v", err)
		return "", false
	}
	return text, true
}

func (m *machine) renderAll(s *graph.Step, ts []*cond.Template) ([]string, bool) {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		text, ok := m.render(s, t)
		if !ok {
			return nil, false
		}
		out = append(out, text)
	}
	return out, true
}

func (m *machine) out(o Output) { m.reply.Outputs = append(m.reply.Outputs, o) }

// Tracing. A turn without tracing must build no names or notes (the step
// benchmarks count its allocations), so the trace methods take a note in
// parts, joined only when the turn is traced; the few notes that take more
// than joining strings are built under m.tracing().

// tracing reports whether the turn records its transitions.
func (m *machine) tracing() bool { return m.ctx.Trace }

// traceStep records kind at step s (nil: at no step) of the conversation's
// dialog, with a note joined from parts.
func (m *machine) traceStep(s *graph.Step, kind string, note ...string) {
	m.traceEdge(s, kind, 0, note...)
}

// traceEdge is traceStep for a transition that took a conditional edge
// (Transition.Edge).
func (m *machine) traceEdge(s *graph.Step, kind string, edge int, note ...string) {
	if !m.tracing() {
		return
	}
	m.record(Transition{Dialog: m.st.Dialog, Step: stepName(s), Kind: kind, Note: strings.Join(note, ""), Edge: edge})
}

// traceRules is traceEdge for a step whose rules ran: the note, then the
// rule taken (number taken, target t), if any.
func (m *machine) traceRules(s *graph.Step, kind string, edge, taken int, t graph.Target, note ...string) {
	if m.tracing() {
		m.traceEdge(s, kind, edge, joinNote(strings.Join(note, ""), ruleNote(taken, t)))
	}
}

// traceStart records that dialog d starts, with a note joined from parts.
func (m *machine) traceStart(d *graph.Dialog, note ...string) {
	if m.tracing() {
		m.record(Transition{Dialog: d.Name, Step: d.Name, Kind: "starter", Note: strings.Join(note, "")})
	}
}

// traceOwner records what happened to the conversation at no step (kind
// "agent", "event", "fallback"), with a note joined from parts.
func (m *machine) traceOwner(kind string, note ...string) {
	if m.tracing() {
		m.record(Transition{Kind: kind, Note: strings.Join(note, "")})
	}
}

// record appends a transition to the trace, placed after the outputs so far.
func (m *machine) record(t Transition) {
	if m.tracing() {
		t.Out = len(m.reply.Outputs)
		m.reply.Trace = append(m.reply.Trace, t)
	}
}

// joinNote joins the parts of a trace note that are not empty.
func joinNote(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += "; "
		}
		out += p
	}
	return out
}

func stepName(s *graph.Step) string {
	if s == nil {
		return ""
	}
	return s.Name()
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// ownEvent reports whether the engine alone raises the event name: what
// an upload's outcome or a call cut off by a crash starts. Sent by a host,
// it would start those dialogs without the file or the call.
func ownEvent(name string) bool {
	return name == EventCallUnknown || name == EventInactive ||
		strings.HasPrefix(name, EventUploadSucceeded+":") || strings.HasPrefix(name, EventUploadFailed+":")
}
