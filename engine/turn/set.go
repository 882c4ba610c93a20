package turn

import "github.com/botctl/botctl/engine/graph"

// setStep evaluates the step's assignments in order: each sees the
// variables the ones before it set.
func (m *machine) setStep(s *graph.Step) (graph.Target, bool) {
	for _, a := range s.Set {
		v, err := a.Expr.Eval(&m.env)
		if err != nil {
			m.fail(s, "set %s: %v", a.Var, err)
			return graph.Target{}, true
		}
		m.st.Vars[a.Var] = v
	}
	m.traceStep(s, "set")
	return s.Next, false
}
