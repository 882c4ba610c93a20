package store

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Memory keeps conversations in the process: fast, shared by nothing,
// gone when the process ends. It is meant for tests and demos
// (`botctl serve --store memory`). Its zero value is not usable; call
// NewMemory. Memory is safe for concurrent use.
type Memory struct {
	cfg    config
	mu     sync.RWMutex
	convs  map[string]*memConv
	vers   map[string]map[string]BotVersion // bot -> hash -> version
	closed bool
}

type memConv struct {
	rec     Record
	msgs    []Message
	replies map[string]Reply
}

var (
	_ Store  = (*Memory)(nil)
	_ Pinger = (*Memory)(nil)
)

// NewMemory returns an empty in-memory store. WithClock is the only
// option it uses.
func NewMemory(opts ...Option) *Memory {
	return &Memory{cfg: newConfig(opts), convs: make(map[string]*memConv)}
}

// Create implements Store.
func (m *Memory) Create(ctx context.Context, rec Record, msgs []Message) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	rec, added, err := newConversation(rec, msgs, stamp(m.cfg.now()))
	if err != nil {
		return err
	}
	c := &memConv{rec: rec, msgs: added}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if _, ok := m.convs[rec.ID]; ok {
		return ErrExists
	}
	m.convs[rec.ID] = c
	return nil
}

// newConversation checks a conversation to create and returns it as every
// store keeps it at Version 1, with its first messages numbered from 1:
// JSON compacted, times stamped with now unless given.
func newConversation(rec Record, msgs []Message, now time.Time) (Record, []Message, error) {
	if err := checkID(rec.ID); err != nil {
		return Record{}, nil, err
	}
	created := now
	if !rec.Created.IsZero() {
		created = stamp(rec.Created)
	}
	state, err := compactState(rec.State)
	if err != nil {
		return Record{}, nil, err
	}
	added, err := prepare(msgs, 0, now)
	if err != nil {
		return Record{}, nil, err
	}
	meta, err := checkMeta(rec.Meta)
	if err != nil {
		return Record{}, nil, err
	}
	return Record{
		ID:      rec.ID,
		Bot:     rec.Bot,
		Version: 1,
		State:   state,
		Created: created,
		Updated: created,
		LastSeq: int64(len(msgs)),
		Meta:    meta,
	}, added, nil
}

// Get implements Store.
func (m *Memory) Get(ctx context.Context, id string) (Record, error) {
	if err := ctxErr(ctx); err != nil {
		return Record{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	c, err := m.conv(id)
	if err != nil {
		return Record{}, err
	}
	return c.rec.clone(), nil
}

// clone copies what a Record refers to, so that the caller's copy and
// the store's never alias.
func (r Record) clone() Record {
	r.State = cloneRaw(r.State)
	r.Meta = cloneMeta(r.Meta)
	return r
}

// conv finds a conversation; m.mu must be held.
func (m *Memory) conv(id string) (*memConv, error) {
	if m.closed {
		return nil, ErrClosed
	}
	c, ok := m.convs[id]
	if !ok {
		return nil, ErrNotFound
	}
	return c, nil
}

// Commit implements Store.
func (m *Memory) Commit(ctx context.Context, id string, version int64, u Update) (Record, error) {
	state, msgs, reply := u.State, u.Msgs, u.Reply
	if err := checkReply(reply); err != nil {
		return Record{}, err
	}
	var meta Meta
	if u.Meta != nil {
		var err error
		if meta, err = checkMeta(*u.Meta); err != nil {
			return Record{}, err
		}
	}
	if err := ctxErr(ctx); err != nil {
		return Record{}, err
	}
	now := stamp(m.cfg.now())
	state, err := compactState(state)
	if err != nil {
		return Record{}, err
	}
	added, err := prepare(msgs, 0, now)
	if err != nil {
		return Record{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, err := m.conv(id)
	if err != nil {
		return Record{}, err
	}
	if c.rec.Version != version {
		return Record{}, ErrConflict
	}
	for i := range added {
		added[i].Seq = c.rec.LastSeq + int64(i) + 1
	}
	// Readers copy messages out under the lock, so appending in place is
	// safe.
	c.msgs = append(c.msgs, added...)
	if reply != nil {
		if c.replies == nil {
			c.replies = make(map[string]Reply)
		}
		c.replies[reply.Key] = Reply{Key: reply.Key, Status: reply.Status, Body: cloneBytes(reply.Body)}
	}
	if state != nil {
		c.rec.State = state
	}
	if u.Meta != nil {
		c.rec.Meta = meta
	}
	c.rec.Version++
	c.rec.Updated = now
	c.rec.LastSeq += int64(len(added))
	return c.rec.clone(), nil
}

// Messages implements Store.
func (m *Memory) Messages(ctx context.Context, id string, after int64, limit int) ([]Message, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	c, err := m.conv(id)
	if err != nil {
		return nil, err
	}
	// Seq n is at index n-1: the log is never trimmed.
	start := min(max(after, 0), int64(len(c.msgs)))
	end := int64(len(c.msgs))
	if limit > 0 && int64(limit) < end-start {
		end = start + int64(limit)
	}
	out := make([]Message, 0, end-start)
	for _, msg := range c.msgs[start:end] {
		msg.Data = cloneRaw(msg.Data)
		out = append(out, msg)
	}
	return out, nil
}

// Reply implements Store.
func (m *Memory) Reply(ctx context.Context, id, key string) (Reply, bool, error) {
	if err := ctxErr(ctx); err != nil {
		return Reply{}, false, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	c, err := m.conv(id)
	if err != nil {
		return Reply{}, false, err
	}
	r, ok := c.replies[key]
	if !ok {
		return Reply{}, false, nil
	}
	r.Body = cloneBytes(r.Body)
	return r, true, nil
}

// Delete implements Store.
func (m *Memory) Delete(ctx context.Context, id string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.conv(id); err != nil {
		return err
	}
	delete(m.convs, id)
	return nil
}

// List implements Store by going through every conversation: Memory is
// for tests and demos, which hold few.
func (m *Memory) List(ctx context.Context, q Query) (Page, error) {
	lq, err := checkQuery(q)
	if err != nil {
		return Page{}, err
	}
	if err := ctxErr(ctx); err != nil {
		return Page{}, err
	}
	m.mu.RLock()
	if m.closed {
		m.mu.RUnlock()
		return Page{}, ErrClosed
	}
	var recs []Record
	for _, c := range m.convs {
		if lq.match(c.rec) {
			rec := c.rec.clone()
			rec.State = nil
			recs = append(recs, rec)
		}
	}
	m.mu.RUnlock()
	slices.SortFunc(recs, newer)
	return lq.page(recs), nil
}

// Expire implements Store.
func (m *Memory) Expire(ctx context.Context, before time.Time, limit int) ([]string, error) {
	if err := checkExpire(limit); err != nil {
		return nil, err
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	var old []Record
	for _, c := range m.convs {
		if c.rec.Updated.Before(before) {
			old = append(old, c.rec)
		}
	}
	slices.SortFunc(old, func(a, b Record) int { return newer(b, a) })
	ids := make([]string, 0, min(limit, len(old)))
	for _, rec := range old[:min(limit, len(old))] {
		delete(m.convs, rec.ID)
		ids = append(ids, rec.ID)
	}
	return ids, nil
}

// DueBefore implements Store.
func (m *Memory) DueBefore(ctx context.Context, t time.Time, limit int) ([]string, error) {
	if err := checkExpire(limit); err != nil {
		return nil, err
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	m.mu.RLock()
	if m.closed {
		m.mu.RUnlock()
		return nil, ErrClosed
	}
	var due []Record
	for _, c := range m.convs {
		if d := c.rec.Due; !d.IsZero() && !d.After(t) {
			due = append(due, c.rec)
		}
	}
	m.mu.RUnlock()
	slices.SortFunc(due, earlierDue)
	ids := make([]string, 0, min(limit, len(due)))
	for _, r := range due[:min(limit, len(due))] {
		ids = append(ids, r.ID)
	}
	return ids, nil
}

// Ping implements Pinger: nil while the store is open.
func (m *Memory) Ping(ctx context.Context) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return ErrClosed
	}
	return ctxErr(ctx)
}

// Len reports how many conversations the store holds.
func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.convs)
}

// Close drops every conversation; later calls return ErrClosed.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.convs = nil
	m.vers = nil
	return nil
}
