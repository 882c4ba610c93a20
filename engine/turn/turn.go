package turn

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
)

// MaxSteps bounds the steps one turn may execute without waiting for the
// user, so that no bot can hang a host. A turn that reaches it sends the
// bot's error_message and reports an error.
const MaxSteps = 1000

// DefaultFallback is the reply to a message no starter matches, for a bot
// with no fallback dialog.
const DefaultFallback = "Sorry, I didn't understand that. Could you say it another way?"

// InputKind tells what a turn's input is.
type InputKind int

const (
	Start        InputKind = iota // a new conversation: the welcome dialog, or Input.Dialog
	Message                       // a user message: Input.Text
	Event                         // a host event: Input.Event with Input.Fields
	CallDone                      // the result of an EffCall: Input.Result
	TransferDone                  // the result of an EffTransfer: Input.Err ("" = requested)
	UploadDone                    // the result of an EffStore: Input.FileID or Input.Err
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
	ErrUnknownKind = errors.New("unknown input kind")
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
		Env: ctx.Env, Now: ctx.now,
	}
	if m.st.Result != nil {
		m.env.Result = *m.st.Result
	}
	m.syncConversation()
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
	m.env.Input = text
	m.syncConversation()
	if st.Owner == OwnerAgent {
		// The host records the message with its owner and passes it to
		// the agent; the bot does not answer, and no starter matches.
		if m.ctx.Trace {
			m.trace(Transition{Kind: "agent", Note: "message for the agent; the bot does not answer"})
		}
		return nil
	}
	if st.Wait == WaitAnswer {
		if s := m.bot.Starters.MatchInterrupt(text); s != nil {
			if m.ctx.Trace {
				m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Dialog.Name, Kind: "starter", Note: "interrupts the question: " + s.Text})
			}
			m.startDialog(s.Dialog)
			return nil
		}
		if step := m.waitingStep(); step != nil && step.Ask != nil {
			m.answer(step, text)
			return nil
		}
		m.clearWait()
	}
	if s := m.bot.Starters.Match(text); s != nil {
		if m.ctx.Trace {
			m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Dialog.Name, Kind: "starter", Note: s.Kind.String() + " " + s.Text})
		}
		m.startDialog(s.Dialog)
		return nil
	}
	if m.bot.Fallback != nil {
		if m.ctx.Trace {
			m.trace(Transition{Dialog: m.bot.Fallback.Name, Step: m.bot.Fallback.Name, Kind: "starter", Note: "fallback"})
		}
		m.startDialog(m.bot.Fallback)
		return nil
	}
	if m.ctx.Trace {
		m.trace(Transition{Kind: "fallback", Note: "no starter matches and the bot has no fallback dialog: built-in reply"})
	}
	m.say(DefaultFallback, 0)
	return nil
}

func (m *machine) event(in Input) error {
	st := &m.st
	if in.Event == "" {
		return ErrNoEvent
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
		// The handoff went through: the bot has the conversation back
		// and the count of failed escalations starts again.
		st.Turn++
		m.handBack()
		st.TransferFailures = 0
		if m.ctx.Trace {
			m.trace(Transition{Kind: "agent", Note: "agent_done: the bot owns the conversation again"})
		}
		m.raise(in.Event)
	case EventEscalationFail:
		st.Turn++
		m.handBack()
		st.TransferFailures++
		max := m.bot.MaxTransferAttempts
		if max <= 0 {
			max = 3
		}
		if st.TransferFailures >= max {
			// No more retries: the bot says so and starts no dialog, for
			// this failure and every further one until a handoff goes
			// through (agent_done).
			if m.ctx.Trace {
				m.trace(Transition{Kind: "agent", Note: fmt.Sprintf("agent_escalation_failed %d times in a row (max_transfer_attempts %d): transfer_failed_message", st.TransferFailures, max)})
			}
			m.sayTemplate(m.bot.TransferFailedMessage, 0)
			return nil
		}
		if m.ctx.Trace {
			m.trace(Transition{Kind: "agent", Note: fmt.Sprintf("agent_escalation_failed (%d of %d in a row): the bot owns the conversation again", st.TransferFailures, max)})
		}
		m.raise(in.Event)
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
		if !m.raise(in.Event) {
			if m.ctx.Trace {
				m.trace(Transition{Kind: "event", Note: "no event starter matches " + in.Event + "; nothing happens"})
			}
		}
	}
	return nil
}

// handBack returns the conversation from the agent to the bot.
func (m *machine) handBack() {
	m.st.Owner = OwnerBot
	m.st.Transfer = nil
	m.syncConversation()
}

// raise starts the dialog whose event starter matches name, if any, and
// reports whether one did.
func (m *machine) raise(name string) bool {
	s := m.bot.Starters.MatchEvent(name)
	if s == nil {
		return false
	}
	if m.ctx.Trace {
		m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Dialog.Name, Kind: "starter", Note: "event " + name})
	}
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

func (m *machine) clearWait() {
	m.st.Wait = WaitNone
	m.st.Attempts = 0
	m.st.Upload = nil
	m.st.Lease = nil
}

func (m *machine) endDialog() {
	m.clearWait()
	m.st.Dialog = ""
	m.st.Step = ""
}

// effect asks the host to perform e, under a key unique to the
// conversation, its turn and the effect's place in the turn.
func (m *machine) effect(e Effect) {
	m.st.Effects++
	e.Key = m.st.ID + "/" + strconv.Itoa(m.st.Turn) + "/" + strconv.Itoa(m.st.Effects)
	if e.Call != nil {
		e.Call.Key = e.Key
	}
	m.reply.Effects = append(m.reply.Effects, e)
}

func (m *machine) startDialog(d *graph.Dialog) {
	m.clearWait()
	m.run(d.Steps[0])
}

// trace records a transition. Callers check m.ctx.Trace first, so that a
// turn without tracing builds no names or notes.
func (m *machine) trace(t Transition) {
	if m.ctx.Trace {
		t.Out = len(m.reply.Outputs)
		m.reply.Trace = append(m.reply.Trace, t)
	}
}

func (m *machine) out(o Output) { m.reply.Outputs = append(m.reply.Outputs, o) }

func (m *machine) say(text string, delay time.Duration) {
	m.out(Output{Kind: OutText, Text: text, Delay: delay})
}

func (m *machine) sayTemplate(t *cond.Template, delay time.Duration) {
	if t == nil {
		return
	}
	text, err := t.Render(&m.env)
	if err != nil {
		m.reply.Errors = append(m.reply.Errors, fmt.Sprintf("rendering %q: %v", t.Source, err))
		return
	}
	m.say(text, delay)
}

// fail reports an author-facing error, tells the user the bot's
// error_message and ends the dialog.
func (m *machine) fail(s *graph.Step, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	name := ""
	if s != nil {
		name = s.Name()
		msg = name + ": " + msg
	}
	m.reply.Errors = append(m.reply.Errors, msg)
	if m.ctx.Trace {
		m.trace(Transition{Dialog: m.st.Dialog, Step: name, Kind: "error", Note: msg})
	}
	m.sayError()
	m.endDialog()
}

func (m *machine) sayError() {
	if m.bot.ErrorMessage == nil {
		m.say("Sorry, something went wrong on our side.", 0)
		return
	}
	text, err := m.bot.ErrorMessage.Render(&m.env)
	if err != nil {
		text = "Sorry, something went wrong on our side."
	}
	m.say(text, 0)
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

// run executes steps from s until the conversation must wait or the dialog
// ends.
func (m *machine) run(s *graph.Step) {
	for s != nil {
		m.steps++
		if m.steps > MaxSteps {
			m.fail(s, "the turn ran %d steps without waiting for the user; a loop in the bot?", MaxSteps)
			return
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

// follow resolves a target: the step to run next, or nil when the dialog
// ended or the conversation closed.
func (m *machine) follow(t graph.Target) *graph.Step {
	switch t.Kind {
	case graph.ToStep:
		if t.Step != nil {
			return t.Step
		}
	case graph.ToClose:
		m.close()
		return nil
	}
	m.endDialog()
	return nil
}

func (m *machine) close() {
	m.endDialog()
	m.st.Owner = OwnerClosed
	m.out(Output{Kind: OutClose})
}

// exec runs one step and returns where control goes, or wait = true when
// the conversation now waits (for the user or the host).
func (m *machine) exec(s *graph.Step) (next graph.Target, wait bool) {
	switch s.Kind {
	case graph.StepSay:
		if m.ctx.Trace {
			m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Name(), Kind: "say"})
		}
		delay := s.Delay
		for _, t := range s.Say {
			text, ok := m.render(s, t)
			if !ok {
				return graph.Target{}, true
			}
			m.say(text, delay)
			delay = 0
		}
		if len(s.Buttons) > 0 {
			labels, ok := m.renderAll(s, s.Buttons)
			if !ok {
				return graph.Target{}, true
			}
			m.out(Output{Kind: OutButtons, Buttons: labels})
		}
	case graph.StepAsk:
		if m.ctx.Trace {
			m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Name(), Kind: "ask"})
		}
		return graph.Target{}, m.ask(s)
	case graph.StepSet:
		for _, a := range s.Set {
			v, err := a.Expr.Eval(&m.env)
			if err != nil {
				m.fail(s, "set %s: %v", a.Var, err)
				return graph.Target{}, true
			}
			m.st.Vars[a.Var] = v
		}
		if m.ctx.Trace {
			m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Name(), Kind: "set"})
		}
	case graph.StepBranch:
		t, taken, ok := m.rules(s, s.Branch)
		if !ok {
			return graph.Target{}, true
		}
		if m.ctx.Trace {
			m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Name(), Kind: "branch", Note: ruleNote(taken, t), Edge: taken})
		}
		if taken > 0 {
			return t, false
		}
	case graph.StepCall:
		if m.ctx.Trace {
			m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Name(), Kind: "call", Note: s.Call.Name})
		}
		return graph.Target{}, m.call(s)
	case graph.StepTransfer:
		if m.ctx.Trace {
			m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Name(), Kind: "transfer", Note: "to " + s.Transfer.To})
		}
		return graph.Target{}, m.transfer(s)
	case graph.StepGoto:
		if m.ctx.Trace {
			m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Name(), Kind: "goto", Note: s.Goto.String()})
		}
		return s.Goto, false
	case graph.StepEnd:
		if m.ctx.Trace {
			m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Name(), Kind: "end"})
		}
		return graph.Target{Kind: graph.ToEnd}, false
	case graph.StepClose:
		if m.ctx.Trace {
			m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Name(), Kind: "close"})
		}
		return graph.Target{Kind: graph.ToClose}, false
	}
	return s.Next, false
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

// rules returns the target of the first rule that holds and its 1-based
// number, 0 when none held. ok is false when a condition failed to evaluate
// (the turn has then failed).
func (m *machine) rules(s *graph.Step, rules []graph.Rule) (t graph.Target, taken int, ok bool) {
	for i, r := range rules {
		hold := false
		switch r.Kind {
		case graph.WhenElse:
			hold = true
		case graph.WhenSuccess:
			hold = m.st.Result != nil && m.st.Result.OK
		case graph.WhenFailure:
			hold = m.st.Result == nil || !m.st.Result.OK
		case graph.WhenExpr:
			b, err := r.When.Bool(&m.env)
			if err != nil {
				m.fail(s, "rule %d: %v", i+1, err)
				return graph.Target{}, 0, false
			}
			hold = b
		}
		if hold {
			return r.Target, i + 1, true
		}
	}
	return graph.Target{}, 0, true
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

// ruleNote describes the rule taken for a trace; "" when none was.
func ruleNote(taken int, t graph.Target) string {
	if taken == 0 {
		return ""
	}
	return "rule " + strconv.Itoa(taken) + " → " + t.String()
}

// ask sends the question and waits for its answer.
func (m *machine) ask(s *graph.Step) bool {
	a := s.Ask
	text, ok := m.render(s, a.Text)
	if !ok {
		return true
	}
	m.say(text, s.Delay)
	switch {
	case a.Type == graph.Choice:
		m.out(Output{Kind: OutButtons, Buttons: a.Choices})
	case len(s.Buttons) > 0:
		labels, ok := m.renderAll(s, s.Buttons)
		if !ok {
			return true
		}
		m.out(Output{Kind: OutButtons, Buttons: labels})
	}
	if a.Type == graph.File {
		m.out(Output{Kind: OutUpload, Accept: a.Accept})
	}
	m.st.Wait = WaitAnswer
	m.st.Attempts = 0
	return true
}

// answer takes the user's answer to the question at s.
func (m *machine) answer(s *graph.Step, text string) {
	a := s.Ask
	if a.Type == graph.File {
		// A text message instead of a file counts as an invalid attempt.
		m.invalid(s, a.Invalid, "a text message instead of a file")
		return
	}
	m.st.Attempts++
	v, ok := ParseAnswer(a, text, m.ctx.now())
	if ok && a.Validate != nil {
		m.env.Answer = v
		valid, err := a.Validate.Bool(&m.env)
		if err != nil {
			m.fail(s, "validate: %v", err)
			return
		}
		ok = valid
	}
	if !ok {
		m.attemptFailed(s, a.Retry, "invalid answer")
		return
	}
	m.accept(s, v)
}

// accept saves a valid answer and follows the question's rules.
func (m *machine) accept(s *graph.Step, v any) {
	m.st.Vars[s.Ask.Save] = v
	m.env.Answer = v
	m.clearWait()
	t, taken, ok := m.rules(s, s.Rules)
	if !ok {
		return
	}
	if m.ctx.Trace {
		m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Name(), Kind: "answer",
			Note: joinNote("saved "+s.Ask.Save, ruleNote(taken, t)), Edge: taken})
	}
	if taken == 0 {
		t = s.Next
	}
	m.run(m.follow(t))
}

// attemptFailed handles an answer that counted as an attempt and failed:
// the retry text while attempts remain, else on_fail.
func (m *machine) attemptFailed(s *graph.Step, retry *cond.Template, why string) {
	a := s.Ask
	if m.st.Attempts >= a.MaxAttempts {
		if m.ctx.Trace {
			tr := Transition{Dialog: s.Dialog.Name, Step: s.Name(), Kind: "answer", Note: why + "; attempts used up"}
			if a.HasOnFail {
				tr.Edge = EdgeOnFail
			}
			m.trace(tr)
		}
		m.clearWait()
		if a.HasOnFail {
			m.run(m.follow(a.OnFail))
			return
		}
		m.sayError()
		m.endDialog()
		return
	}
	if m.ctx.Trace {
		m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Name(), Kind: "answer", Note: fmt.Sprintf("%s; attempt %d of %d", why, m.st.Attempts, a.MaxAttempts)})
	}
	m.st.Wait = WaitAnswer
	if retry != nil {
		if text, ok := m.render(s, retry); ok {
			m.say(text, 0)
		}
		return
	}
	text := DefaultRetry[a.Type]
	if a.Type == graph.Choice {
		text = "Please choose one of: " + strings.Join(a.Choices, ", ") + "."
	}
	m.say(text, 0)
}

func (m *machine) invalid(s *graph.Step, msg *cond.Template, why string) {
	m.st.Attempts++
	if msg == nil {
		msg = defaultInvalid(s.Ask.Accept)
	}
	m.attemptFailed(s, msg, why)
}

// defaultInvalid is the `invalid` text of a file question that sets none.
func defaultInvalid(accept []string) *cond.Template {
	t, _ := cond.ParseTemplate("The file type is invalid. Upload one of these types: " + strings.Join(accept, ", ") + ".")
	return t
}

// upload takes an upload event for the file question at s.
func (m *machine) upload(s *graph.Step, fields map[string]string) {
	a := s.Ask
	f := &File{Name: fields["name"], Type: fields["type"]}
	size, err := strconv.ParseInt(fields["size"], 10, 64)
	if err != nil || size < 0 {
		m.invalid(s, a.Invalid, "upload without a valid size")
		return
	}
	f.Size = size
	if !acceptable(a.Accept, f.Name, f.Type) {
		m.invalid(s, a.Invalid, "file type not accepted: "+f.Name)
		return
	}
	if f.Size > a.MaxSize {
		m.invalid(s, a.Invalid, fmt.Sprintf("file too large: %d bytes", f.Size))
		return
	}
	m.st.Attempts++
	if text, ok := m.render(s, a.Uploading); ok && text != "" {
		m.say(text, 0)
	}
	m.st.Wait = WaitUpload
	m.st.Upload = f
	m.effect(Effect{Kind: EffStore, File: f})
}

// extTypes maps an accept entry to the content types that satisfy it.
var extTypes = map[string][]string{
	"pdf":  {"application/pdf"},
	"jpeg": {"image/jpeg"},
	"jpg":  {"image/jpeg"},
	"png":  {"image/png"},
	"gif":  {"image/gif"},
	"webp": {"image/webp"},
	"heic": {"image/heic"},
	"docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	"doc":  {"application/msword"},
	"xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	"xls":  {"application/vnd.ms-excel"},
	"pptx": {"application/vnd.openxmlformats-officedocument.presentationml.presentation"},
	"ppt":  {"application/vnd.ms-powerpoint"},
	"csv":  {"text/csv"},
	"txt":  {"text/plain"},
	"zip":  {"application/zip"},
}

// acceptable reports whether a file with this name and content type is one
// of the accepted types: its extension must be listed (jpeg and jpg are one
// type), and a content type, when given, must fit the extension.
func acceptable(accept []string, name, ctype string) bool {
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		ext = strings.ToLower(name[i+1:])
	}
	if ext == "jpg" {
		ext = "jpeg"
	}
	listed := false
	for _, a := range accept {
		a = strings.ToLower(a)
		if a == "jpg" {
			a = "jpeg"
		}
		if a == ext {
			listed = true
			break
		}
	}
	if !listed {
		return false
	}
	ctype = strings.ToLower(strings.TrimSpace(strings.Split(ctype, ";")[0]))
	if ctype == "" || ctype == "application/octet-stream" {
		return true
	}
	known, ok := extTypes[ext]
	if !ok {
		return true
	}
	for _, k := range known {
		if k == ctype {
			return true
		}
	}
	return false
}

// uploadDone takes the host's result of storing a file.
func (m *machine) uploadDone(id, failure string) {
	s := m.waitingStep()
	f := m.st.Upload
	if s == nil || s.Ask == nil || f == nil {
		m.endDialog()
		return
	}
	a := s.Ask
	if failure != "" {
		text, _ := m.render(s, a.Failure)
		if text != "" {
			m.say(text, 0)
		}
		m.st.Upload = nil
		m.st.Wait = WaitAnswer
		if m.ctx.Trace {
			m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Name(), Kind: "upload", Note: "storing failed: " + failure})
		}
		if m.raise(EventUploadFailed + ":" + text) {
			return
		}
		if m.st.Attempts >= a.MaxAttempts {
			m.attemptFailed(s, nil, "storing failed")
		}
		return
	}
	f.ID = id
	text, _ := m.render(s, a.Success)
	if text != "" {
		m.say(text, 0)
	}
	if m.ctx.Trace {
		m.trace(Transition{Dialog: s.Dialog.Name, Step: s.Name(), Kind: "upload", Note: "stored " + f.Name})
	}
	m.st.Vars[a.Save] = f.value()
	m.env.Answer = m.st.Vars[a.Save]
	m.clearWait()
	if m.raise(EventUploadSucceeded + ":" + text) {
		return
	}
	m.st.Dialog, m.st.Step = s.Dialog.Name, s.Key
	m.accept(s, m.st.Vars[a.Save])
}

// call runs pre, renders the request and hands it to the host.
func (m *machine) call(s *graph.Step) bool {
	in := s.Call
	for _, a := range in.Pre {
		v, err := a.Expr.Eval(&m.env)
		if err != nil {
			m.fail(s, "pre %s: %v", a.Var, err)
			return true
		}
		m.st.Vars[a.Var] = v
	}
	req, err := m.request(in)
	if err != nil {
		m.callDoneAt(s, &CallResult{Error: m.redactor().Redact(err.Error())})
		return true
	}
	m.st.Wait = WaitCall
	m.effect(Effect{Kind: EffCall, Call: req})
	return true
}

// request renders an integration's request. Secrets are readable here and
// nowhere else.
func (m *machine) request(in *graph.Integration) (*Request, error) {
	env := m.env
	env.Secret = m.ctx.Secrets
	u, err := renderURL(in.URL, &env)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	if len(in.Query) > 0 {
		parsed, err := url.Parse(u)
		if err != nil {
			return nil, fmt.Errorf("url: %w", err)
		}
		q := parsed.Query()
		for _, p := range in.Query {
			v, err := p.Value.Render(&env)
			if err != nil {
				return nil, fmt.Errorf("query %s: %w", p.Name, err)
			}
			q.Add(p.Name, v)
		}
		parsed.RawQuery = q.Encode()
		u = parsed.String()
	}
	req := &Request{Integration: in, Method: in.Method, URL: u, Timeout: in.Timeout, Retries: in.Retries}
	for _, h := range in.Headers {
		v, err := h.Value.Render(&env)
		if err != nil {
			return nil, fmt.Errorf("header %s: %w", h.Name, err)
		}
		req.Headers = append(req.Headers, [2]string{h.Name, v})
	}
	if in.Body != nil {
		body, err := renderBody(in.Body, &env, 0)
		if err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		if req.Body, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
	}
	return req, nil
}

// renderURL renders a URL template, escaping every templated value that
// reads anything but env: as a path segment before the first '?' or '#' of
// the URL rendered so far, as a query value after it. Values that read only
// env (the base URL, checked when the bot is compiled) are written as they are.
func renderURL(t *cond.Template, env *cond.Env) (string, error) {
	if text, plain := t.Plain(); plain {
		return text, nil
	}
	var b strings.Builder
	for _, seg := range t.Segments() {
		if seg.Expr == nil {
			b.WriteString(seg.Text)
			continue
		}
		v, err := seg.Expr.Eval(env)
		if err != nil {
			return "", err
		}
		s := cond.Format(v)
		switch {
		case onlyEnv(seg.Expr):
			b.WriteString(s)
		case strings.ContainsAny(b.String(), "?#"):
			b.WriteString(url.QueryEscape(s))
		default:
			b.WriteString(url.PathEscape(s))
		}
	}
	return b.String(), nil
}

// onlyEnv reports whether e reads env and nothing else.
func onlyEnv(e *cond.Expr) bool {
	refs := e.Refs()
	for _, r := range refs {
		if r.Root != cond.RootEnv {
			return false
		}
	}
	return len(refs) > 0
}

// redactor returns the Redactor of the conversation's secrets, so that no
// error about a request and no call result shows a secret to the user, a
// log, a transcript or the store.
func (m *machine) redactor() *Redactor {
	if m.ctx.Redactor == nil && len(m.ctx.Secrets) > 0 {
		m.ctx.Redactor = NewRedactor(slices.Collect(maps.Values(m.ctx.Secrets))...)
	}
	return m.ctx.Redactor
}

// renderBody renders the templates of a JSON body tree. A string that is a
// single `${expr}` keeps the expression's value and type.
func renderBody(v any, env *cond.Env, depth int) (any, error) {
	if depth > 64 {
		return nil, errors.New("body nested too deeply")
	}
	switch v := v.(type) {
	case *cond.Template:
		if segs := v.Segments(); len(segs) == 1 && segs[0].Expr != nil {
			return segs[0].Expr.Eval(env)
		}
		return v.Render(env)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			r, err := renderBody(e, env, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := renderBody(e, env, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// callUnknown takes the host's word that the call the conversation waits
// for may or may not have been performed: the dialog with the event starter
// call_outcome_unknown runs if there is one, else the call fails.
func (m *machine) callUnknown() {
	res := CallResult{Error: EventCallUnknown}
	s := m.waitingStep()
	m.clearWait()
	if s == nil || s.Call == nil {
		m.endDialog()
		return
	}
	if m.bot.Starters.MatchEvent(EventCallUnknown) == nil {
		m.callDoneAt(s, &res)
		return
	}
	m.st.Result = &res
	m.env.Result = res
	if m.ctx.Trace {
		m.trace(Transition{Dialog: m.st.Dialog, Step: s.Name(), Kind: "result", Note: "outcome unknown: the call may or may not have been performed"})
	}
	m.raise(EventCallUnknown)
}

func (m *machine) callDone(r *CallResult) {
	if r.Error == EventCallUnknown && r.Status == 0 {
		// A result that says so is an unknown outcome too: what a
		// transcript's mock {error: call_outcome_unknown} gives, so that
		// authors can test how their bot handles one.
		m.callUnknown()
		return
	}
	s := m.waitingStep()
	m.clearWait()
	if s == nil || s.Call == nil {
		m.endDialog()
		return
	}
	m.callDoneAt(s, r)
}

// callDoneAt applies a call's result at step s: success, post, rules.
func (m *machine) callDoneAt(s *graph.Step, r *CallResult) {
	in := s.Call
	// The host's client redacts what it returns, but a mock or another
	// Performer may not: redact here, whoever made the call.
	res := m.redactor().Result(*r)
	if res.Error == "" {
		ok := res.Status >= 200 && res.Status < 300
		m.env.Result = res
		if in.Success != nil {
			b, err := in.Success.Bool(&m.env)
			if err != nil {
				ok = false
				res.Error = "success condition: " + err.Error()
			} else {
				ok = b
			}
		}
		res.OK = ok
		if !ok && res.Error == "" {
			res.Error = fmt.Sprintf("status %d is not a success", res.Status)
		}
	} else {
		res.OK = false
	}
	m.st.Result = &res
	m.env.Result = res
	if res.OK {
		// post runs as a unit: a response it cannot process (a body of
		// another shape than the bot expects) makes the call a failure that
		// the step's failure rules route, and sets no variable.
		values := make([]any, len(in.Post))
		for i, a := range in.Post {
			v, err := a.Expr.Eval(&m.env)
			if err != nil {
				msg := fmt.Sprintf("post-processing %s failed: %v", a.Var, err)
				m.reply.Errors = append(m.reply.Errors, s.Name()+": "+msg)
				res.OK, res.Error = false, msg
				m.st.Result = &res
				m.env.Result = res
				values = nil
				break
			}
			values[i] = v
		}
		for i, v := range values {
			m.st.Vars[in.Post[i].Var] = v
		}
	}
	m.st.Dialog, m.st.Step = s.Dialog.Name, s.Key
	t, taken, ok := m.rules(s, s.Rules)
	if !ok {
		return
	}
	if m.ctx.Trace {
		outcome := "success"
		if !res.OK {
			outcome = "failure: " + res.Error
		}
		tr := Transition{Dialog: s.Dialog.Name, Step: s.Name(), Kind: "result", Note: joinNote(outcome, ruleNote(taken, t)), Edge: taken}
		if taken == 0 && !res.OK && s.HasOnFailure {
			tr.Edge = EdgeOnFailure
		}
		m.trace(tr)
	}
	switch {
	case taken > 0:
	case !res.OK && s.HasOnFailure:
		t = s.OnFailure
	case !res.OK:
		m.sayError()
		m.endDialog()
		return
	default:
		t = s.Next
	}
	m.run(m.follow(t))
}

// transfer sends the step's message, if any, and asks the host to request
// the handover. Nothing else changes until the host's word comes back as a
// TransferDone input (see transferDone).
func (m *machine) transfer(s *graph.Step) bool {
	spec := s.Transfer
	msg, ok := m.render(s, spec.Message)
	if !ok {
		return true
	}
	tr := &Transfer{To: spec.To, Bot: spec.Bot, Context: spec.Context, Tags: spec.Tags, Dialog: s.Dialog.Name, Message: msg}
	if tr.Skill, ok = m.render(s, spec.Skill); !ok {
		return true
	}
	if tr.Agent, ok = m.render(s, spec.Agent); !ok {
		return true
	}
	if msg != "" {
		m.say(msg, s.Delay)
	}
	m.st.Wait = WaitTransfer
	m.st.Transfer = tr
	m.effect(Effect{Kind: EffTransfer, Transfer: tr})
	return true
}

// transferDone takes the host's word on a transfer request. Once the host
// has requested it, the handover happens all at once: the action
// `<< transfer ...` is shown, the step's tags are added, ownership passes
// (to the agent, or to the other bot) and the dialog ends. A request that
// failed changes nothing but what was said: the step's on_failure runs,
// else transfer_failed_message is sent and the dialog ends.
func (m *machine) transferDone(failure string) {
	s := m.waitingStep()
	t := m.st.Transfer
	m.clearWait()
	if t == nil {
		m.st.Transfer = nil
		m.endDialog()
		return
	}
	if failure != "" {
		m.st.Transfer = nil
		m.reply.Errors = append(m.reply.Errors, "transfer could not be requested: "+failure)
		tr := Transition{Dialog: m.st.Dialog, Step: stepName(s), Kind: "transfer", Note: "could not be requested: " + failure}
		if s != nil && s.HasOnFailure {
			tr.Edge = EdgeOnFailure
		}
		m.trace(tr)
		if s != nil && s.HasOnFailure {
			m.run(m.follow(s.OnFailure))
			return
		}
		m.sayTemplate(m.bot.TransferFailedMessage, 0)
		m.endDialog()
		return
	}
	var delay time.Duration
	if s != nil && t.Message == "" {
		delay = s.Delay // no message carried the step's delay
	}
	m.out(Output{Kind: OutTransfer, Transfer: t, Delay: delay})
	for _, tag := range t.Tags {
		if !contains(m.st.Tags, tag) {
			m.st.Tags = append(m.st.Tags, tag)
		}
	}
	if t.To == "bot" {
		m.st.HandedTo = t.Bot
		m.st.TransferFailures = 0
		if m.ctx.Trace {
			m.trace(Transition{Dialog: m.st.Dialog, Step: stepName(s), Kind: "transfer", Note: "handed to the bot " + t.Bot})
		}
	} else {
		m.st.Owner = OwnerAgent
		if m.ctx.Trace {
			m.trace(Transition{Dialog: m.st.Dialog, Step: stepName(s), Kind: "transfer", Note: "requested: an agent owns the conversation"})
		}
	}
	m.syncConversation()
	m.endDialog()
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
