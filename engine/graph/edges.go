package graph

// EdgeKind says under which key of a step an Edge is written, or for an
// implicit edge, which of the language's defaults it is.
type EdgeKind int

const (
	EdgeBranch    EdgeKind = iota // an entry of Step.Branch
	EdgeRule                      // an entry of Step.Rules
	EdgeOnFail                    // Step.Ask.OnFail
	EdgeOnFailure                 // Step.OnFailure
	EdgeGoto                      // Step.Goto
	EdgeNext                      // Step.Next

	// The implicit edges: what a step does by default when the author
	// wrote no route for it. Each ends the step's dialog (Target is end).
	EdgeExhausted   // a question without on_fail whose attempts are used up: error_message
	EdgeFailed      // a call or transfer whose failure no rule or on_failure routes: error_message, transfer_failed_message
	EdgeInterrupted // a dialog with `interrupt: true` takes over while the question waits
)

// String is the key the edge is written under: branch, rules, on_fail,
// on_failure, goto or next; for an implicit edge, exhausted, failed or
// interrupted.
func (k EdgeKind) String() string {
	return [...]string{"branch", "rules", "on_fail", "on_failure", "goto", "next", "exhausted", "failed", "interrupted"}[k]
}

// Implicit reports whether the edge is one the author did not write: the
// default of a step when no rule, on_fail or on_failure covers a case.
func (k EdgeKind) Implicit() bool { return k >= EdgeExhausted }

// Edge is one way control can leave a step.
type Edge struct {
	Kind   EdgeKind
	Index  int   // the rule's index in Branch or Rules; 0 for other kinds
	Rule   *Rule // the rule, for EdgeBranch and EdgeRule; nil for other kinds
	Target Target
}

// Edges lists the ways control can leave s, in the order a reader meets
// them: the entries of branch, the rules, on_fail, on_failure, the
// implicit edges, then goto or next. It is the one list the compiler's flow
// checks, the drawing of the graph, coverage and diffs all read, so that
// they agree on what a step can do.
//
// Next is left out of goto, end and close steps, which never take it. It is
// listed even where the rules before it always decide (an else rule, or
// both success and failure) or where a transfer ends the dialog: callers
// that care, such as the flow checks, look at the rules themselves.
//
// The implicit edges (EdgeKind.Implicit) are the defaults the language
// gives a step: a question that can reject an answer and has no on_fail
// can run out of attempts (EdgeExhausted); a call with no on_failure and no
// `when: failure` rule, or a transfer with no on_failure, can fail
// (EdgeFailed); and while a question waits, a dialog with `interrupt: true`
// can take over (EdgeInterrupted, when Ask.Interruptible). Coverage counts
// them, since a transcript can take them; the flow checks, drawings and
// diffs, which are about what the author wrote, skip them.
func (s *Step) Edges() []Edge {
	var out []Edge
	for i := range s.Branch {
		out = append(out, Edge{Kind: EdgeBranch, Index: i, Rule: &s.Branch[i], Target: s.Branch[i].Target})
	}
	for i := range s.Rules {
		out = append(out, Edge{Kind: EdgeRule, Index: i, Rule: &s.Rules[i], Target: s.Rules[i].Target})
	}
	if s.Ask != nil && s.Ask.HasOnFail {
		out = append(out, Edge{Kind: EdgeOnFail, Target: s.Ask.OnFail})
	}
	if s.HasOnFailure {
		out = append(out, Edge{Kind: EdgeOnFailure, Target: s.OnFailure})
	}
	end := Target{Kind: ToEnd}
	if a := s.Ask; a != nil && s.Kind == StepAsk {
		if !a.HasOnFail && a.CanReject() {
			out = append(out, Edge{Kind: EdgeExhausted, Target: end})
		}
		if a.Interruptible {
			out = append(out, Edge{Kind: EdgeInterrupted, Target: end})
		}
	}
	if s.failsByDefault() {
		out = append(out, Edge{Kind: EdgeFailed, Target: end})
	}
	switch s.Kind {
	case StepGoto:
		out = append(out, Edge{Kind: EdgeGoto, Target: s.Goto})
	case StepEnd, StepClose:
	default:
		out = append(out, Edge{Kind: EdgeNext, Target: s.Next})
	}
	return out
}

// failsByDefault reports whether a failure of the step's call or transfer
// takes the language's default (error_message or transfer_failed_message,
// then the end of the dialog): nothing the author wrote routes it.
func (s *Step) failsByDefault() bool {
	switch {
	case s.HasOnFailure:
		return false
	case s.Kind == StepTransfer, s.Kind == StepGenerate:
		return true
	case s.Kind != StepCall:
		return false
	}
	for _, r := range s.Rules {
		if r.Kind == WhenFailure {
			return false
		}
	}
	return true
}

// CanReject reports whether the question can turn down an answer that is
// not blank: every type but text does, and so does a validate condition.
// A text question without one takes whatever the user writes, so its
// attempts run out only on blank messages, which chat clients do not send.
func (a *Ask) CanReject() bool { return a.Type != Text || a.Validate != nil || a.Extract != nil }
