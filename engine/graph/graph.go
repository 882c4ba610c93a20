// Package graph is the compiled form of a bot: an immutable state graph whose
// nodes are steps and whose edges (next, rules, gotos) are resolved pointers.
// Expressions, regular expressions and templates are compiled once, when the
// graph is built by package compile; a *Bot is then safe for concurrent use
// by any number of conversations and must not be modified.
package graph

import (
	"regexp"
	"time"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/nlu"
	"github.com/botctl/botctl/engine/nlu/entity"
)

// Bot is a compiled bot.
type Bot struct {
	Name        string
	Description string
	// Version is a content hash of the bot's source files: two bots with the
	// same version behave the same.
	Version string
	// Sources are the files Version hashes, in order: what a server
	// stores so that another process can compile this very version again
	// (engine.LoadSources).
	Sources []Source

	Welcome  *Dialog // nil when not set
	Fallback *Dialog // nil: the built-in fallback reply

	ErrorMessage          *cond.Template
	TransferFailedMessage *cond.Template
	MaxTransferAttempts   int
	// Inactivity are the limits of a user's silence at which the event
	// inactive fires, shortest first; nil when the bot sets none.
	Inactivity []time.Duration

	Env     []string // declared environment variables
	Secrets []string // declared secrets
	// Channels are the messaging platforms of the header's `channels:`,
	// in the order written; nil when it names none.
	Channels []Channel

	Variables []Variable // in declaration order
	// Sensitive names the sensitive variables, in declaration order; nil
	// when the bot has none.
	Sensitive    []string
	Integrations []*Integration
	LLMs         []*LLM // the language models of `llm:`
	Interactions []*Interaction
	Dialogs      []*Dialog // in declaration order (files in lexical order)

	Starters Starters

	// NLU is the intent classifier trained from the bot's intents; nil
	// when the bot has none. Intents lists them in declaration order.
	NLU     *nlu.Model
	Intents []*Intent
	// Training is what NLU was trained from: the intents' examples and
	// the options, for `botctl nlu` to evaluate and cross-validate.
	Training nlu.Training
	// Disambiguate, when set, asks which of two close intents was meant.
	Disambiguate *Disambiguation
	// Entities finds the built-in entities and the bot's list entities in
	// a message; never nil. Lists are the list entities, by declaration.
	Entities *entity.Extractor
	Lists    []entity.List
	// ReadsIntent and ReadsEntities say that an expression or template
	// reads intent or entities, so a turn classifies the last message,
	// or extracts its entities, even when no starter needs it.
	ReadsIntent, ReadsEntities bool

	dialogs      map[string]*Dialog
	integrations map[string]*Integration
	interactions map[string]*Interaction
	intents      map[string]*Intent
	lists        map[string]*entity.List
}

// Channel is a messaging platform the bot is connected to, with the
// names of the secrets holding its settings (the server reads their
// values from its environment).
type Channel struct {
	Name     string            // directline, slack, telegram, twilio
	Settings map[string]string // setting (secret, bot_token, ...): secret name
}

// Channel returns the bot's channel of that name, or nil.
func (b *Bot) Channel(name string) *Channel {
	for i := range b.Channels {
		if b.Channels[i].Name == name {
			return &b.Channels[i]
		}
	}
	return nil
}

// Intent is one of the bot's intents.
type Intent struct {
	Name  string
	Label string // as the disambiguation question shows it: its label, else its name
	Pos   diag.Pos
}

// Disambiguation is `nlu.disambiguate`: when the two best intents are both
// in scope and their confidences differ by less than Margin, the bot asks
// Text with the two intents' labels as choices.
type Disambiguation struct {
	Text   *cond.Template
	Margin float64
}

// Intent returns the intent called name, or nil.
func (b *Bot) Intent(name string) *Intent { return b.intents[name] }

// List returns the list entity called name, or nil.
func (b *Bot) List(name string) *entity.List { return b.lists[name] }

// Dialog returns the dialog called name, or nil.
func (b *Bot) Dialog(name string) *Dialog { return b.dialogs[name] }

// Integration returns the integration called name, or nil.
func (b *Bot) Integration(name string) *Integration { return b.integrations[name] }

// Interaction returns the interaction with the given id, or nil.
func (b *Bot) Interaction(id string) *Interaction { return b.interactions[id] }

// Index builds the lookup maps; package compile calls it once, before the
// graph is shared.
func (b *Bot) Index() {
	b.interactions = make(map[string]*Interaction, len(b.Interactions))
	for _, in := range b.Interactions {
		b.interactions[in.ID] = in
	}
	b.dialogs = make(map[string]*Dialog, len(b.Dialogs))
	for _, d := range b.Dialogs {
		b.dialogs[d.Name] = d
	}
	b.integrations = make(map[string]*Integration, len(b.Integrations))
	for _, in := range b.Integrations {
		b.integrations[in.Name] = in
	}
	b.intents = make(map[string]*Intent, len(b.Intents))
	for _, in := range b.Intents {
		b.intents[in.Name] = in
	}
	b.lists = make(map[string]*entity.List, len(b.Lists))
	for i := range b.Lists {
		b.lists[b.Lists[i].Name] = &b.Lists[i]
	}
}

// Source is one file of a bot: its base name and its bytes.
type Source struct {
	Name string
	Src  []byte
}

// Variable is a declared conversation variable and its initial value
// (string, int, float64, bool, nil, []any or map[string]any).
type Variable struct {
	Name    string
	Initial any
	// Sensitive is set for a variable declared sensitive or saved by a
	// sensitive question: hosts mask its value wherever they show, log or
	// export a conversation, and seal it at rest (docs/language.md#41-sensitive-values).
	Sensitive bool
}

// Dialog is a compiled dialog. Steps[0] is where a start or a jump to the
// dialog lands; a dialog always has at least one step.
type Dialog struct {
	Name        string
	Description string
	Interrupt   bool
	Starters    []*Starter
	Steps       []*Step
	Pos         diag.Pos
}

// StepByKey returns the step whose Key is key, or nil.
func (d *Dialog) StepByKey(key string) *Step {
	for _, s := range d.Steps {
		if s.Key == key {
			return s
		}
	}
	return nil
}

// Step returns the step with the given id, or nil.
func (d *Dialog) Step(id string) *Step {
	for _, s := range d.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// StarterKind tells how a starter matches a user message or event.
type StarterKind int

const (
	Exact         StarterKind = iota // a pattern without '*'
	Wildcard                         // a pattern with '*'
	Regex                            // regex:
	Event                            // event:
	IntentStarter                    // intent: the classifier's intent of the message
)

func (k StarterKind) String() string {
	return [...]string{"exact", "wildcard", "regex", "event", "intent"}[k]
}

// Starter is a compiled starter of a dialog.
type Starter struct {
	Kind   StarterKind
	Text   string         // as written; for an intent starter, the intent's name
	Norm   string         // exact and wildcard: lower-cased, whitespace-folded
	Parts  []string       // wildcard: the literal parts between '*'
	Re     *regexp.Regexp // regex: case-insensitive unless the author said otherwise
	Dialog *Dialog
	Order  int // declaration order across the whole bot
	Pos    diag.Pos
}

// Starters indexes every starter of a bot for matching by the precedence
// of docs/language.md#63-precedence: exact patterns, then wildcards (longest literal text first),
// then regexes, ties broken by declaration order.
type Starters struct {
	Exact     map[string][]*Starter // by Norm, in declaration order
	Wildcards []*Starter            // sorted by precedence
	Regexes   []*Starter            // in declaration order
	Events    []*Starter            // in declaration order; names may hold '*'
	Intents   map[string][]*Starter // by intent name, in declaration order
	// IntentInterrupts says that some intent starter's dialog interrupts:
	// only then is an answer to a question classified.
	IntentInterrupts bool
}

// StepKind is a step's action.
type StepKind int

const (
	StepSay StepKind = iota
	StepAsk
	StepSet
	StepBranch
	StepCall
	StepTransfer
	StepGoto
	StepEnd
	StepClose
	StepSchedule
	StepGenerate
)

func (k StepKind) String() string {
	return [...]string{"say", "ask", "set", "branch", "call", "transfer", "goto", "end", "close", "schedule", "generate"}[k]
}

// Schedule is a schedule step's: start Dialog After from when the step
// runs.
type Schedule struct {
	After  time.Duration
	Dialog *Dialog
}

// TargetKind is where control goes.
type TargetKind int

const (
	ToStep  TargetKind = iota // Target.Step
	ToEnd                     // end the dialog; wait for a starter
	ToClose                   // close the conversation
)

// Target is a resolved jump target. The zero Target is "end the dialog".
type Target struct {
	Kind TargetKind
	Step *Step
}

// String names the target as an author would write it.
func (t Target) String() string {
	switch t.Kind {
	case ToStep:
		if t.Step == nil {
			return "end"
		}
		return t.Step.Name()
	case ToClose:
		return "close"
	}
	return "end"
}

// Step is one node of the graph.
type Step struct {
	Dialog *Dialog
	Index  int    // position in Dialog.Steps
	ID     string // as written, or "" when the author gave none
	// Key is the step's identity within its dialog, which a conversation's
	// position is stored by: the ID, or for a step without one a hash of
	// its content ("~" and 12 hex digits). Unlike Index it does not change
	// when other steps are inserted, removed or moved.
	Key   string
	Kind  StepKind
	Pos   diag.Pos
	Delay time.Duration

	// Next is where control goes when no rule matched: the step's `next`,
	// else the following step, else the end of the dialog.
	Next Target

	Say     []*cond.Template // say: one message each
	Buttons []*cond.Template // say/ask: quick replies

	Ask      *Ask
	Set      []Assign
	Branch   []Rule // the last may be an Else rule
	Call     *Integration
	Generate *Generate
	Transfer *TransferSpec
	Goto     Target
	Schedule *Schedule

	// Rules follow ask and call; for call, OnFailure (when HasOnFailure)
	// behaves as a final failure rule. For transfer, OnFailure is where
	// control goes when the transfer cannot even be requested.
	Rules        []Rule
	OnFailure    Target
	HasOnFailure bool
}

// Name is the step as people refer to it: "dialog.id" or "dialog#3"
// (1-based) for a step without an id.
func (s *Step) Name() string {
	if s.ID != "" {
		return s.Dialog.Name + "." + s.ID
	}
	return s.Dialog.Name + "#" + itoa(s.Index+1)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

// RuleWhen says what decides a rule.
type RuleWhen int

const (
	WhenExpr    RuleWhen = iota // When holds
	WhenSuccess                 // the call succeeded
	WhenFailure                 // the call failed
	WhenElse                    // always (the else of a branch)
)

// Rule is a conditional edge.
type Rule struct {
	Kind   RuleWhen
	When   *cond.Expr // for WhenExpr
	Target Target
	Pos    diag.Pos
}

// AnswerType is the type of a question's answer.
type AnswerType int

const (
	Text AnswerType = iota
	Number
	Integer
	Email
	Phone
	Date
	YesNo
	Choice
	RegexAnswer
	File
)

var answerTypeNames = [...]string{"text", "number", "integer", "email", "phone", "date", "yes_no", "choice", "regex", "file"}

func (t AnswerType) String() string { return answerTypeNames[t] }

// ParseAnswerType returns the type named s.
func ParseAnswerType(s string) (AnswerType, bool) {
	for i, n := range answerTypeNames {
		if n == s {
			return AnswerType(i), true
		}
	}
	return 0, false
}

// AnswerTypeNames lists the names of every answer type.
func AnswerTypeNames() []string { return answerTypeNames[:] }

// Ask is a compiled question.
type Ask struct {
	Text *cond.Template
	Save string
	// Sensitive is `sensitive: true`: the user's answer is masked as a
	// whole in the conversation's log, and Save is a sensitive variable.
	Sensitive bool
	Type      AnswerType
	Pattern   *regexp.Regexp // for RegexAnswer
	Choices   []string       // for Choice: canonical labels, as written
	// Synonyms, parallel to Choices, holds other words for each choice
	// (from a list entity); an answer may also be a near miss of a choice
	// or of a synonym. Nil for plain choices, which are matched fuzzily
	// too, by their labels alone.
	Synonyms [][]string
	Entity   string     // the list entity the choices come from, or ""
	Validate *cond.Expr // nil: no extra condition
	// Extract is the model that reads the value out of a free-text answer
	// (`extract: llm`) before the type and validate checks; nil: none.
	Extract     *LLM
	Retry       *cond.Template // nil: the type's default retry text
	MaxAttempts int            // >= 1
	OnFail      Target
	HasOnFail   bool // false: say error_message and end
	// Interruptible is set when some dialog with `interrupt: true` has a
	// starter a message can match, which may take over while the
	// question waits (EdgeInterrupted).
	Interruptible bool

	// ChoiceTemplates is nil when every choice is plain text; otherwise it
	// holds one template per choice, rendered to get a turn's labels.
	ChoiceTemplates []*cond.Template

	// File questions.
	Accept    []string // lower-case extensions, "jpeg" also accepting "jpg"
	MaxSize   int64    // bytes
	Uploading *cond.Template
	Success   *cond.Template
	Failure   *cond.Template
	Invalid   *cond.Template
}

// Assign is one `var: expr` of set, pre or post.
type Assign struct {
	Var  string
	Expr *cond.Expr
}

// Integration is a compiled integration.
type Integration struct {
	Name    string
	Method  string
	URL     *cond.Template
	Headers []Param
	Query   []Param
	// Body is a JSON-like tree (map[string]any, []any, scalars) whose string
	// leaves have been replaced by *cond.Template; nil for no body.
	Body    any
	Timeout time.Duration
	Retries int
	Pre     []Assign
	Success *cond.Expr // nil: any 2xx status
	Post    []Assign
	Pos     diag.Pos
	// LLM is the language model this integration is the API of, or nil
	// for an integration of the bot's. A model's requests are integration
	// requests, so hosts perform them with the same client, rules and
	// lease; its Name is "llm." and the model's name.
	LLM *LLM
}

// LLM is a language model of `llm:`: an OpenAI-compatible
// chat-completions API.
type LLM struct {
	Name      string
	Model     string // the model's name as the API knows it
	APIKey    string // the secret sent as the Bearer token, or ""
	MaxTokens int
	Budget    int // tokens one conversation may use; 0: no limit
	// API is the request's integration: POST to URL/chat/completions,
	// with the model's timeout and retries.
	API *Integration
}

// Generate is a compiled `generate:` step.
type Generate struct {
	Prompt    *cond.Template
	LLM       *LLM
	Save      string
	Validate  *cond.Expr // on answer: nil accepts any text
	MaxLength int        // characters
	Knowledge []Document
}

// Document is a knowledge file given to the model as context.
type Document struct {
	ID   string // its path in the bot's directory
	Text string
}

// Param is a named template: a header, a query parameter, an interaction parameter.
type Param struct {
	Name  string
	Value *cond.Template
}

// TransferSpec is a compiled `transfer:`.
type TransferSpec struct {
	To      string         // "agent" or "bot"
	Message *cond.Template // nil or empty: send nothing
	Skill   *cond.Template
	Agent   *cond.Template
	Bot     string
	Context bool
	Tags    []string
}

// Interaction is a compiled interaction point.
type Interaction struct {
	ID     string
	Point  string // may hold '*'
	Label  *cond.Template
	When   *cond.Expr // nil: always
	Dialog *Dialog
	Params []Param
	Pos    diag.Pos
}
