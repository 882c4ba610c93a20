// Package webhook posts conversation events to an operator's URL — the
// outbound webhooks of `botctl serve --webhook URL` — and verifies them on
// the receiving side.
//
// A Sender never blocks the turn that emits an event: Send encodes the
// event, puts it on a bounded queue and returns. When the queue is full the
// oldest queued event is dropped (counted, reported to the observer and
// logged at most once a second): after an outage the receiver gets the
// recent events, such as a conversation's `closed`, rather than stale ones.
// One worker posts the queued events in order, retrying network errors, 5xx
// and 429 answers with exponential backoff and jitter (Retry-After is
// honoured up to the largest backoff), and gives up on an event after
// MaxAttempts. Because the worker finishes an event (delivered or given up)
// before it starts the next, a receiver sees each conversation's events —
// indeed all events — in the order they were sent, except for events dropped
// or given up.
//
//	s := webhook.New("https://hooks.acme.example/botctl", secret,
//		webhook.WithLogger(logger),
//		webhook.WithObserver(func(r webhook.Result) { deliveries.WithLabelValues(string(r.Outcome)).Inc() }),
//	)
//	s.Send(webhook.Event{Type: webhook.TypeMessage, Conversation: id, Bot: "acme", Data: msg})
//	...
//	err := s.Close(shutdownCtx) // drains the queue until the deadline
//
// Every request carries X-Botctl-Timestamp (Unix seconds) and
// X-Botctl-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">.
// Receivers written in Go check both with Verify, which also refuses a
// timestamp outside a tolerance so a captured request cannot be replayed
// later. docs/operations.md describes the protocol for receivers in other
// languages.
package webhook
