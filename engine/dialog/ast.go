// Package dialog is the syntax tree of a bot as its author wrote it: every
// value keeps the YAML node it came from, so later stages can point at the
// exact line and column of a problem.
//
// Decode builds a File's tree from parsed YAML. It is lenient by design: a
// value of the wrong shape is left unset rather than reported, because the
// JSON Schema check (package schemacheck) reports shape errors with better
// messages. Semantic checks belong to package compile.
package dialog

import (
	"gopkg.in/yaml.v3"

	"github.com/botctl/botctl/engine/diag"
)

// File is one parsed bot file.
type File struct {
	Path string     // as given by the user, used in diagnostics
	Src  []byte     // the raw bytes, for snippets and expression positions
	Root *yaml.Node // the document's top mapping; nil for an empty file
}

// Scalar is a scalar value with the node it came from. The zero Scalar is
// "not written".
type Scalar struct {
	Value string
	Node  *yaml.Node
	File  *File
}

// IsSet reports whether the author wrote the value.
func (s Scalar) IsSet() bool { return s.Node != nil }

// Pos is where the value starts.
func (s Scalar) Pos() diag.Pos { return nodePos(s.File, s.Node) }

// KV is one entry of a mapping whose values are scalars, in written order.
type KV struct {
	Key   Scalar
	Value Scalar
}

// Bot is the merged tree of every file of one bot.
type Bot struct {
	Files        []*File
	Format       Scalar // botctl: 1
	Header       *Header
	Variables    []*Variable
	Integrations []*Integration
	LLMs         []*LLM // the `llm:` entries
	Interactions []*Interaction
	NLU          *NLU // nil when no file has `nlu:`
	Intents      []*Intent
	Entities     []*Entity
	Dialogs      []*Dialog
}

// NLU is the `nlu:` mapping.
type NLU struct {
	File       *File
	Node       *yaml.Node // the key node `nlu`
	Threshold  Scalar
	OutOfScope []Scalar
	// Disambiguate is `disambiguate: true` (or false); the mapping form
	// sets it to true and fills DisambiguateText and Margin.
	Disambiguate     Scalar
	DisambiguateText Scalar
	Margin           Scalar
}

// Pos is where the `nlu` key is written.
func (n *NLU) Pos() diag.Pos { return nodePos(n.File, n.Node) }

// Intent is one entry of `intents:`.
type Intent struct {
	Name        Scalar
	Examples    []Scalar
	Label       Scalar
	Description Scalar
}

// Pos is where the intent's name is written.
func (i *Intent) Pos() diag.Pos { return i.Name.Pos() }

// Entity is one entry of `entities:`, a list entity.
type Entity struct {
	Name   Scalar
	Values []*EntityValue
}

// Pos is where the entity's name is written.
func (e *Entity) Pos() diag.Pos { return e.Name.Pos() }

// EntityValue is one value of a list entity and its synonyms.
type EntityValue struct {
	Value    Scalar
	Synonyms []Scalar
}

// Header is the `bot:` mapping.
type Header struct {
	File                  *File
	Node                  *yaml.Node // the key node `bot`
	Name                  Scalar
	Description           Scalar
	Welcome               Scalar
	Fallback              Scalar
	ErrorMessage          Scalar
	MaxTransferAttempts   Scalar
	TransferFailedMessage Scalar
	Env                   []Scalar
	Secrets               []Scalar
	// Inactivity is `inactivity:`, one duration or a list of them.
	Inactivity []Scalar
	// Channels are the entries of `channels:`, in the order written.
	Channels []*Channel
}

// Channel is one entry of the header's `channels:`: a platform and its
// settings, each naming a secret of `secrets:`.
type Channel struct {
	Name     Scalar // directline, slack, telegram, twilio
	Settings []KV   // setting name: secret name
}

// Pos is where the header starts.
func (h *Header) Pos() diag.Pos { return nodePos(h.File, h.Node) }

// Variable is one entry of `variables:`; Value is its initial value decoded
// into plain Go values (string, int, float64, bool, nil, []any, map[string]any).
// In the long form `NAME: {default: VALUE, sensitive: true}` (a mapping
// with the key sensitive), Value is the default's and Node the default's
// node (nil when not written), and Sensitive is set.
type Variable struct {
	Name      Scalar
	Value     any
	Node      *yaml.Node
	Sensitive Scalar
}

// Integration is one entry of `integrations:`.
type Integration struct {
	Name    Scalar
	Method  Scalar
	URL     Scalar
	Headers []KV
	Query   []KV
	Body    *yaml.Node // JSON-like value; string leaves are templates
	Timeout Scalar
	Retries Scalar
	Pre     []KV // variable -> expression
	Success Scalar
	Post    []KV // variable -> expression
}

// Pos is where the integration's name is written.
func (i *Integration) Pos() diag.Pos { return i.Name.Pos() }

// LLM is one entry of `llm:`, a language model.
type LLM struct {
	Name      Scalar
	URL       Scalar
	Model     Scalar
	APIKey    Scalar
	Timeout   Scalar
	Retries   Scalar
	MaxTokens Scalar
	Budget    Scalar
}

// Pos is where the model's name is written.
func (l *LLM) Pos() diag.Pos { return l.Name.Pos() }

// Interaction is one entry of `interactions:`.
type Interaction struct {
	File   *File
	Node   *yaml.Node
	ID     Scalar
	Point  Scalar
	Label  Scalar
	When   Scalar
	Dialog Scalar
	Params []KV // name -> template
}

// Pos is where the interaction starts.
func (i *Interaction) Pos() diag.Pos { return nodePos(i.File, i.Node) }

// Dialog is one entry of `dialogs:`.
type Dialog struct {
	Name        Scalar
	Description Scalar
	Interrupt   Scalar
	Starters    []*Starter
	Steps       []*Step
}

// Pos is where the dialog's name is written.
func (d *Dialog) Pos() diag.Pos { return d.Name.Pos() }

// StarterKind tells how a starter matches.
type StarterKind int

const (
	Pattern       StarterKind = iota // "order status", "where is my order*"
	Regex                            // regex: '\btrack\b'
	Event                            // event: agent_done
	IntentStarter                    // intent: refund
)

func (k StarterKind) String() string {
	return [...]string{"pattern", "regex", "event", "intent"}[k]
}

// Starter is one entry of a dialog's `starters:`.
type Starter struct {
	Kind StarterKind
	Text Scalar
}

// Action names, the keys of which a step has exactly one.
const (
	ActSay      = "say"
	ActAsk      = "ask"
	ActSet      = "set"
	ActBranch   = "branch"
	ActCall     = "call"
	ActGenerate = "generate"
	ActTransfer = "transfer"
	ActGoto     = "goto"
	ActSchedule = "schedule"
	ActEnd      = "end"
	ActClose    = "close"
)

// Actions lists the action keys in the order the language reference gives them.
var Actions = []string{ActSay, ActAsk, ActSet, ActBranch, ActCall, ActGenerate, ActTransfer, ActGoto, ActSchedule, ActEnd, ActClose}

// Step is one entry of a dialog's `steps:`.
type Step struct {
	File  *File
	Node  *yaml.Node // the step's mapping, or the bare `end`/`close` scalar
	Index int        // 0-based position in its dialog

	// Actions holds the key node of every action key written, in order; a
	// valid step has exactly one. Action is the first one's name.
	Actions []Scalar
	Action  string

	ID    Scalar
	Next  Scalar
	Delay Scalar

	Say     []Scalar
	Buttons []Scalar

	Ask         Scalar
	Sensitive   Scalar
	Save        Scalar
	Type        Scalar
	Pattern     Scalar
	Choices     []Scalar
	Entity      Scalar
	Validate    Scalar
	Extract     Scalar // `extract: llm`
	Retry       Scalar
	MaxAttempts Scalar
	OnFail      Scalar
	Accept      []Scalar
	MaxSize     Scalar
	Uploading   Scalar
	Success     Scalar
	Failure     Scalar
	Invalid     Scalar

	Set       []KV
	Branch    []*Rule
	Call      Scalar
	Generate  Scalar
	LLM       Scalar   // the model of generate and extract
	Knowledge []Scalar // files given to generate as context
	MaxLength Scalar
	Transfer  *Transfer
	Goto      Scalar
	Schedule  *Schedule
	Rules     []*Rule
	OnFailure Scalar
}

// Schedule is a step's `schedule:` mapping.
type Schedule struct {
	File   *File
	Node   *yaml.Node
	After  Scalar
	Dialog Scalar
}

// Pos is where the schedule mapping starts.
func (s *Schedule) Pos() diag.Pos { return nodePos(s.File, s.Node) }

// Pos is where the step starts.
func (s *Step) Pos() diag.Pos { return nodePos(s.File, s.Node) }

// Rule is one conditional rule: `{when: expr, goto: target}` or `{else: target}`.
type Rule struct {
	File *File
	Node *yaml.Node
	When Scalar
	Goto Scalar // for else rules, the else target
	Else bool
}

// Pos is where the rule starts.
func (r *Rule) Pos() diag.Pos { return nodePos(r.File, r.Node) }

// Transfer is a step's `transfer:` mapping.
type Transfer struct {
	File    *File
	Node    *yaml.Node
	To      Scalar
	Message Scalar
	Skill   Scalar
	Agent   Scalar
	Bot     Scalar
	Context Scalar
	Tags    []Scalar
}

// Pos is where the transfer mapping starts.
func (t *Transfer) Pos() diag.Pos { return nodePos(t.File, t.Node) }

func nodePos(f *File, n *yaml.Node) diag.Pos {
	if n == nil {
		if f == nil {
			return diag.Pos{}
		}
		return diag.Pos{File: f.Path}
	}
	p := diag.Pos{Line: n.Line, Col: n.Column}
	if f != nil {
		p.File = f.Path
	}
	return p
}

// NodePos is the position of n in f.
func NodePos(f *File, n *yaml.Node) diag.Pos { return nodePos(f, n) }
