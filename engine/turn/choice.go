package turn

import (
	"strings"

	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/nlu/entity"
)

// fuzzyChoice matches an answer that is not exactly one of a choice
// question's labels or numbers: a synonym of a choice (from a list
// entity), or a near miss of a choice or a synonym ("bussiness"). It
// returns the canonical choice and why it matched, for the trace.
func fuzzyChoice(a *graph.Ask, text string) (value any, why string, ok bool) {
	opts := make([]entity.Choice, len(a.Choices))
	for i, c := range a.Choices {
		opts[i].Value = c
		if i < len(a.Synonyms) {
			opts[i].Synonyms = a.Synonyms[i]
		}
	}
	i, why := entity.MatchChoice(text, opts)
	if i < 0 || i >= len(a.Choices) {
		return nil, why, false
	}
	return a.Choices[i], why, true
}

func quoteText(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
