package server

import (
	"context"
	"errors"
	"time"

	"github.com/botctl/botctl/engine/store"
)

// expireBatch bounds the conversations one store call erases, so that a
// sweep after a long downtime does not hold a store for long.
const expireBatch = 500

// Sweep erases the conversations nobody wrote to for retention (none
// when retention is 0) and the uploaded files whose conversation is gone
// (erased by another replica, or while this one was down). It returns
// how many conversations it erased.
func (s *Server) Sweep(ctx context.Context, retention time.Duration) (int, error) {
	n := 0
	if retention > 0 {
		before := s.now().Add(-retention)
		for {
			ids, err := s.store.Expire(ctx, before, expireBatch)
			for _, id := range ids {
				s.erased(ctx, id, "", eraseRetention)
			}
			n += len(ids)
			if err != nil {
				return n, err
			}
			if len(ids) < expireBatch {
				break
			}
		}
	}
	return n, s.sweepFiles(ctx)
}

// sweepFiles erases the files of conversations the store no longer has.
func (s *Server) sweepFiles(ctx context.Context) error {
	convs, err := s.files.Conversations(ctx)
	if err != nil {
		return err
	}
	for _, id := range convs {
		_, err := s.store.Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			err = s.files.Delete(ctx, id)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// SweepEvery runs Sweep every interval until ctx is done, logging what it
// erased and what failed.
func (s *Server) SweepEvery(ctx context.Context, retention, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := s.Sweep(ctx, retention)
		if n > 0 {
			s.log.InfoContext(ctx, "retention: erased conversations nobody wrote to", "conversations", n, "retention", retention)
		}
		if err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "retention sweep", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SweepInterval is how often a server sweeps for a retention: a tenth of
// it, between a second and a minute, so that a conversation outlives its
// retention by at most that; hourly without one, for orphaned files only.
func SweepInterval(retention time.Duration) time.Duration {
	if retention <= 0 {
		return time.Hour
	}
	return min(max(retention/10, time.Second), time.Minute)
}
