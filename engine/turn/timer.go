package turn

import (
	"slices"
	"strconv"
	"time"

	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/duration"
)

// Timers: a conversation can be woken by time, not only by its user.
// Inactivity (bot.inactivity) fires the event inactive when the user has
// written nothing for a limit; a schedule step starts a dialog later. Both
// are part of the state, so they survive restarts and move with the
// conversation between replicas; the engine never waits. A host asks Due
// when the conversation next needs a Tick, and gives it one then: the
// tick fires what is due at the turn's clock, once, because the state it
// leaves records what fired.

// EventInactive is the event bot.inactivity fires; event.after is the
// limit reached, as the bot writes durations ("2m").
const EventInactive = "inactive"

// Scheduled is a dialog a schedule step will start.
type Scheduled struct {
	ID     string    `json:"id"`     // unique in the conversation
	Due    time.Time `json:"due"`    // when it starts
	Dialog string    `json:"dialog"` // by name: a new version of the bot still finds it
}

// Resume is the question a timer's dialog interrupted: when that dialog
// ends without going elsewhere, the question waits again, as it was.
type Resume struct {
	By       string `json:"by"` // the dialog the timer started
	Dialog   string `json:"dialog"`
	Step     string `json:"step"` // the question's step key
	Attempts int    `json:"attempts,omitempty"`
}

// Due returns when the conversation in st next needs a Tick, and false
// when no timer of it can fire (none set, or the conversation is closed,
// with an agent, or waiting for an effect's result).
func Due(bot *graph.Bot, st State) (time.Time, bool) {
	if !ticks(st) {
		return time.Time{}, false
	}
	due, ok := inactivityDue(bot, st)
	for _, s := range st.Schedules {
		if !ok || s.Due.Before(due) {
			due, ok = s.Due, true
		}
	}
	return due, ok
}

// ticks reports whether timers may fire in st: the bot owns the
// conversation and waits for its user.
func ticks(st State) bool {
	return st.Owner == OwnerBot && st.HandedTo == "" &&
		(st.Wait == WaitNone || st.Wait == WaitAnswer || st.Wait == WaitIntent)
}

// inactivityDue is when the next inactivity limit of the silence is
// reached, if the bot has one and a dialog that starts on it.
func inactivityDue(bot *graph.Bot, st State) (time.Time, bool) {
	if st.Quiet.IsZero() || st.Nudged >= len(bot.Inactivity) || bot.Starters.MatchEvent(EventInactive) == nil {
		return time.Time{}, false
	}
	return st.Quiet.Add(bot.Inactivity[st.Nudged]), true
}

// tick fires the earliest timer due at the turn's clock. Of the
// inactivity limits reached, only the longest fires: a nudge the user
// could not have read before the next one is left out. Nothing due is
// ErrNotDue.
func (m *machine) tick() error {
	st := &m.st
	if st.Owner == OwnerClosed {
		return ErrClosed
	}
	if !ticks(*st) {
		return ErrNotDue
	}
	now := m.ctx.now()
	inact, iok := inactivityDue(m.bot, *st)
	iok = iok && !inact.After(now)
	first := -1
	for i, s := range st.Schedules {
		if !s.Due.After(now) && (first < 0 || s.Due.Before(st.Schedules[first].Due)) {
			first = i
		}
	}
	switch {
	case iok && (first < 0 || !st.Schedules[first].Due.Before(inact)):
		n := st.Nudged
		for n+1 < len(m.bot.Inactivity) && !st.Quiet.Add(m.bot.Inactivity[n+1]).After(now) {
			n++
		}
		st.Nudged = n + 1
		after := duration.Format(m.bot.Inactivity[n])
		st.Turn++
		m.syncConversation()
		s := m.bot.Starters.MatchEvent(EventInactive)
		m.traceStart(s.Dialog, "event ", EventInactive, " after ", after)
		m.startTimerDialog(s.Dialog, map[string]string{"name": EventInactive, "after": after})
	case first >= 0:
		s := st.Schedules[first]
		st.Schedules = slices.Delete(slices.Clone(st.Schedules), first, first+1)
		if len(st.Schedules) == 0 {
			st.Schedules = nil
		}
		st.Turn++
		m.syncConversation()
		d := m.bot.Dialog(s.Dialog)
		if d == nil {
			m.traceOwner("schedule", "the scheduled dialog ", s.Dialog, " is not in this version of the bot; nothing happens")
			return nil
		}
		m.traceStart(d, "schedule ", s.ID)
		m.startTimerDialog(d, map[string]string{"name": "schedule", "schedule": s.ID})
	default:
		return ErrNotDue
	}
	return nil
}

// startTimerDialog starts a dialog for a timer. A question that waits is
// not dropped: it waits again once the dialog ends without going
// elsewhere (Resume, endDialog).
func (m *machine) startTimerDialog(d *graph.Dialog, event map[string]string) {
	st := &m.st
	st.Resume = nil
	if st.Wait == WaitAnswer && st.Dialog != "" {
		if step := m.waitingStep(); step != nil && step.Ask != nil {
			st.Resume = &Resume{By: d.Name, Dialog: st.Dialog, Step: st.Step, Attempts: st.Attempts}
		}
	}
	m.startEvent = event
	m.startDialog(d)
}

// resume puts the conversation back at the question a timer's dialog
// interrupted, if it is still in the bot.
func (m *machine) resume() {
	st := &m.st
	r := st.Resume
	st.Resume = nil
	if r == nil || st.Owner != OwnerBot {
		return
	}
	step := StepAt(m.bot, r.Dialog, r.Step)
	if step == nil || step.Ask == nil {
		return
	}
	st.Dialog, st.Step, st.Wait, st.Attempts = r.Dialog, r.Step, WaitAnswer, r.Attempts
	m.traceStep(step, "resume", "the question waits again for its answer")
}

// schedule runs a schedule step: the dialog starts after the delay, and
// control goes on at once.
func (m *machine) scheduleStep(s *graph.Step) (graph.Target, bool) {
	sc := s.Schedule
	if sc == nil || sc.Dialog == nil {
		return s.Next, false
	}
	st := &m.st
	st.ScheduleSeq++
	id := "s" + strconv.Itoa(st.ScheduleSeq)
	due := m.ctx.now().Add(sc.After)
	st.Schedules = append(slices.Clone(st.Schedules), Scheduled{ID: id, Due: due, Dialog: sc.Dialog.Name})
	m.traceStep(s, "schedule", sc.Dialog.Name, " at ", due.UTC().Format(time.RFC3339), " (", id, ")")
	return s.Next, false
}
