package turn

import (
	"fmt"
	"time"

	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/defaults"
)

// transferStep sends the step's message, if any, and asks the host to
// request the handover (EffTransfer). Nothing else changes until the
// host's word comes back as a TransferDone input (see transferDone).
func (m *machine) transferStep(s *graph.Step) (graph.Target, bool) {
	m.traceStep(s, "transfer", "to ", s.Transfer.To)
	spec := s.Transfer
	msg, ok := m.render(s, spec.Message)
	if !ok {
		return graph.Target{}, true
	}
	tr := &Transfer{To: spec.To, Bot: spec.Bot, Context: spec.Context, Tags: spec.Tags, Dialog: s.Dialog.Name, Message: msg}
	if tr.Skill, ok = m.render(s, spec.Skill); !ok {
		return graph.Target{}, true
	}
	if tr.Agent, ok = m.render(s, spec.Agent); !ok {
		return graph.Target{}, true
	}
	if msg != "" {
		m.say(msg, s.Delay)
	}
	m.st.Wait = WaitTransfer
	m.st.Transfer = tr
	m.st.Resume = nil // the question goes with the conversation
	m.effect(Effect{Kind: EffTransfer, Transfer: tr})
	return graph.Target{}, true
}

// transferDone takes the host's word on a transfer request. Once the host
// has requested it, the handover happens all at once: the action
// `<< transfer ...` is shown, the step's tags are added, ownership passes
// (to the agent, or to the other bot) and the dialog ends. A request that
// failed changes nothing but what was said: the step's on_failure runs,
// else transfer_failed_message is sent and the dialog ends.
func (m *machine) transferDone(failure string) {
	s := m.waitingStep()
	t := m.st.Transfer
	m.clearWait()
	if t == nil {
		m.st.Transfer = nil
		m.endDialog()
		return
	}
	if failure != "" {
		m.st.Transfer = nil
		m.reply.Errors = append(m.reply.Errors, "transfer could not be requested: "+failure)
		onFailure := s != nil && s.HasOnFailure
		edge := EdgeFailed
		if onFailure {
			edge = EdgeOnFailure
		}
		m.traceEdge(s, "transfer", edge, "could not be requested: ", failure)
		if onFailure {
			m.run(m.follow(s.OnFailure))
			return
		}
		m.sayTemplate(m.bot.TransferFailedMessage, 0)
		m.endDialog()
		return
	}
	var delay time.Duration
	if s != nil && t.Message == "" {
		delay = s.Delay // no message carried the step's delay
	}
	m.out(Output{Kind: OutTransfer, Transfer: t, Delay: delay})
	for _, tag := range t.Tags {
		if !contains(m.st.Tags, tag) {
			m.st.Tags = append(m.st.Tags, tag)
		}
	}
	if t.To == "bot" {
		m.st.HandedTo = t.Bot
		m.st.TransferFailures = 0
		m.traceStep(s, "transfer", "handed to the bot ", t.Bot)
	} else {
		m.st.Owner = OwnerAgent
		m.traceStep(s, "transfer", "requested: an agent owns the conversation")
	}
	m.syncConversation()
	m.endDialog()
}

// agentDone takes the event agent_done: the handoff went through, the bot
// has the conversation back and the count of failed escalations starts
// again.
func (m *machine) agentDone() {
	m.st.Turn++
	m.handBack()
	m.st.TransferFailures = 0
	m.traceOwner("agent", "agent_done: the bot owns the conversation again")
	m.startEvent = map[string]string{"name": EventAgentDone}
	m.raise(EventAgentDone)
}

// escalationFailed takes the event agent_escalation_failed: the bot has
// the conversation back, and its escalation_failed dialog may try again,
// up to max_transfer_attempts failures in a row.
func (m *machine) escalationFailed() {
	st := &m.st
	st.Turn++
	m.handBack()
	st.TransferFailures++
	limit := m.bot.MaxTransferAttempts
	if limit <= 0 {
		limit = defaults.MaxTransferAttempts
	}
	if st.TransferFailures >= limit {
		// No more retries: the bot says so and starts no dialog, for
		// this failure and every further one until a handoff goes
		// through (agent_done).
		if m.tracing() {
			m.traceOwner("agent", fmt.Sprintf("agent_escalation_failed %d times in a row (max_transfer_attempts %d): transfer_failed_message", st.TransferFailures, limit))
		}
		m.sayTemplate(m.bot.TransferFailedMessage, 0)
		return
	}
	if m.tracing() {
		m.traceOwner("agent", fmt.Sprintf("agent_escalation_failed (%d of %d in a row): the bot owns the conversation again", st.TransferFailures, limit))
	}
	m.raise(EventEscalationFail)
}

// handBack returns the conversation from the agent to the bot.
func (m *machine) handBack() {
	m.st.Owner = OwnerBot
	m.st.Transfer = nil
	m.st.Quiet, m.st.Nudged = m.ctx.now(), 0 // the bot waits for its user again
	m.syncConversation()
}
