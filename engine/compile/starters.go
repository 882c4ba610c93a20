package compile

import (
	"strings"

	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/graph"
)

// compileInteractions compiles the interaction points. Their expressions
// and templates run before any conversation exists, so they may read only
// params, env and now().
func (c *compiler) compileInteractions() {
	for i, in := range c.tree.Interactions {
		pl := place{kind: interactionPlace, name: in.ID.Value, index: i}
		g := &graph.Interaction{ID: in.ID.Value, Point: in.Point.Value, Pos: in.Pos()}
		c.bot.Interactions = append(c.bot.Interactions, g)
		sc := scope{pl: pl, interaction: true}
		g.Label = c.template(in.Label, "label", sc)
		g.When = c.expr(in.When, "when", sc, true)
		g.Params = c.params(in.Params, "params", sc)
		if !in.Dialog.IsSet() || in.Dialog.Value == "" {
			continue // required: the schema reports it
		}
		d := c.dialogs[in.Dialog.Value]
		if d == nil {
			c.errorf(in.Dialog.Pos(), "unknown-dialog", pl,
				"`dialog` names dialog `%s`, which does not exist", in.Dialog.Value).
				Suggestion = diag.DidYouMean(in.Dialog.Value, c.dialogNames())
			continue
		}
		d.root = true
		g.Dialog = d.g
	}
}

// compileStarters compiles every dialog's starters and indexes them for
// matching (graph.IndexStarters).
func (c *compiler) compileStarters() {
	var all []*graph.Starter
	exact := map[string]*graph.Starter{} // first exact pattern or event per text
	for _, d := range c.dialogList {
		pl := place{kind: dialogPlace, name: d.g.Name}
		for _, s := range d.src.Starters {
			st := c.starter(s, d, pl)
			if st == nil {
				continue
			}
			d.root = true
			d.g.Starters = append(d.g.Starters, st)
			all = append(all, st)
			// The same starter twice: the first one always wins.
			key := st.Kind.String() + "\x00" + st.Norm
			if st.Kind == graph.Regex {
				key = st.Kind.String() + "\x00" + st.Text
			}
			first := exact[key]
			if first == nil {
				exact[key] = st
				continue
			}
			// A later copy can still win while a question waits, if only
			// it interrupts.
			if st.Kind == graph.Event || first.Dialog.Interrupt || !st.Dialog.Interrupt {
				what := "starter"
				if st.Kind == graph.Event {
					what = "event starter"
				}
				c.warnf(st.Pos, "shadowed-starter", pl,
					"%s %q never applies: dialog %s has the same one, at %s, and the first one wins",
					what, s.Text.Value, first.Dialog.Name, first.Pos)
			}
		}
	}
	c.bot.Starters = graph.IndexStarters(all)
}

func (c *compiler) starter(s *dialog.Starter, d *dlg, pl place) *graph.Starter {
	t := s.Text
	if !t.IsSet() {
		return nil
	}
	st := &graph.Starter{Text: t.Value, Dialog: d.g, Pos: t.Pos()}
	switch s.Kind {
	case dialog.Regex:
		if !isString(t) {
			return nil // the schema wants text
		}
		if st.Re = c.regex(t, "regex", pl); st.Re == nil {
			return nil
		}
		st.Kind = graph.Regex
	case dialog.IntentStarter:
		st.Kind = graph.IntentStarter
		if !c.checkIntentStarter(t, pl) {
			d.root = true // the author meant it to start: no unreachable warning on top
			return nil
		}
		st.Norm = t.Value
	case dialog.Event:
		st.Kind = graph.Event
		st.Norm = graph.Normalize(t.Value)
		if st.Norm == "" {
			c.errorf(t.Pos(), "empty-starter", pl, "an event starter needs the event's name, like agent_done")
			return nil
		}
		if strings.Contains(st.Norm, "*") {
			st.Parts = graph.WildcardParts(st.Norm)
		}
	default:
		st.Norm = graph.Normalize(t.Value)
		if st.Norm == "" {
			c.errorf(t.Pos(), "empty-starter", pl, "an empty starter never matches; write the message that starts the dialog")
			return nil
		}
		st.Kind = graph.Exact
		if strings.Contains(st.Norm, "*") {
			st.Kind = graph.Wildcard
			st.Parts = graph.WildcardParts(st.Norm)
		}
	}
	return st
}
