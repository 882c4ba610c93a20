package graph

import (
	"fmt"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/cond"
)

func TestEdges(t *testing.T) {
	d := &Dialog{Name: "d"}
	a := &Step{Dialog: d, ID: "a"}
	b := &Step{Dialog: d, ID: "b"}
	to := func(s *Step) Target { return Target{Kind: ToStep, Step: s} }
	tests := []struct {
		name string
		step *Step
		want string
	}{
		{"say", &Step{Kind: StepSay, Next: to(a)}, "next d.a"},
		{"ask", &Step{Kind: StepAsk, Next: to(b),
			Ask:   &Ask{OnFail: Target{Kind: ToClose}, HasOnFail: true},
			Rules: []Rule{{Kind: WhenExpr, Target: to(a)}, {Kind: WhenElse, Target: to(b)}}},
			"rules[0] d.a, rules[1] d.b, on_fail close, next d.b"},
		{"branch", &Step{Kind: StepBranch, Next: Target{Kind: ToEnd},
			Branch: []Rule{{Kind: WhenExpr, Target: to(a)}}}, "branch[0] d.a, next end"},
		{"call", &Step{Kind: StepCall, Next: to(a),
			Rules:     []Rule{{Kind: WhenSuccess, Target: to(b)}},
			OnFailure: Target{Kind: ToEnd}, HasOnFailure: true},
			"rules[0] d.b, on_failure end, next d.a"},
		{"transfer", &Step{Kind: StepTransfer, Next: to(a), OnFailure: to(b), HasOnFailure: true}, "on_failure d.b, next d.a"},
		{"goto never takes next", &Step{Kind: StepGoto, Next: to(a), Goto: to(b)}, "goto d.b"},
		{"end", &Step{Kind: StepEnd, Next: to(a)}, ""},
		// The implicit edges: the defaults a transcript can take.
		{"ask without on_fail", &Step{Kind: StepAsk, Next: to(a), Ask: &Ask{Type: Number}}, "exhausted end, next d.a"},
		{"text ask takes any answer", &Step{Kind: StepAsk, Next: to(a), Ask: &Ask{Type: Text}}, "next d.a"},
		{"text ask with validate", &Step{Kind: StepAsk, Next: to(a), Ask: &Ask{Type: Text, Validate: &cond.Expr{}}}, "exhausted end, next d.a"},
		{"interruptible ask", &Step{Kind: StepAsk, Next: to(a), Ask: &Ask{Type: Text, Interruptible: true}}, "interrupted end, next d.a"},
		{"interruptible ask with on_fail", &Step{Kind: StepAsk, Next: to(a), Ask: &Ask{Type: Email, OnFail: to(b), HasOnFail: true, Interruptible: true}},
			"on_fail d.b, interrupted end, next d.a"},
		{"call without failure route", &Step{Kind: StepCall, Next: to(a), Rules: []Rule{{Kind: WhenSuccess, Target: to(b)}}},
			"rules[0] d.b, failed end, next d.a"},
		{"call with a failure rule", &Step{Kind: StepCall, Next: to(a), Rules: []Rule{{Kind: WhenFailure, Target: to(b)}}},
			"rules[0] d.b, next d.a"},
		{"transfer without on_failure", &Step{Kind: StepTransfer, Next: to(a)}, "failed end, next d.a"},
		{"close", &Step{Kind: StepClose, Next: to(a)}, ""},
	}
	for _, tt := range tests {
		var got []string
		for _, e := range tt.step.Edges() {
			s := e.Kind.String()
			if e.Rule != nil {
				s += fmt.Sprintf("[%d]", e.Index)
				if e.Rule.Target != e.Target {
					t.Errorf("%s: edge %s: Rule.Target %v, Target %v", tt.name, s, e.Rule.Target, e.Target)
				}
			}
			got = append(got, s+" "+e.Target.String())
		}
		if g := strings.Join(got, ", "); g != tt.want {
			t.Errorf("%s: Edges = %s, want %s", tt.name, g, tt.want)
		}
	}
}
