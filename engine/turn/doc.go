// Package turn runs conversations over a compiled bot. A turn is a pure
// function of the bot, the conversation state and one input; it returns the
// new state, the outputs to show and the effects the host must perform.
// Hosts run turns with Drive, which performs the effects with a Performer
// and feeds their results back:
//
//	st := turn.NewState(bot, id, time.Now(), user, params)
//	st, reply, err := turn.Drive(ctx, bot, st, turn.Input{Kind: turn.Start}, c, p)
//	st, reply, err = turn.Drive(ctx, bot, st, turn.Input{Kind: turn.Message, Text: "hi"}, c, p)
//
// A conversation is owned by the bot, by an agent (after a transfer to an
// agent, until the host delivers agent_done or agent_escalation_failed) or
// is closed; a transfer to another bot hands it to that bot, whose state
// Handoff builds. Inputs that make no sense for the owner are refused with
// an error and change nothing. docs/handoff.md describes the lifecycle.
package turn
