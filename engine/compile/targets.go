package compile

import (
	"strings"

	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/graph"
)

// target resolves a target written in s (the value of key). ok is false
// when nothing is written or the target does not resolve (reported).
func (c *compiler) target(st *stp, s dialog.Scalar, key string, pl place) (graph.Target, bool) {
	if !isString(s) || s.Value == "" {
		return graph.Target{}, false // unset, or not text: the schema reports it
	}
	name := s.Value
	switch name {
	case "end":
		return graph.Target{Kind: graph.ToEnd}, true
	case "close":
		return graph.Target{Kind: graph.ToClose}, true
	}
	if dn, id, dotted := strings.Cut(name, "."); dotted {
		d := c.dialogs[dn]
		if d == nil {
			c.errorf(s.Pos(), "unknown-target", pl, "`%s` names `%s`, but there is no dialog `%s`", key, name, dn).
				Suggestion = diag.DidYouMean(name, c.dottedNames())
			c.unresolved = true
			return graph.Target{}, false
		}
		t := d.ids[id]
		if t == nil {
			var ids []string
			for _, x := range d.steps {
				if x.g.ID != "" {
					ids = append(ids, dn+"."+x.g.ID)
				}
			}
			c.errorf(s.Pos(), "unknown-target", pl, "`%s` names `%s`, but dialog %s has no step `%s`", key, name, dn, id).
				Suggestion = diag.DidYouMean(name, ids)
			c.unresolved = true
			return graph.Target{}, false
		}
		return graph.Target{Kind: graph.ToStep, Step: t.g}, true
	}
	local, other := st.d.ids[name], c.dialogs[name]
	switch {
	case local != nil && other != nil:
		c.errorf(s.Pos(), "ambiguous-target", pl,
			"`%s: %s` could be step `%s` of this dialog or dialog %s; write `%s.%s` for the step, or rename one of them",
			key, name, name, name, st.d.g.Name, name)
		c.unresolved = true
		return graph.Target{}, false
	case local != nil:
		return graph.Target{Kind: graph.ToStep, Step: local.g}, true
	case other != nil:
		return graph.Target{Kind: graph.ToStep, Step: other.steps[0].g}, true
	}
	var cands []string
	for _, x := range st.d.steps {
		if x.g.ID != "" {
			cands = append(cands, x.g.ID)
		}
	}
	cands = append(cands, c.dialogNames()...)
	cands = append(cands, c.dottedNames()...)
	c.errorf(s.Pos(), "unknown-target", pl,
		"`%s` names `%s`, which is no step of dialog %s and no dialog", key, name, st.d.g.Name).
		Suggestion = diag.DidYouMean(name, cands)
	c.unresolved = true
	return graph.Target{}, false
}

// dottedNames lists every dialog.step_id, for suggestions.
func (c *compiler) dottedNames() []string {
	if c.dotted == nil {
		c.dotted = []string{}
		for _, d := range c.dialogList {
			for _, st := range d.steps {
				if st.g.ID != "" {
					c.dotted = append(c.dotted, d.g.Name+"."+st.g.ID)
				}
			}
		}
	}
	return c.dotted
}

// edges records where control can go from a step, for the reachability
// and cycle passes. `next` is not taken when the rules always decide (an
// else rule, or both success and failure, on_failure counting as failure),
// nor after a requested transfer, which ends the dialog: the agent or the
// other bot answers from then on. Only on_failure continues it.
func (c *compiler) edges(st *stp) {
	g := st.g
	always, success, failure := false, false, g.Kind == graph.StepCall && g.HasOnFailure
	for _, e := range g.Edges() {
		if e.Kind.Implicit() {
			// The defaults end the dialog; a loop they alone leave
			// still loops whenever things go right.
			continue
		}
		if r := e.Rule; r != nil {
			switch r.Kind {
			case graph.WhenElse:
				always = true
			case graph.WhenSuccess:
				success = true
			case graph.WhenFailure:
				failure = true
			}
		}
		if e.Kind == graph.EdgeNext && (always || success && failure || g.Kind == graph.StepTransfer) {
			continue
		}
		if t := e.Target; t.Kind == graph.ToStep && t.Step != nil {
			if to := c.byGraph[t.Step]; to != nil {
				st.out = append(st.out, to)
			}
			continue
		}
		st.leaves = true
	}
	if g.Kind == graph.StepTransfer {
		st.leaves = true
		if g.Transfer == nil {
			st.loose = true // a shape the schema rejects
		}
	}
}

// markInterruptible sets Ask.Interruptible on every question when a dialog
// with `interrupt: true` has a starter a message can match: while any
// question waits, that starter takes over (graph.EdgeInterrupted).
func (c *compiler) markInterruptible() {
	found := false
	for _, d := range c.dialogList {
		for _, st := range d.g.Starters {
			found = found || d.g.Interrupt && st.Kind != graph.Event
		}
	}
	if !found {
		return
	}
	for _, st := range c.steps {
		if a := st.g.Ask; a != nil {
			a.Interruptible = true
		}
	}
}
