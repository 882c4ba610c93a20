package schemacheck

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"gopkg.in/yaml.v3"

	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/dialog"
)

type verr = jsonschema.ValidationError

type checker struct {
	f     *dialog.File
	diags diag.List
}

// pos is where n is written; the document's start for nil.
func (c *checker) pos(n *yaml.Node) diag.Pos {
	if n == nil || n.Line <= 0 {
		n = c.f.Root
	}
	p := dialog.NodePos(c.f, n)
	if p.Line <= 0 {
		p.Line = 1
	}
	if p.Col <= 0 {
		p.Col = 1
	}
	return p
}

// visit walks the validator's tree of causes down to the failures that
// matter.
func (c *checker) visit(e *verr) {
	if len(e.Causes) == 0 {
		c.leaf(e)
		return
	}
	if kw := keyword(e.KeywordLocation); kw == "oneOf" || kw == "anyOf" {
		c.choose(e)
		return
	}
	for _, cause := range e.Causes {
		c.visit(cause)
	}
}

// leaves returns the failures under errs that have no causes.
func leaves(errs []*verr) []*verr {
	var out []*verr
	var walk func(e *verr)
	walk = func(e *verr) {
		if len(e.Causes) == 0 {
			out = append(out, e)
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	for _, e := range errs {
		walk(e)
	}
	return out
}

// choose handles a oneOf or anyOf none of whose alternatives matched. The
// alternatives whose type does not match the value are noise; of the
// others, the one with the fewest failures is what the author meant. When
// no alternative has the right type, the value's type is the one problem.
func (c *checker) choose(e *verr) {
	prefix := e.KeywordLocation + "/"
	var order []int
	branches := map[int][]*verr{}
	for _, cause := range e.Causes {
		rest, ok := strings.CutPrefix(cause.KeywordLocation, prefix)
		if !ok {
			c.visit(cause)
			continue
		}
		tok, _, _ := strings.Cut(rest, "/")
		i, err := strconv.Atoi(tok)
		if err != nil {
			c.visit(cause)
			continue
		}
		if _, seen := branches[i]; !seen {
			order = append(order, i)
		}
		branches[i] = append(branches[i], cause)
	}

	var candidates [][]*verr
	var typeLeaves []*verr
	for _, i := range order {
		ls := leaves(branches[i])
		mismatch := false
		for _, l := range ls {
			if keyword(l.KeywordLocation) == "type" && l.InstanceLocation == e.InstanceLocation {
				mismatch = true
				typeLeaves = append(typeLeaves, l)
			}
		}
		if !mismatch {
			candidates = append(candidates, branches[i])
		}
	}
	if len(candidates) == 0 {
		c.wrongType(e.InstanceLocation, parent(fragment(e)), typeLeaves)
		return
	}
	best := candidates[0]
	for _, cand := range candidates[1:] {
		if len(leaves(cand)) < len(leaves(best)) {
			best = cand
		}
	}
	for _, cause := range best {
		c.visit(cause)
	}
}

// leaf reports one failure.
func (c *checker) leaf(e *verr) {
	frag := fragment(e)
	switch keyword(frag) {
	case "additionalProperties":
		c.unknownKeys(e.InstanceLocation, parent(frag))
	case "required":
		required := stringList(parent(frag), "required")
		if keyword(parent(frag)) == "else" {
			// if: {required: [a]}, else: {required: [b]} means "a or b".
			c.missingEither(e.InstanceLocation, append(stringList(parent(parent(frag))+"/if", "required"), required...))
			return
		}
		c.missingKeys(e.InstanceLocation, required)
	case "type":
		c.wrongType(e.InstanceLocation, "", []*verr{e})
	case "enum", "const":
		c.invalidValue(e.InstanceLocation, parent(frag))
	case "pattern":
		if parent(frag) == "/$defs/step" {
			c.bareStep(e.InstanceLocation)
			return
		}
		c.invalidName(e, parent(frag))
	case "minimum", "maximum":
		c.outOfRange(e.InstanceLocation, frag)
	case "minProperties", "maxProperties":
		c.oneKey(e.InstanceLocation, parent(frag), keyword(frag) == "minProperties")
	default:
		path := splitPointer(e.InstanceLocation)
		loc := locate(c.f.Root, path)
		c.diags.Errorf(c.pos(loc.node), "schema", "%s: %s", c.subject(path, loc.inList), e.Message)
	}
}

// unknownKeys reports each key of the mapping at instLoc that the schema
// object at schemaPtr does not allow, at the key itself.
func (c *checker) unknownKeys(instLoc, schemaPtr string) {
	path := splitPointer(instLoc)
	n := locate(c.f.Root, path).value()
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	allowed := properties(schemaPtr)
	pl, rest := c.place(path)
	if len(path) == 1 {
		pl, rest = path[0], nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := keyString(n.Content[i])
		if slices.Contains(allowed, k) {
			continue
		}
		var msg string
		switch {
		case k == "<<":
			msg = "YAML merge keys (<<) are not supported; write the keys out"
		case pl == "" && len(rest) == 0:
			msg = fmt.Sprintf("unknown top-level key %q", k)
		case len(rest) > 0:
			msg = fmt.Sprintf("unknown key %q in %s", k, field(rest, false))
		default:
			msg = fmt.Sprintf("unknown key %q", k)
		}
		d := c.diags.Errorf(c.pos(n.Content[i]), "unknown-key", "%s%s", prefix(pl), msg)
		if k == "<<" {
			continue
		}
		if s := suggest(k, allowed); s != "" {
			d.Suggestion = fmt.Sprintf("did you mean `%s`?", s)
		} else if len(allowed) <= 10 {
			d.Suggestion = "the keys here are " + strings.Join(allowed, ", ")
		}
	}
}

// suggest is diag.Suggest, but an answer that differs only in case wins.
func suggest(name string, candidates []string) string {
	for _, c := range candidates {
		if strings.EqualFold(c, name) && c != name {
			return c
		}
	}
	return diag.Suggest(name, candidates)
}

// missingKeys reports each of the required keys the mapping at instLoc
// lacks, at the mapping.
func (c *checker) missingKeys(instLoc string, required []string) {
	path := splitPointer(instLoc)
	loc := locate(c.f.Root, path)
	n := loc.value()
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for _, k := range required {
		if !hasKey(n, k) {
			c.diags.Errorf(c.pos(loc.node), "missing-key", "%s: missing required key %q", c.owner(path, loc.inList), k)
		}
	}
}

// missingEither reports a mapping that needs one of several keys and has
// none of them.
func (c *checker) missingEither(instLoc string, keys []string) {
	path := splitPointer(instLoc)
	loc := locate(c.f.Root, path)
	c.diags.Errorf(c.pos(loc.node), "missing-key", "%s: missing required key %s",
		c.owner(path, loc.inList), orList(quoteAll(keys)))
}

func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if keyString(n.Content[i]) == key {
			return true
		}
	}
	return false
}

// Phrases for the values a schema definition accepts, where the JSON types
// alone would read badly.
var phrases = map[string]string{
	"text":        "text",
	"texts":       "text or a list of texts",
	"textList":    "a list of texts",
	"textMap":     "a mapping of names to texts",
	"expr":        "an expression",
	"assignments": "a mapping of variables to expressions",
	"target":      "a target name",
	"duration":    `a duration such as "2s"`,
	"size":        `a size such as "5MB"`,
	"name":        "a name",
	"varName":     "a variable name",
	"botName":     "a bot name",
	"envName":     "a name",
	"starter":     "text, or a mapping with pattern, regex, intent or event",
	"step":        "a step (a mapping with one action such as say or ask, or the word end or close)",
}

// textDefs are the definitions that accept text, where {vars.x} was surely
// meant as ${vars.x}.
var textDefs = map[string]bool{"text": true, "texts": true, "starter": true}

var typeWords = map[string]string{
	"string":  "a string",
	"integer": "an integer",
	"number":  "a number",
	"boolean": "true or false",
	"object":  "a mapping",
	"array":   "a list",
	"null":    "empty",
}

// typesPhrase describes a list of JSON types.
func typesPhrase(ts []string) string {
	var words []string
	for _, t := range ts {
		if t == "null" && len(ts) > 1 {
			continue
		}
		if w, ok := typeWords[t]; ok {
			words = append(words, w)
		}
	}
	return orList(words)
}

func orList(words []string) string {
	switch len(words) {
	case 0:
		return "something else"
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// wrongType reports a value of the wrong type. group is the schema object
// holding the oneOf/anyOf whose alternatives all failed on type (or "" for
// a single type failure); typeLeaves are the type failures.
func (c *checker) wrongType(instLoc, group string, typeLeaves []*verr) {
	path := splitPointer(instLoc)
	loc := locate(c.f.Root, path)
	n := loc.value()

	expected := phrases[defName(group)]
	var accepted []string
	var words []string
	kind := ""
	for _, l := range typeLeaves {
		par := parent(fragment(l))
		ts := types(par)
		accepted = append(accepted, ts...)
		def := defName(par)
		switch {
		case textDefs[def]:
			kind = "text"
		case def == "expr" && kind == "":
			kind = "expr"
		}
		w := phrases[def]
		if w == "" {
			w = typesPhrase(ts)
		}
		if !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	if expected == "" {
		expected = orList(words)
	}
	if len(path) == 0 {
		expected = "a mapping of keys such as bot and dialogs"
	}
	subj := c.subject(path, loc.inList)

	if isBraced(n) && slices.Contains(accepted, "string") {
		src := c.flowSource(n)
		var hint string
		switch kind {
		case "text":
			hint = "write $" + src + " (with the $) or quote the whole string"
			if src == "{...}" {
				hint = "write ${...} (with the $) or quote the whole string"
			}
		case "expr":
			hint = "write the expression without braces, or quote it"
		default:
			hint = "quote it"
		}
		c.diags.Errorf(c.pos(loc.node), "flow-mapping", "%s must be %s, but %s was read as a YAML mapping; %s",
			subj, expected, src, hint)
		return
	}
	c.diags.Errorf(c.pos(loc.node), "wrong-type", "%s must be %s, %s", subj, expected,
		actual(n, slices.Contains(accepted, "integer")))
}

// isBraced reports whether n looks like text the author meant as a string
// but wrote in braces, {vars.name}, which YAML reads as a flow mapping
// whose keys have no values.
func isBraced(n *yaml.Node) bool {
	if n == nil || n.Kind != yaml.MappingNode || n.Style&yaml.FlowStyle == 0 || len(n.Content) == 0 {
		return false
	}
	for i := 1; i < len(n.Content); i += 2 {
		if v := resolve(n.Content[i]); v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() != "!!null" || v.Value != "" {
			return false
		}
	}
	return true
}

// actual describes what was written, for "must be X, not Y".
func actual(n *yaml.Node, wantInteger bool) string {
	if n == nil {
		return "but it is empty"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "not a mapping"
	case yaml.SequenceNode:
		return "not a list"
	}
	switch scalar(n).(type) {
	case nil:
		return "but it is empty"
	case bool:
		return "not " + n.Value
	case string:
		return "not a string"
	}
	if wantInteger {
		return "not " + n.Value
	}
	return "not a number"
}

// written renders a value as the author wrote it, for "not X".
func written(n *yaml.Node) string {
	if n == nil {
		return "empty"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch scalar(n).(type) {
	case nil:
		return "empty"
	case string:
		return strconv.Quote(n.Value)
	}
	return n.Value
}

// flowSource returns the source text of a flow mapping such as
// {vars.name}, on one line, or "{...}" when it is long.
func (c *checker) flowSource(n *yaml.Node) string {
	const limit = 60
	src := c.f.Src
	i := offset(src, n.Line, n.Column)
	// Skip an anchor or tag written before the mapping: &name {...}.
	for i >= 0 && i < len(src) && (src[i] == '&' || src[i] == '!') {
		for i < len(src) && src[i] != ' ' && src[i] != '\t' && src[i] != '\n' {
			i++
		}
		for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
			i++
		}
	}
	if i < 0 || i >= len(src) || src[i] != '{' {
		return "{...}"
	}
	var b strings.Builder
	depth := 0
	var quote byte
	space := false
	for ; i < len(src) && b.Len() <= limit; i++ {
		ch := src[i]
		if ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteByte(ch)
		switch {
		case quote == '"' && ch == '\\' && i+1 < len(src):
			i++
			b.WriteByte(src[i])
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '"' || ch == '\'':
			quote = ch
		case ch == '{' || ch == '[':
			depth++
		case ch == '}' || ch == ']':
			depth--
			if depth == 0 {
				return b.String()
			}
		}
	}
	return "{...}"
}

// offset converts a 1-based line and a 1-based column counted in
// characters (as yaml.v3 counts) into a byte offset, or -1.
func offset(src []byte, line, col int) int {
	i := 0
	for l := 1; l < line; l++ {
		j := strings.IndexByte(string(src[i:]), '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
	}
	for c := 1; c < col && i < len(src); c++ {
		if src[i] == '\n' {
			return -1
		}
		_, size := utf8.DecodeRune(src[i:])
		i += size
	}
	return i
}

// invalidValue reports a value outside an enum or a const.
func (c *checker) invalidValue(instLoc, schemaPtr string) {
	path := splitPointer(instLoc)
	loc := locate(c.f.Root, path)
	n := loc.value()
	subj := c.subject(path, loc.inList)
	got := written(n)
	s := lookupMap(schemaPtr)
	if cv, ok := s["const"]; ok {
		c.diags.Errorf(c.pos(loc.node), "invalid-value", "%s must be %v, not %s", subj, render(cv), got)
		return
	}
	enum, _ := s["enum"].([]any)
	var values []string
	for _, v := range enum {
		if v != nil {
			values = append(values, render(v))
		}
	}
	var d *diag.Diagnostic
	switch {
	case defName(schemaPtr) == "marker":
		d = c.diags.Errorf(c.pos(loc.node), "invalid-value",
			"%s takes no value: leave it empty or write true, not %s", subj, got)
	default:
		d = c.diags.Errorf(c.pos(loc.node), "invalid-value", "%s must be one of %s, not %s",
			subj, strings.Join(values, ", "), got)
	}
	if n != nil && n.Kind == yaml.ScalarNode {
		if sug := suggest(n.Value, values); sug != "" {
			d.Suggestion = fmt.Sprintf("did you mean `%s`?", sug)
		}
	}
}

// bareStep reports a step written as a word other than end or close.
func (c *checker) bareStep(instLoc string) {
	path := splitPointer(instLoc)
	loc := locate(c.f.Root, path)
	pl, _ := c.place(path)
	n := loc.value()
	word, _ := scalarValue(n)
	d := c.diags.Errorf(c.pos(loc.node), "invalid-value",
		"%s: a step written as a single word must be end or close, not %s", pl, written(n))
	if sug := suggest(word, []string{"end", "close"}); sug != "" {
		d.Suggestion = fmt.Sprintf("did you mean `%s`?", sug)
	} else if word != "" && utf8.RuneCountInString(word) <= 40 && !strings.ContainsAny(word, "\n:#") {
		d.Suggestion = fmt.Sprintf("to send it as a message, write `say: %s`", word)
	}
}

// render writes a schema value (an enum entry, a const) for a message.
func render(v any) string {
	switch v := v.(type) {
	case nil:
		return "empty"
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// Rules for names, by the schema definition whose pattern failed.
var nameRules = map[string]string{
	"name":    `may contain only letters, digits, "_" and "-", and must not start with a digit`,
	"varName": `may contain only letters, digits and "_", and must not start with a digit`,
	"envName": `may contain only letters, digits and "_", and must not start with a digit`,
	"botName": `may contain only lowercase letters, digits, "_" and "-"`,
	// Not a name, but a word or a number: the only word it may be.
	"threshold": "is not a threshold: write auto, or a number from 0 to 1",
}

// invalidName reports a name that breaks its pattern.
// Names of dialogs, integrations and variables are keys: the diagnostic
// points at the key.
func (c *checker) invalidName(e *verr, schemaPtr string) {
	path := splitPointer(e.InstanceLocation)
	loc := locate(c.f.Root, path)
	isKey := strings.Contains(e.KeywordLocation, "/propertyNames/")
	name, _ := scalarValue(loc.value())
	node := loc.node
	var label, pre string
	if isKey {
		node = loc.key
		name = path[len(path)-1]
		kind := "key"
		if len(path) == 2 {
			switch path[0] {
			case "dialogs":
				kind = "dialog"
			case "integrations":
				kind = "integration"
			case "variables":
				kind = "variable"
			}
		}
		label = kind + " name"
		if len(path) != 2 {
			pre = prefix(c.subject(path[:len(path)-1], false))
		}
	} else {
		pl, rest := c.place(path)
		switch {
		case len(rest) == 2 && loc.inList && rest[0] == "secrets":
			label = "secret name"
		case len(rest) == 2 && loc.inList:
			label = rest[0] + " name"
		case len(rest) == 1 && rest[0] == "bot":
			label = "bot name"
		case len(rest) == 1 && rest[0] == "name" && path[0] == "bot":
			label = "bot name"
			pl = ""
		case len(rest) == 1 && rest[0] == "id" && path[0] == "dialogs":
			label = "step id"
			pl = "dialog " + ident(path[1])
		case len(rest) == 1 && rest[0] == "id" && path[0] == "interactions":
			label = "interaction id"
			pl = ""
		default:
			label = field(rest, loc.inList)
		}
		pre = prefix(pl)
	}

	if name == "" {
		c.diags.Errorf(c.pos(node), "invalid-name", "%s%s must not be empty", pre, label)
		return
	}
	rule := nameRules[defName(schemaPtr)]
	if rule == "" {
		rule = "does not match " + fmt.Sprint(lookupMap(schemaPtr)["pattern"])
	} else if strings.HasPrefix(name, "-") && defName(schemaPtr) == "name" {
		rule = `may contain only letters, digits, "_" and "-", and must not start with "-"`
	}
	c.diags.Errorf(c.pos(node), "invalid-name", "%s%s %q %s", pre, label, name, rule)
}

func scalarValue(n *yaml.Node) (string, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", false
	}
	return n.Value, true
}

// outOfRange reports a number below its minimum or above its maximum.
func (c *checker) outOfRange(instLoc, frag string) {
	path := splitPointer(instLoc)
	loc := locate(c.f.Root, path)
	bound := render(lookupMap(parent(frag))[keyword(frag)])
	word := "at least"
	if keyword(frag) == "maximum" {
		word = "at most"
	}
	c.diags.Errorf(c.pos(loc.node), "invalid-value", "%s must be %s %s, not %s",
		c.subject(path, loc.inList), word, bound, written(loc.value()))
}

// oneKey reports a mapping that must have exactly one of its keys (a
// starter) but has none or several.
func (c *checker) oneKey(instLoc, schemaPtr string, none bool) {
	path := splitPointer(instLoc)
	loc := locate(c.f.Root, path)
	keys := quoteAll(properties(schemaPtr))
	subj := c.owner(path, loc.inList)
	if none {
		c.diags.Errorf(c.pos(loc.node), "missing-key", "%s: needs one of %s", subj, orList(keys))
		return
	}
	and := orList(keys)
	if i := strings.LastIndex(and, " or "); i >= 0 {
		and = and[:i] + " and " + and[i+4:]
	}
	c.diags.Errorf(c.pos(loc.node), "conflicting-keys", "%s: write only one of %s", subj, and)
}

// duplicates reports keys written twice in one mapping. Names written
// twice in dialogs, integrations or variables are left to the loader,
// which reports every name defined twice across the bot's files, and an
// action key written twice in a step to compile, which reports a step with
// more than one action.
func (c *checker) duplicates(dups []duplicate) {
	for _, d := range dups {
		if len(d.path) == 1 && (d.path[0] == "dialogs" || d.path[0] == "integrations" || d.path[0] == "variables") {
			continue
		}
		k := keyString(d.key)
		if len(d.path) == 4 && d.path[0] == "dialogs" && d.path[2] == "steps" && slices.Contains(dialog.Actions, k) {
			continue // compile reports a step with two actions (multiple-actions)
		}
		first := c.pos(d.first)
		if len(d.path) == 0 {
			c.diags.Errorf(c.pos(d.key), "duplicate-key", "top-level key %q is written twice (first at line %d)", k, first.Line)
			continue
		}
		c.diags.Errorf(c.pos(d.key), "duplicate-key", "%s: key %q is written twice (first at line %d)",
			c.owner(d.path, locate(c.f.Root, d.path).inList), k, first.Line)
	}
}
