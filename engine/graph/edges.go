package graph

// EdgeKind says under which key of a step an Edge is written.
type EdgeKind int

const (
	EdgeBranch    EdgeKind = iota // an entry of Step.Branch
	EdgeRule                      // an entry of Step.Rules
	EdgeOnFail                    // Step.Ask.OnFail
	EdgeOnFailure                 // Step.OnFailure
	EdgeGoto                      // Step.Goto
	EdgeNext                      // Step.Next
)

// String is the key the edge is written under: branch, rules, on_fail,
// on_failure, goto or next.
func (k EdgeKind) String() string {
	return [...]string{"branch", "rules", "on_fail", "on_failure", "goto", "next"}[k]
}

// Edge is one way control can leave a step.
type Edge struct {
	Kind   EdgeKind
	Index  int   // the rule's index in Branch or Rules; 0 for other kinds
	Rule   *Rule // the rule, for EdgeBranch and EdgeRule; nil for other kinds
	Target Target
}

// Edges lists the ways control can leave s, in the order a reader meets
// them: the entries of branch, the rules, on_fail, on_failure, then goto or
// next. It is the one list the compiler's flow checks, the drawing of the
// graph, coverage and diffs all read, so that they agree on what a step
// can do.
//
// Next is left out of goto, end and close steps, which never take it. It is
// listed even where the rules before it always decide (an else rule, or
// both success and failure) or where a transfer ends the dialog: callers
// that care, such as the flow checks, look at the rules themselves.
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
	switch s.Kind {
	case StepGoto:
		out = append(out, Edge{Kind: EdgeGoto, Target: s.Goto})
	case StepEnd, StepClose:
	default:
		out = append(out, Edge{Kind: EdgeNext, Target: s.Next})
	}
	return out
}
