// Package runtime runs conversations over a compiled bot. A turn is a pure
// function of the bot, the conversation state and one input; it returns the
// new state, the outputs to show and the effects the host must perform.
package runtime
