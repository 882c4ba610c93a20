package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store/redistest"
)

// TestRedisRetriedWrite: go-redis resends a command whose reply was lost
// on the network. The resent Create or Commit carries the same commit id
// and must count as the write that already happened, not as ErrExists or
// ErrConflict (which would make the server run the turn a second time).
func TestRedisRetriedWrite(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	clock := time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC)
	r, err := OpenRedis(srv.URL(0), WithClock(func() time.Time { return clock }))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	rec := Record{ID: "c", Bot: "acme", State: json.RawMessage(`{"n":1}`)}
	for i := range 2 {
		if err := r.create(ctx, rec, []Message{{Kind: "bot", Text: "hi"}}, "create-1"); err != nil {
			t.Fatalf("create #%d: %v", i+1, err)
		}
	}
	if err := r.create(ctx, rec, nil, "create-2"); !errors.Is(err, ErrExists) {
		t.Errorf("create with another commit id: %v, want ErrExists", err)
	}

	var first Record
	for i := range 2 {
		got, err := r.commit(ctx, "c", 1, Update{State: json.RawMessage(`{"n":2}`), Msgs: []Message{{Kind: "user", Text: "yo"}}, Reply: &Reply{Key: "k", Status: 200}, Meta: &Meta{User: "u1"}}, "commit-1")
		if err != nil {
			t.Fatalf("commit #%d: %v", i+1, err)
		}
		if i == 0 {
			first = got
			continue
		}
		if got.Version != 2 || got.LastSeq != 2 || string(got.State) != `{"n":2}` || !got.Created.Equal(first.Created) || got.Bot != "acme" || got.User != "u1" {
			t.Errorf("retried commit = %+v, want %+v", got, first)
		}
	}
	// A different write at the old version is a real conflict.
	if _, err := r.commit(ctx, "c", 1, Update{}, "commit-2"); !errors.Is(err, ErrConflict) {
		t.Errorf("commit with another commit id: %v, want ErrConflict", err)
	}
	msgs, err := r.Messages(ctx, "c", 0, 0)
	if err != nil || len(msgs) != 2 || msgs[0].Text != "hi" || msgs[1].Text != "yo" {
		t.Errorf("messages = %+v, %v; want hi, yo once each", msgs, err)
	}
	got, err := r.Get(ctx, "c")
	if err != nil || got.Version != 2 {
		t.Errorf("Get = %+v, %v; want version 2", got, err)
	}
}
