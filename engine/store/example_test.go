package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/botctl/botctl/engine/store"
)

// A turn reads the conversation, computes the new state, and commits it
// at the version it read; on ErrConflict another replica got there first,
// so it reads again and redoes the turn.
func Example() {
	ctx := context.Background()
	s := store.NewMemory() // or store.Open("file:./botctl-data/botctl.db"), store.Open("redis://127.0.0.1:6379/0")
	defer s.Close()

	err := s.Create(ctx, store.Record{ID: "c1", Bot: "acme", State: json.RawMessage(`{"turns":0}`)},
		[]store.Message{{Kind: "bot", Text: "Hi! How can I help?"}})
	if err != nil {
		panic(err)
	}
	for {
		rec, err := s.Get(ctx, "c1")
		if err != nil {
			panic(err)
		}
		next := json.RawMessage(`{"turns":1}`) // turn.Drive would compute this
		rec, err = s.Commit(ctx, "c1", rec.Version, store.Update{State: next, Msgs: []store.Message{{Kind: "user", Text: "where is my order?"}, {Kind: "bot", Text: "Your order number?"}}, Reply: &store.Reply{Key: "request-42", Status: 200, Body: []byte(`{"messages":["Your order number?"]}`)}})

		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			panic(err)
		}
		fmt.Println("version", rec.Version, "last message", rec.LastSeq)
		break
	}
	msgs, _ := s.Messages(ctx, "c1", 1, 0)
	for _, m := range msgs {
		fmt.Println(m.Seq, m.Kind, m.Text)
	}
	r, ok, _ := s.Reply(ctx, "c1", "request-42")
	fmt.Println(ok, r.Status, string(r.Body))
	// Output:
	// version 2 last message 3
	// 2 user where is my order?
	// 3 bot Your order number?
	// true 200 {"messages":["Your order number?"]}
}
