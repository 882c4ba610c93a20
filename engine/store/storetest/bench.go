package storetest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/botctl/botctl/engine/store"
)

// State is a realistic conversation state of about 600 bytes, as
// turn.Marshal writes one mid-conversation.
var State = json.RawMessage(`{"version":1,"id":"0f8c2a4e-5b7d-4c1e-9a3f-6d2b8e7c1a90","bot":"acme-support",` +
	`"started_at":"2025-06-01T09:30:00Z","owner":"bot","user":{"id":"u-48213","name":"Ada Lovelace",` +
	`"email":"ada@example.com","locale":"en-GB"},"params":{"channel":"web","page":"/orders"},` +
	`"vars":{"order_id":"A-102934","email":"ada@example.com","attempts":1,"wants_agent":false,` +
	`"order":{"status":"shipped","carrier":"DHL","eta":"2025-06-03"}},` +
	`"stack":[{"dialog":"order_status","step":3,"attempts":0}],"tags":["orders"],` +
	`"waiting":{"kind":"ask","save":"confirm","type":"yes_no"},"last_input":"A-102934",` +
	`"turns":4,"trace":null,"transfer":null,"closed":false}`)

// Turn is what one turn typically appends: the user's line and the bot's.
func Turn(n int) []store.Message {
	return []store.Message{
		{Kind: "user", Text: fmt.Sprintf("my order is A-%06d", n)},
		{Kind: "bot", Text: "Your order has shipped with DHL and arrives on 3 June."},
	}
}

// Bench runs the store benchmarks: Get, Commit one goroutine at a time,
// and Commit from many goroutines on their own conversations (where a
// store that groups commits shows it).
func Bench(b *testing.B, open Opener) {
	b.Run("Get", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		if err := s.Create(ctx, store.Record{ID: "c", Bot: "acme", State: State}, Turn(0)); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Get(ctx, "c"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Commit", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		if err := s.Create(ctx, store.Record{ID: "c", Bot: "acme", State: State}, nil); err != nil {
			b.Fatal(err)
		}
		v := int64(1)
		b.ReportAllocs()
		for b.Loop() {
			rec, err := s.Commit(ctx, "c", v, store.Update{State: State, Msgs: Turn(int(v))})
			if err != nil {
				b.Fatal(err)
			}
			v = rec.Version
		}
	})
	b.Run("CommitParallel", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		var next atomic.Int64
		b.ReportAllocs()
		// Turns wait on I/O, so a server runs many more at once than it
		// has cores.
		b.SetParallelism(32)
		b.RunParallel(func(pb *testing.PB) {
			id := fmt.Sprint("c", next.Add(1))
			if err := s.Create(ctx, store.Record{ID: id, Bot: "acme", State: State}, nil); err != nil {
				b.Error(err)
				return
			}
			v := int64(1)
			for pb.Next() {
				rec, err := s.Commit(ctx, id, v, store.Update{State: State, Msgs: Turn(int(v))})
				if err != nil {
					b.Error(err)
					return
				}
				v = rec.Version
			}
		})
		if st, ok := s.(interface{ Stats() store.FileStats }); ok {
			if n := st.Stats(); n.Groups > 0 {
				b.ReportMetric(float64(n.Writes)/float64(n.Groups), "writes/fsync")
			}
		}
	})
}

// IdleID is the id of the i-th conversation Idle creates: scattered and
// UUID-sized, like the ids a server mints.
func IdleID(i int) string {
	h := fnv.New128a()
	fmt.Fprint(h, i)
	b := h.Sum(nil)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Idle fills s with n idle conversations, each with State and the four
// messages of a welcome and one turn, and no idempotent reply. It creates
// them from 16 goroutines, as a busy server would.
func Idle(tb testing.TB, s store.Store, n int) {
	tb.Helper()
	const workers = 16
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				msgs := append([]store.Message{{Kind: "bot", Text: "Hi! I am the Acme bot. How can I help?"}, {Kind: "action", Text: "<< buttons Order status | Agent"}}, Turn(i)...)
				if err := s.Create(ctx, store.Record{ID: IdleID(i), Bot: "acme-support", State: State}, msgs); err != nil {
					tb.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if tb.Failed() {
		tb.FailNow()
	}
}
