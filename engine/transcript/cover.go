package transcript

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/load"
	"github.com/botctl/botctl/engine/turn"
)

// Edge numbers that are not rules: the `on_failure` of a call or transfer
// and the `on_fail` of a question.
const (
	edgeOnFailure = -1
	edgeOnFail    = -2
)

// edge is a rule edge of a step: rule (0-based, of Branch for a branch and
// of Rules otherwise), edgeOnFailure or edgeOnFail.
type edge struct {
	step *graph.Step
	rule int
}

// hits are the steps and rule edges a run exercised.
type hits struct {
	steps map[*graph.Step]bool
	edges map[edge]bool
	// calls holds, per call step, the outcomes its results had.
	calls map[*graph.Step]outcome
}

// outcome is a set of the outcomes of a call step's results.
type outcome uint8

const (
	callSucceeded outcome = 1 << iota
	callFailed
	callUnknown // a result whose note says neither
)

func newHits() hits {
	return hits{steps: map[*graph.Step]bool{}, edges: map[edge]bool{}, calls: map[*graph.Step]outcome{}}
}

// record maps a turn's trace to the steps and rule edges it exercised.
func (h *hits) record(e *botEntry, trace []turn.Transition) {
	for _, tr := range trace {
		s := e.steps[tr.Step]
		if s == nil {
			continue // a starter (its Step is the dialog's name) or an agent event
		}
		h.steps[s] = true
		if s.Kind == graph.StepCall && tr.Kind == "result" {
			// The runtime's note on a call's result starts with its outcome.
			switch {
			case tr.Note == "success" || strings.HasPrefix(tr.Note, "success;"):
				h.calls[s] |= callSucceeded
			case strings.HasPrefix(tr.Note, "failure"):
				h.calls[s] |= callFailed
			default:
				h.calls[s] |= callUnknown
			}
		}
		switch {
		case tr.Edge > 0:
			h.edges[edge{s, tr.Edge - 1}] = true
		case tr.Edge == turn.EdgeOnFailure:
			h.edges[edge{s, edgeOnFailure}] = true
		case tr.Edge == turn.EdgeOnFail:
			h.edges[edge{s, edgeOnFail}] = true
		}
	}
}

// Coverage collects the steps and rule edges that transcripts exercised,
// per bot. Rule edges are the rules of `branch`, `ask` and `call` steps
// (`else` included), `on_failure` of calls and transfers, and `on_fail` of
// questions.
type Coverage struct {
	bots []*botCover
}

type botCover struct {
	path string
	bot  *graph.Bot
	hits hits
}

// Add records what a run exercised.
func (c *Coverage) Add(r *Result) {
	if r.Bot == nil || r.hits.steps == nil {
		return
	}
	var b *botCover
	for _, x := range c.bots {
		if x.bot == r.Bot {
			b = x
		}
	}
	if b == nil {
		b = &botCover{path: r.BotPath, bot: r.Bot, hits: newHits()}
		c.bots = append(c.bots, b)
	}
	for s := range r.hits.steps {
		b.hits.steps[s] = true
	}
	for e := range r.hits.edges {
		b.hits.edges[e] = true
	}
	for s, o := range r.hits.calls {
		b.hits.calls[s] |= o
	}
}

// Counts are exercised and total steps and rule edges.
type Counts struct {
	Steps, StepsHit int
	Edges, EdgesHit int
}

// Percent is the share of steps and rule edges together that ran, 100 when
// there are none.
func (c Counts) Percent() float64 {
	if c.Steps+c.Edges == 0 {
		return 100
	}
	return 100 * float64(c.StepsHit+c.EdgesHit) / float64(c.Steps+c.Edges)
}

func (c *Counts) add(o Counts) {
	c.Steps += o.Steps
	c.StepsHit += o.StepsHit
	c.Edges += o.Edges
	c.EdgesHit += o.EdgesHit
}

// Miss is a step or rule edge no transcript exercised.
type Miss struct {
	Pos  diag.Pos
	What string
}

func (m Miss) String() string { return m.Pos.String() + ": " + m.What }

// DialogCover is the coverage of one dialog.
type DialogCover struct {
	Name string
	Counts
	Missed []Miss
}

// BotCover is the coverage of one bot.
type BotCover struct {
	Name    string
	Path    string
	Dialogs []DialogCover // in declaration order
	Total   Counts
	Missed  []Miss // every dialog's, by position
}

// Report computes the coverage of every bot a run was added for, in the
// order they were first seen.
func (c *Coverage) Report() []BotCover {
	var out []BotCover
	for _, b := range c.bots {
		out = append(out, b.report())
	}
	return out
}

func (b *botCover) report() BotCover {
	r := BotCover{Name: b.bot.Name, Path: b.path}
	src := sourceSteps(b.path)
	for _, d := range b.bot.Dialogs {
		dc := DialogCover{Name: d.Name}
		for _, s := range d.Steps {
			dc.Steps++
			if b.hits.steps[s] {
				dc.StepsHit++
			} else {
				dc.Missed = append(dc.Missed, Miss{s.Pos, fmt.Sprintf("step %s (%s) never ran", s.Name(), s.Kind)})
			}
			for _, e := range edges(s) {
				dc.Edges++
				if b.hits.edges[e] {
					dc.EdgesHit++
					continue
				}
				dc.Missed = append(dc.Missed, missedEdge(e, src[s.Dialog.Name+"#"+strconv.Itoa(s.Index)], b.hits.calls[s]))
			}
		}
		sort.SliceStable(dc.Missed, func(i, j int) bool { return dc.Missed[i].Pos.Before(dc.Missed[j].Pos) })
		r.Total.add(dc.Counts)
		r.Missed = append(r.Missed, dc.Missed...)
		r.Dialogs = append(r.Dialogs, dc)
	}
	sort.SliceStable(r.Missed, func(i, j int) bool { return r.Missed[i].Pos.Before(r.Missed[j].Pos) })
	return r
}

// edges lists the edges of a step that coverage counts: its rules (or
// branch entries), on_failure and on_fail.
func edges(s *graph.Step) []edge {
	var out []edge
	for _, e := range s.Edges() {
		switch e.Kind {
		case graph.EdgeBranch, graph.EdgeRule:
			out = append(out, edge{s, e.Index})
		case graph.EdgeOnFailure:
			out = append(out, edge{s, edgeOnFailure})
		case graph.EdgeOnFail:
			out = append(out, edge{s, edgeOnFail})
		}
	}
	return out
}

// missedEdge describes edge e, which no run took; calls are the outcomes
// the results of its step had.
func missedEdge(e edge, src *dialog.Step, calls outcome) Miss {
	s := e.step
	switch e.rule {
	case edgeOnFailure:
		pos := s.Pos
		if src != nil && src.OnFailure.IsSet() {
			pos = src.OnFailure.Pos()
		}
		// Why, when it is known: a failed transfer request always takes
		// on_failure, but a failed call may have been routed by a rule
		// before it.
		why := ""
		switch {
		case s.Kind == graph.StepTransfer:
			why = " (no transfer request failed)"
		case calls == callSucceeded:
			why = " (the call never failed)"
		}
		return Miss{pos, fmt.Sprintf("%s: on_failure → %s never taken%s", s.Name(), s.OnFailure, why)}
	case edgeOnFail:
		pos := s.Pos
		if src != nil && src.OnFail.IsSet() {
			pos = src.OnFail.Pos()
		}
		return Miss{pos, fmt.Sprintf("%s: on_fail → %s never taken (no answer used up max_attempts)", s.Name(), s.Ask.OnFail)}
	}
	rules := s.Rules
	if s.Kind == graph.StepBranch {
		rules = s.Branch
	}
	r := rules[e.rule]
	return Miss{r.Pos, fmt.Sprintf("%s: rule %d (%s → %s) never taken", s.Name(), e.rule+1, when(r), r.Target)}
}

func when(r graph.Rule) string {
	switch r.Kind {
	case graph.WhenSuccess:
		return "when success"
	case graph.WhenFailure:
		return "when failure"
	case graph.WhenElse:
		return "else"
	}
	return "when " + r.When.Source
}

// sourceSteps maps "dialog#index" to the step as written, for the places
// of `on_failure` and `on_fail`, which the compiled graph does not keep.
func sourceSteps(path string) map[string]*dialog.Step {
	out := map[string]*dialog.Step{}
	if path == "" {
		return out
	}
	tree, _ := load.Path(path)
	if tree == nil {
		return out
	}
	for _, d := range tree.Dialogs {
		for _, s := range d.Steps {
			out[d.Name.Value+"#"+strconv.Itoa(s.Index)] = s
		}
	}
	return out
}
