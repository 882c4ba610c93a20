package turn

import "github.com/botctl/botctl/engine/graph"

// gotoStep goes to the step's target.
func (m *machine) gotoStep(s *graph.Step) (graph.Target, bool) {
	if m.tracing() {
		m.traceStep(s, "goto", s.Goto.String())
	}
	return s.Goto, false
}

// endStep ends the dialog.
func (m *machine) endStep(s *graph.Step) (graph.Target, bool) {
	m.traceStep(s, "end")
	return graph.Target{Kind: graph.ToEnd}, false
}

// closeStep closes the conversation.
func (m *machine) closeStep(s *graph.Step) (graph.Target, bool) {
	m.traceStep(s, "close")
	return graph.Target{Kind: graph.ToClose}, false
}

// follow resolves a target: the step to run next, or nil when the dialog
// ended or the conversation closed.
func (m *machine) follow(t graph.Target) *graph.Step {
	switch t.Kind {
	case graph.ToStep:
		if t.Step != nil {
			return t.Step
		}
	case graph.ToClose:
		m.close()
		return nil
	}
	m.endDialog()
	return nil
}

// close ends the dialog and closes the conversation: it takes no more
// input.
func (m *machine) close() {
	m.st.Resume = nil
	m.endDialog()
	m.st.Owner = OwnerClosed
	m.out(Output{Kind: OutClose})
}
