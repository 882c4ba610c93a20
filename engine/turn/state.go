package turn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
)

// Owner values: who answers the user.
const (
	OwnerBot    = "bot"
	OwnerAgent  = "agent"
	OwnerClosed = "closed"
)

// Wait says what a conversation is waiting for between turns.
type Wait string

const (
	WaitNone     Wait = ""         // a starter
	WaitAnswer   Wait = "answer"   // the answer to the question at Dialog/Step
	WaitCall     Wait = "call"     // the host's result for the integration call at Dialog/Step
	WaitUpload   Wait = "upload"   // the host's result for storing an uploaded file
	WaitTransfer Wait = "transfer" // the host's word that a transfer was requested
	WaitIntent   Wait = "intent"   // which of the intents in Intents the user meant
)

// State is one conversation. It is a plain value: it serialises to JSON and
// back (see Marshal and Unmarshal) with no loss of behaviour, and it holds
// nothing secret. Turn never modifies the State it is given.
type State struct {
	ID        string         `json:"id"`
	Bot       string         `json:"bot"`
	Version   string         `json:"version"` // the compiled bot's version the conversation runs on
	StartedAt time.Time      `json:"started_at"`
	Turn      int            `json:"turn"`
	Owner     string         `json:"owner"`
	Tags      []string       `json:"tags,omitempty"`
	Vars      map[string]any `json:"vars"`
	Params    map[string]any `json:"params,omitempty"`
	User      map[string]any `json:"user,omitempty"`
	Input     string         `json:"input,omitempty"`  // the last user message
	Result    *cond.Result   `json:"result,omitempty"` // the last integration call

	// Position: the dialog and step the conversation is in, and what it
	// waits for there. Step is the step's graph.Step.Key, never its index,
	// so that a position means the same step in every version of the bot
	// that still has it. (States written before keys existed hold a
	// 1-based index, read back as "#N"; see stepAt.)
	Dialog   string `json:"dialog,omitempty"`
	Step     string `json:"step,omitempty"`
	Wait     Wait   `json:"wait,omitempty"`
	Attempts int    `json:"attempts,omitempty"` // answers given to the waiting question
	Upload   *File  `json:"upload,omitempty"`   // the file being stored, while WaitUpload
	// Intents are the intents the bot asked the user to choose from, by
	// name, while WaitIntent (nlu.disambiguate).
	Intents []string `json:"intents,omitempty"`

	// Handover: the transfer waiting for the host's word (Wait is
	// WaitTransfer) or in force (an agent owns the conversation, or it was
	// handed to another bot); nil while the bot owns it.
	Transfer *Transfer `json:"transfer,omitempty"`
	// HandedTo names the bot a transfer `to: bot` handed the conversation
	// to. This bot's part is over: every later input is refused with a
	// HandedOffError, and the host continues the conversation with the
	// state Handoff builds for that bot.
	HandedTo string `json:"handed_to,omitempty"`
	// TransferFailures counts agent_escalation_failed events in a row;
	// agent_done resets it (see docs/handoff.md#6-max_transfer_attempts).
	TransferFailures int `json:"transfer_failures,omitempty"`

	// Effects counts the effects requested since the last input; with ID
	// and Turn it makes each effect's idempotency key (Effect.Key).
	Effects int `json:"effects,omitempty"`
	// Lease is a host's claim on the effect the conversation waits for
	// (Wait is WaitCall, WaitUpload or WaitTransfer): stored before the
	// host performs it, so that no other turn performs it again. The
	// engine only clears it, when the effect's result comes in.
	Lease *Lease `json:"lease,omitempty"`

	// Timers (timer.go). Quiet is when the user's silence began: the
	// start, their last message, or the agent's hand-back; Nudged counts
	// the inactivity limits that fired since. Schedules are the dialogs
	// schedule steps will start, ScheduleSeq numbers them. Resume is the
	// question a timer's dialog interrupted. Event is the event that
	// started the current dialog (event.name, event.after, its fields).
	Quiet       time.Time         `json:"quiet_since,omitzero"`
	Nudged      int               `json:"nudged,omitempty"`
	Schedules   []Scheduled       `json:"schedules,omitempty"`
	ScheduleSeq int               `json:"schedule_seq,omitempty"`
	Resume      *Resume           `json:"resume,omitempty"`
	Event       map[string]string `json:"event,omitempty"`

	// Sealed holds, at rest only, the values a host encrypted: the
	// sensitive variables ("vars.NAME", whose entry Vars then lacks) and
	// the last message ("input"), each as its host's ciphertext. A host
	// opens them before a turn and seals them again after it, so Run
	// never sees this field set (see docs/operations.md#sensitive-values).
	Sealed map[string]string `json:"sealed,omitempty"`
}

// Lease is a host's claim on performing an effect: who holds it, until
// when, and the effect's key. A lease whose holder is gone (a crash) is
// never taken over by performing the effect again: the host delivers the
// result "outcome unknown" instead (see Unknown).
type Lease struct {
	Key    string    `json:"key"`    // the effect's idempotency key
	Holder string    `json:"holder"` // the host instance performing it
	Until  time.Time `json:"until"`  // after this, the holder is presumed gone
	// Request is the idempotency key of the client request whose turn
	// performs the effect, if it had one, and Input the host's hash of
	// that request's input: a retry has both, a key reused for another
	// input only the key.
	Request string `json:"request,omitempty"`
	Input   string `json:"input,omitempty"`
}

// AtRest reports whether the conversation is between dialogs: no step
// holds a position in it, so it may move to another version of its bot
// without anything it said being misread.
func (s *State) AtRest() bool {
	return s.Dialog == "" && s.Wait == WaitNone && s.HandedTo == ""
}

// LeaveDialog drops the conversation's position and what it waited for
// there, leaving it at rest: what a host does to a conversation whose
// version of the bot is gone and whose step the current version lacks.
func (s *State) LeaveDialog() {
	s.clearWait()
	s.Dialog, s.Step = "", ""
}

func (s *State) clearWait() {
	s.Wait, s.Attempts, s.Upload, s.Lease, s.Intents = WaitNone, 0, nil, nil, nil
}

// File is an uploaded file as a question saves it: {name, type, size, id}.
type File struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Size int64  `json:"size"`
	ID   string `json:"id,omitempty"`
}

func (f *File) value() map[string]any {
	return map[string]any{"name": f.Name, "type": f.Type, "size": int(f.Size), "id": f.ID}
}

// NewState returns the state of a conversation that has not had a turn yet:
// owned by the bot, variables at their declared initial values.
func NewState(bot *graph.Bot, id string, started time.Time, user, params map[string]any) State {
	vars := make(map[string]any, len(bot.Variables))
	for _, v := range bot.Variables {
		vars[v.Name] = deepCopy(v.Initial)
	}
	return State{
		ID: id, Bot: bot.Name, Version: bot.Version, StartedAt: started,
		Owner: OwnerBot, Vars: vars, User: user, Params: params,
	}
}

// DeclareVariables gives s the variables bot declares that s lacks, at
// their initial values: a conversation moved to another version of its
// bot meets the variables that version adds, which its steps read.
func (s *State) DeclareVariables(bot *graph.Bot) {
	for _, v := range bot.Variables {
		if _, ok := s.Vars[v.Name]; !ok {
			if s.Vars == nil {
				s.Vars = map[string]any{}
			}
			s.Vars[v.Name] = deepCopy(v.Initial)
		}
	}
}

// Marshal encodes s as JSON, exactly as encoding/json.Marshal does.
func Marshal(s State) ([]byte, error) {
	if data, err := marshalFast(&s); err == nil {
		return data, nil
	}
	return json.Marshal(s)
}

// Unmarshal decodes a State written by Marshal. Whole numbers come back as
// int and others as float64, as they were, so a conversation behaves the
// same after a round trip through a store.
func Unmarshal(data []byte) (State, error) {
	var s State
	if !unmarshalFast(data, &s) {
		return unmarshalJSON(data)
	}
	if s.Vars == nil {
		s.Vars = map[string]any{}
	}
	return s, nil
}

// unmarshalJSON is Unmarshal done by encoding/json: the reference the fast
// path matches, and what decodes whatever the fast path leaves.
func unmarshalJSON(data []byte) (State, error) {
	// Step is a string, or in states stored before steps had keys, an
	// index: the outer field takes it either way.
	var w struct {
		State
		Step json.RawMessage `json:"step"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		return State{}, err
	}
	s := w.State
	if len(w.Step) > 0 && string(w.Step) != "null" {
		var n int64
		if err := json.Unmarshal(w.Step, &s.Step); err != nil {
			if json.Unmarshal(w.Step, &n) != nil {
				return State{}, fmt.Errorf("step: %s is neither a step's key nor an index", w.Step)
			}
			s.Step = legacyStep(n)
		}
	}
	legacyPosition(&s)
	s.Vars = Numbers(s.Vars).(map[string]any)
	if s.Params != nil {
		s.Params = Numbers(s.Params).(map[string]any)
	}
	if s.User != nil {
		s.User = Numbers(s.User).(map[string]any)
	}
	if s.Result != nil {
		s.Result.Body = Numbers(s.Result.Body)
	}
	if s.Vars == nil {
		s.Vars = map[string]any{}
	}
	return s, nil
}

// Numbers turns the json.Numbers of a value decoded with UseNumber into int
// (whole numbers) or float64, in place, and returns it: the types the
// engine gives numbers, so that a value read back behaves as it did.
func Numbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return int(i)
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = Numbers(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = Numbers(e)
		}
		return v
	}
	return v
}

// deepCopy copies the maps and slices of a JSON-like value, so that no two
// conversations share a mutable initial value.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// clone returns a copy of s that shares nothing writable with it. (Transfer
// is shared: it is never modified once made.)
func (s State) clone() State {
	s.Vars = maps.Clone(s.Vars)
	s.Tags = append([]string(nil), s.Tags...)
	s.Intents = append([]string(nil), s.Intents...)
	// Schedules, Resume and Event are replaced, never changed in place.
	return s
}
