package cond

import "time"

// Env is the environment every expression and template is evaluated in
// (docs/language.md#152-the-environment). Expressions are compiled against this type, so a misspelt
// field of `result` or `conversation` is a compile error, and field access
// at run time needs no map lookups.
//
// The host (runtime, transcript runner, server) fills one Env per evaluation
// point; an Env is only read by Eval and Render, so one value may serve
// several concurrent evaluations as long as nobody changes it meanwhile. The
// zero Env is valid: every map is empty, and now() fails with a clear error
// because no clock is set.
type Env struct {
	Vars         map[string]any    `expr:"vars"`         // conversation variables
	Params       map[string]any    `expr:"params"`       // start parameters
	User         map[string]any    `expr:"user"`         // user profile
	Input        string            `expr:"input"`        // text of the last user message
	Answer       any               `expr:"answer"`       // inside an ask: the parsed answer
	Result       Result            `expr:"result"`       // the last integration call
	Env          map[string]string `expr:"env"`          // declared environment variables
	Secret       map[string]string `expr:"secret"`       // declared secrets (integration requests only)
	Conversation Conversation      `expr:"conversation"` // the conversation itself
	Intent       Intent            `expr:"intent"`       // the intent of the last user message
	Entities     map[string]any    `expr:"entities"`     // entities of the last user message, by type; "all": every one
	Event        map[string]string `expr:"event"`        // the event that started the dialog: name, its fields (inactive: after)

	// Now is now(). The host sets it, so that transcripts can pin the clock
	// and stay deterministic.
	Now func() time.Time `expr:"now"`
}

// Result is the outcome of the last integration call, read as result.NAME.
type Result struct {
	OK      bool              `expr:"ok" json:"ok"`
	Status  int               `expr:"status" json:"status"`
	Body    any               `expr:"body" json:"body,omitempty"`
	Headers map[string]string `expr:"headers" json:"headers,omitempty"`
	Error   string            `expr:"error" json:"error,omitempty"`
}

// Conversation describes the running conversation, read as conversation.NAME.
type Conversation struct {
	ID        string    `expr:"id" json:"id"`
	StartedAt time.Time `expr:"started_at" json:"started_at"`
	Turn      int       `expr:"turn" json:"turn"`
	Owner     string    `expr:"owner" json:"owner"` // bot, agent or closed
	Tags      []string  `expr:"tags" json:"tags,omitempty"`
}

// Intent is what the bot's classifier made of the last user message, read
// as intent.NAME. Name is "" when the message is out of scope (or the bot
// has no intents); RunnerUp is the second-best intent, in scope or not.
type Intent struct {
	Name               string  `expr:"name" json:"name"`
	Confidence         float64 `expr:"confidence" json:"confidence"`
	RunnerUp           string  `expr:"runner_up" json:"runner_up"`
	RunnerUpConfidence float64 `expr:"runner_up_confidence" json:"runner_up_confidence"`
}

// Root names: the top-level names an expression may read.
const (
	RootVars         = "vars"
	RootParams       = "params"
	RootUser         = "user"
	RootInput        = "input"
	RootAnswer       = "answer"
	RootResult       = "result"
	RootEnv          = "env"
	RootSecret       = "secret"
	RootConversation = "conversation"
	RootIntent       = "intent"
	RootEntities     = "entities"
	RootEvent        = "event"
	RootNow          = "now"
)

// Roots lists every root in the order the language reference gives them.
var Roots = []string{RootVars, RootParams, RootUser, RootInput, RootAnswer, RootResult,
	RootEnv, RootSecret, RootConversation, RootIntent, RootEntities, RootEvent, RootNow}

// ResultFields, ConversationFields and IntentFields list the fields of
// result, conversation and intent, for messages and suggestions.
var (
	ResultFields       = []string{"ok", "status", "body", "headers", "error"}
	ConversationFields = []string{"id", "started_at", "turn", "owner", "tags"}
	IntentFields       = []string{"name", "confidence", "runner_up", "runner_up_confidence"}
)

func isRoot(name string) bool {
	for _, r := range Roots {
		if r == name {
			return true
		}
	}
	return false
}
