package turn

import (
	"context"

	"github.com/botctl/botctl/engine/graph"
)

// Performer performs the effects of a turn for a host: integration calls,
// transfer requests and file storage.
type Performer interface {
	// Call performs an integration request. Every failure is reported in
	// the result (Error set), never as a Go error.
	Call(ctx context.Context, req *Request) CallResult
	// Transfer requests a handover; an error means it could not even be requested.
	Transfer(ctx context.Context, t *Transfer) error
	// Store stores an uploaded file and returns its id.
	Store(ctx context.Context, f *File) (id string, err error)
}

// Checkpointer is implemented by performers that store the conversation
// before each effect: a server, so that a turn rerun after a conflict, or
// another replica, finds the effect claimed and never performs it again.
// Checkpoint gets the state that waits for eff and the reply so far; an
// error stops Drive before the effect, and Drive returns it.
type Checkpointer interface {
	Checkpoint(ctx context.Context, st State, eff Effect, sofar Reply) error
}

// MaxEffects bounds the effects one Drive may perform, a second guard
// (after MaxSteps) against a bot that loops through integration calls.
const MaxEffects = 100

// Drive runs a turn and performs its effects with p, feeding each result
// back into the engine, until the conversation waits for the user. The
// outputs, traces and errors of every step are concatenated in order.
func Drive(ctx context.Context, bot *graph.Bot, st State, in Input, c *Context, p Performer) (State, Reply, error) {
	st, reply, err := Run(bot, st, in, c)
	if err != nil {
		return st, reply, err
	}
	cp, _ := p.(Checkpointer)
	all := reply
	all.Effects = nil
	for i := 0; len(reply.Effects) > 0; i++ {
		if i >= MaxEffects {
			all.Errors = append(all.Errors, "more than 100 integration calls, transfers or uploads in one turn; stopped")
			break
		}
		eff := reply.Effects[0]
		if cp != nil {
			if err := cp.Checkpoint(ctx, st, eff, all); err != nil {
				return st, all, err
			}
		}
		all.Effects = append(all.Effects, eff)
		var next Input
		switch eff.Kind {
		case EffCall:
			r := p.Call(ctx, eff.Call)
			next = Input{Kind: CallDone, Result: &r}
		case EffTransfer:
			next = Input{Kind: TransferDone}
			if err := p.Transfer(ctx, eff.Transfer); err != nil {
				next.Err = err.Error()
			}
		case EffStore:
			id, err := p.Store(ctx, eff.File)
			next = Input{Kind: UploadDone, FileID: id}
			if err != nil {
				next.Err = err.Error()
			}
		}
		st, reply, err = Run(bot, st, next, c)
		if err != nil {
			return st, all, err
		}
		for _, t := range reply.Trace {
			t.Out += len(all.Outputs)
			all.Trace = append(all.Trace, t)
		}
		all.Outputs = append(all.Outputs, reply.Outputs...)
		all.Errors = append(all.Errors, reply.Errors...)
	}
	return st, all, nil
}
