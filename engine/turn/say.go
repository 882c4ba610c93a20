package turn

import (
	"fmt"
	"time"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/defaults"
)

// sayStep sends the step's messages, the first after the step's delay,
// and its buttons.
func (m *machine) sayStep(s *graph.Step) (graph.Target, bool) {
	m.traceStep(s, "say")
	delay := s.Delay
	for _, t := range s.Say {
		text, ok := m.render(s, t)
		if !ok {
			return graph.Target{}, true
		}
		m.say(text, delay)
		delay = 0
	}
	if len(s.Buttons) > 0 {
		labels, ok := m.renderAll(s, s.Buttons)
		if !ok {
			return graph.Target{}, true
		}
		m.out(Output{Kind: OutButtons, Buttons: labels})
	}
	return s.Next, false
}

func (m *machine) say(text string, delay time.Duration) {
	m.out(Output{Kind: OutText, Text: text, Delay: delay})
}

// sayTemplate says what t renders to; an error in it is the author's to
// see, and the user sees nothing.
func (m *machine) sayTemplate(t *cond.Template, delay time.Duration) {
	if t == nil {
		return
	}
	text, err := t.Render(&m.env)
	if err != nil {
		m.reply.Errors = append(m.reply.Errors, fmt.Sprintf("rendering %q: %v", t.Source, err))
		return
	}
	m.say(text, delay)
}

// sayError says the bot's error_message, or the default one when it has
// none or it fails to render.
func (m *machine) sayError() {
	if m.bot.ErrorMessage == nil {
		m.say(defaults.ErrorMessage, 0)
		return
	}
	text, err := m.bot.ErrorMessage.Render(&m.env)
	if err != nil {
		text = defaults.ErrorMessage
	}
	m.say(text, 0)
}
