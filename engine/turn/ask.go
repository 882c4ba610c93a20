package turn

import (
	"strconv"
	"time"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/defaults"
)

// askStep sends the question and waits for its answer. A file question's
// answer is an upload (upload.go).
func (m *machine) askStep(s *graph.Step) (graph.Target, bool) {
	m.traceStep(s, "ask")
	a := s.Ask
	text, ok := m.render(s, a.Text)
	if !ok {
		return graph.Target{}, true
	}
	m.say(text, s.Delay)
	if !m.buttons(s) {
		return graph.Target{}, true
	}
	if a.Type == graph.File {
		m.out(Output{Kind: OutUpload, Accept: a.Accept})
	}
	m.st.Wait = WaitAnswer
	m.st.Attempts = 0
	return graph.Target{}, true
}

// typedAnswer reports whether text is an answer of the question's type
// other than free text: a number to a number question, one of the choices
// (or a synonym or near miss of one) to a choice question. Such an answer
// is taken as the answer even when the classifier hears an intent in it;
// free text, which any message is, gives way to an interrupting intent.
func typedAnswer(a *graph.Ask, text string, now time.Time) bool {
	if a.Type == graph.Text || a.Type == graph.File {
		return false
	}
	if _, ok := ParseAnswer(a, text, now); ok {
		return true
	}
	if a.Type == graph.Choice {
		_, _, ok := fuzzyChoice(a, text)
		return ok
	}
	return false
}

// buttons sends the buttons of the question at s, if it has any: a choice
// question's choices, or its buttons. It reports false when a button's
// template failed (and the turn failed with it).
func (m *machine) buttons(s *graph.Step) bool {
	switch {
	case s.Ask.Type == graph.Choice:
		m.out(Output{Kind: OutButtons, Buttons: s.Ask.Choices})
	case len(s.Buttons) > 0:
		labels, ok := m.renderAll(s, s.Buttons)
		if !ok {
			return false
		}
		m.out(Output{Kind: OutButtons, Buttons: labels})
	}
	return true
}

// answer takes the user's answer to the question at s: parsed by its type
// (answer.go), then checked by its validate expression.
func (m *machine) answer(s *graph.Step, text string) {
	a := s.Ask
	if a.Type == graph.File {
		// A text message instead of a file counts as an invalid attempt.
		m.invalid(s, a.Invalid, "a text message instead of a file")
		return
	}
	m.st.Attempts++
	if a.Extract != nil {
		m.extract(s, text)
		return
	}
	m.check(s, text)
}

// check parses and validates an answer (or the value a model read out of
// it) and accepts it, or counts a failed attempt.
func (m *machine) check(s *graph.Step, text string) {
	a := s.Ask
	v, ok := ParseAnswer(a, text, m.ctx.now())
	if !ok && a.Type == graph.Choice {
		var why string
		v, why, ok = fuzzyChoice(a, text)
		if ok {
			m.traceStep(s, "answer", "taken as ", quoteText(v.(string)), ": ", why)
		}
	}
	if ok && a.Validate != nil {
		m.env.Answer = v
		valid, err := a.Validate.Bool(&m.env)
		if err != nil {
			m.fail(s, "validate: %v", err)
			return
		}
		ok = valid
	}
	if !ok {
		m.attemptFailed(s, a.Retry, "invalid answer")
		return
	}
	m.accept(s, v)
}

// accept saves a valid answer and follows the question's rules.
func (m *machine) accept(s *graph.Step, v any) {
	m.st.Vars[s.Ask.Save] = v
	m.env.Answer = v
	m.clearWait()
	t, taken, ok := m.rules(s, s.Rules)
	if !ok {
		return
	}
	m.traceRules(s, "answer", taken, taken, t, "saved ", s.Ask.Save)
	if taken == 0 {
		t = s.Next
	}
	m.run(m.follow(t))
}

// attemptFailed handles an answer that counted as an attempt and failed:
// the retry text while attempts remain, else on_fail. The retry text
// carries the question's buttons again, since the question still waits
// for them: a chat shows buttons with the last message only.
func (m *machine) attemptFailed(s *graph.Step, retry *cond.Template, why string) {
	a := s.Ask
	if m.st.Attempts >= a.MaxAttempts {
		edge := EdgeExhausted
		if a.HasOnFail {
			edge = EdgeOnFail
		}
		m.traceEdge(s, "answer", edge, why, "; attempts used up")
		m.clearWait()
		if a.HasOnFail {
			m.run(m.follow(a.OnFail))
			return
		}
		m.sayError()
		m.endDialog()
		return
	}
	if m.tracing() {
		m.traceStep(s, "answer", why, "; attempt ", strconv.Itoa(m.st.Attempts), " of ", strconv.Itoa(a.MaxAttempts))
	}
	m.st.Wait = WaitAnswer
	switch {
	case retry != nil:
		text, ok := m.render(s, retry)
		if !ok {
			return
		}
		m.say(text, 0)
	case a.Type == graph.Choice:
		m.say(defaults.ChoiceRetry(a.Choices), 0)
	default:
		m.say(DefaultRetry[a.Type], 0)
	}
	m.buttons(s)
}
