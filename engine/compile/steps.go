package compile

import (
	"github.com/botctl/botctl/engine/nlu/entity"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/defaults"
	"github.com/botctl/botctl/schema"
)

// declareDialogs creates every dialog and step of the graph, so that
// targets can be resolved whatever order things are written in, and
// reports duplicate step ids and dialogs without steps.
func (c *compiler) declareDialogs() {
	for _, d := range c.tree.Dialogs {
		if !d.Name.IsSet() {
			continue // a key that is not a name: the schema reports it
		}
		name := d.Name.Value
		g := &graph.Dialog{Name: name, Description: d.Description.Value, Interrupt: isTrue(d.Interrupt), Pos: d.Pos()}
		x := &dlg{src: d, g: g, ids: map[string]*stp{}}
		if reserved(name) {
			c.errorf(d.Name.Pos(), "reserved-name", place{kind: dialogPlace, name: name},
				"`%s` is reserved: as a target it %s; give the dialog another name", name, reservedWords(name))
		}
		if c.dialogs[name] == nil {
			c.dialogs[name] = x // load.Merge reports a name defined twice
		}
		c.dialogList = append(c.dialogList, x)
		c.bot.Dialogs = append(c.bot.Dialogs, g)
		for i, s := range d.Steps {
			st := c.addStep(x, s, i)
			id := s.ID.Value
			if !s.ID.IsSet() || id == "" {
				continue
			}
			if reserved(id) {
				c.errorf(s.ID.Pos(), "reserved-name", place{kind: stepPlace, step: st},
					"`%s` is reserved: as a target it %s; give the step another id", id, reservedWords(id))
				continue
			}
			if prev := x.ids[id]; prev != nil {
				c.errorf(s.ID.Pos(), "duplicate-step-id", place{kind: stepPlace, step: st},
					"id `%s` is already used by step %d of this dialog, at %s", id, prev.g.Index+1, prev.src.ID.Pos())
				continue
			}
			x.ids[id] = st
			st.g.ID = id
		}
		if len(d.Steps) == 0 {
			if emptySteps(d) {
				c.errorf(d.Pos(), "empty-dialog", place{kind: dialogPlace, name: name},
					"the dialog has no steps; give it at least one under `steps:`")
			}
			// Keep the graph's promise of at least one step per dialog.
			c.addStep(x, &dialog.Step{File: d.Name.File}, 0).g.Pos = d.Pos()
		}
	}
}

func reserved(name string) bool { return name == "end" || name == "close" }

func reservedWords(name string) string {
	if name == "end" {
		return "ends the dialog"
	}
	return "closes the conversation"
}

func (c *compiler) addStep(x *dlg, s *dialog.Step, i int) *stp {
	g := &graph.Step{Dialog: x.g, Index: i, Pos: s.Pos()}
	st := &stp{src: s, g: g, d: x, n: len(c.steps)}
	x.steps = append(x.steps, st)
	x.g.Steps = append(x.g.Steps, g)
	c.steps = append(c.steps, st)
	c.byGraph[g] = st
	return st
}

// emptySteps reports whether a dialog without decoded steps has no `steps:`
// at all or an empty list (rather than a value of the wrong shape, which
// the schema reports).
func emptySteps(d *dialog.Dialog) bool {
	f := d.Name.File
	if f == nil || f.Root == nil || d.Name.Node == nil {
		return true
	}
	dialogs := valueNode(f.Root, "dialogs")
	if dialogs == nil || dialogs.Kind != yaml.MappingNode {
		return true
	}
	for i := 0; i+1 < len(dialogs.Content); i += 2 {
		if dialogs.Content[i] != d.Name.Node {
			continue
		}
		body := resolve(dialogs.Content[i+1])
		if body == nil || body.Kind != yaml.MappingNode {
			return body == nil || body.Tag == "!!null"
		}
		steps := resolve(valueNode(body, "steps"))
		return steps == nil || steps.Tag == "!!null" || (steps.Kind == yaml.SequenceNode && len(steps.Content) == 0)
	}
	return true
}

// valueNode returns the value of key in mapping n, or nil.
func valueNode(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode && depth < 100; depth++ {
		n = n.Alias
	}
	return n
}

func isTrue(s dialog.Scalar) bool {
	return s.Node != nil && s.Node.Tag == "!!bool" && s.Value == "true"
}

var stepKinds = map[string]graph.StepKind{
	dialog.ActSay: graph.StepSay, dialog.ActAsk: graph.StepAsk, dialog.ActSet: graph.StepSet,
	dialog.ActBranch: graph.StepBranch, dialog.ActCall: graph.StepCall, dialog.ActGenerate: graph.StepGenerate, dialog.ActTransfer: graph.StepTransfer,
	dialog.ActGoto: graph.StepGoto, dialog.ActEnd: graph.StepEnd, dialog.ActClose: graph.StepClose,
	dialog.ActSchedule: graph.StepSchedule,
}

// keyOwners lists, for step keys that belong to some actions only, the
// actions they belong to.
var keyOwners = map[string][]string{
	"buttons":      {dialog.ActSay, dialog.ActAsk},
	"save":         {dialog.ActAsk, dialog.ActGenerate},
	"extract":      {dialog.ActAsk},
	"llm":          {dialog.ActAsk, dialog.ActGenerate},
	"knowledge":    {dialog.ActGenerate},
	"max_length":   {dialog.ActGenerate},
	"sensitive":    {dialog.ActAsk},
	"type":         {dialog.ActAsk},
	"pattern":      {dialog.ActAsk},
	"choices":      {dialog.ActAsk},
	"entity":       {dialog.ActAsk},
	"validate":     {dialog.ActAsk, dialog.ActGenerate},
	"retry":        {dialog.ActAsk},
	"max_attempts": {dialog.ActAsk},
	"on_fail":      {dialog.ActAsk},
	"accept":       {dialog.ActAsk},
	"max_size":     {dialog.ActAsk},
	"uploading":    {dialog.ActAsk},
	"success":      {dialog.ActAsk},
	"failure":      {dialog.ActAsk},
	"invalid":      {dialog.ActAsk},
	"rules":        {dialog.ActAsk, dialog.ActCall},
	"on_failure":   {dialog.ActCall, dialog.ActTransfer, dialog.ActGenerate},
}

// fileKeys are the keys of a file question.
var fileKeys = []string{"accept", "max_size", "uploading", "success", "failure", "invalid"}

// knownKeys are every key a step, rule or transfer may have, as the JSON
// Schema lists them.
var knownKeys = func() map[string]bool {
	keys := map[string]bool{}
	for _, def := range []string{"step", "rule", "transfer"} {
		for _, k := range schema.Properties(def) {
			keys[k] = true
		}
	}
	return keys
}()

// misspelt reports whether mapping n has an unknown key that looks like a
// typo of key. The schema reports that key with a suggestion, so a "missing
// key" error would only say the same thing twice.
func misspelt(n *yaml.Node, key string) bool {
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if !knownKeys[k] && diag.Suggest(k, []string{key}) == key {
			return true
		}
	}
	return false
}

// compileSteps compiles every step: its action, texts, expressions and
// targets, and records the edges of the step graph.
func (c *compiler) compileSteps() {
	for _, st := range c.steps {
		c.compileStep(st)
		c.edges(st)
	}
}

func (c *compiler) compileStep(st *stp) {
	s, g := st.src, st.g
	pl := place{kind: stepPlace, step: st}
	g.Kind = graph.StepEnd
	if i := g.Index + 1; i < len(st.d.steps) {
		g.Next = graph.Target{Kind: graph.ToStep, Step: st.d.steps[i].g}
	} else {
		g.Next = graph.Target{Kind: graph.ToEnd}
	}
	if s.Node == nil {
		return // a placeholder for a dialog without steps
	}
	switch len(s.Actions) {
	case 0:
		if s.Node.Kind == yaml.MappingNode { // other shapes are the schema's
			c.errorf(s.Pos(), "missing-action", pl,
				"a step needs an action: one of say, ask, set, branch, call, generate, transfer, goto, schedule, end or close")
		}
		st.loose = true
		return
	case 1:
		c.checkKeys(st, pl)
	default:
		names := make([]string, len(s.Actions))
		for i, a := range s.Actions {
			names[i] = a.Value
		}
		c.errorf(s.Actions[1].Pos(), "multiple-actions", pl,
			"a step does one thing, but this one has %d actions (%s); split it into one step per action",
			len(names), quoteList(names))
	}
	g.Kind = stepKinds[s.Action]
	if d, ok := c.duration(s.Delay, "delay", pl, false); ok {
		g.Delay = d
	}
	if t, ok := c.target(st, s.Next, "next", pl); ok {
		g.Next = t
	}
	sc := scope{pl: pl}
	switch g.Kind {
	case graph.StepSay:
		for _, t := range s.Say {
			if tpl := c.template(t, "say", sc); tpl != nil {
				g.Say = append(g.Say, tpl)
			}
		}
		g.Buttons = c.templates(s.Buttons, "buttons", sc)
	case graph.StepAsk:
		c.compileAsk(st, pl)
	case graph.StepSet:
		g.Set = c.assigns(s.Set, "set", sc)
	case graph.StepBranch:
		g.Branch = c.rules(st, s.Branch, "branch", sc, false)
	case graph.StepCall:
		c.compileCall(st, pl)
	case graph.StepGenerate:
		c.compileGenerate(st, pl)
	case graph.StepTransfer:
		c.compileTransfer(st, pl)
	case graph.StepGoto:
		if t, ok := c.target(st, s.Goto, "goto", pl); ok {
			g.Goto = t
		} else {
			g.Goto = graph.Target{Kind: graph.ToEnd}
		}
	case graph.StepSchedule:
		c.compileSchedule(st, pl)
	}
}

// compileSchedule compiles `schedule: {after, dialog}`.
func (c *compiler) compileSchedule(st *stp, pl place) {
	sc := st.src.Schedule
	if sc == nil {
		return // not a mapping: the schema reports it
	}
	g := &graph.Schedule{}
	if d, ok := c.timerDuration(sc.After, "after", pl); ok {
		g.After = d
	}
	if sc.Dialog.IsSet() && sc.Dialog.Value != "" {
		d := c.dialogs[sc.Dialog.Value]
		if d == nil {
			c.errorf(sc.Dialog.Pos(), "unknown-dialog", pl,
				"`schedule` names dialog `%s`, which does not exist", sc.Dialog.Value).
				Suggestion = diag.DidYouMean(sc.Dialog.Value, c.dialogNames())
		} else {
			d.root = true
			g.Dialog = d.g
		}
	}
	st.g.Schedule = g
}

// checkKeys reports keys that do not belong to the step's action.
func (c *compiler) checkKeys(st *stp, pl place) {
	n := st.src.Node
	if n.Kind != yaml.MappingNode {
		return
	}
	action := st.src.Action
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		owners, ok := keyOwners[k.Value]
		if !ok || contains(owners, action) {
			continue
		}
		c.errorf(dialog.NodePos(st.src.File, k), "misplaced-key", pl,
			"`%s` belongs to %s steps, and this is a `%s` step", k.Value, ownerWords(owners), action)
	}
}

func ownerWords(owners []string) string {
	q := make([]string, len(owners))
	for i, o := range owners {
		q[i] = "`" + o + "`"
	}
	if len(q) < 3 {
		return strings.Join(q, " and ")
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *compiler) templates(list []dialog.Scalar, key string, sc scope) []*cond.Template {
	var out []*cond.Template
	for _, s := range list {
		if t := c.template(s, key, sc); t != nil {
			out = append(out, t)
		}
	}
	return out
}

// assigns compiles `var: expr` pairs of set, pre and post.
func (c *compiler) assigns(kvs []dialog.KV, key string, sc scope) []graph.Assign {
	var out []graph.Assign
	for _, kv := range kvs {
		name := kv.Key.Value
		declared := c.assignTo(kv.Key, key, sc.pl)
		e := c.expr(kv.Value, key+"."+name, sc, false)
		if declared && e != nil {
			out = append(out, graph.Assign{Var: name, Expr: e})
		}
	}
	return out
}

// rules compiles the rules of an ask or call, or the branches of a branch.
func (c *compiler) rules(st *stp, rules []*dialog.Rule, key string, sc scope, onCall bool) []graph.Rule {
	var out []graph.Rule
	sawElse := false
	for i, r := range rules {
		if sawElse {
			c.warnf(r.Pos(), "unreachable-rule", sc.pl,
				"%s rule %d comes after an `else` and never applies", "`"+key+"`", i+1)
			sawElse = false // once is enough
		}
		gr := graph.Rule{Pos: r.Pos()}
		targetKey := "goto"
		switch {
		case r.Else:
			gr.Kind = graph.WhenElse
			targetKey = "else"
			sawElse = true
		case !r.When.IsSet():
			if r.Goto.IsSet() { // no goto either: the schema reports it
				c.errorf(r.Pos(), "missing-when", sc.pl,
					"%s rule %d has `goto` but no `when`: add a condition, or write `else:` for the rule that applies otherwise",
					"`"+key+"`", i+1)
			}
			continue
		case isString(r.When) && (r.When.Value == "success" || r.When.Value == "failure"):
			if !onCall {
				c.errorf(r.When.Pos(), "invalid-when", sc.pl,
					"`when: %s` only applies to the rules of a `call` step; write a condition here", r.When.Value)
				continue
			}
			gr.Kind = graph.WhenSuccess
			if r.When.Value == "failure" {
				gr.Kind = graph.WhenFailure
			}
		default:
			gr.Kind = graph.WhenExpr
			gr.When = c.expr(r.When, "when", sc, true)
		}
		if t, ok := c.target(st, r.Goto, targetKey, sc.pl); ok {
			gr.Target = t
		}
		out = append(out, gr)
	}
	return out
}

// compileAsk compiles a question.
func (c *compiler) compileAsk(st *stp, pl place) {
	s := st.src
	n := s.Node
	a := &graph.Ask{MaxAttempts: DefaultMaxAttempts}
	st.g.Ask = a
	sc := scope{pl: pl}
	a.Text = c.template(s.Ask, "ask", sc)

	if keyNode(n, "save") == nil && !misspelt(n, "save") {
		c.errorf(s.Actions[0].Pos(), "missing-save", pl, "`ask` needs `save`").
			Suggestion = "add `save:` with the declared variable that receives the answer"
	} else if isString(s.Save) && c.assignTo(s.Save, "save", pl) {
		a.Save = s.Save.Value
	}
	if s.Extract.IsSet() && s.Extract.Value == "llm" {
		a.Extract = c.model(st, pl, "`extract: llm`")
		if isTrue(s.Sensitive) {
			c.errorf(s.Extract.Pos(), "sensitive-extract", pl,
				"a sensitive answer is never sent to a language model; drop `extract: llm` or `sensitive: true`")
		}
	}
	if a.Sensitive = isTrue(s.Sensitive); a.Sensitive && a.Save != "" {
		c.sensitive[a.Save] = true
	}

	if isString(s.Type) {
		if t, ok := graph.ParseAnswerType(s.Type.Value); ok {
			a.Type = t // an unknown type is the schema's to report
		}
	}
	fromEntity := s.Entity.IsSet() && s.Entity.Value != ""
	if fromEntity {
		c.entityAsk(a, s, pl)
	}
	switch a.Type {
	case graph.Choice:
		if fromEntity {
			break
		}
		// A misspelt key leaves choices absent: the schema names the typo.
		switch k := resolve(valueNode(n, "choices")); {
		case k == nil && !misspelt(n, "choices"):
			c.errorf(s.Type.Pos(), "missing-choices", pl, "`type: choice` needs `choices`: the labels to pick from")
		case k != nil && k.Kind == yaml.SequenceNode && len(k.Content) == 0:
			c.errorf(s.Type.Pos(), "missing-choices", pl, "`type: choice` needs at least one of `choices`")
		}
	case graph.RegexAnswer:
		if keyNode(n, "pattern") == nil && !misspelt(n, "pattern") {
			c.errorf(s.Type.Pos(), "missing-pattern", pl,
				"`type: regex` needs `pattern`: the regular expression an answer must match")
		}
	}
	ignored := func(key, typ string) {
		if k := keyNode(n, key); k != nil {
			c.warnf(dialog.NodePos(s.File, k), "ignored-key", pl,
				"`%s` is only used by questions of `type: %s`, and this one has type %s", key, typ, a.Type)
		}
	}
	if a.Type == graph.RegexAnswer {
		a.Pattern = c.regex(s.Pattern, "pattern", pl)
	} else {
		ignored("pattern", "regex")
	}
	if a.Type == graph.Choice && fromEntity {
		if k := keyNode(n, "buttons"); k != nil {
			c.warnf(dialog.NodePos(s.File, k), "ignored-key", pl,
				"`buttons` is not used by a question with `entity`: the entity's values are shown as buttons")
		}
	} else if a.Type == graph.Choice {
		c.choices(a, s.Choices, sc)
		if k := keyNode(n, "buttons"); k != nil {
			c.warnf(dialog.NodePos(s.File, k), "ignored-key", pl,
				"`buttons` is not used by a choice question: its `choices` are shown as buttons")
		}
	} else {
		ignored("choices", "choice")
	}
	if a.Type == graph.File {
		c.fileAsk(a, s, pl)
	} else {
		for _, k := range fileKeys {
			ignored(k, "file")
		}
	}

	answer := scope{pl: pl, answer: true}
	a.Validate = c.expr(s.Validate, "validate", answer, true)
	a.Retry = c.template(s.Retry, "retry", sc)
	if m, ok := positiveInt(s.MaxAttempts); ok {
		a.MaxAttempts = m
	}
	if t, ok := c.target(st, s.OnFail, "on_fail", pl); ok {
		a.OnFail, a.HasOnFail = t, true
	}
	st.g.Buttons = c.templates(s.Buttons, "buttons", sc)
	st.g.Rules = c.rules(st, s.Rules, "rules", answer, false)
}

// entityAsk makes a question's choices the values of a list entity, with
// their synonyms: a question of type choice, which is the default with
// `entity`.
func (c *compiler) entityAsk(a *graph.Ask, s *dialog.Step, pl place) {
	name := s.Entity.Value
	var list *entity.List
	for i := range c.bot.Lists {
		if c.bot.Lists[i].Name == name {
			list = &c.bot.Lists[i]
		}
	}
	if list == nil {
		c.errorf(s.Entity.Pos(), "unknown-entity", pl,
			"`entity` names list entity `%s`, which is not declared under `entities:`", name).
			Suggestion = diag.DidYouMean(name, c.entityNames)
		return
	}
	if s.Type.IsSet() && a.Type != graph.Choice {
		c.errorf(s.Type.Pos(), "entity-type", pl,
			"`entity` gives the choices of a question of type choice, not %s; remove `type: %s`", s.Type.Value, s.Type.Value)
		return
	}
	a.Type = graph.Choice
	if len(s.Choices) > 0 {
		c.errorf(s.Choices[0].Pos(), "entity-and-choices", pl,
			"`entity` and `choices` both give the question's choices; keep one of them")
		return
	}
	a.Entity = name
	for _, v := range list.Values {
		a.Choices = append(a.Choices, v.Value)
		a.Synonyms = append(a.Synonyms, v.Synonyms)
	}
}

func (c *compiler) choices(a *graph.Ask, list []dialog.Scalar, sc scope) {
	templated := false
	var tpls []*cond.Template
	for _, s := range list {
		t := c.template(s, "choices", sc)
		if t == nil {
			continue
		}
		text, plain := t.Plain()
		if !plain {
			templated = true
			text = s.Value
		}
		a.Choices = append(a.Choices, text)
		tpls = append(tpls, t)
	}
	if templated {
		a.ChoiceTemplates = tpls
	}
}

var (
	defaultUploading     = cond.MustTemplate(DefaultUploading)
	defaultUploadSuccess = cond.MustTemplate(DefaultUploadSuccess)
	defaultUploadFailure = cond.MustTemplate(DefaultUploadFailure)
)

// fileAsk compiles the keys of a file question, with their defaults.
func (c *compiler) fileAsk(a *graph.Ask, s *dialog.Step, pl place) {
	sc := scope{pl: pl}
	for _, x := range s.Accept {
		ext := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(x.Value), "."))
		if ext != "" && !contains(a.Accept, ext) {
			a.Accept = append(a.Accept, ext)
		}
	}
	if len(a.Accept) == 0 {
		a.Accept = append([]string(nil), DefaultAccept...)
	}
	a.MaxSize = DefaultMaxSize
	if n, ok := c.size(s.MaxSize, "max_size", pl); ok {
		a.MaxSize = n
	}
	a.Uploading = orDefault(c.template(s.Uploading, "uploading", sc), defaultUploading)
	a.Success = orDefault(c.template(s.Success, "success", sc), defaultUploadSuccess)
	a.Failure = orDefault(c.template(s.Failure, "failure", sc), defaultUploadFailure)
	a.Invalid = c.template(s.Invalid, "invalid", sc)
	if a.Invalid == nil {
		a.Invalid = plainTemplate(defaults.Invalid(a.Accept))
	}
}

func orDefault(t, def *cond.Template) *cond.Template {
	if t == nil {
		return def
	}
	return t
}

// plainTemplate makes a template that prints text as is.
func plainTemplate(text string) *cond.Template {
	return cond.MustTemplate(strings.ReplaceAll(text, "${", "$${"))
}

// compileCall compiles a call step.
func (c *compiler) compileCall(st *stp, pl place) {
	s, g := st.src, st.g
	if s.Call.IsSet() && s.Call.Value != "" {
		if in := c.integs[s.Call.Value]; in != nil {
			in.used = true
			g.Call = in.g
		} else {
			c.errorf(s.Call.Pos(), "unknown-integration", pl,
				"`call` names integration `%s`, which is not defined under `integrations:`", s.Call.Value).
				Suggestion = diag.DidYouMean(s.Call.Value, c.integrationNames())
		}
	}
	g.Rules = c.rules(st, s.Rules, "rules", scope{pl: pl}, true)
	if t, ok := c.target(st, s.OnFailure, "on_failure", pl); ok {
		g.OnFailure, g.HasOnFailure = t, true
	}
}

func (c *compiler) integrationNames() []string {
	names := make([]string, len(c.integList))
	for i, in := range c.integList {
		names[i] = in.g.Name
	}
	return names
}

// compileTransfer compiles a transfer step.
func (c *compiler) compileTransfer(st *stp, pl place) {
	s, g := st.src, st.g
	if t, ok := c.target(st, s.OnFailure, "on_failure", pl); ok {
		g.OnFailure, g.HasOnFailure = t, true
	}
	t := s.Transfer
	if t == nil {
		return // not a mapping: the schema reports it
	}
	sc := scope{pl: pl}
	spec := &graph.TransferSpec{To: t.To.Value, Bot: t.Bot.Value, Context: isTrue(t.Context)}
	g.Transfer = spec
	if t.Message.Value != "" {
		spec.Message = c.template(t.Message, "message", sc)
	}
	spec.Skill = c.template(t.Skill, "skill", sc)
	spec.Agent = c.template(t.Agent, "agent", sc)
	for _, tag := range t.Tags {
		spec.Tags = append(spec.Tags, tag.Value)
	}
	ignored := func(key, to string) {
		if k := keyNode(t.Node, key); k != nil {
			c.warnf(dialog.NodePos(t.File, k), "ignored-key", pl,
				"`%s` is only used by transfers `to: %s`, and this one is `to: %s`", key, to, t.To.Value)
		}
	}
	switch t.To.Value {
	case "bot":
		if keyNode(t.Node, "bot") == nil && !misspelt(t.Node, "bot") {
			c.errorf(t.To.Pos(), "missing-bot", pl, "`to: bot` needs `bot`: the name of the bot that takes over")
		}
		ignored("skill", "agent")
		ignored("agent", "agent")
	case "agent":
		ignored("bot", "bot")
		ignored("context", "bot")
	}
}
