package explore

import (
	"strconv"
	"strings"

	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/turn"
)

// A goal is something a transcript can exercise: a step, an edge of
// graph.Step.Edges, or an outcome that takes no edge of its own (an
// invalid answer, a question's attempts used up with no on_fail, a failed
// call or transfer, a failed upload, transfer_failed_message). Goals are
// strings so that they sort and print the same on every run.
type goal = string

func stepGoal(s *graph.Step) goal { return "step " + s.Name() }

func edgeGoal(s *graph.Step, e graph.Edge) goal {
	g := "edge " + s.Name() + " " + e.Kind.String()
	if e.Kind == graph.EdgeBranch || e.Kind == graph.EdgeRule {
		g += "[" + strconv.Itoa(e.Index) + "]"
	}
	return g
}

func outcomeGoal(s *graph.Step, what string) goal {
	if s == nil {
		return "outcome " + what
	}
	return "outcome " + s.Name() + ": " + what
}

// describe says what a goal is, for a transcript's comment and the summary.
func describe(b *bot, g goal) string {
	kind, rest, _ := strings.Cut(g, " ")
	switch kind {
	case "step":
		if s := b.steps[rest]; s != nil {
			return "step " + rest + " (" + s.Kind.String() + ")"
		}
	case "edge":
		name, key, _ := strings.Cut(rest, " ")
		s := b.steps[name]
		if s == nil {
			break
		}
		for _, e := range s.Edges() {
			if edgeGoal(s, e) == g {
				return name + ": " + key + " → " + e.Target.String()
			}
		}
	case "outcome":
		return rest
	}
	return g
}

// bot is a compiled bot with its steps by name.
type bot struct {
	*graph.Bot
	steps map[string]*graph.Step
}

func newBot(b *graph.Bot) *bot {
	x := &bot{Bot: b, steps: map[string]*graph.Step{}}
	for _, d := range b.Dialogs {
		for _, s := range d.Steps {
			x.steps[s.Name()] = s
		}
	}
	return x
}

// goals adds to set the goals one turn's trace reached.
func (b *bot) goals(trace []turn.Transition, set map[goal]bool) {
	for i, t := range trace {
		if t.Step == "" && strings.Contains(t.Note, "transfer_failed_message") {
			set[outcomeGoal(nil, "transfer_failed_message")] = true
		}
		s := b.steps[t.Step]
		if s == nil {
			continue
		}
		set[stepGoal(s)] = true
		switch {
		case t.Kind == "answer" && strings.Contains(t.Note, "attempts used up"):
			set[outcomeGoal(s, "attempts used up")] = true
		case t.Kind == "answer" && strings.Contains(t.Note, "; attempt "):
			set[outcomeGoal(s, "invalid answer")] = true
		case t.Kind == "result" && strings.HasPrefix(t.Note, "failure"):
			set[outcomeGoal(s, "call failed")] = true
		case t.Kind == "result" && strings.HasPrefix(t.Note, "outcome unknown"):
			set[outcomeGoal(s, "call outcome unknown")] = true
		case t.Kind == "transfer" && strings.HasPrefix(t.Note, "could not be requested"):
			set[outcomeGoal(s, "transfer not requested")] = true
		case t.Kind == "upload" && strings.HasPrefix(t.Note, "storing failed"):
			set[outcomeGoal(s, "storing the file failed")] = true
		}
		for _, e := range s.Edges() {
			if taken(s, e, t, trace[i+1:]) {
				set[edgeGoal(s, e)] = true
			}
		}
	}
}

// taken reports whether transition t at step s took edge e; rest is the
// trace after t. Rules, on_fail and on_failure are named by the
// transition, as are the implicit edges (a question's attempts used up,
// an unrouted failure, an interrupt); next and goto are taken when the step leaves by no rule and
// the next step that runs is the edge's target (or none runs, for a target
// that ends the dialog).
func taken(s *graph.Step, e graph.Edge, t turn.Transition, rest []turn.Transition) bool {
	switch e.Kind {
	case graph.EdgeBranch, graph.EdgeRule:
		return t.Edge == e.Index+1
	case graph.EdgeOnFail:
		return t.Edge == turn.EdgeOnFail
	case graph.EdgeOnFailure:
		return t.Edge == turn.EdgeOnFailure
	case graph.EdgeExhausted:
		return t.Edge == turn.EdgeExhausted
	case graph.EdgeFailed:
		return t.Edge == turn.EdgeFailed
	case graph.EdgeInterrupted:
		return t.Edge == turn.EdgeInterrupted
	}
	if t.Edge != 0 || !leaves(t) {
		return false
	}
	var next *turn.Transition
	for i := range rest {
		if rest[i].Step != t.Step {
			next = &rest[i]
			break
		}
	}
	ends := next == nil || next.Kind == "starter" || next.Step == ""
	if e.Target.Kind != graph.ToStep || e.Target.Step == nil {
		return ends
	}
	return !ends && next.Step == e.Target.Step.Name()
}

// leaves reports whether a transition with no edge moves on from its step
// (rather than waiting at it, or failing).
func leaves(t turn.Transition) bool {
	switch t.Kind {
	case "ask", "call", "error", "upload":
		return false
	case "answer":
		return strings.HasPrefix(t.Note, "saved")
	case "result":
		return strings.HasPrefix(t.Note, "success")
	case "transfer":
		return strings.HasPrefix(t.Note, "requested") || strings.HasPrefix(t.Note, "handed")
	}
	return true
}

// totals lists the goals the summary counts: every step and every edge of
// graph.Step.Edges.
func (b *bot) totals() (steps, edges []goal) {
	for _, d := range b.Dialogs {
		for _, s := range d.Steps {
			steps = append(steps, stepGoal(s))
			for _, e := range s.Edges() {
				edges = append(edges, edgeGoal(s, e))
			}
		}
	}
	return steps, edges
}
