package transcript

import (
	"time"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/mock"
)

// DefaultNow is the clock of a transcript whose header sets no `now:`:
// Monday 2 June 2025, 09:00 UTC. A fixed clock keeps `now()`, dates such as
// "today" and conversation.started_at the same on every run.
var DefaultNow = time.Date(2025, time.June, 2, 9, 0, 0, 0, time.UTC)

// DefaultID is the conversation id of a transcript whose header sets no `id:`.
const DefaultID = "test"

// Kind is what a line of a transcript is.
type Kind int

const (
	Blank     Kind = iota // an empty line, or one of spaces
	Comment               // # ...
	Message               // > text: a user message
	Say                   // < text: a bot message, expected
	Action                // << action k=v: a bot action, expected
	Refusal               // <! error: the host refused the input, expected
	Event                 // >> name k=v: an event from the host
	Assertion             // ? expr
)

var kindNames = [...]string{"blank", "comment", "message", "say", "action", "refusal", "event", "assertion"}

func (k Kind) String() string { return kindNames[k] }

// Expected reports whether lines of kind k are what the bot did: the lines
// --update rewrites.
func (k Kind) Expected() bool { return k == Say || k == Action || k == Refusal }

// Input reports whether lines of kind k are something that happens to the
// conversation, starting a turn.
func (k Kind) Input() bool { return k == Message || k == Event }

// Line is one line of a transcript's body.
type Line struct {
	Kind Kind
	Num  int    // 1-based line number in the file
	Raw  string // the line as written, without its line ending
	// Text is what follows the prefix and its space, unescaped for
	// messages, bot messages and refusals, as written otherwise.
	Text  string
	Event string // Event: the event's name
	// Wait is how far a `>> wait DURATION` line moves the conversation's
	// clock; its Event is WaitEvent.
	Wait time.Duration
	// Action is the name of an Action line's action: buttons, transfer,
	// close or upload.
	Action string
	// Labels are the button labels of a buttons line, unescaped.
	Labels []string
	// Fields are the fields of an Event line, or of an Action line other
	// than buttons, in written order, with quoted values unquoted.
	Fields []Field
	Expr   *cond.Expr // Assertion: the compiled condition

	// offs are the byte offsets in Text of each field's key, when parsed.
	offs []int
}

// Field is one key=value of an event or action line.
type Field struct {
	Key, Value string
}

// Header is the YAML header of a transcript. Every field is optional.
type Header struct {
	// Bot is the path of the bot, relative to the transcript's directory.
	Bot     string
	User    map[string]any    // user profile, read as user.NAME
	Params  map[string]any    // start parameters, read as params.NAME
	Env     map[string]string // declared environment variables
	Secrets map[string]string // declared secrets
	Mocks   mock.Set          // integration name -> responses
	// Now pins the clock; the zero Time means DefaultNow.
	Now time.Time
	// ID is the conversation id; "" means DefaultID.
	ID string
	// Dialog starts the conversation with this dialog instead of the
	// welcome dialog.
	Dialog string
	// Interaction starts the conversation through this interaction point:
	// its `when` is checked and its params rendered against Params, which
	// then hold what the host passed to the point, as in serve.
	Interaction string
	// Transfers and Uploads are the host's outcomes for transfer requests
	// and for storing uploaded files, used in order, the last repeating.
	// Without any, every transfer is requested and every file stored.
	Transfers []Outcome
	Uploads   []Outcome
	// MaskSensitive compares the bot's lines with its sensitive values
	// masked as "[sensitive]", and writes them so on --update; inputs and
	// assertions keep the real values (docs/testing.md).
	MaskSensitive bool

	// pos holds where header entries are written, for diagnostics that
	// need the bot: "bot", "dialog", "interaction", "env.NAME",
	// "secrets.NAME", "mocks.NAME".
	pos map[string]diag.Pos
}

// Outcome is what the host reports for a transfer request or a stored
// file: success (with the stored file's id, for uploads) or an error.
type Outcome struct {
	Error string // "" means it worked
	ID    string // uploads: the stored file's id; "" means upload-N
}

// Transcript is a parsed transcript file.
type Transcript struct {
	Path   string
	Src    []byte
	Header Header
	// HasHeader is set when the file starts with a `---` header.
	HasHeader bool
	// Lines is the body: every line after the header, in order.
	Lines []Line

	// raw holds every line of the file with its line ending, so a rewrite
	// keeps every byte it does not replace.
	raw []string
	// body is the index in raw of the first body line.
	body int
}

// Turn is one turn of a transcript: the input that starts it (none for the
// conversation's start) and the lines up to the next input.
type Turn struct {
	Input    *Line   // nil for the start of the conversation
	Expected []*Line // the bot's expected messages, actions and refusals
	Asserts  []*Line // assertions, checked after the turn
}

// Turns splits the body into turns: the start of the conversation, then one
// per `>` or `>>` line.
func (t *Transcript) Turns() []Turn {
	turns := []Turn{{}}
	for i := range t.Lines {
		l := &t.Lines[i]
		cur := &turns[len(turns)-1]
		switch {
		case l.Kind.Input():
			turns = append(turns, Turn{Input: l})
		case l.Kind.Expected():
			cur.Expected = append(cur.Expected, l)
		case l.Kind == Assertion:
			cur.Asserts = append(cur.Asserts, l)
		}
	}
	return turns
}
