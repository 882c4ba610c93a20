package compile

import (
	"strconv"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/nlu"
	"github.com/botctl/botctl/engine/nlu/entity"
)

// MinExamples is the number of examples below which an intent gets a
// warning: with fewer, a classifier learns the examples' words rather than
// what they mean.
const MinExamples = 5

// DefaultMargin is nlu.disambiguate's default margin: the two best intents
// are close when their confidences differ by less than this.
const DefaultMargin = 0.1

// DefaultDisambiguateText is the disambiguation question's default text.
const DefaultDisambiguateText = "Which one did you mean?"

// builtinEntities are the entity types package entity finds in any
// message; a list entity may not take their names, nor "all", which is
// entities.all.
var builtinEntities = []string{"number", "ordinal", "amount", "date", "time", "email", "phone"}

// train is the one place a bot's model is trained.
var train = nlu.TrainCached

// intentSrc is a declared intent and whether a starter uses it.
type intentSrc struct {
	src  *dialog.Intent
	g    *graph.Intent
	used bool
}

// compileNLU declares the intents and list entities, checks their
// examples and trains the classifier.
func (c *compiler) compileNLU() {
	c.compileEntities()
	c.declareIntents()
	if len(c.intentList) == 0 {
		if n := c.tree.NLU; n != nil {
			c.diags.Warnf(n.Pos(), "nlu-without-intents",
				"`nlu:` has no effect: the bot declares no `intents:`")
		}
		return
	}
	opt := nlu.Options{Threshold: nlu.Auto}
	if n := c.tree.NLU; n != nil {
		opt.Threshold = c.threshold(n.Threshold)
		for _, s := range n.OutOfScope {
			opt.OutOfScope = append(opt.OutOfScope, s.Value)
		}
		c.checkOutOfScope(n.OutOfScope)
		c.disambiguation(n)
	}
	var intents []nlu.Intent
	for _, in := range c.intentList {
		var ex []string
		for _, e := range in.src.Examples {
			ex = append(ex, e.Value)
		}
		if len(ex) == 0 {
			return // reported by declareIntents
		}
		intents = append(intents, nlu.Intent{Name: in.g.Name, Examples: ex})
	}
	c.bot.Training = nlu.Training{Intents: intents, Options: opt}
	m, err := train(intents, opt)
	if err != nil {
		c.diags.Errorf(c.intentList[0].src.Pos(), "nlu-training", "the intents could not be learned: %v", err)
		return
	}
	c.bot.NLU = m
}

// declareIntents records the intents and checks their examples: enough of
// them, and none shared with another intent.
func (c *compiler) declareIntents() {
	type first struct {
		intent string
		pos    diag.Pos
	}
	examples := map[string]first{}
	for _, in := range c.tree.Intents {
		if !in.Name.IsSet() || in.Name.Value == "" {
			continue
		}
		name := in.Name.Value
		g := &graph.Intent{Name: name, Label: name, Pos: in.Pos()}
		if in.Label.IsSet() && in.Label.Value != "" {
			g.Label = in.Label.Value
		}
		src := &intentSrc{src: in, g: g}
		c.intents[name] = src
		c.intentList = append(c.intentList, src)
		c.intentNames = append(c.intentNames, name)
		c.bot.Intents = append(c.bot.Intents, g)
		pl := place{kind: intentPlace, name: name}
		switch n := len(in.Examples); {
		case n == 0:
			c.errorf(in.Pos(), "intent-without-examples", pl,
				"an intent needs `examples`: sentences a user may write with it")
		case n < MinExamples:
			c.warnf(in.Pos(), "few-examples", pl,
				"only %d example%s; give at least %d varied sentences, so that messages worded differently are recognised",
				n, plural(n), MinExamples)
		}
		for _, e := range in.Examples {
			norm := graph.Normalize(e.Value)
			prev, ok := examples[norm]
			if !ok {
				examples[norm] = first{name, e.Pos()}
				continue
			}
			if prev.intent == name {
				c.warnf(e.Pos(), "duplicate-example", pl, "example %q is already given at %s", e.Value, prev.pos)
				continue
			}
			c.warnf(e.Pos(), "ambiguous-example", pl,
				"example %q is also an example of intent %s, at %s: the classifier cannot tell them apart by it; keep it in one of them",
				e.Value, prev.intent, prev.pos)
		}
	}
}

// checkOutOfScope warns about an out-of-scope example that is also an
// intent's example.
func (c *compiler) checkOutOfScope(list []dialog.Scalar) {
	for _, s := range list {
		norm := graph.Normalize(s.Value)
		for _, in := range c.intentList {
			for _, e := range in.src.Examples {
				if graph.Normalize(e.Value) == norm {
					c.diags.Warnf(s.Pos(), "ambiguous-example",
						"nlu: out_of_scope example %q is also an example of intent %s, at %s; keep it in one place",
						s.Value, in.g.Name, e.Pos())
				}
			}
		}
	}
}

// threshold reads nlu.threshold: auto (the default) or a number in [0, 1].
// A value of the wrong type or range is the schema's to report.
func (c *compiler) threshold(s dialog.Scalar) float64 {
	if !s.IsSet() || isNull(s) || s.Value == "auto" {
		return nlu.Auto
	}
	f, err := strconv.ParseFloat(s.Value, 64)
	if err != nil || isString(s) || f < 0 || f > 1 {
		return nlu.Auto
	}
	return f
}

// disambiguation compiles nlu.disambiguate.
func (c *compiler) disambiguation(n *dialog.NLU) {
	if n.Disambiguate.Value != "true" {
		return
	}
	pl := place{kind: nluPlace}
	d := &graph.Disambiguation{Margin: DefaultMargin, Text: defaultDisambiguate}
	if n.DisambiguateText.IsSet() {
		if t := c.template(n.DisambiguateText, "disambiguate.text", scope{pl: pl}); t != nil {
			d.Text = t
		}
	}
	if n.Margin.IsSet() {
		if f, err := strconv.ParseFloat(n.Margin.Value, 64); err == nil && !isString(n.Margin) && f >= 0 && f <= 1 {
			d.Margin = f
		}
	}
	c.bot.Disambiguate = d
}

var defaultDisambiguate = cond.MustTemplate(DefaultDisambiguateText)

// compileEntities compiles the list entities and makes the extractor.
func (c *compiler) compileEntities() {
	for _, e := range c.tree.Entities {
		if !e.Name.IsSet() || e.Name.Value == "" {
			continue
		}
		name := e.Name.Value
		pl := place{kind: entityPlace, name: name}
		if name == "all" || contains(builtinEntities, name) {
			c.errorf(e.Pos(), "reserved-entity", pl,
				"`%s` is reserved (entities.%s is %s); give the list another name", name, name, reservedWhy(name))
			continue
		}
		l := entity.List{Name: name}
		for _, v := range e.Values {
			lv := entity.ListValue{Value: v.Value.Value}
			for _, syn := range v.Synonyms {
				lv.Synonyms = append(lv.Synonyms, syn.Value)
			}
			l.Values = append(l.Values, lv)
		}
		if len(l.Values) == 0 {
			c.errorf(e.Pos(), "entity-without-values", pl, "a list entity needs `values`: each value, with its synonyms")
			continue
		}
		c.bot.Lists = append(c.bot.Lists, l)
		c.entityNames = append(c.entityNames, name)
	}
	c.bot.Entities = entity.New(c.bot.Lists)
}

func reservedWhy(name string) string {
	if name == "all" {
		return "the list of every entity of the message"
	}
	return "a built-in entity"
}

// entityTypes are the names entities.NAME may read.
func (c *compiler) entityTypes() []string {
	return append(append([]string{"all"}, builtinEntities...), c.entityNames...)
}

// checkIntentStarter resolves an intent starter's name.
func (c *compiler) checkIntentStarter(s dialog.Scalar, pl place) bool {
	in := c.intents[s.Value]
	if in == nil {
		d := c.errorf(s.Pos(), "unknown-intent", pl, "starter names intent `%s`, which is not declared under `intents:`", s.Value)
		d.Suggestion = diag.DidYouMean(s.Value, c.intentNames)
		return false
	}
	in.used = true
	return true
}

// checkUnusedIntents warns about intents that no starter uses: the
// classifier may still predict them, and the message then goes to the
// fallback.
func (c *compiler) checkUnusedIntents() {
	for _, in := range c.intentList {
		if !in.used {
			c.diags.Warnf(in.g.Pos, "unused-intent",
				"intent `%s` starts no dialog: add `- intent: %s` to a dialog's starters, or remove it (a message recognised as it goes to the fallback)",
				in.g.Name, in.g.Name)
		}
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
