package transcript

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/turn"
)

// Runner runs transcripts against their bots. The zero Runner runs each
// transcript against the bot its header names. A Runner loads each bot once
// and is not safe for concurrent use.
type Runner struct {
	// Bot, when set, is the bot every transcript runs against, whatever its
	// header says (a path relative to the working directory).
	Bot string
	// Coverage, when set, records the steps and edges every run
	// exercises.
	Coverage *Coverage

	bots map[string]*botEntry
}

// botEntry is a loaded bot and what the runner needs to map traces to it.
type botEntry struct {
	path  string
	bot   *graph.Bot
	diags diag.List
	steps map[string]*graph.Step // by Step.Name()
}

// FailKind sorts failures: output differences and unexpected refusals are
// what --update resolves; the others stay failures after an update.
type FailKind int

const (
	FailOutput    FailKind = iota // the bot did something else than the expected lines
	FailAssertion                 // a `?` assertion is false or could not be evaluated
	FailMock                      // an integration was called with no mock
	FailStart                     // the conversation could not start (an interaction not offered)
	FailState                     // the state did not survive a store round trip
)

// Failure is one way a transcript failed, at a line of it.
type Failure struct {
	Pos  diag.Pos
	Kind FailKind
	Msg  string
	// Expected and Actual are, for an output difference, the line as the
	// transcript writes it and as the bot did it (Format's form); either
	// is "" when there is no such line (the bot did nothing more, or
	// something the transcript does not expect). Reports that show the
	// two apart, such as JSON, read them instead of parsing Msg.
	Expected, Actual string
}

func (f Failure) String() string { return f.Pos.String() + ": " + f.Msg }

// Result is the outcome of running one transcript.
type Result struct {
	Path    string
	BotPath string     // the bot it ran against, "" when it did not get that far
	Bot     *graph.Bot // nil when the transcript did not run
	// Diags are the problems that kept the transcript from running: its
	// own mistakes, or that its bot does not compile.
	Diags diag.List
	// BotDiags are the bot's diagnostics when it does not compile.
	BotDiags diag.List
	// Failures are the ways the run differed from the transcript, by line.
	Failures []Failure
	// BotErrors are problems the bot reported while running (an expression
	// that failed, a transfer that could not be requested), at the line of
	// the input that caused them. They are not failures: the user got the
	// bot's error_message, which the transcript pins down.
	BotErrors []Failure
	// Expected is the transcript as read; Actual is the transcript with its
	// expected lines rewritten from what the bot did (what --update writes).
	// Actual is nil when the transcript did not run.
	Expected, Actual []byte
	// Conversation is the conversation as it ran, one line each, for -v.
	Conversation []string
	// Duration is how long reading and running the transcript took,
	// including loading its bot the first time a Runner meets it.
	Duration time.Duration

	hits hits
}

// Ran reports whether the transcript ran (no Diags).
func (r *Result) Ran() bool { return r.Actual != nil }

// Passed reports whether the transcript ran and the bot did what it says.
func (r *Result) Passed() bool { return r.Ran() && len(r.Failures) == 0 }

// PassedAfterUpdate reports whether the transcript passes once its expected
// lines are rewritten from Actual: it ran, and only outputs differed.
func (r *Result) PassedAfterUpdate() bool {
	if !r.Ran() {
		return false
	}
	for _, f := range r.Failures {
		if f.Kind != FailOutput {
			return false
		}
	}
	return true
}

// Run reads and runs the transcript at path.
func (r *Runner) Run(path string) *Result {
	start := time.Now()
	src, err := os.ReadFile(path)
	if err != nil {
		res := &Result{Path: path}
		res.Diags.Errorf(diag.Pos{File: path}, "read-error", "%s", pathErr(err))
		res.Duration = time.Since(start)
		return res
	}
	res := r.RunSource(path, src)
	res.Duration = time.Since(start)
	return res
}

// RunSource runs a transcript read from path.
func (r *Runner) RunSource(path string, src []byte) *Result {
	start := time.Now()
	res := &Result{Path: path, Expected: src}
	defer func() { res.Duration = time.Since(start) }()
	t, diags := Parse(path, src)
	if diags.HasErrors() {
		res.Diags = diags
		return res
	}
	e, ds := r.bot(t)
	if e == nil {
		res.Diags = ds
		return res
	}
	res.BotPath = e.path
	if e.bot == nil {
		res.Diags, res.BotDiags = ds, e.diags
		return res
	}
	res.Bot = e.bot
	if ds := Check(t, e.bot); ds.HasErrors() {
		res.Diags = ds
		return res
	}
	r.execute(t, e, res)
	if r.Coverage != nil {
		r.Coverage.Add(res)
	}
	return res
}

// bot finds and loads the bot of t. It returns nil, with the reason, when
// there is no bot to load; an entry with a nil bot when it does not compile.
func (r *Runner) bot(t *Transcript) (*botEntry, diag.List) {
	var diags diag.List
	path, at := r.Bot, diag.Pos{File: t.Path, Line: 1, Col: 1}
	if path == "" {
		if t.Header.Bot == "" {
			d := diags.Errorf(at, CodeMissingBot, "the transcript names no bot to run against")
			d.Suggestion = "add `bot: PATH` to its header, relative to this file (or give --bot PATH)"
			return nil, diags
		}
		path = filepath.FromSlash(t.Header.Bot)
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(t.Path), path)
		}
		at = t.Header.pos["bot"]
	}
	if r.bots == nil {
		r.bots = map[string]*botEntry{}
	}
	if e, ok := r.bots[path]; ok {
		if e.bot == nil {
			diags.Errorf(at, CodeBotErrors, "bot %s does not compile (%s)", e.path, countErrors(e.diags))
		}
		return e, diags
	}
	if _, err := os.Stat(path); err != nil {
		diags.Errorf(at, CodeBotNotFound, "bot %s: %s", path, pathErr(err))
		return nil, diags
	}
	e := &botEntry{path: path}
	e.bot, e.diags = engine.Load(path)
	r.bots[path] = e
	if e.bot == nil {
		diags.Errorf(at, CodeBotErrors, "bot %s does not compile (%s)", e.path, countErrors(e.diags))
		return e, diags
	}
	e.steps = map[string]*graph.Step{}
	for _, d := range e.bot.Dialogs {
		for _, s := range d.Steps {
			e.steps[s.Name()] = s
		}
	}
	return e, diags
}

func countErrors(l diag.List) string {
	n := l.Count(diag.Error)
	if n == 1 {
		return "1 error"
	}
	return strconv.Itoa(n) + " errors"
}

func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(err, fs.ErrNotExist) {
			return "no such file or directory"
		}
		return pe.Err.Error()
	}
	return err.Error()
}

// run is the state of one transcript's run.
type run struct {
	t    *Transcript
	e    *botEntry
	res  *Result
	ctx  *turn.Context
	perf *performer
	st   turn.State
	// diffed is set once the first output difference is reported.
	diffed bool
	// understood is what the classifier made of the turn's message (the
	// trace's intent note), "" when it did not run: a difference in the
	// turn's output is often a message understood as another intent.
	understood string
}

func (x *run) fail(line int, kind FailKind, format string, args ...any) {
	x.res.Failures = append(x.res.Failures, Failure{
		Pos: diag.Pos{File: x.t.Path, Line: line}, Kind: kind, Msg: fmt.Sprintf(format, args...)})
}

func (x *run) say(format string, args ...any) {
	x.res.Conversation = append(x.res.Conversation, fmt.Sprintf(format, args...))
}

func (r *Runner) execute(t *Transcript, e *botEntry, res *Result) {
	h := &t.Header
	now := h.Now
	if now.IsZero() {
		now = DefaultNow
	}
	id := h.ID
	if id == "" {
		id = DefaultID
	}
	x := &run{t: t, e: e, res: res, perf: newPerformer(h),
		ctx: &turn.Context{Now: now, Env: h.Env, Secrets: h.Secrets, Trace: true}}
	res.hits = newHits()

	start := turn.Input{Kind: turn.Start, Dialog: h.Dialog}
	params := h.Params
	if h.Interaction != "" {
		var ok bool
		if start.Dialog, params, ok = x.interaction(now); !ok {
			res.Actual = t.Src
			return
		}
	}
	x.st = turn.NewState(e.bot, id, now, h.User, params)

	turns := t.Turns()
	got := make([][]string, len(turns))
	for k, turn := range turns {
		in, what := start, "the start of the conversation"
		line := 1
		var actual []Line
		if turn.Input != nil {
			in, what, line = input(turn.Input), quote(turn.Input.Raw), turn.Input.Num
			x.say("%s", turn.Input.Raw)
		}
		if turn.Input != nil && turn.Input.Wait > 0 {
			actual = x.wait(turn.Input.Wait, what, line)
		} else {
			actual = x.turn(in, what, line)
		}
		got[k] = x.compare(k, turn, actual, what)
		for _, a := range turn.Asserts {
			x.assert(a)
		}
	}
	res.Actual = t.Rewrite(got)
	sortFailures(res.Failures)
}

// interaction starts the conversation through the header's interaction,
// as a host does: its `when` must hold for the params the host passes, and
// its dialog starts with its own params, rendered from the host's.
func (x *run) interaction(now time.Time) (dialog string, params map[string]any, ok bool) {
	h := &x.t.Header
	in := x.e.bot.Interaction(h.Interaction)
	line := h.pos["interaction"].Line
	host := cond.Env{Params: h.Params, User: h.User, Env: h.Env, Now: func() time.Time { return now }}
	if in.When != nil {
		b, err := in.When.Bool(&host)
		if err != nil {
			x.fail(line, FailStart, "interaction %s: its `when` (%s) fails: %v", in.ID, in.When.Source, err)
			return "", nil, false
		}
		if !b {
			x.fail(line, FailStart, "interaction %s is not offered for these params: its `when` (%s) is false", in.ID, in.When.Source)
			return "", nil, false
		}
	}
	params = map[string]any{}
	for _, p := range in.Params {
		v, err := p.Value.Render(&host)
		if err != nil {
			x.fail(line, FailStart, "interaction %s: param %s: %v", in.ID, p.Name, err)
			return "", nil, false
		}
		params[p.Name] = v
	}
	return in.Dialog.Name, params, true
}

// input converts a `>` or `>>` line into the engine's input.
func input(l *Line) turn.Input {
	if l.Kind == Message {
		return turn.Input{Kind: turn.Message, Text: l.Text}
	}
	in := turn.Input{Kind: turn.Event, Event: l.Event, Fields: map[string]string{}}
	for _, f := range l.Fields {
		in.Fields[f.Key] = f.Value
	}
	return in
}

// maxTicks bounds the timers one `>> wait` fires: a bot whose timer
// dialog schedules another at once would otherwise never let it end.
const maxTicks = 100

// wait moves the conversation's clock on by d and gives it a tick for
// each timer due by then, in order, as a host does; it returns what the
// timers' dialogs showed.
func (x *run) wait(d time.Duration, what string, line int) []Line {
	x.ctx.Now = x.ctx.Now.Add(d)
	var out []Line
	for range maxTicks {
		due, ok := turn.Due(x.e.bot, x.st)
		if !ok || due.After(x.ctx.Now) {
			return out
		}
		out = append(out, x.turn(turn.Input{Kind: turn.Tick}, what, line)...)
	}
	x.fail(line, FailState, "%s fired %d timers and more were due; does a timer's dialog schedule another at once?", what, maxTicks)
	return out
}

// turn runs one input through the bot and returns what it showed, as lines.
func (x *run) turn(in turn.Input, what string, line int) []Line {
	// Between turns a served conversation lives in a store as JSON.
	if data, err := turn.Marshal(x.st); err != nil {
		x.fail(line, FailState, "the conversation's state does not encode as JSON: %v", err)
	} else if st, err := turn.Unmarshal(data); err != nil {
		x.fail(line, FailState, "the conversation's state does not decode from JSON: %v", err)
	} else {
		x.st = st
	}
	calls := len(x.perf.Calls)
	var mask []string // what the turn's lines are masked by, with mask_sensitive
	if x.t.Header.MaskSensitive {
		mask = turn.SensitiveTexts(x.e.bot, x.st)
		if in.Kind == turn.Message && turn.AnswersSensitive(x.e.bot, x.st) {
			mask = append(mask, strings.TrimSpace(in.Text))
		}
	}
	st, reply, err := turn.Drive(context.Background(), x.e.bot, x.st, in, x.ctx, x.perf)
	x.st = st
	x.res.hits.record(x.e, reply.Trace)
	x.understood = ""
	for _, tr := range reply.Trace {
		if tr.Kind == "intent" && tr.Step == "" {
			x.understood = tr.Note
		}
	}

	var out []Line
	for _, o := range reply.Outputs {
		out = append(out, OutputLine(o))
	}
	if err != nil {
		out = append(out, RefusalLine(err))
	}
	for _, l := range out {
		x.say("%s", Format(l)) // the author sees the values
	}
	if x.t.Header.MaskSensitive {
		out = maskLines(turn.NewMasker(append(mask, turn.SensitiveTexts(x.e.bot, x.st)...)...), out)
	}
	for _, c := range x.perf.Calls[calls:] {
		if c.Missing() {
			x.fail(line, FailMock, "%s calls integration `%s`, which has no mock; add its responses to the header, as mocks: {%s: [{status: 200, body: {...}}]}",
				what, c.Integration, c.Integration)
		}
	}
	for _, msg := range reply.Errors {
		x.res.BotErrors = append(x.res.BotErrors, Failure{Pos: diag.Pos{File: x.t.Path, Line: line}, Msg: msg})
		x.say("! bot error: %s", msg)
	}
	return out
}

// compare matches the expected lines of turn k with what the bot did and
// returns the lines the turn should have: an expected line that matches is
// kept as written. The first difference of the transcript becomes a failure.
func (x *run) compare(k int, turn Turn, actual []Line, what string) []string {
	exp := turn.Expected
	got := make([]string, 0, len(actual))
	for i := 0; i < max(len(exp), len(actual)); i++ {
		switch {
		case i < len(exp) && i < len(actual):
			if same(exp[i], &actual[i]) {
				got = append(got, exp[i].Raw)
				continue
			}
			got = append(got, Format(actual[i]))
			if actual[i].Kind == Refusal {
				x.refused(turn, actual[i], exp[i], exp[i].Num)
				continue
			}
			did, expects := quotePair(Format(actual[i]), exp[i].Raw)
			x.diff(exp[i].Num, exp[i].Raw, Format(actual[i]), "the bot did %s, but the transcript expects %s%s",
				did, expects, spaceHint(exp[i].Raw, Format(actual[i])))
		case i < len(exp):
			more := " more"
			if len(actual) == 0 {
				more = ""
			}
			if turn.Input == nil {
				x.diff(exp[i].Num, exp[i].Raw, "", "the transcript expects %s, but the bot did nothing%s when the conversation started", quote(exp[i].Raw), more)
			} else {
				x.diff(exp[i].Num, exp[i].Raw, "", "the transcript expects %s, but the bot did nothing%s after %s", quote(exp[i].Raw), more, what)
			}
		default:
			got = append(got, Format(actual[i]))
			at := x.t.anchor(k, turn) + 1
			if actual[i].Kind == Refusal {
				x.refused(turn, actual[i], nil, max(at, 1))
				continue
			}
			if turn.Input == nil {
				x.diff(max(at, 1), "", Format(actual[i]), "when the conversation started the bot also did %s, which the transcript does not expect", quote(Format(actual[i])))
			} else {
				x.diff(at, "", Format(actual[i]), "after %s the bot also did %s, which the transcript does not expect", what, quote(Format(actual[i])))
			}
		}
	}
	return got
}

// diff reports the transcript's first output difference: the line the
// transcript expects and the one the bot did, "" for none.
func (x *run) diff(line int, expected, actual string, format string, args ...any) {
	if x.diffed {
		return
	}
	x.diffed = true
	if x.understood != "" {
		format += " (intent of the message: %s)"
		args = append(args, x.understood)
	}
	x.fail(line, FailOutput, format, args...)
	f := &x.res.Failures[len(x.res.Failures)-1]
	f.Expected, f.Actual = expected, actual
}

// refused reports an input the engine refused where the transcript expects
// something else (exp, nil when it expects nothing more), at line at
// unless an input was refused. Every such refusal is reported, not only
// the first.
func (x *run) refused(turn Turn, l Line, exp *Line, at int) {
	what := "the start of the conversation"
	if turn.Input != nil {
		what, at = quote(turn.Input.Raw), turn.Input.Num
	}
	x.diffed = true
	if exp != nil && exp.Kind == Refusal {
		expects, said := quotePair(exp.Raw, Format(l))
		x.fail(exp.Num, FailOutput, "%s was refused as expected, but the refusal text differs: the transcript expects %s, the refusal was %s",
			what, expects, said)
	} else {
		x.fail(at, FailOutput, "%s was refused: %s (write `<! %s` after it if that is what should happen)", what, l.Text, l.Text)
	}
	f := &x.res.Failures[len(x.res.Failures)-1]
	f.Actual = Format(l)
	if exp != nil {
		f.Expected = exp.Raw
	}
}

// same reports whether the expected line e says what the bot did (a).
func same(e *Line, a *Line) bool {
	if e.Kind != a.Kind {
		return false
	}
	if e.Kind == Action {
		return sameAction(e, a)
	}
	return e.Text == a.Text
}

// spaceHint points out a difference nobody can see.
func spaceHint(want, got string) string {
	if strings.TrimRight(want, " \t") == strings.TrimRight(got, " \t") {
		return " (they differ only in trailing spaces)"
	}
	return ""
}

// assert evaluates a `?` line over the conversation as it is now.
func (x *run) assert(l *Line) {
	env := x.st.Env(x.ctx)
	ok, err := l.Expr.Bool(&env)
	switch {
	case err != nil:
		x.fail(l.Num, FailAssertion, "assertion %s: %v", l.Text, err)
		x.say("%s   # error: %v", l.Raw, err)
	case !ok:
		x.fail(l.Num, FailAssertion, "assertion failed: %s%s", l.Text, values(l.Expr, &env))
		x.say("%s   # false", l.Raw)
	default:
		x.say("%s   # true", l.Raw)
	}
}

// values describes what the expression read, as " (vars.x is "a", ...)":
// the scalars among them (lists, maps and records are left out: their
// printed form is not what the expression compares).
func values(e *cond.Expr, env *cond.Env) string {
	var parts []string
	seen := map[string]bool{}
	for _, r := range e.Refs() {
		if r.Root == cond.RootNow || seen[r.Path] {
			continue
		}
		seen[r.Path] = true
		pe, cerr := cond.Compile(r.Path)
		if cerr != nil {
			continue
		}
		v, err := pe.Eval(env)
		if err != nil {
			continue
		}
		if s, ok := show(v); ok {
			parts = append(parts, r.Path+" is "+s)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// show formats a scalar value as an assertion sees it: text quoted, nil as
// nil, a time as the expression's string() gives it (2025-06-02 09:00:00
// +0000 UTC), numbers and booleans as written. It reports false for any
// other value.
func show(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "nil", true
	case string:
		return strconv.Quote(v), true
	case time.Time:
		return fmt.Sprint(v), true
	case time.Duration:
		return v.String(), true
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return cond.Format(v), true
	}
	return "", false
}

// sortFailures orders failures by line, keeping the order of those on one line.
func sortFailures(fs []Failure) {
	slices.SortStableFunc(fs, func(a, b Failure) int { return a.Pos.Line - b.Pos.Line })
}

// performer performs a transcript's effects: integration calls from its
// mocks, transfers and file storage from its `transfers:` and `uploads:`.
type performer struct {
	*mock.Performer
	transfers, uploads []Outcome
	nt, nu             int
}

func newPerformer(h *Header) *performer {
	return &performer{Performer: mock.NewPerformer(h.Mocks), transfers: h.Transfers, uploads: h.Uploads}
}

func next(list []Outcome, n *int) (Outcome, bool) {
	if len(list) == 0 {
		return Outcome{}, false
	}
	o := list[min(*n, len(list)-1)]
	*n++
	return o, true
}

func (p *performer) Transfer(ctx context.Context, t *turn.Transfer) error {
	if o, ok := next(p.transfers, &p.nt); ok && o.Error != "" {
		return errors.New(o.Error)
	}
	return p.Performer.Transfer(ctx, t)
}

func (p *performer) Store(ctx context.Context, f *turn.File) (string, error) {
	if o, ok := next(p.uploads, &p.nu); ok {
		switch {
		case o.Error != "":
			return "", errors.New(o.Error)
		case o.ID != "":
			return o.ID, nil
		}
	}
	return p.Performer.Store(ctx, f)
}

// maskLines masks the sensitive values in the bot's lines, as a server
// keeps them in its log (mask_sensitive).
func maskLines(rd *turn.Redactor, lines []Line) []Line {
	if rd == nil {
		return lines
	}
	for i, l := range lines {
		switch l.Kind {
		case Say, Refusal:
			lines[i].Text = rd.Redact(l.Text)
		case Action:
			lines[i] = ActionLine(rd.Redact(l.Text))
		}
	}
	return lines
}
