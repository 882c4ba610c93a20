package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
)

// The cases of timers: a conversation's Meta.Due, which DueBefore finds.

func dueBefore(t *testing.T, s store.Store, at time.Time, limit int) []string {
	t.Helper()
	ids, err := s.DueBefore(ctx, at, limit)
	if err != nil {
		t.Fatalf("DueBefore(%v, %d): %v", at, limit, err)
	}
	return ids
}

func (su *suite) dueBefore(t *testing.T) {
	s := su.new(t)
	at := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	// Created in an order unlike their due times, to show the order is
	// by due time; c4 has no timer.
	for i, due := range []int{30, 10, 20, 10, -1} {
		m := store.Meta{User: "u"}
		if due >= 0 {
			m.Due = at(due)
		}
		createAt(t, s, fmt.Sprint("c", i), "acme", base, m)
	}
	sameIDs(t, "DueBefore(+5m)", dueBefore(t, s, at(5), 10))
	sameIDs(t, "DueBefore(+10m)", dueBefore(t, s, at(10), 10), "c1", "c3")
	sameIDs(t, "DueBefore(+25m)", dueBefore(t, s, at(25), 10), "c1", "c3", "c2")
	sameIDs(t, "DueBefore(+1h)", dueBefore(t, s, at(60), 10), "c1", "c3", "c2", "c0")
	sameIDs(t, "DueBefore(+1h, 2)", dueBefore(t, s, at(60), 2), "c1", "c3")
	if rec := get(t, s, "c2"); !rec.Due.Equal(at(20)) {
		t.Errorf("Get: Due = %v, want %v", rec.Due, at(20))
	}

	// A commit that fires the timer moves it, or clears it; one without
	// Meta keeps it.
	if _, err := s.Commit(ctx, "c1", 1, store.Update{Meta: &store.Meta{User: "u", Due: at(50)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, "c3", 1, store.Update{Meta: &store.Meta{User: "u"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, "c2", 1, store.Update{Msgs: []store.Message{{Kind: "user", Text: "x"}}}); err != nil {
		t.Fatal(err)
	}
	sameIDs(t, "DueBefore(+1h) after the commits", dueBefore(t, s, at(60), 10), "c2", "c0", "c1")
	if rec := get(t, s, "c3"); !rec.Due.IsZero() {
		t.Errorf("a cleared timer: Due = %v", rec.Due)
	}
	// An erased conversation has no timer.
	if err := s.Delete(ctx, "c0"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Expire(ctx, base.Add(time.Second), 10); err != nil { // c4 and c0 are gone already, c1..c3 were committed since
		t.Fatal(err)
	}
	sameIDs(t, "DueBefore(+1h) after erasing", dueBefore(t, s, at(60), 10), "c2", "c1")
	if _, err := s.DueBefore(ctx, at(60), 0); err == nil {
		t.Error("DueBefore with limit 0: no error")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DueBefore(ctx, at(60), 10); err == nil || errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("DueBefore after Close: %v", err)
	}
}

func (su *suite) dueReopen(t *testing.T) {
	if su.reopen == nil {
		t.Skip("not durable: no storetest.Reopen")
	}
	s := su.open(t)
	createAt(t, s, "a", "acme", base, store.Meta{Due: base.Add(time.Hour)})
	createAt(t, s, "b", "acme", base, store.Meta{Due: base.Add(time.Minute)})
	if _, err := s.Commit(ctx, "a", 1, store.Update{Meta: &store.Meta{Due: base.Add(2 * time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	s = su.reopen(t, s)
	t.Cleanup(func() { s.Close() })
	sameIDs(t, "DueBefore after reopen", dueBefore(t, s, base.Add(time.Hour), 10), "b", "a")
}
