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
	"github.com/botctl/botctl/engine/nlu/entity"
)

// understanding caches the turn's reading of the last user message. The
// machine holds it by pointer, made on first need, so that a turn of a bot
// without intents carries nothing of it.
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
	u := m.understanding()
	if !u.classified {
		u.classified = true
		u.pred = m.bot.NLU.Classify(m.st.Input)
	}
	return &u.pred
}

func (m *machine) understanding() *understanding {
	if m.nlu == nil {
		m.nlu = new(understanding)
	}
	return m.nlu
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
	if m.bot.ReadsEntities && !m.understanding().extracted {
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
	if !m.tracing() || m.understanding().traced {
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
// Two intents are close when both are in scope (at or above the
// threshold), their confidences differ by less than the margin, and they
// start different dialogs. The conversation then waits (WaitIntent) with
// the two intents' names in the state.
func (m *machine) disambiguate() bool {
	d := m.bot.Disambiguate
	if d == nil || m.bot.Starters.Intents == nil {
		return false
	}
	p := m.prediction()
	if p == nil || p.Intent == "" || len(p.Ranking) < 2 {
		return false
	}
	second := p.Ranking[1]
	if second.Confidence < m.bot.NLU.Threshold() || p.Confidence-second.Confidence >= d.Margin {
		return false
	}
	first, other := m.bot.Starters.MatchIntent(p.Intent, false), m.bot.Starters.MatchIntent(second.Intent, false)
	if first == nil || other == nil || first.Dialog == other.Dialog {
		return false
	}
	m.tracePrediction(p)
	m.traceOwner("intent", "too close to tell: asks whether ", p.Intent, " or ", second.Intent)
	m.st.LeaveDialog()
	text, ok := m.render(nil, d.Text)
	if !ok {
		return true
	}
	m.say(text, 0)
	m.out(Output{Kind: OutButtons, Buttons: []string{m.intentLabel(p.Intent), m.intentLabel(second.Intent)}})
	m.st.Wait = WaitIntent
	m.st.Intents = []string{p.Intent, second.Intent}
	return true
}

// chooseIntent takes the answer to the disambiguation question: one of the
// intents' labels, its number, its name, or a near miss of one. It starts
// the chosen intent's dialog and reports whether it did; an answer that
// picks neither is a new message.
func (m *machine) chooseIntent(text string) bool {
	names := m.st.Intents
	labels := make([]string, len(names))
	opts := make([]entity.Choice, len(names))
	for i, n := range names {
		labels[i] = m.intentLabel(n)
		opts[i] = entity.Choice{Value: labels[i], Synonyms: []string{n}}
	}
	i := -1
	if v, ok := parseChoice(labels, text); ok {
		i = indexOf(labels, v.(string))
	} else {
		i, _ = entity.MatchChoice(text, opts)
	}
	m.clearWait()
	if i < 0 {
		return false
	}
	s := m.bot.Starters.MatchIntent(names[i], false)
	if s == nil {
		return false // the bot changed under the conversation
	}
	m.traceStart(s.Dialog, "intent ", names[i], ", chosen")
	m.startDialog(s.Dialog)
	return true
}

func (m *machine) intentLabel(name string) string {
	if in := m.bot.Intent(name); in != nil {
		return in.Label
	}
	return name
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
