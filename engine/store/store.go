// Package store keeps conversations for `botctl serve`: their state, their
// message log and the replies of idempotent requests.
//
// Store is a small interface with four implementations: Memory (tests and
// single-process demos), File (an embedded bbolt database, durable, the
// default), Redis and Postgres (each shared by several serve replicas).
// Every implementation passes the same behaviour test (storetest). Open
// picks one from a --store value ("memory", "file:PATH",
// "redis://HOST:PORT/DB", "postgres://USER:PASSWORD@HOST:PORT/DATABASE").
//
// Concurrency is optimistic: a Record carries a Version, and Commit applies
// a turn only if the conversation is still at the version the turn started
// from. A server serialises turns on one conversation in-process and retries
// a turn that lost a race with another replica.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Errors a Store returns; compare with errors.Is.
var (
	ErrNotFound = errors.New("conversation not found")
	ErrExists   = errors.New("conversation already exists")
	ErrConflict = errors.New("conversation changed since it was read")
	ErrClosed   = errors.New("store closed")
)

// Record is a stored conversation.
type Record struct {
	ID      string
	Bot     string
	Version int64           // starts at 1 on Create; Commit increments it
	State   json.RawMessage // turn.State as JSON
	Created time.Time
	Updated time.Time
	LastSeq int64 // the Seq of the last message in the log, 0 for none
	Meta
}

// Meta is what conversations are found by (List) and erased by: who the
// user is, who owns the conversation, and its tags. The store keeps it
// beside the state, which it never reads.
type Meta struct {
	User  string   // the user.id given at start; "" for none
	Owner string   // bot or agent
	Tags  []string // in the order they were added, without repeats
	// Due is when the conversation next has a timer to fire (an
	// inactivity limit, a schedule); zero for none. DueBefore finds it.
	Due time.Time
}

// Update is what a Commit changes.
type Update struct {
	State json.RawMessage // the new state; nil keeps the stored one
	Meta  *Meta           // the new Meta; nil keeps the stored one
	Msgs  []Message       // appended to the log
	Reply *Reply          // recorded under its key, if not nil
}

// Message is one entry of a conversation's log: what the user said, what
// the bot (or the agent) showed, events, and integration calls with their
// responses (for exporting the conversation as a transcript).
type Message struct {
	Seq  int64           `json:"seq"` // 1, 2, 3, ... per conversation, assigned by Commit
	Time time.Time       `json:"time"`
	Kind string          `json:"kind"` // user, bot, action, event, call, error, ...
	Text string          `json:"text,omitempty"`
	Data json.RawMessage `json:"data,omitempty"` // kind-specific details
}

// Reply is a remembered response to a request with an Idempotency-Key.
type Reply struct {
	Key    string
	Status int
	Body   []byte
}

// Store keeps conversations. Implementations are safe for concurrent use.
type Store interface {
	// Create stores a new conversation at Version 1 with its first
	// messages (the welcome output). ErrExists if the id is taken.
	// A zero Created is the current time; Updated is Created.
	Create(ctx context.Context, rec Record, msgs []Message) error

	// Get returns the conversation. ErrNotFound if there is none.
	Get(ctx context.Context, id string) (Record, error)

	// Commit atomically, and durably before it returns: replaces the
	// state and the Meta, appends the messages (assigning their Seq after
	// LastSeq), records the reply (if not nil) under its key, and
	// increments the version — only if the stored version is still
	// version. It returns the new Record. ErrConflict if the version
	// moved; ErrNotFound if the conversation is gone. A message with a
	// zero Time gets the commit time. States and message data must be
	// JSON; stores keep them compacted, and keep times in UTC.
	Commit(ctx context.Context, id string, version int64, u Update) (Record, error)

	// Messages returns the log entries with Seq > after, oldest first, at
	// most limit of them (limit <= 0: all).
	Messages(ctx context.Context, id string, after int64, limit int) ([]Message, error)

	// Reply returns the remembered reply for an idempotency key of the
	// conversation; ok is false when there is none.
	Reply(ctx context.Context, id, key string) (r Reply, ok bool, err error)

	// Delete erases the conversation, durably before it returns: its
	// record, its log and its replies, from every index. ErrNotFound if
	// there is none. A Commit racing with it gets ErrNotFound.
	Delete(ctx context.Context, id string) error

	// List returns the conversations that match q, newest Updated first
	// (equal times: by ID, descending), without their State.
	List(ctx context.Context, q Query) (Page, error)

	// Expire erases up to limit of the conversations last updated before
	// the given time, oldest first, and returns their ids. Fewer than
	// limit means none is left.
	Expire(ctx context.Context, before time.Time, limit int) ([]string, error)

	// DueBefore returns the ids of up to limit conversations whose
	// Meta.Due is set and not after t, the earliest due first.
	DueBefore(ctx context.Context, t time.Time, limit int) ([]string, error)

	// Close releases the store's resources.
	Close() error
}

// Query selects conversations for List. Its zero value selects every
// conversation, DefaultLimit at a time.
type Query struct {
	Bot          string    // only this bot's; "" for any
	User         string    // only this Meta.User's; "" for any
	Owner        string    // only those with this owner; "" for any
	Tag          string    // only those with this tag; "" for any
	UpdatedSince time.Time // only those updated at or after it; zero for any
	Limit        int       // at most this many: 1 to MaxLimit; 0 is DefaultLimit
	Cursor       string    // Page.Next of the previous page; "" for the first
}

// Page is one page of a List.
type Page struct {
	Records []Record // State is nil
	Next    string   // the cursor of the next page; "" when this is the last
}

// Limits of a Query.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Expirer is implemented by stores that drop idle conversations by
// themselves (Redis, with a TTL refreshed on every write).
type Expirer interface {
	SetTTL(d time.Duration)
}

// Pinger is implemented by stores that depend on something that can be
// down (Redis); the server's /healthz calls Ping. Memory and File
// implement it too, answering nil while they are open.
type Pinger interface {
	Ping(ctx context.Context) error
}
