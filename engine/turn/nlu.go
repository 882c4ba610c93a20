package turn

// This file is what a turn understands of the last user message: its
// intent, by the bot's classifier, and its entities. Both are computed at
// most once per turn and only for a bot that needs them (one with intents,
// or whose expressions read intent or entities), so a bot without them
// pays nothing. Neither is stored in the conversation's state: like
// `input`, they are of the last message, which the state keeps, and a turn
// that needs them again (after a call's result, say) computes them from it.

import (
	"strconv"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/nlu"
)

// understanding caches the turn's reading of the last user message.
type understanding struct {
	classified bool
	pred       nlu.Prediction
	extracted  bool
	traced     bool // the prediction is in the trace
}

// prediction classifies the last user message, once per turn. It returns
// nil when the bot has no intents or there is no message.
func (m *machine) prediction() *nlu.Prediction {
	if m.bot.NLU == nil || m.st.Input == "" {
		return nil
	}
	u := &m.nlu
	if !u.classified {
		u.classified = true
		u.pred = m.bot.NLU.Classify(m.st.Input)
	}
	return &u.pred
}

// understand fills intent and entities in the expression environment, for
// a bot whose expressions read them.
func (m *machine) understand() {
	if m.bot.ReadsIntent {
		m.env.Intent = cond.Intent{}
		if p := m.prediction(); p != nil {
			m.env.Intent = IntentOf(*p)
		}
	}
	if m.bot.ReadsEntities && !m.nlu.extracted {
		m.nlu.extracted = true
		m.env.Entities = m.entities()
	}
}

// IntentOf is what expressions read as intent for a prediction.
func IntentOf(p nlu.Prediction) cond.Intent {
	in := cond.Intent{Name: p.Intent, Confidence: p.Confidence}
	if len(p.Ranking) > 1 {
		in.RunnerUp, in.RunnerUpConfidence = p.Ranking[1].Intent, p.Ranking[1].Confidence
	}
	return in
}

// entities returns entities.TYPE: the first value of each type found in
// the last message, and under "all" every entity found, in order, as
// {type, text, value}.
func (m *machine) entities() map[string]any {
	out := map[string]any{}
	if m.bot.Entities == nil || m.st.Input == "" {
		out["all"] = []any{}
		return out
	}
	now := m.ctx.now()
	found := m.bot.Entities.Extract(m.st.Input, now, now.Location())
	all := make([]any, 0, len(found))
	for _, e := range found {
		if _, ok := out[e.Type]; !ok && e.Type != "all" {
			out[e.Type] = e.Value
		}
		all = append(all, map[string]any{"type": e.Type, "text": e.Text, "value": e.Value})
	}
	out["all"] = all
	return out
}

// matchIntent returns the intent starter that the last message starts, or
// nil: the classifier's intent, when it is in scope and a dialog starts on
// it; interrupt restricts it to dialogs with `interrupt: true`. It records
// the prediction in the trace.
func (m *machine) matchIntent(interrupt bool) *graph.Starter {
	if m.bot.Starters.Intents == nil || interrupt && !m.bot.Starters.IntentInterrupts {
		return nil // nothing to classify for
	}
	p := m.prediction()
	if p == nil {
		return nil
	}
	m.tracePrediction(p)
	return m.bot.Starters.MatchIntent(p.Intent, interrupt)
}

// tracePrediction records the intent of the message, its confidence and
// the runner-up.
func (m *machine) tracePrediction(p *nlu.Prediction) {
	if !m.tracing() || m.nlu.traced {
		return
	}
	m.nlu.traced = true
	m.traceOwner("intent", PredictionNote(*p, m.bot.NLU.Threshold()))
}

// PredictionNote describes a prediction as the trace shows it:
// "refund 0.82; runner-up billing 0.40", or "out of scope (best: refund
// 0.21, threshold 0.30)".
func PredictionNote(p nlu.Prediction, threshold float64) string {
	var s string
	if p.Intent != "" {
		s = p.Intent + " " + conf(p.Confidence)
	} else {
		s = "out of scope"
		if len(p.Ranking) > 0 {
			s += " (best: " + p.Ranking[0].Intent + " " + conf(p.Ranking[0].Confidence) + ", threshold " + conf(threshold) + ")"
		}
	}
	if len(p.Ranking) > 1 {
		s += "; runner-up " + p.Ranking[1].Intent + " " + conf(p.Ranking[1].Confidence)
	}
	return s
}

func conf(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

// disambiguate asks which of two close intents the last message meant,
// when the bot asks that (nlu.disambiguate), and reports whether it did.
func (m *machine) disambiguate() bool { return false }
