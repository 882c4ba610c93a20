package turn

import (
	"strconv"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
)

// OutputKind is what the bot shows.
type OutputKind int

const (
	OutText     OutputKind = iota // a text message
	OutButtons                    // quick replies for the message before
	OutTransfer                   // the conversation is handed over
	OutClose                      // the conversation is closed
	OutUpload                     // the bot asks for a file upload
)

// Output is one thing the bot shows the user.
type Output struct {
	Kind     OutputKind
	Text     string        // OutText
	Buttons  []string      // OutButtons
	Accept   []string      // OutUpload: accepted file types
	Transfer *Transfer     // OutTransfer
	Delay    time.Duration // wait this long before showing it (a typing pause)
}

// Transfer describes a handover, to an agent or another bot, with its
// templates rendered. It is made by the transfer step and never modified
// afterwards, so states and replies may share it.
type Transfer struct {
	To      string   `json:"to"`              // "agent" or "bot"
	Skill   string   `json:"skill,omitempty"` // to: agent: the queue or skill
	Agent   string   `json:"agent,omitempty"` // to: agent: the preferred agent
	Bot     string   `json:"bot,omitempty"`   // to: bot: the receiving bot's name
	Context bool     `json:"context,omitempty"`
	Tags    []string `json:"tags,omitempty"` // the step's tags, added to the conversation once it is handed over
	// Dialog is the dialog that transferred: the conversation's current
	// intent, given to the receiving bot as params.intent (with context).
	Dialog string `json:"dialog,omitempty"`
	// Message is the text the step sent with the transfer, "" for none.
	Message string `json:"message,omitempty"`
}

// Line formats o as a line of a transcript (docs/testing.md#the-lines): "< text" for a
// message, "<< action k=v ..." for an action.
func (o Output) Line() string {
	switch o.Kind {
	case OutText:
		return "< " + o.Text
	case OutButtons:
		labels := make([]string, len(o.Buttons))
		for i, l := range o.Buttons {
			labels[i] = labelEscaper.Replace(l)
		}
		return "<< buttons " + strings.Join(labels, " | ")
	case OutTransfer:
		var b strings.Builder
		b.WriteString("<< transfer")
		kv := func(k, v string) {
			if v == "" {
				return
			}
			if strings.ContainsAny(v, ` ="\`) || !strconv.CanBackquote(v) {
				v = strconv.Quote(v) // keeps one value one word
			}
			b.WriteString(" " + k + "=" + v)
		}
		kv("to", o.Transfer.To)
		kv("skill", o.Transfer.Skill)
		kv("agent", o.Transfer.Agent)
		kv("bot", o.Transfer.Bot)
		return b.String()
	case OutClose:
		return "<< close"
	case OutUpload:
		return "<< upload accept=" + strings.Join(o.Accept, ",")
	}
	return ""
}

// labelEscaper keeps a button label that holds " | " from reading as two:
// a '|' is written `\|` and a backslash `\\`.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `|`, `\|`)

// EffectKind is what the host must do.
type EffectKind int

const (
	EffCall     EffectKind = iota // perform an integration request; answer with a CallDone input
	EffTransfer                   // request a transfer; answer with a TransferDone input
	EffStore                      // store an uploaded file; answer with an UploadDone input
)

// Effect is work the engine asks the host to perform. While an effect is
// outstanding the conversation waits (State.Wait) for its result.
type Effect struct {
	Kind EffectKind
	// Key identifies the effect: the conversation, its turn and the
	// effect's place in the turn. A host performing the effect again (a
	// retry) uses the same key, so the far side can tell a repeat.
	Key      string
	Call     *Request  // EffCall
	Transfer *Transfer // EffTransfer
	File     *File     // EffStore
}

// Request is an integration request with its templates rendered. It may
// hold secret values: hosts must not log it as it is.
type Request struct {
	Integration *graph.Integration
	Method      string
	URL         string
	Headers     [][2]string
	Body        []byte // JSON, or nil
	Timeout     time.Duration
	Retries     int
	// Key is the call's idempotency key (Effect.Key), sent as the
	// Idempotency-Key header unless the integration sets that header.
	Key string
	// Conversation is the id of the conversation making the call, for the
	// host's logs.
	Conversation string
}

// Transition is one step of a turn, for tracing (`botctl run --trace`).
type Transition struct {
	Dialog string
	Step   string // the step's name, as graph.Step.Name gives it
	Kind   string // the step's action
	Note   string // the rule taken, the answer's fate, an error...
	// Edge is the conditional edge taken, for coverage: the 1-based number
	// of the rule (of a branch, ask or call), EdgeOnFail, EdgeOnFailure,
	// one of the implicit edges (EdgeExhausted, EdgeFailed,
	// EdgeInterrupted: graph.EdgeKind.Implicit), or 0 when control went on
	// by next.
	Edge int
	// Out is how many of the reply's outputs came before this transition,
	// so a host can show the trace interleaved with the messages.
	Out int
}

// Edges other than rules, in Transition.Edge.
const (
	EdgeOnFail      = -1 // a question's on_fail, after the last attempt
	EdgeOnFailure   = -2 // a call's or transfer's on_failure
	EdgeExhausted   = -3 // a question without on_fail, after the last attempt: error_message
	EdgeFailed      = -4 // a failed call or transfer that nothing routes: the default message
	EdgeInterrupted = -5 // a waiting question, left for a dialog with interrupt: true
)

// String formats t for a trace line.
func (t Transition) String() string {
	if t.Kind == "starter" {
		return "start dialog " + t.Dialog + " (" + t.Note + ")"
	}
	if t.Step == "" {
		return t.Kind + ": " + t.Note // not at a step: ownership changes
	}
	s := t.Step + " (" + t.Kind + ")"
	if t.Note != "" {
		s += ": " + t.Note
	}
	return s
}

// Reply is what a turn produced.
type Reply struct {
	Outputs []Output
	Effects []Effect
	Trace   []Transition // only when Context.Trace is set
	// Errors are problems the bot's author should see (an expression that
	// failed at run time, the step guard); the user got error_message.
	Errors []string
}

// CallResult is the host's answer to an EffCall.
type CallResult = cond.Result
