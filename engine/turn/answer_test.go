package turn

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/graph"
)

func TestParseAnswer(t *testing.T) {
	today := time.Date(2026, 2, 28, 15, 4, 5, 0, time.UTC)
	choices := []string{"Billing", "Technical support", "Other"}
	tests := []struct {
		typ   graph.AnswerType
		in    string
		want  any // nil: invalid
		extra func(*graph.Ask)
	}{
		{graph.Text, "  hello world ", "hello world", nil},
		{graph.Text, "   ", nil, nil},
		{graph.Number, "20", 20.0, nil},
		{graph.Number, "1,520.5", 1520.5, nil},
		{graph.Number, "-0.25", -0.25, nil},
		{graph.Number, "twenty", nil, nil},
		{graph.Number, "NaN", nil, nil},
		{graph.Number, "Inf", nil, nil},
		{graph.Integer, "42", 42, nil},
		{graph.Integer, "+7", 7, nil},
		{graph.Integer, "12.5", nil, nil},
		{graph.Integer, "99999999999999999999", nil, nil},
		{graph.Email, "ann@example.com", "ann@example.com", nil},
		{graph.Email, "Ann <ann@example.com>", nil, nil},
		{graph.Email, "ann@localhost", nil, nil},
		{graph.Email, "ann.example.com", nil, nil},
		{graph.Phone, "+1 (555) 123-4567", "+1 (555) 123-4567", nil},
		{graph.Phone, "12345", nil, nil},
		{graph.Phone, "call me", nil, nil},
		{graph.Date, "2026-03-01", "2026-03-01", nil},
		{graph.Date, "today", "2026-02-28", nil},
		{graph.Date, "Tomorrow", "2026-03-01", nil},
		{graph.Date, "yesterday", "2026-02-27", nil},
		{graph.Date, "2026-02-30", nil, nil},
		{graph.Date, "next week", nil, nil},
		{graph.YesNo, "Yes", true, nil},
		{graph.YesNo, "yeah!", true, nil},
		{graph.YesNo, "y", true, nil},
		{graph.YesNo, "Nope.", false, nil},
		{graph.YesNo, "no  thanks", false, nil},
		{graph.YesNo, "maybe", nil, nil},
		{graph.Choice, "billing", "Billing", nil},
		{graph.Choice, "technical   SUPPORT", "Technical support", nil},
		{graph.Choice, "2", "Technical support", nil},
		{graph.Choice, "3.", "Other", nil},
		{graph.Choice, "4", nil, nil},
		{graph.Choice, "0", nil, nil},
		{graph.Choice, "sales", nil, nil},
		{graph.RegexAnswer, " 12345 ", "12345", func(a *graph.Ask) { a.Pattern = regexp.MustCompile(`^\d{5}$`) }},
		{graph.RegexAnswer, "1234", nil, func(a *graph.Ask) { a.Pattern = regexp.MustCompile(`^\d{5}$`) }},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.typ, tt.in), func(t *testing.T) {
			ask := &graph.Ask{Type: tt.typ, Choices: choices}
			if tt.extra != nil {
				tt.extra(ask)
			}
			got, ok := ParseAnswer(ask, tt.in, today)
			if tt.want == nil {
				if ok {
					t.Errorf("ParseAnswer(%q) = %#v, want invalid", tt.in, got)
				}
				return
			}
			if !ok || got != tt.want {
				t.Errorf("ParseAnswer(%q) = %#v, %v; want %#v", tt.in, got, ok, tt.want)
			}
		})
	}
}

func TestDefaultRetryForEveryType(t *testing.T) {
	for _, name := range graph.AnswerTypeNames() {
		typ, _ := graph.ParseAnswerType(name)
		if DefaultRetry[typ] == "" {
			t.Errorf("no default retry text for %s", name)
		}
	}
}
