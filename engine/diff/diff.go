package diff

import (
	"slices"
	"strconv"
	"strings"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/graph"
)

// Report is what Compare found between two versions of a bot. Its JSON
// form (see JSON) is stable: every field is always present, and an empty
// list is [] rather than null.
type Report struct {
	Old Version `json:"old"`
	New Version `json:"new"`

	// Changes lists the differences, dialog by dialog in the old version's
	// order (then the dialogs only the new version has); within a dialog the
	// removed steps come first, in the old order, then the others in the new
	// order. A step both moved and changed has two entries.
	Changes []Change `json:"changes"`

	// Unmigratable lists the steps of the old version where a conversation
	// can wait between turns (see Waits) and which Migratable refuses to
	// carry to the new version, in the old version's order. Conversations
	// waiting there finish on the old version.
	Unmigratable []Waiting `json:"unmigratable"`
}

// Compatible reports whether a migration carries every conversation
// waiting in the old version: whether Unmigratable is empty.
func (r Report) Compatible() bool { return len(r.Unmigratable) == 0 }

// Version names one of the two bots compared.
type Version struct {
	Bot     string `json:"bot"`     // the bot's name
	Version string `json:"version"` // graph.Bot.Version, the hash of its files
}

// ChangeKind says what kind of difference a Change is.
type ChangeKind string

const (
	DialogAdded   ChangeKind = "dialog-added"
	DialogRemoved ChangeKind = "dialog-removed" // a renamed dialog is removed and added
	StepAdded     ChangeKind = "step-added"
	StepRemoved   ChangeKind = "step-removed"
	// StepMoved is a step whose place among the steps both versions share
	// changed: the steps left in place are the longest run in the same
	// order in both, so inserting or removing steps moves none of them.
	StepMoved ChangeKind = "step-moved"
	// StepChanged is a step of the same Key whose Fields differ.
	StepChanged ChangeKind = "step-changed"
)

// The Fields of a StepChanged, in the order they are listed.
const (
	FieldKind        = "kind"        // say, ask, call...
	FieldQuestion    = "question"    // ask: the question's template source
	FieldSave        = "save"        // ask: the variable the answer goes to
	FieldType        = "type"        // ask: the answer type
	FieldChoices     = "choices"     // ask: the choices of a choice question
	FieldPattern     = "pattern"     // ask: the pattern of a regex question
	FieldAccept      = "accept"      // ask: the accepted extensions of a file question
	FieldMessages    = "messages"    // say: the messages' template sources
	FieldIntegration = "integration" // call: the integration, or its method or URL
	FieldTransfer    = "transfer"    // transfer: to agent or to which bot
	// FieldTargets is where control goes after the step (graph.Step.Edges):
	// next (the following step when not written, so inserting a step
	// changes the targets of the one before, unless that one is a goto,
	// end or close step), goto, the rules and their conditions, on_fail
	// and on_failure. Targets are compared by dialog and Key.
	FieldTargets = "targets"
)

// Change is one difference between the two versions. For a dialog, Key is
// "" and the places name the dialog; Old is nil for an addition and New
// for a removal.
type Change struct {
	Kind   ChangeKind `json:"change"`
	Dialog string     `json:"dialog"`
	Key    string     `json:"key"` // graph.Step.Key
	Old    *Place     `json:"old"`
	New    *Place     `json:"new"`
	Fields []string   `json:"fields"` // for StepChanged, what differs; else []
}

// Waiting is a step where a conversation may wait that Migratable will not
// carry to the new version.
type Waiting struct {
	Dialog string `json:"dialog"`
	Key    string `json:"key"`
	Old    Place  `json:"old"`
	New    *Place `json:"new"`    // the step of the same dialog and Key in the new version; nil if none
	Reason string `json:"reason"` // Migratable's reason
}

// Place is a dialog or a step in one version.
type Place struct {
	// Name is how an author knows it: the dialog's name, or
	// graph.Step.Name ("order_status.lookup", "order_status#3").
	Name string `json:"name"`
	Step int    `json:"step"` // the step's 1-based number; 0 for a dialog
	Kind string `json:"kind"` // the step's kind; "dialog" for a dialog
	// Text is what the step says, as written, so that a step without an
	// id can be recognised: an ask's question, a say's first text, a
	// call's integration; "" for other steps and for dialogs.
	Text string `json:"text,omitempty"`
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

// Pos is where the dialog or step is written.
func (p Place) Pos() diag.Pos { return diag.Pos{File: p.File, Line: p.Line, Col: p.Col} }

func stepPlace(s *graph.Step) *Place {
	return &Place{Name: s.Name(), Step: s.Index + 1, Kind: s.Kind.String(), Text: stepText(s),
		File: s.Pos.File, Line: s.Pos.Line, Col: s.Pos.Col}
}

func stepText(s *graph.Step) string {
	switch {
	case s.Ask != nil && s.Ask.Text != nil:
		return s.Ask.Text.Source
	case len(s.Say) > 0:
		return s.Say[0].Source
	case s.Call != nil:
		return s.Call.Name
	}
	return ""
}

func dialogPlace(d *graph.Dialog) *Place {
	return &Place{Name: d.Name, Kind: "dialog", File: d.Pos.File, Line: d.Pos.Line, Col: d.Pos.Col}
}

// Compare reports the differences between two compiled versions of a bot
// and the waiting positions of old that a migration to new cannot carry.
// Steps are matched by dialog name and Key, never by position. Compare only
// reads the bots.
func Compare(old, new *graph.Bot) Report {
	r := Report{
		Old:          Version{Bot: old.Name, Version: old.Version},
		New:          Version{Bot: new.Name, Version: new.Version},
		Changes:      []Change{},
		Unmigratable: []Waiting{},
	}
	for _, od := range old.Dialogs {
		nd := new.Dialog(od.Name)
		if nd == nil {
			r.Changes = append(r.Changes, Change{Kind: DialogRemoved, Dialog: od.Name, Old: dialogPlace(od), Fields: []string{}})
			continue
		}
		r.Changes = append(r.Changes, compareSteps(od, nd)...)
	}
	for _, nd := range new.Dialogs {
		if old.Dialog(nd.Name) == nil {
			r.Changes = append(r.Changes, Change{Kind: DialogAdded, Dialog: nd.Name, New: dialogPlace(nd), Fields: []string{}})
		}
	}
	for _, od := range old.Dialogs {
		for _, s := range od.Steps {
			if !Waits(s.Kind) {
				continue
			}
			if ok, why := Migratable(old, new, od.Name, s.Key); !ok {
				w := Waiting{Dialog: od.Name, Key: s.Key, Old: *stepPlace(s), Reason: why}
				if nd := new.Dialog(od.Name); nd != nil {
					if ns := nd.StepByKey(s.Key); ns != nil {
						w.New = stepPlace(ns)
					}
				}
				r.Unmigratable = append(r.Unmigratable, w)
			}
		}
	}
	return r
}

// compareSteps lists the step differences between two versions of a dialog.
func compareSteps(od, nd *graph.Dialog) []Change {
	var out []Change
	for _, s := range od.Steps {
		if nd.StepByKey(s.Key) == nil {
			out = append(out, Change{Kind: StepRemoved, Dialog: od.Name, Key: s.Key, Old: stepPlace(s), Fields: []string{}})
		}
	}
	stay := inPlace(od, nd)
	for _, s := range nd.Steps {
		o := od.StepByKey(s.Key)
		if o == nil {
			out = append(out, Change{Kind: StepAdded, Dialog: nd.Name, Key: s.Key, New: stepPlace(s), Fields: []string{}})
			continue
		}
		if !stay[s.Key] {
			out = append(out, Change{Kind: StepMoved, Dialog: nd.Name, Key: s.Key, Old: stepPlace(o), New: stepPlace(s), Fields: []string{}})
		}
		if f := changedFields(o, s); len(f) > 0 {
			out = append(out, Change{Kind: StepChanged, Dialog: nd.Name, Key: s.Key, Old: stepPlace(o), New: stepPlace(s), Fields: f})
		}
	}
	return out
}

// inPlace returns the keys of the steps that did not move: a longest
// common subsequence of the keys both versions of the dialog have, so that
// a step shifted by an insertion or a removal is not reported as moved.
// Keys are unique within a dialog.
func inPlace(od, nd *graph.Dialog) map[string]bool {
	var a, b []string
	for _, s := range od.Steps {
		if nd.StepByKey(s.Key) != nil {
			a = append(a, s.Key)
		}
	}
	for _, s := range nd.Steps {
		if od.StepByKey(s.Key) != nil {
			b = append(b, s.Key)
		}
	}
	// l[i][j] is the length of a longest common subsequence of a[i:], b[j:].
	l := make([][]int, len(a)+1)
	for i := range l {
		l[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				l[i][j] = l[i+1][j+1] + 1
			} else {
				l[i][j] = max(l[i+1][j], l[i][j+1])
			}
		}
	}
	stay := map[string]bool{}
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			stay[a[i]] = true
			i++
			j++
		case l[i+1][j] >= l[i][j+1]:
			i++
		default:
			j++
		}
	}
	return stay
}

// changedFields lists what differs between two steps of the same Key.
func changedFields(o, n *graph.Step) []string {
	var f []string
	add := func(name string, differs bool) {
		if differs {
			f = append(f, name)
		}
	}
	add(FieldKind, o.Kind != n.Kind)
	if o.Kind == n.Kind {
		switch o.Kind {
		case graph.StepAsk:
			a, b := o.Ask, n.Ask
			if a != nil && b != nil {
				add(FieldQuestion, source(a.Text) != source(b.Text))
				add(FieldSave, a.Save != b.Save)
				add(FieldType, a.Type != b.Type)
				add(FieldChoices, !slices.Equal(a.Choices, b.Choices))
				add(FieldPattern, pattern(a) != pattern(b))
				add(FieldAccept, !slices.Equal(a.Accept, b.Accept))
			}
		case graph.StepSay:
			add(FieldMessages, !slices.Equal(sources(o.Say), sources(n.Say)))
		case graph.StepCall:
			ok, _ := migratableCall(o.Call, n.Call)
			add(FieldIntegration, !ok)
		case graph.StepTransfer:
			a, b := o.Transfer, n.Transfer
			add(FieldTransfer, (a == nil) != (b == nil) || a != nil && (a.To != b.To || a.Bot != b.Bot))
		}
	}
	add(FieldTargets, !slices.Equal(targets(o), targets(n)))
	return f
}

func sources(ts []*cond.Template) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = source(t)
	}
	return out
}

// targets describes where control may go after s, each target by the
// identity of its step (dialog and Key) so that steps shifted by an
// insertion do not count as changed targets.
func targets(s *graph.Step) []string {
	var out []string
	for _, e := range s.Edges() {
		if e.Kind.Implicit() {
			// They follow from what is written (and from other
			// dialogs, for interrupts), which the diff compares.
			continue
		}
		label := e.Kind.String()
		if r := e.Rule; r != nil {
			label += " " + strconv.Itoa(int(r.Kind))
			if r.When != nil {
				label += " " + r.When.Source
			}
		}
		out = append(out, label+" "+target(e.Target))
	}
	return out
}

func target(t graph.Target) string {
	switch {
	case t.Kind == graph.ToClose:
		return "close"
	case t.Kind == graph.ToStep && t.Step != nil:
		return strings.Join([]string{t.Step.Dialog.Name, t.Step.Key}, "\x00")
	}
	return "end"
}
