package turn

import (
	"errors"
	"fmt"

	"github.com/botctl/botctl/engine/graph"
)

// Parameters a transfer `to: bot` with `context: true` gives the receiving
// bot, read there as params.intent and params.message.
const (
	ParamIntent  = "intent"  // the dialog of the sending bot that transferred
	ParamMessage = "message" // the last user message
)

// ErrNoHandoff is Handoff's answer for a state no transfer `to: bot` has
// handed over.
var ErrNoHandoff = errors.New("the conversation was not handed to another bot")

// Handoff builds the conversation that a transfer `to: bot` hands to the
// bot to, and the input that starts it there. from is the sending bot's
// state after the turn that made the transfer (from.HandedTo names to). A
// host serving several bots replaces the stored conversation with the
// returned state and runs Drive with to and the returned input:
//
//	if st.HandedTo != "" {
//		next, in, err := turn.Handoff(st, bots[st.HandedTo])
//		...
//		st, reply, err = turn.Drive(ctx, bots[st.HandedTo], next, in, c, p)
//	}
//
// The receiving conversation keeps the conversation's id, start time, turn
// count, user profile and tags, and starts with the receiving bot's own
// variables at their initial values. It is owned by the bot.
//
// With `context: true` it also gets the conversation's context:
//   - every variable the receiving bot declares that the sending bot had
//     takes the sender's value (other variables of either bot are left
//     alone);
//   - params are the sending conversation's params plus intent (the dialog
//     that transferred) and message (the last user message);
//   - input is the last user message;
//   - it starts with the dialog whose starter (a pattern, a regex, or one of
//     its intents) matches the last user message,
//     so the customer need not repeat themselves, or, when none matches,
//     with the welcome dialog.
//
// Without context it starts like a new conversation: no params, no input,
// the welcome dialog. Handoff is pure: from is not modified.
func Handoff(from State, to *graph.Bot) (State, Input, error) {
	t := from.Transfer
	if from.HandedTo == "" || t == nil || t.To != "bot" {
		return State{}, Input{}, ErrNoHandoff
	}
	if to == nil || from.HandedTo != to.Name {
		name := "no bot"
		if to != nil {
			name = "the bot " + to.Name
		}
		return State{}, Input{}, fmt.Errorf("the conversation was handed to the bot %s, not to %s", from.HandedTo, name)
	}
	var user map[string]any
	if from.User != nil {
		user = deepCopy(from.User).(map[string]any)
	}
	st := NewState(to, from.ID, from.StartedAt, user, nil)
	st.Turn = from.Turn
	st.Tags = append([]string(nil), from.Tags...)
	in := Input{Kind: Start}
	if !t.Context {
		return st, in, nil
	}
	for name := range st.Vars {
		if v, ok := from.Vars[name]; ok {
			st.Vars[name] = deepCopy(v)
		}
	}
	params := map[string]any{}
	if from.Params != nil {
		params = deepCopy(from.Params).(map[string]any)
	}
	params[ParamIntent] = t.Dialog
	params[ParamMessage] = from.Input
	st.Params = params
	st.Input = from.Input
	if from.Input != "" {
		s := to.Starters.Match(from.Input)
		if s == nil && to.NLU != nil && to.Starters.Intents != nil {
			// The receiving bot's own intents, as if the user had
			// written the message to it.
			s = to.Starters.MatchIntent(to.NLU.Classify(from.Input).Intent, false)
		}
		if s != nil && s.Dialog != nil {
			in.Dialog = s.Dialog.Name
		}
	}
	return st, in, nil
}
