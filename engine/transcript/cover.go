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

// edge is a counted edge of a step: its kind and, for a rule, its index
// (of Branch for a branch step and of Rules otherwise).
type edge struct {
	step  *graph.Step
	kind  graph.EdgeKind
	index int
}

// hits are the steps and edges a run exercised.
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

// traceEdges maps the edges a transition names (Transition.Edge, other
// than rules) to the kinds of graph.Step.Edges.
var traceEdges = map[int]graph.EdgeKind{
	turn.EdgeOnFail:      graph.EdgeOnFail,
	turn.EdgeOnFailure:   graph.EdgeOnFailure,
	turn.EdgeExhausted:   graph.EdgeExhausted,
	turn.EdgeFailed:      graph.EdgeFailed,
	turn.EdgeInterrupted: graph.EdgeInterrupted,
}

// record maps a turn's trace to the steps and edges it exercised.
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
		case tr.Edge > 0 && s.Kind == graph.StepBranch:
			h.edges[edge{s, graph.EdgeBranch, tr.Edge - 1}] = true
		case tr.Edge > 0:
			h.edges[edge{s, graph.EdgeRule, tr.Edge - 1}] = true
		case tr.Edge < 0:
			if k, ok := traceEdges[tr.Edge]; ok {
				h.edges[edge{s, k, 0}] = true
			}
		}
	}
}

// Coverage collects the steps and edges that transcripts exercised, per
// bot. The edges counted are every way out of a step that is not simply
// its next step or goto: the rules of `branch`, `ask` and `call` steps
// (`else` included), `on_failure` of calls and transfers, `on_fail` of
// questions, and the implicit edges of graph.Step.Edges — a question's
// attempts used up without on_fail, a call's or transfer's failure that
// nothing routes, a question an interrupt dialog takes over.
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

// Counts are exercised and total steps and edges.
type Counts struct {
	Steps, StepsHit int
	Edges, EdgesHit int
}

// Percent is the share of steps and edges together that ran, 100 when
// there are none.
func (c Counts) Percent() float64 { return share(c.StepsHit+c.EdgesHit, c.Steps+c.Edges) }

// StepsPercent is the share of steps that ran, 100 when there are none.
func (c Counts) StepsPercent() float64 { return share(c.StepsHit, c.Steps) }

// EdgesPercent is the share of edges taken, 100 when there are none.
func (c Counts) EdgesPercent() float64 { return share(c.EdgesHit, c.Edges) }

// Under reports whether the steps or the edges are under min percent:
// `--cover-min` holds each of them to it.
func (c Counts) Under(min float64) bool {
	return c.StepsPercent() < min || c.EdgesPercent() < min
}

func share(hit, total int) float64 {
	if total == 0 {
		return 100
	}
	return 100 * float64(hit) / float64(total)
}

func (c *Counts) add(o Counts) {
	c.Steps += o.Steps
	c.StepsHit += o.StepsHit
	c.Edges += o.Edges
	c.EdgesHit += o.EdgesHit
}

// Miss is a step or edge no transcript exercised.
type Miss struct {
	Pos    diag.Pos
	What   string // the sentence of the text report
	Dialog string
	Step   string         // graph.Step.Name
	Kind   graph.StepKind // the step's
	// Edge is the missed edge's kind, and Target where it goes; IsEdge is
	// false when the step itself never ran.
	IsEdge bool
	Edge   graph.EdgeKind
	Target string
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
	bot     *graph.Bot
	hits    hits
}

// CoverReport is the coverage of every bot of a run, in the order they
// were first seen.
type CoverReport []BotCover

// Report computes the coverage of every bot a run was added for, in the
// order they were first seen.
func (c *Coverage) Report() CoverReport {
	var out CoverReport
	for _, b := range c.bots {
		out = append(out, b.report())
	}
	return out
}

func (b *botCover) report() BotCover {
	r := BotCover{Name: b.bot.Name, Path: b.path, bot: b.bot, hits: b.hits}
	src := sourceSteps(b.path)
	for _, d := range b.bot.Dialogs {
		dc := DialogCover{Name: d.Name}
		for _, s := range d.Steps {
			dc.Steps++
			if b.hits.steps[s] {
				dc.StepsHit++
			} else {
				dc.Missed = append(dc.Missed, Miss{Pos: s.Pos, What: fmt.Sprintf("step %s (%s) never ran", s.Name(), s.Kind),
					Dialog: d.Name, Step: s.Name(), Kind: s.Kind})
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

// edges lists the edges of a step that coverage counts: all of
// graph.Step.Edges but goto and next, which go on unconditionally once the
// step has run.
func edges(s *graph.Step) []edge {
	var out []edge
	for _, e := range s.Edges() {
		switch e.Kind {
		case graph.EdgeGoto, graph.EdgeNext:
		default:
			out = append(out, edge{s, e.Kind, e.Index})
		}
	}
	return out
}

// missedEdge describes edge e, which no run took; calls are the outcomes
// the results of its step had.
func missedEdge(e edge, src *dialog.Step, calls outcome) Miss {
	s := e.step
	m := Miss{Pos: s.Pos, Dialog: s.Dialog.Name, Step: s.Name(), Kind: s.Kind, IsEdge: true, Edge: e.kind, Target: "end"}
	switch e.kind {
	case graph.EdgeOnFailure:
		if src != nil && src.OnFailure.IsSet() {
			m.Pos = src.OnFailure.Pos()
		}
		m.Target = s.OnFailure.String()
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
		m.What = fmt.Sprintf("%s: on_failure → %s never taken%s", s.Name(), m.Target, why)
	case graph.EdgeOnFail:
		if src != nil && src.OnFail.IsSet() {
			m.Pos = src.OnFail.Pos()
		}
		m.Target = s.Ask.OnFail.String()
		m.What = fmt.Sprintf("%s: on_fail → %s never taken (no answer used up max_attempts)", s.Name(), m.Target)
	case graph.EdgeExhausted:
		m.What = fmt.Sprintf("%s: attempts used up → error_message, end never taken (no answer used up max_attempts %d)",
			s.Name(), s.Ask.MaxAttempts)
	case graph.EdgeFailed:
		if s.Kind == graph.StepTransfer {
			m.What = fmt.Sprintf("%s: failed → transfer_failed_message, end never taken (no transfer request failed)", s.Name())
			break
		}
		why := ""
		if calls == callSucceeded {
			why = " (the call never failed)"
		}
		m.What = fmt.Sprintf("%s: failed → error_message, end never taken%s", s.Name(), why)
	case graph.EdgeInterrupted:
		m.What = fmt.Sprintf("%s: interrupted never taken (no interrupt dialog took over while the question waited)", s.Name())
	default:
		rules := s.Rules
		if s.Kind == graph.StepBranch {
			rules = s.Branch
		}
		r := rules[e.index]
		m.Pos, m.Target = r.Pos, r.Target.String()
		m.What = fmt.Sprintf("%s: rule %d (%s → %s) never taken", s.Name(), e.index+1, when(r), r.Target)
	}
	return m
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
