package transcript

import (
	"errors"
	"fmt"
	"github.com/botctl/botctl/engine/internal/duration"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/botctl/botctl/engine/compile"
	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/internal/yamlpos"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/turn"
)

// Diagnostic codes of transcript problems.
const (
	CodeHeaderUnclosed     = "header-unclosed"     // a `---` header with no closing `---`
	CodeHeaderYAML         = "header-yaml"         // the header is not valid YAML
	CodeUnknownHeaderKey   = "unknown-header-key"  // a header key botctl does not know
	CodeHeaderValue        = "header-value"        // a header value of the wrong shape
	CodeUnknownPrefix      = "unknown-prefix"      // a line that is none of the kinds
	CodeMissingSpace       = "missing-space"       // `>hi` instead of `> hi`
	CodeUnknownAction      = "unknown-action"      // `<< buton ...`
	CodeActionSyntax       = "action-syntax"       // a malformed `<<` line
	CodeEventSyntax        = "event-syntax"        // a malformed `>>` line
	CodeUnknownEvent       = "unknown-event"       // an event the bot does not know
	CodeInvalidAssertion   = "invalid-assertion"   // a `?` expression that does not compile
	CodeMissingBot         = "missing-bot"         // no bot in the header or on the command line
	CodeBotNotFound        = "bot-not-found"       // the header's bot path does not exist
	CodeBotErrors          = "bot-errors"          // the bot does not compile
	CodeUnknownIntegration = "unknown-integration" // mocks for an integration the bot lacks
	CodeUndeclared         = "undeclared"          // env or secrets the bot does not declare
	CodeUndeclaredVariable = "undeclared-variable" // an assertion reads vars.NAME the bot does not declare
	CodeUndeclaredEnv      = "undeclared-env"      // an assertion reads env.NAME the bot does not declare
	CodeUnknownDialog      = "unknown-dialog"      // dialog: names no dialog
	CodeUnknownInteraction = "unknown-interaction" // interaction: names no interaction
)

// HeaderKeys lists the keys a header may hold, in the order Write writes them.
var HeaderKeys = []string{"bot", "id", "now", "dialog", "interaction", "user", "params",
	"env", "secrets", "mocks", "transfers", "uploads", "mask_sensitive"}

// Actions lists the bot actions an `<<` line may name.
var Actions = []string{"buttons", "transfer", "close", "upload"}

var (
	namePattern  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	fieldPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
)

// Parse parses a transcript. It reports every problem it finds, each with
// its file:line:col; the Transcript is nil when there are errors. Problems
// that need the bot (unknown events, mocks for integrations the bot does not
// have, assertions reading variables it does not declare) are found by
// Check.
func Parse(name string, src []byte) (*Transcript, diag.List) {
	p := &parser{t: &Transcript{Path: name, Src: src}}
	p.t.raw = splitLines(string(src))
	p.header()
	p.t.Lines = make([]Line, 0, len(p.t.raw)-p.t.body)
	for i := p.t.body; i < len(p.t.raw); i++ {
		p.line(i)
	}
	p.diags.Sort()
	if p.diags.HasErrors() {
		return nil, p.diags
	}
	return p.t, p.diags
}

type parser struct {
	t     *Transcript
	diags diag.List
}

// splitLines splits src after each "\n"; every line keeps its ending.
func splitLines(src string) []string {
	var lines []string
	for len(src) > 0 {
		i := strings.IndexByte(src, '\n')
		if i < 0 {
			lines = append(lines, src)
			break
		}
		lines = append(lines, src[:i+1])
		src = src[i+1:]
	}
	return lines
}

// content is a raw line without its ending.
func content(raw string) string {
	raw = strings.TrimSuffix(raw, "\n")
	return strings.TrimSuffix(raw, "\r")
}

func (p *parser) pos(line, col int) diag.Pos { return diag.Pos{File: p.t.Path, Line: line, Col: col} }

func (p *parser) errorf(pos diag.Pos, code, format string, args ...any) *diag.Diagnostic {
	return p.diags.Errorf(pos, code, format, args...)
}

// isDashes reports whether a line is a header delimiter.
func isDashes(s string) bool { return strings.TrimRight(s, " \t") == "---" }

func (p *parser) header() {
	raw := p.t.raw
	if len(raw) == 0 || !isDashes(strings.TrimPrefix(content(raw[0]), bom)) {
		return
	}
	end := -1
	for i := 1; i < len(raw); i++ {
		if isDashes(content(raw[i])) {
			end = i
			break
		}
	}
	if end < 0 {
		p.errorf(p.pos(1, 1), CodeHeaderUnclosed,
			"the header that starts here has no closing `---` line; end the header with `---` before the conversation")
		p.t.body = len(raw)
		return
	}
	p.t.HasHeader = true
	p.t.body = end + 1
	// Blank out the opening line so YAML's line numbers are the file's.
	src := "\n" + strings.Join(raw[1:end], "")
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		p.yamlError(err, src)
		return
	}
	if len(doc.Content) == 0 {
		return
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return
	}
	if root.Kind != yaml.MappingNode {
		p.errorf(p.pos(root.Line, root.Column), CodeHeaderValue,
			"the header must be a YAML mapping of keys such as `bot:`, `user:` and `mocks:`")
		return
	}
	p.t.Header.pos = map[string]diag.Pos{}
	seen := map[string]diag.Pos{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		kp := p.pos(k.Line, k.Column)
		if prev, ok := seen[k.Value]; ok {
			p.errorf(kp, CodeHeaderValue, "`%s` is already set at line %d", k.Value, prev.Line)
			continue
		}
		seen[k.Value] = kp
		p.headerKey(k, v)
	}
	if p.t.Header.Dialog != "" && p.t.Header.Interaction != "" {
		p.errorf(seen["interaction"], CodeHeaderValue,
			"set `dialog:` or `interaction:`, not both: an interaction starts its own dialog")
	}
}

func (p *parser) yamlError(err error, src string) {
	e := yamlpos.Locate([]byte(src), err)
	p.errorf(p.pos(e.Line, e.Col), CodeHeaderYAML, "invalid YAML in the header: %s", e.Msg)
}

func (p *parser) headerKey(k, v *yaml.Node) {
	h := &p.t.Header
	vp := p.pos(v.Line, v.Column)
	switch k.Value {
	case "bot":
		if s, ok := p.text(k, v, true); ok {
			h.Bot = s
			h.pos["bot"] = vp
		}
	case "id":
		h.ID, _ = p.text(k, v, true)
	case "dialog":
		if s, ok := p.text(k, v, true); ok {
			h.Dialog = s
			h.pos["dialog"] = vp
		}
	case "interaction":
		if s, ok := p.text(k, v, true); ok {
			h.Interaction = s
			h.pos["interaction"] = vp
		}
	case "now":
		s, ok := p.text(k, v, true)
		if !ok {
			return
		}
		t, err := parseTime(s)
		if err != nil {
			p.errorf(vp, CodeHeaderValue, "`now` must be a time like 2025-06-02T09:00:00Z or a date like 2025-06-02, not %q", s)
			return
		}
		h.Now = t
	case "user", "params":
		m, ok := p.mapping(k, v)
		if !ok {
			return
		}
		if k.Value == "user" {
			h.User = m
		} else {
			h.Params = m
		}
	case "env", "secrets":
		m := p.names(k, v)
		if k.Value == "env" {
			h.Env = m
		} else {
			h.Secrets = m
		}
	case "mocks":
		set, err := mock.FromNode(v)
		if err != nil {
			p.mockError(vp, err)
			return
		}
		h.Mocks = set
		if v.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(v.Content); i += 2 {
				h.pos["mocks."+v.Content[i].Value] = p.pos(v.Content[i].Line, v.Content[i].Column)
			}
		}
	case "mask_sensitive":
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
			p.errorf(vp, CodeHeaderValue, "`mask_sensitive` must be true or false")
			return
		}
		h.MaskSensitive = v.Value == "true" || v.Value == "True" || v.Value == "TRUE"
	case "transfers", "uploads":
		list := p.outcomes(k, v)
		if k.Value == "transfers" {
			h.Transfers = list
		} else {
			h.Uploads = list
		}
	default:
		d := p.errorf(p.pos(k.Line, k.Column), CodeUnknownHeaderKey, "unknown header key `%s`; a header may hold %s",
			k.Value, andList(HeaderKeys))
		d.Suggestion = diag.DidYouMean(k.Value, HeaderKeys)
	}
}

// text reads a scalar value as text.
func (p *parser) text(k, v *yaml.Node, required bool) (string, bool) {
	if v.Kind != yaml.ScalarNode || (required && (v.Tag == "!!null" || v.Value == "")) {
		p.errorf(p.pos(v.Line, v.Column), CodeHeaderValue, "`%s` must be a text", k.Value)
		return "", false
	}
	if v.Tag == "!!null" {
		return "", true
	}
	return v.Value, true
}

func (p *parser) mapping(k, v *yaml.Node) (map[string]any, bool) {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil, true
	}
	if v.Kind != yaml.MappingNode {
		p.errorf(p.pos(v.Line, v.Column), CodeHeaderValue, "`%s` must be a mapping, like {name: Ann}", k.Value)
		return nil, false
	}
	m, _ := dialog.Value(v).(map[string]any)
	return m, true
}

// names reads env or secrets: a mapping of declared names to text values.
func (p *parser) names(k, v *yaml.Node) map[string]string {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		p.errorf(p.pos(v.Line, v.Column), CodeHeaderValue, "`%s` must map names to values, like {ORDERS_API: \"http://orders.test\"}", k.Value)
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		nk, nv := v.Content[i], v.Content[i+1]
		if !namePattern.MatchString(nk.Value) {
			p.errorf(p.pos(nk.Line, nk.Column), CodeHeaderValue, "`%s` is not a valid %s name (letters, digits and _)", nk.Value, k.Value)
			continue
		}
		if nv.Kind != yaml.ScalarNode {
			p.errorf(p.pos(nv.Line, nv.Column), CodeHeaderValue, "%s.%s must be a text", k.Value, nk.Value)
			continue
		}
		val := nv.Value
		if nv.Tag == "!!null" {
			val = ""
		}
		out[nk.Value] = val
		p.t.Header.pos[k.Value+"."+nk.Value] = p.pos(nk.Line, nk.Column)
	}
	return out
}

// mockError turns an error of mock.FromNode into a diagnostic at its line.
func (p *parser) mockError(at diag.Pos, err error) {
	msg := err.Error()
	var me *mock.Error
	if errors.As(err, &me) {
		at = p.pos(me.Line, firstCol(p.t.raw, me.Line))
		msg = me.Msg
	}
	p.errorf(at, CodeHeaderValue, "mocks: %s", msg)
}

func firstCol(raw []string, line int) int {
	if line < 1 || line > len(raw) {
		return 1
	}
	l := content(raw[line-1])
	return utf8.RuneCountInString(l) - utf8.RuneCountInString(strings.TrimLeft(l, " \t")) + 1
}

// outcomes reads transfers or uploads: a list of `ok`, `{error: text}` or,
// for uploads, `{id: text}`.
func (p *parser) outcomes(k, v *yaml.Node) []Outcome {
	items := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		items = v.Content
	}
	want := "`ok` or {error: text}"
	if k.Value == "uploads" {
		want = "`ok`, {id: text} or {error: text}"
	}
	var out []Outcome
	for _, it := range items {
		ip := p.pos(it.Line, it.Column)
		switch {
		case it.Kind == yaml.ScalarNode && strings.EqualFold(it.Value, "ok"):
			out = append(out, Outcome{})
		case it.Kind == yaml.MappingNode:
			var o Outcome
			ok := true
			for i := 0; i+1 < len(it.Content); i += 2 {
				ok2 := it.Content[i+1].Kind == yaml.ScalarNode && it.Content[i+1].Value != ""
				switch key := it.Content[i].Value; {
				case key == "error" && ok2:
					o.Error = it.Content[i+1].Value
				case key == "id" && ok2 && k.Value == "uploads":
					o.ID = it.Content[i+1].Value
				default:
					ok = false
				}
			}
			if !ok || (o.Error != "" && o.ID != "") {
				p.errorf(ip, CodeHeaderValue, "each of `%s` is %s", k.Value, want)
				continue
			}
			out = append(out, o)
		default:
			p.errorf(ip, CodeHeaderValue, "each of `%s` is %s", k.Value, want)
		}
	}
	return out
}

// parseTime reads the header's `now`.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not a time")
}

// prefixes are the line prefixes, longest first so that `<<` is not read as `<`.
var prefixes = []struct {
	text string
	kind Kind
}{
	{"<<", Action}, {"<!", Refusal}, {">>", Event}, {"<", Say}, {">", Message}, {"?", Assertion},
}

func (p *parser) line(i int) {
	s := content(p.t.raw[i])
	if i == 0 {
		s = strings.TrimPrefix(s, bom)
	}
	l := Line{Num: i + 1, Raw: s}
	switch {
	case strings.TrimSpace(s) == "":
		l.Kind = Blank
	case s[0] == '#':
		l.Kind = Comment
	default:
		l.Kind = -1
		for _, pre := range prefixes {
			if !strings.HasPrefix(s, pre.text) {
				continue
			}
			rest := s[len(pre.text):]
			if rest != "" && rest[0] != ' ' {
				p.errorf(p.pos(l.Num, len(pre.text)+1), CodeMissingSpace,
					"put a space after `%s`: `%s %s`", pre.text, pre.text, rest)
				return
			}
			l.Kind = pre.kind
			if rest != "" {
				rest = rest[1:]
			}
			l.Text = rest
			break
		}
		if l.Kind < 0 {
			p.unknownPrefix(l.Num, s)
			return
		}
	}
	switch l.Kind {
	case Message, Say, Refusal:
		l.Text = Unescape(l.Text)
	case Action:
		if !p.action(&l) {
			return
		}
	case Event:
		if !p.event(&l) {
			return
		}
	case Assertion:
		if !p.assertion(&l) {
			return
		}
	}
	p.t.Lines = append(p.t.Lines, l)
}

func (p *parser) unknownPrefix(num int, s string) {
	const kinds = "`> message`, `< bot message`, `<< bot action`, `>> event`, `? assertion` or `# comment`"
	trimmed := strings.TrimLeft(s, " \t")
	if trimmed != s && trimmed != "" && strings.ContainsAny(trimmed[:1], "<>?#") {
		p.errorf(p.pos(num, 1), CodeUnknownPrefix, "lines of a transcript are not indented; remove the spaces before `%s`", trimmed[:1])
		return
	}
	if isDashes(s) {
		p.errorf(p.pos(num, 1), CodeUnknownPrefix, "a `---` header must start on the first line of the file")
		return
	}
	word := s
	if i := strings.IndexAny(word, " \t"); i >= 0 {
		word = word[:i]
	}
	if utf8.RuneCountInString(word) > 20 {
		word = string([]rune(word)[:20]) + "…"
	}
	p.errorf(p.pos(num, 1), CodeUnknownPrefix, "a line starting with %q is not part of a transcript; each line is %s", word, kinds)
}

func (p *parser) action(l *Line) bool {
	name := l.Text
	if i := strings.IndexByte(name, ' '); i >= 0 {
		name = name[:i]
	}
	if name == "" {
		p.errorf(p.pos(l.Num, 1), CodeUnknownAction, "`<<` needs an action: %s", andList(Actions))
		return false
	}
	if !slices.Contains(Actions, name) {
		d := p.errorf(p.pos(l.Num, 4), CodeUnknownAction, "unknown bot action `%s`; the bot's actions are %s", name, andList(Actions))
		d.Suggestion = diag.DidYouMean(name, Actions)
		return false
	}
	if err := parseAction(l); err != nil {
		p.errorf(p.textPos(l, err.off), CodeActionSyntax, "%s", err.msg)
		return false
	}
	return true
}

// textPos is the position of byte offset off of the text of l, after its
// prefix and space.
func (p *parser) textPos(l *Line, off int) diag.Pos {
	prefix := len(l.Raw) - len(l.Text)
	return p.pos(l.Num, prefix+1+utf8.RuneCountInString(l.Text[:min(off, len(l.Text))]))
}

// event reads `>> name k=v k="quoted value"`.
func (p *parser) event(l *Line) bool {
	s := l.Text
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		i = len(s)
	}
	if i == 0 {
		p.errorf(p.pos(l.Num, 1), CodeEventSyntax, "`>>` needs the event's name, like `>> agent_done`")
		return false
	}
	l.Event = s[:i]
	if l.Event == WaitEvent {
		return p.wait(l, strings.TrimSpace(s[i:]))
	}
	fields, offs, err := splitFields(s, i, "event", `"my file.pdf"`)
	if err != nil {
		p.errorf(p.textPos(l, err.off), CodeEventSyntax, "%s", err.msg)
		return false
	}
	l.Fields, l.offs = fields, offs
	if l.Event == turn.EventUpload {
		return p.upload(l)
	}
	return true
}

// WaitEvent is the name of `>> wait DURATION`: the conversation's clock
// moves on, and the timers due by then fire (an event of that name cannot
// be sent from a transcript).
const WaitEvent = "wait"

// wait reads the duration of `>> wait DURATION`.
func (p *parser) wait(l *Line, arg string) bool {
	at := p.pos(l.Num, len(">> wait ")+1)
	if arg == "" || strings.ContainsAny(arg, " \t=") {
		p.errorf(at, CodeEventSyntax, "`>> wait` takes one duration, like `>> wait 10m` or `>> wait 1d`")
		return false
	}
	d, err := duration.Parse(arg)
	if err != nil {
		p.errorf(at, CodeEventSyntax, "`>> wait`: %v", err)
		return false
	}
	if d <= 0 {
		p.errorf(at, CodeEventSyntax, "`>> wait` moves the clock forward: give a positive duration, not %s", arg)
		return false
	}
	l.Wait = d
	return true
}

// upload checks the fields of an upload event: name and size are
// required, size is a byte count, and there are no others. The runtime
// reads `type` when it is given; without it, a file is judged by its
// name's extension alone.
func (p *parser) upload(l *Line) bool {
	ok := true
	// given holds the fields given, and those a misspelt field (already
	// reported) stands for.
	given := map[string]bool{}
	for i, f := range l.Fields {
		at := p.textPos(l, l.offs[i])
		given[f.Key] = true
		switch f.Key {
		case "name":
		case "size":
			if !byteCount.MatchString(f.Value) {
				at.Col += len("size=")
				d := p.errorf(at, CodeEventSyntax, "size must be a byte count, like size=1200, not %q", f.Value)
				if n, unit := compile.ParseSize(f.Value); unit {
					d.Suggestion = fmt.Sprintf("write size=%d", n)
				}
				ok = false
			}
		case "type":
		default:
			d := p.errorf(at, CodeEventSyntax, "an upload has the fields %s, not `%s`", andList(UploadFields), f.Key)
			d.Suggestion = diag.DidYouMean(f.Key, UploadFields)
			given[diag.Suggest(f.Key, UploadFields)] = true
			ok = false
		}
	}
	if !given["name"] {
		p.errorf(p.pos(l.Num, 4), CodeEventSyntax,
			"an upload needs the file's name, with its extension, like name=receipt.pdf: the bot checks it against the question's `accept`")
		ok = false
	}
	if !given["size"] {
		p.errorf(p.pos(l.Num, 4), CodeEventSyntax, "an upload needs the file's size: size must be a byte count, like size=1200")
		ok = false
	}
	return ok
}

// byteCount is an upload's size as the runtime reads it.
var byteCount = regexp.MustCompile(`^[0-9]{1,18}$`)

func (p *parser) assertion(l *Line) bool {
	if strings.TrimSpace(l.Text) == "" {
		p.errorf(p.pos(l.Num, 1), CodeInvalidAssertion, "`?` needs a condition, like `? vars.order_number == \"12345\"`")
		return false
	}
	col := func(off int) int { return 3 + utf8.RuneCountInString(l.Text[:min(off, len(l.Text))]) }
	e, cerr := cond.CompileBool(l.Text)
	var err *cond.Error
	if errors.As(cerr, &err) {
		d := p.errorf(p.pos(l.Num, col(err.Offset)), CodeInvalidAssertion, "assertion: %s", err.Msg)
		d.Suggestion = err.Suggestion
		if d.Suggestion == "" && strings.Contains(err.Msg, `Operator("=")`) {
			d.Suggestion = "write `==` to compare"
		}
		return false
	}
	for _, r := range e.Refs() {
		switch r.Root {
		case cond.RootSecret:
			p.errorf(p.pos(l.Num, col(r.Offset)), CodeInvalidAssertion,
				"an assertion cannot read `secret`: secrets are readable only in integration requests")
			return false
		case cond.RootAnswer:
			p.errorf(p.pos(l.Num, col(r.Offset)), CodeInvalidAssertion,
				"an assertion cannot read `answer`, which exists only while a question is answered; read the variable it was saved in, as vars.NAME")
			return false
		}
	}
	l.Expr = e
	return true
}

// andList joins words as "a, b and c", each in backquotes.
func andList(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "`" + w + "`"
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// excerptWidth is how many characters of a line a message shows.
const excerptWidth = 70

// quote shows a line of a transcript in a message.
func quote(s string) string {
	if utf8.RuneCountInString(s) > excerptWidth {
		s = string([]rune(s)[:excerptWidth]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// quotePair shows two lines that differ: each whole when both are short,
// else the same stretch of both, around the first character where they
// differ, with … where a line is cut, so the difference is always in view.
func quotePair(a, b string) (string, string) {
	ra, rb := []rune(a), []rune(b)
	if len(ra) <= excerptWidth && len(rb) <= excerptWidth {
		return fmt.Sprintf("%q", a), fmt.Sprintf("%q", b)
	}
	d := 0
	for d < len(ra) && d < len(rb) && ra[d] == rb[d] {
		d++
	}
	// Centre the first difference, but show a full width when the
	// longer line allows.
	start := max(0, min(d-excerptWidth/2, max(len(ra), len(rb))-excerptWidth))
	cut := func(r []rune) string {
		from, to := min(start, len(r)), min(start+excerptWidth, len(r))
		s := string(r[from:to])
		if from > 0 {
			s = "…" + s
		}
		if to < len(r) {
			s += "…"
		}
		return fmt.Sprintf("%q", s)
	}
	return cut(ra), cut(rb)
}
