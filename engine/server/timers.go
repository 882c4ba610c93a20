package server

import (
	"context"
	"errors"
	"time"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/turn"
)

// Timers. A conversation's next timer (an inactivity limit, a schedule)
// is in its state, and the store indexes when it is due (Meta.Due, kept
// by every commit). Every replica polls the store for the conversations
// due and gives each a tick: a turn like any other, serialised and
// compare-and-swapped, so that when two replicas tick the same
// conversation one commits and the other finds nothing due any more. A
// timer due while every server was down fires at the first poll after
// one starts.

// TimerPoll is how often FireTimersEvery looks for timers due: a timer
// fires within about this of its time.
const TimerPoll = time.Second

// timerBatch bounds the conversations one poll ticks.
const timerBatch = 100

// FireTimers gives a tick to each conversation whose timer is due and
// returns how many fired.
func (s *Server) FireTimers(ctx context.Context) (int, error) {
	n := 0
	for {
		ids, err := s.store.DueBefore(ctx, s.now(), timerBatch)
		if err != nil {
			return n, storeError("due", err)
		}
		fired := 0
		for _, id := range ids {
			ok, err := s.fire(ctx, id)
			if err != nil {
				return n, err
			}
			if ok {
				fired++
			}
		}
		n += fired
		if len(ids) < timerBatch || fired == 0 {
			return n, nil
		}
	}
}

// fire ticks one conversation; false when nothing was due after all
// (another replica fired it first, or it is gone).
func (s *Server) fire(ctx context.Context, id string) (bool, error) {
	ti := turnInput{in: turn.Input{Kind: turn.Tick}, kind: "timer"}
	_, _, _, err := s.runTurn(ctx, id, idem{}, ti, func(*turnOutput) (int, any) { return 200, nil })
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, turn.ErrNotDue):
		// The index said due, the state says not (a bot whose new
		// version lost the timer's dialog, a state stored by another
		// version of botctl): put the index right, or the conversation
		// is ticked again at every poll.
		return false, s.refreshDue(ctx, id)
	case errors.Is(err, store.ErrNotFound), refusal(err) != nil:
		return false, nil
	}
	return false, err
}

// refreshDue stores the conversation's Meta as its state has it.
func (s *Server) refreshDue(ctx context.Context, id string) error {
	rec, err := s.store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return storeError("get", err)
	}
	st, err := s.decodeState(rec.State)
	if err != nil {
		return err
	}
	meta := metaOf(s.stateBot(st), st)
	if meta.Due.Equal(rec.Due) {
		return nil
	}
	_, err = s.store.Commit(ctx, id, rec.Version, store.Update{Meta: &meta})
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		return nil // written meanwhile: that commit has the Meta right
	}
	if err != nil {
		return storeError("commit", err)
	}
	return nil
}

// FireTimersEvery runs FireTimers every interval until ctx is done,
// logging what fails.
func (s *Server) FireTimersEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.FireTimers(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "firing timers", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
