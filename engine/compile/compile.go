// Package compile checks a bot's meaning and turns its syntax tree into the
// immutable graph of package graph.
//
// Compilation is a fixed list of named passes (see passes), in the manner
// of OPA's ast compiler stages. Every pass runs, whatever the earlier ones
// found, so that one run reports every problem; each pass copes with a tree
// that the JSON Schema check rejected (unset values, wrong shapes, empty
// lists) and leaves shape problems to that check.
//
//	tree, diags := load.Path("dialogs/acme")
//	bot, ds := compile.Compile(tree)
//	diags.Append(ds)
package compile

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/defaults"
	"github.com/botctl/botctl/engine/internal/limits"
)

// Defaults of the language (docs/language.md), from the one table of them in
// engine/internal/defaults.
const (
	DefaultMaxAttempts           = defaults.MaxAttempts
	DefaultTimeout               = defaults.Timeout
	DefaultMaxSize               = defaults.MaxSize // bytes
	MaxSize                      = limits.MaxFile   // the largest max_size allowed
	DefaultMethod                = defaults.Method
	DefaultMaxTransferAttempts   = defaults.MaxTransferAttempts
	DefaultErrorMessage          = defaults.ErrorMessage
	DefaultTransferFailedMessage = defaults.TransferFailedMessage
	DefaultUploading             = defaults.Uploading
	DefaultUploadSuccess         = defaults.UploadSuccess
	DefaultUploadFailure         = defaults.UploadFailure
)

// DefaultAccept is the list of file types a file question accepts when it
// gives no `accept`.
var DefaultAccept = defaults.Accept()

// pass is one stage of compilation.
type pass struct {
	name string
	run  func(*compiler)
}

// passes run in this order; each may rely on what the earlier ones built.
var passes = []pass{
	{"format", (*compiler).checkFormat},               // botctl: 1 in the header file
	{"variables", (*compiler).declareVariables},       // variables: and bot.env/secrets
	{"header", (*compiler).compileHeader},             // bot-wide messages and settings
	{"channels", (*compiler).compileChannels},         // the platforms of bot.channels and their secrets
	{"nlu", (*compiler).compileNLU},                   // intents, list entities, the classifier
	{"dialogs", (*compiler).declareDialogs},           // dialogs and step ids, so targets resolve
	{"keys", (*compiler).assignKeys},                  // each step's stable identity
	{"integrations", (*compiler).compileIntegrations}, // requests, pre/post, success
	{"llm", (*compiler).compileLLMs},                  // language models, as integrations
	{"steps", (*compiler).compileSteps},               // actions, their texts and expressions, targets
	{"sensitive", (*compiler).markSensitive},          // variables declared sensitive or saved by sensitive questions
	{"entries", (*compiler).resolveEntries},           // welcome and fallback
	{"interactions", (*compiler).compileInteractions}, // interaction points
	{"starters", (*compiler).compileStarters},         // starters and their index
	{"interrupts", (*compiler).markInterruptible},     // questions an interrupt dialog may take over
	{"reachability", (*compiler).checkReachability},   // unreachable steps and dialogs
	{"cycles", (*compiler).checkCycles},               // loops that never wait for the user
	{"unused", (*compiler).checkUnused},               // unused variables and integrations
	{"lint", (*compiler).lint},                        // likely mistakes: shadowed starters, unlisted interactions, unrouted failures, retries, unset variables
	{"version", (*compiler).computeVersion},           // the content hash
}

// Passes returns the names of the compiler's passes, in order.
func Passes() []string {
	names := make([]string, len(passes))
	for i, p := range passes {
		names[i] = p.name
	}
	return names
}

// Compile checks b and builds its graph. It reports every problem it finds,
// sorted by position; the graph is nil when there are errors.
func Compile(b *dialog.Bot) (*graph.Bot, diag.List) {
	if b == nil {
		return nil, nil
	}
	c := newCompiler(b)
	for _, p := range passes {
		p.run(c)
	}
	c.diags.Sort()
	if c.diags.HasErrors() {
		return nil, c.diags
	}
	c.bot.Index()
	return c.bot, c.diags
}

// compiler holds the state shared by the passes.
type compiler struct {
	tree  *dialog.Bot
	bot   *graph.Bot
	diags diag.List

	vars       map[string]*dialog.Variable
	varNames   []string
	varUsed    map[string]bool
	varWritten map[string]bool // by save, set, pre or post
	sensitive  map[string]bool // variables declared sensitive or saved by a sensitive question
	varsWhole  bool            // an expression reads vars as a whole or by a computed name
	nullReads  []nullRead      // reads of variables declared null

	envs, secrets         map[string]bool
	envNames, secretNames []string

	integs     map[string]*integ
	integList  []*integ
	dialogs    map[string]*dlg
	dialogList []*dlg
	steps      []*stp // every step, in declaration order
	byGraph    map[*graph.Step]*stp

	unresolved bool // some target did not resolve: reachability would guess

	intents     map[string]*intentSrc
	intentList  []*intentSrc
	intentNames []string
	entityNames []string // list entities

	exprs  map[exprKey]exprResult
	tpls   map[string]tplResult
	dotted []string // every dialog.step_id, built on first need for suggestions
}

type integ struct {
	src  *dialog.Integration
	g    *graph.Integration
	used bool
}

type dlg struct {
	src   *dialog.Dialog
	g     *graph.Dialog
	steps []*stp
	ids   map[string]*stp
	// roots: a starter, welcome, fallback or interaction starts the dialog.
	root bool
}

type stp struct {
	src *dialog.Step
	g   *graph.Step
	d   *dlg
	n   int    // position in compiler.steps
	out []*stp // edges to other steps, filled by the steps pass
	// leaves marks a step with an edge out of the dialog's flow: to end,
	// to close, or off the last step. A loop through such a step can stop.
	leaves bool
	// loose marks a step whose flow is unknown because it is invalid (no
	// action, or a shape the schema rejects): reachability assumes it may
	// go on to the next step, so one mistake does not cause more warnings.
	loose bool
}

func newCompiler(b *dialog.Bot) *compiler {
	return &compiler{
		tree:       b,
		bot:        &graph.Bot{},
		vars:       map[string]*dialog.Variable{},
		varUsed:    map[string]bool{},
		varWritten: map[string]bool{},
		sensitive:  map[string]bool{},
		envs:       map[string]bool{},
		secrets:    map[string]bool{},
		integs:     map[string]*integ{},
		dialogs:    map[string]*dlg{},
		byGraph:    map[*graph.Step]*stp{},
		exprs:      map[exprKey]exprResult{},
		tpls:       map[string]tplResult{},
		intents:    map[string]*intentSrc{},
	}
}

// placeKind tells what part of the bot a diagnostic is about.
type placeKind int

const (
	headerPlace placeKind = iota
	stepPlace
	integrationPlace
	interactionPlace
	dialogPlace
	intentPlace
	entityPlace
	nluPlace
)

// place names a part of the bot as its author refers to it; it is built
// cheaply and turned into text only when a diagnostic needs it.
type place struct {
	kind  placeKind
	step  *stp
	name  string
	index int
}

func (p place) String() string {
	switch p.kind {
	case stepPlace:
		return stepName(p.step)
	case integrationPlace:
		return "integration " + p.name
	case interactionPlace:
		if p.name != "" {
			return "interaction " + p.name
		}
		return "interaction " + strconv.Itoa(p.index+1)
	case dialogPlace:
		return "dialog " + p.name
	case intentPlace:
		return "intent " + p.name
	case entityPlace:
		return "entity " + p.name
	case nluPlace:
		return "nlu"
	}
	return "the bot header"
}

// stepName is "step 3 of dialog order_status", or "step `confirm` of dialog
// order_status" when the step has an id.
func stepName(s *stp) string {
	if s.g.ID != "" {
		return fmt.Sprintf("step `%s` of dialog %s", s.g.ID, s.d.g.Name)
	}
	return fmt.Sprintf("step %d of dialog %s", s.g.Index+1, s.d.g.Name)
}

func (c *compiler) errorf(pos diag.Pos, code string, pl place, format string, args ...any) *diag.Diagnostic {
	return c.diags.Errorf(pos, code, "%s: %s", pl, fmt.Sprintf(format, args...))
}

func (c *compiler) warnf(pos diag.Pos, code string, pl place, format string, args ...any) *diag.Diagnostic {
	return c.diags.Warnf(pos, code, "%s: %s", pl, fmt.Sprintf(format, args...))
}

// keyNode returns the key node of key in mapping n, or nil.
func keyNode(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i]
		}
	}
	return nil
}

// isNull reports whether the author wrote nothing after the key (`key:`).
func isNull(s dialog.Scalar) bool { return s.Node != nil && s.Node.Tag == "!!null" }

// isString reports whether the scalar is YAML text (not a number, bool or null).
func isString(s dialog.Scalar) bool { return s.Node != nil && s.Node.Tag == "!!str" }

// quoteList formats names as "`a`, `b` and `c`".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
