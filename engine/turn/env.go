package turn

import "github.com/botctl/botctl/engine/cond"

// Env returns the expression environment of
// docs/language.md#152-the-environment as the conversation
// stands between turns: its variables, parameters, user profile, last
// message, last integration result and `conversation`, with the clock and
// declared environment of c (nil means the zero Context). `answer` is nil and
// `secret` is empty, as they are outside a question and an integration
// request. Hosts use it to evaluate conditions over a conversation, such as
// the `?` assertions of a transcript.
//
// The maps are the State's own, not copies: the Env must only be read, and
// only while s is not modified.
func (s State) Env(c *Context) cond.Env {
	if c == nil {
		c = &Context{}
	}
	env := cond.Env{
		Vars: s.Vars, Params: s.Params, User: s.User, Input: s.Input,
		Env: c.Env, Now: c.now,
		Conversation: cond.Conversation{
			ID: s.ID, StartedAt: s.StartedAt, Turn: s.Turn, Owner: s.Owner, Tags: tags(s.Tags),
		},
	}
	if s.Result != nil {
		env.Result = *s.Result
	}
	return env
}
