package turn

import (
	"strconv"

	"github.com/botctl/botctl/engine/graph"
)

// branchStep goes to the target of the first rule that holds, else on to
// the next step.
func (m *machine) branchStep(s *graph.Step) (graph.Target, bool) {
	t, taken, ok := m.rules(s, s.Branch)
	if !ok {
		return graph.Target{}, true
	}
	m.traceRules(s, "branch", taken, taken, t)
	if taken > 0 {
		return t, false
	}
	return s.Next, false
}

// rules returns the target of the first rule that holds and its 1-based
// number, 0 when none held: a branch's rules, and those of a question and
// a call. ok is false when a condition failed to evaluate (the turn has
// then failed).
func (m *machine) rules(s *graph.Step, rules []graph.Rule) (t graph.Target, taken int, ok bool) {
	for i, r := range rules {
		hold := false
		switch r.Kind {
		case graph.WhenElse:
			hold = true
		case graph.WhenSuccess:
			hold = m.st.Result != nil && m.st.Result.OK
		case graph.WhenFailure:
			hold = m.st.Result == nil || !m.st.Result.OK
		case graph.WhenExpr:
			b, err := r.When.Bool(&m.env)
			if err != nil {
				m.fail(s, "rule %d: %v", i+1, err)
				return graph.Target{}, 0, false
			}
			hold = b
		}
		if hold {
			return r.Target, i + 1, true
		}
	}
	return graph.Target{}, 0, true
}

// ruleNote describes the rule taken for a trace; "" when none was.
func ruleNote(taken int, t graph.Target) string {
	if taken == 0 {
		return ""
	}
	return "rule " + strconv.Itoa(taken) + " → " + t.String()
}
