package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/transcript"
	"github.com/botctl/botctl/engine/turn"
)

// conversation is one replayed conversation, in process or over HTTP.
// start and input return the lines of what the bot did; an input the
// engine refused is a Refusal line, as a transcript writes it. An error
// is a failure of the run itself (no mock for a call, an HTTP error): the
// conversation cannot go on.
type conversation interface {
	start(ctx context.Context) ([]transcript.Line, error)
	input(ctx context.Context, l *transcript.Line) ([]transcript.Line, error)
}

// driver opens conversations that replay a script.
type driver interface {
	open(s *Script) conversation
}

// Caller performs integration calls for real (--no-mocks):
// *integration.Client is one.
type Caller interface {
	Call(ctx context.Context, req *turn.Request) turn.CallResult
}

// inprocDriver runs conversations in this process, as a served one runs:
// the state goes through its JSON form between turns, as it does through
// a store. Integration calls are answered by the transcript's mocks, or by
// live when it is set.
type inprocDriver struct {
	bot          *graph.Bot
	live         Caller
	env, secrets map[string]string // with live: from the process environment

	// now and id, when set, replace the transcript's clock and
	// conversation id (to find out whether the bot's answers depend on them).
	now time.Time
	id  string
}

func (d *inprocDriver) open(s *Script) conversation {
	h := &s.Transcript.Header
	c := &inprocConv{d: d, s: s, mocks: mock.NewPerformer(h.Mocks)}
	c.perf = &performer{mocks: c.mocks, live: d.live, transfers: h.Transfers, uploads: h.Uploads}
	now := h.Now
	if now.IsZero() {
		now = transcript.DefaultNow
	}
	if !d.now.IsZero() {
		now = d.now
	}
	c.ctx = &turn.Context{Now: now, Env: h.Env, Secrets: h.Secrets}
	if d.live != nil {
		c.ctx.Env, c.ctx.Secrets = d.env, d.secrets
	}
	return c
}

type inprocConv struct {
	d     *inprocDriver
	s     *Script
	ctx   *turn.Context
	perf  *performer
	mocks *mock.Performer
	state []byte // the conversation's state as JSON

	handedTo string // the bot a transfer to a bot handed the conversation to
}

func (c *inprocConv) start(ctx context.Context) ([]transcript.Line, error) {
	h := &c.s.Transcript.Header
	in := turn.Input{Kind: turn.Start, Dialog: h.Dialog}
	params := h.Params
	if h.Interaction != "" {
		var err error
		if in.Dialog, params, err = interaction(c.d.bot, h, c.ctx.Now); err != nil {
			return nil, err
		}
	}
	id := h.ID
	if id == "" {
		id = transcript.DefaultID
	}
	if c.d.id != "" {
		id = c.d.id
	}
	st := turn.NewState(c.d.bot, id, c.ctx.Now, h.User, params)
	return c.turn(ctx, st, in)
}

func (c *inprocConv) input(ctx context.Context, l *transcript.Line) ([]transcript.Line, error) {
	st, err := turn.Unmarshal(c.state)
	if err != nil {
		return nil, fmt.Errorf("the conversation's state does not decode: %w", err)
	}
	if l.Wait > 0 {
		return c.wait(ctx, st, l.Wait)
	}
	return c.turn(ctx, st, lineInput(l))
}

// wait moves the conversation's clock on and fires its timers due by
// then, as botctl test does.
func (c *inprocConv) wait(ctx context.Context, st turn.State, d time.Duration) ([]transcript.Line, error) {
	c.ctx.Now = c.ctx.Now.Add(d)
	var out []transcript.Line
	for range 100 {
		due, ok := turn.Due(c.d.bot, st)
		if !ok || due.After(c.ctx.Now) {
			return out, nil
		}
		lines, err := c.turn(ctx, st, turn.Input{Kind: turn.Tick})
		if err != nil {
			return nil, err
		}
		out = append(out, lines...)
		if st, err = turn.Unmarshal(c.state); err != nil {
			return nil, fmt.Errorf("the conversation's state does not decode: %w", err)
		}
	}
	return nil, fmt.Errorf("more than 100 timers fired in one wait")
}

func (c *inprocConv) turn(ctx context.Context, st turn.State, in turn.Input) ([]transcript.Line, error) {
	calls := len(c.mocks.Calls)
	next, reply, err := turn.Drive(ctx, c.d.bot, st, in, c.ctx, c.perf)
	if c.d.live == nil {
		for _, call := range c.mocks.Calls[calls:] {
			if call.Missing() {
				return nil, fmt.Errorf("integration %s was called, and the transcript has no mock for it", call.Integration)
			}
		}
	}
	out := make([]transcript.Line, 0, len(reply.Outputs)+1)
	for _, o := range reply.Outputs {
		out = append(out, transcript.OutputLine(o))
	}
	if err != nil {
		return append(out, transcript.RefusalLine(err)), nil // a refusal changes nothing
	}
	if c.state, err = turn.Marshal(next); err != nil {
		return nil, fmt.Errorf("the conversation's state does not encode: %w", err)
	}
	if next.HandedTo != "" {
		c.handedTo = next.HandedTo
	}
	return out, nil
}

// lineInput is the engine's input for a `>` or `>>` line.
func lineInput(l *transcript.Line) turn.Input {
	if l.Kind == transcript.Message {
		return turn.Input{Kind: turn.Message, Text: l.Text}
	}
	in := turn.Input{Kind: turn.Event, Event: l.Event, Fields: make(map[string]string, len(l.Fields))}
	for _, f := range l.Fields {
		in.Fields[f.Key] = f.Value
	}
	return in
}

// interaction starts a conversation through the header's interaction
// point, as a host does: its `when` must hold for the header's params,
// and its dialog starts with its own params, rendered from them.
func interaction(bot *graph.Bot, h *transcript.Header, now time.Time) (string, map[string]any, error) {
	in := bot.Interaction(h.Interaction)
	if in == nil {
		return "", nil, fmt.Errorf("the bot has no interaction %s", h.Interaction)
	}
	host := cond.Env{Params: h.Params, User: h.User, Env: h.Env, Now: func() time.Time { return now }}
	if in.When != nil {
		ok, err := in.When.Bool(&host)
		if err != nil {
			return "", nil, fmt.Errorf("interaction %s: its `when` fails: %v", in.ID, err)
		}
		if !ok {
			return "", nil, fmt.Errorf("interaction %s is not offered for the header's params", in.ID)
		}
	}
	params := make(map[string]any, len(in.Params))
	for _, p := range in.Params {
		v, err := p.Value.Render(&host)
		if err != nil {
			return "", nil, fmt.Errorf("interaction %s: param %s: %v", in.ID, p.Name, err)
		}
		params[p.Name] = v
	}
	return in.Dialog.Name, params, nil
}

// performer performs one conversation's effects: calls from the
// transcript's mocks (or live), transfers and stored files with the
// outcomes of its header's transfers: and uploads:, as botctl test does.
type performer struct {
	mocks              *mock.Performer
	live               Caller
	transfers, uploads []transcript.Outcome
	nt, nu             int
}

func (p *performer) Call(ctx context.Context, r *turn.Request) turn.CallResult {
	if p.live != nil {
		return p.live.Call(ctx, r)
	}
	return p.mocks.Call(ctx, r)
}

func nextOutcome(list []transcript.Outcome, n *int) (transcript.Outcome, bool) {
	if len(list) == 0 {
		return transcript.Outcome{}, false
	}
	o := list[min(*n, len(list)-1)]
	*n++
	return o, true
}

func (p *performer) Transfer(ctx context.Context, t *turn.Transfer) error {
	if o, ok := nextOutcome(p.transfers, &p.nt); ok && o.Error != "" {
		return errors.New(o.Error)
	}
	return p.mocks.Transfer(ctx, t)
}

func (p *performer) Store(ctx context.Context, f *turn.File) (string, error) {
	if o, ok := nextOutcome(p.uploads, &p.nu); ok {
		switch {
		case o.Error != "":
			return "", errors.New(o.Error)
		case o.ID != "":
			return o.ID, nil
		}
	}
	return p.mocks.Store(ctx, f)
}

// same reports whether the bot's line a is what the expected line e says:
// the same text, or the same action with the same labels or fields (so
// that skill=billing and skill="billing" are the same), as botctl test
// compares them.
func same(e, a *transcript.Line) bool {
	if e.Kind != a.Kind {
		return false
	}
	if e.Kind != transcript.Action || e.Action == "" || a.Action == "" {
		return e.Text == a.Text
	}
	return e.Action == a.Action && slices.Equal(e.Labels, a.Labels) && slices.Equal(e.Fields, a.Fields)
}

// matches reports whether a turn's lines are the expected ones.
func matches(expected []*transcript.Line, got []transcript.Line) bool {
	if len(expected) != len(got) {
		return false
	}
	for i := range got {
		if !same(expected[i], &got[i]) {
			return false
		}
	}
	return true
}
