package compile

import (
	"fmt"
	"sort"
	"strings"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/defaults"
)

// lint warns about bots that run but are likely not what their author
// meant: starters that can never win, interactions that are never offered
// or offered twice, failures that fall to the generic message, questions
// whose retry text cannot say what went wrong, and variables that are
// always null where they are read.
func (c *compiler) lint() {
	c.checkShadowedPatterns()
	c.checkInteractions()
	c.checkUnsetVariables()
	c.checkSensitiveDerived()
	for _, st := range c.steps {
		c.checkFailureRoute(st)
		c.checkRetry(st)
	}
}

// checkShadowedPatterns warns about wildcard and regex starters that
// another starter always beats (graph.Starters.Match): a wildcard is
// tried after every wildcard with more literal text and every earlier one
// with as much, so it never applies when one of those matches everything
// it matches; a regex is tried after every wildcard, so a wildcard that
// matches every message ("*") hides it. Exact patterns are tried first and
// are never hidden. Only certain cases are reported: the test
// (globCovers) may miss a shadowing, never invent one.
func (c *compiler) checkShadowedPatterns() {
	s := &c.bot.Starters
	// While a question waits, only interrupt dialogs' starters are tried:
	// a later interrupt starter still wins over an earlier one that does
	// not interrupt.
	beats := func(a, b *graph.Starter) bool { return a.Dialog.Interrupt || !b.Dialog.Interrupt }
	for i, b := range s.Wildcards {
		for _, a := range s.Wildcards[:i] {
			if a.Norm == b.Norm || !beats(a, b) || !globCovers(a.Parts, b.Parts) {
				continue // the same pattern twice is reported as such
			}
			c.shadowed(b, a, "every message it matches also matches")
			break
		}
	}
	var all *graph.Starter
	for _, a := range s.Wildcards {
		if strings.Trim(a.Norm, "*") == "" {
			all = a
			break
		}
	}
	if all == nil {
		return
	}
	for _, b := range s.Regexes {
		if beats(all, b) {
			c.shadowed(b, all, "wildcards are tried before regexes, and every message matches")
		}
	}
}

func (c *compiler) shadowed(b, a *graph.Starter, why string) {
	text := fmt.Sprintf("%q", b.Text)
	if b.Kind == graph.Regex {
		text = "regex " + text
	}
	c.warnf(b.Pos, "shadowed-starter", place{kind: dialogPlace, name: b.Dialog.Name},
		"starter %s never applies: %s starter %q of dialog %s, at %s, which wins",
		text, why, a.Text, a.Dialog.Name, a.Pos).
		Suggestion = "remove it, or make the other starter narrower"
}

// globCovers reports whether the wildcard pattern a (split at its '*'s)
// matches every text the pattern b matches. It reads b as a word whose
// '*'s are letters of their own: a '*' of a may take any run of b's
// letters and stars, a literal letter of a only the same letter of b.
// When a matches b so, every text b matches is matched by a, the run under
// each '*' of a holding what b's stars stood for.
func globCovers(a, b []string) bool {
	pat := strings.Join(a, "*")
	word := []rune(strings.Join(b, "*"))
	// star marks the positions of word that are b's '*'s.
	star := make([]bool, len(word))
	n := 0
	for i, part := range b {
		n += len([]rune(part))
		if i < len(b)-1 {
			star[n] = true
			n++
		}
	}
	p := []rune(pat)
	// match[i][j]: p[i:] matches word[j:].
	memo := map[[2]int]bool{}
	var match func(i, j int) bool
	match = func(i, j int) bool {
		if i == len(p) {
			return j == len(word)
		}
		k := [2]int{i, j}
		if v, ok := memo[k]; ok {
			return v
		}
		var ok bool
		if p[i] == '*' {
			ok = match(i+1, j) || j < len(word) && match(i, j+1)
		} else {
			ok = j < len(word) && !star[j] && word[j] == p[i] && match(i+1, j+1)
		}
		memo[k] = ok
		return ok
	}
	return match(0, 0)
}

// checkInteractions warns about interaction points a host is never
// offered (unlisted-interaction) and about copies of an earlier one
// (duplicate-interaction).
//
// An interaction is never offered when its `when` reads nothing (no
// params, env or now()) and is false, or fails, without any: the host's
// list (GET /v1/interactions) leaves it out whatever the context, and a
// start is refused. An interaction whose point is empty is never listed
// either: a host always asks for a point. Conditions that read the
// context are not evaluated, so a `when` that only a careful reading
// shows to be false (`params.a == "x" && params.a == "y"`) is not caught.
//
// A duplicate has the point, `when`, dialog, label and params of an
// earlier interaction, written alike: the host lists both, the same entry
// twice. Interactions without a label (the host shows their ids, which
// differ), and interactions that differ in any of these, even only in how
// they are written (`a && b` and `b && a`), are not reported.
func (c *compiler) checkInteractions() {
	type sig struct{ point, when, dialog, label, params string }
	first := map[sig]*graph.Interaction{}
	for i, g := range c.bot.Interactions {
		src := c.tree.Interactions[i]
		pl := place{kind: interactionPlace, name: g.ID, index: i}
		if g.When != nil && len(g.When.Refs()) == 0 {
			if ok, err := g.When.Bool(nil); err != nil || !ok {
				why := "is always false"
				if err != nil {
					why = "always fails: " + err.Error()
				}
				c.warnf(src.When.Pos(), "unlisted-interaction", pl,
					"the interaction is never offered: its `when` (%s) reads nothing from the host's context and %s",
					g.When.Source, why).
					Suggestion = "write a condition on `params`, or remove the interaction"
				continue
			}
		}
		if src.Point.IsSet() && isString(src.Point) && g.Point == "" {
			c.warnf(src.Point.Pos(), "unlisted-interaction", pl,
				"the interaction is never listed: its `point` is empty, and a host always asks for a point").
				Suggestion = "write the point the host offers it at, such as \"record:*\""
			continue
		}
		if g.Dialog == nil || g.Label == nil {
			// An unknown dialog is reported; without a label the host
			// shows the ids, which differ.
			continue
		}
		k := sig{point: g.Point, dialog: g.Dialog.Name, label: g.Label.Source}
		if g.When != nil {
			k.when = g.When.Source
		}
		var b strings.Builder
		params := append([]graph.Param(nil), g.Params...)
		sort.Slice(params, func(i, j int) bool { return params[i].Name < params[j].Name })
		for _, p := range params {
			fmt.Fprintf(&b, "%q=%q;", p.Name, p.Value.Source)
		}
		k.params = b.String()
		if a := first[k]; a != nil {
			c.warnf(g.Pos, "duplicate-interaction", pl,
				"the interaction offers the same as interaction %s, at %s: the same point, `when`, dialog, label and params, so a host lists the same entry twice",
				a.ID, a.Pos).
				Suggestion = "remove one of them, or make them differ"
			continue
		}
		first[k] = g
	}
}

// checkFailureRoute warns about a call or transfer whose failure nothing
// routes (graph.EdgeFailed): the customer gets the bot-wide message and the
// dialog ends, however far the conversation had got.
func (c *compiler) checkFailureRoute(st *stp) {
	g := st.g
	failed := false
	for _, e := range g.Edges() {
		failed = failed || e.Kind == graph.EdgeFailed
	}
	if !failed {
		return
	}
	pl := place{kind: stepPlace, step: st}
	if g.Kind == graph.StepTransfer {
		c.warnf(g.Pos, "unrouted-failure", pl,
			"when the transfer cannot be requested, the bot sends transfer_failed_message and ends the dialog").
			Suggestion = "add `on_failure: STEP` to offer something else, such as a call back"
		return
	}
	c.warnf(g.Pos, "unrouted-failure", pl,
		"when the call fails, the bot sends error_message and ends the dialog").
		Suggestion = "add `on_failure: STEP` or a rule `{when: failure, goto: STEP}` that tells the customer what to do"
}

// checkRetry warns about a question that can turn down answers (every type
// but text and file, or a validate condition) but has no `retry`: the
// customer then gets the type's generic text, which cannot say what this
// question wants, nor why a well-formed answer failed validate.
func (c *compiler) checkRetry(st *stp) {
	a := st.g.Ask
	if a == nil || st.g.Kind != graph.StepAsk || a.Retry != nil || a.Type == graph.File || !a.CanReject() {
		return
	}
	dflt := defaults.Retry[a.Type]
	if a.Type == graph.Choice {
		dflt = defaults.ChoiceRetry(a.Choices)
	}
	what := "a " + a.Type.String() + " question"
	if a.Type == graph.Text {
		what = "a question with `validate`"
	}
	c.warnf(st.g.Pos, "missing-retry", place{kind: stepPlace, step: st},
		"%s without `retry` answers a rejected answer with the generic %q", what, dflt).
		Suggestion = "add `retry:` saying what the question wants, with an example"
}

// checkUnsetVariables warns about reads of a variable declared null that
// nothing in the bot writes: no `save`, `set`, `pre` or `post` names it,
// so the read always sees null, most likely for want of a `save`. Only
// this certain case is reported. A variable written anywhere is not, even
// on another path or in another dialog: a conversation keeps its variables
// from dialog to dialog and may run a dialog again. Reads whose expression
// allows for null (guarded) are not reported either. One warning a place
// (a step, an integration) is enough: at its first read.
func (c *compiler) checkUnsetVariables() {
	type key struct {
		pl   place
		name string
	}
	first := map[key]diag.Pos{}
	var order []key
	for _, r := range c.nullReads {
		if r.guarded || c.varWritten[r.name] {
			continue
		}
		k := key{r.pl, r.name}
		pos := r.s.PosAt(r.off)
		p, seen := first[k]
		if !seen {
			order = append(order, k)
		}
		if !seen || pos.Before(p) {
			first[k] = pos
		}
	}
	for _, k := range order {
		c.warnf(first[k], "unset-variable", k.pl,
			"`vars.%s` is declared null and nothing in the bot sets it, so it is always null here", k.name).
			Suggestion = "save an answer into it (`save: " + k.name + "`), set it, or give it an initial value; " +
			"a bot that receives conversations with `transfer: {to: bot, context: true}` gets it from the sending bot, which validate cannot see"
	}
}

// checkSensitiveDerived warns about a variable that is not sensitive but
// set from one that is (`set: {last4: ...vars.card...}`): only sensitive
// variables are masked and sealed, so the derived value is shown and
// stored as it is.
func (c *compiler) checkSensitiveDerived() {
	if len(c.bot.Sensitive) == 0 {
		return
	}
	sensitive := map[string]bool{}
	for _, v := range c.bot.Sensitive {
		sensitive[v] = true
	}
	check := func(as []graph.Assign, pos diag.Pos, pl place) {
		for _, a := range as {
			if sensitive[a.Var] || a.Expr == nil {
				continue
			}
			for _, r := range a.Expr.Refs() {
				if r.Root == cond.RootVars && sensitive[r.Name] {
					c.warnf(pos, "sensitive-derived", pl,
						"`vars.%s` is set from the sensitive `vars.%s`, but is not sensitive itself: it is shown and stored as it is", a.Var, r.Name).
						Suggestion = fmt.Sprintf("declare it `%s: {default: \"\", sensitive: true}` if it is sensitive too", a.Var)
					break
				}
			}
		}
	}
	for _, st := range c.steps {
		check(st.g.Set, st.g.Pos, place{kind: stepPlace, step: st})
	}
	for _, in := range c.bot.Integrations {
		pl := place{kind: integrationPlace, name: in.Name}
		check(in.Pre, in.Pos, pl)
		check(in.Post, in.Pos, pl)
	}
}
