package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Delete implements Store. The erasure is logged like a commit, in order
// with the writes around it; the database erases the conversation's keys
// when it next takes in the log.
func (f *File) Delete(ctx context.Context, id string) error {
	return f.write(ctx, &fileOp{kind: logDelete, id: id})
}

// snapshot runs fn with a read-only transaction and a copy of pending as
// it was when the transaction began (see pendingView): a conversation
// missing from the copy is in the database as tx sees it. fn holds up
// no write: pending is not locked while it runs.
func (f *File) snapshot(fn func(tx *bolt.Tx, pend map[string]*pendingConv) error) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed {
		return ErrClosed
	}
	f.dbmu.RLock()
	defer f.dbmu.RUnlock()
	f.pmu.RLock()
	tx, err := f.db.Begin(false)
	pend := maps.Clone(f.pending)
	f.pmu.RUnlock()
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback()
	return fn(tx, pend)
}

// List implements Store. It walks the updated index (the users index for
// a query by user) from the cursor on, reading the record of each
// conversation there to check the other filters, and merges in the
// conversations the log has newer than the database.
func (f *File) List(ctx context.Context, q Query) (Page, error) {
	lq, err := checkQuery(q)
	if err != nil {
		return Page{}, err
	}
	if err := ctxErr(ctx); err != nil {
		return Page{}, err
	}
	var recs []Record
	err = f.snapshot(func(tx *bolt.Tx, pend map[string]*pendingConv) error {
		var fresh []Record
		for id, p := range pend {
			if p.rec == nil {
				continue
			}
			r, _, err := decodeRecordHead(p.rec)
			if err != nil {
				return fmt.Errorf("store: conversation %s: %w", id, err)
			}
			if rec := r.record(id); lq.match(rec) {
				fresh = append(fresh, rec)
			}
		}
		slices.SortFunc(fresh, newer)
		w := newListWalk(tx, lq, pend)
		head, ok, err := w.next()
		// One more than the page, for its cursor.
		for err == nil && len(recs) <= lq.Limit {
			switch {
			case ok && (len(fresh) == 0 || newer(head, fresh[0]) < 0):
				recs = append(recs, head)
				head, ok, err = w.next()
			case len(fresh) > 0:
				recs = append(recs, fresh[0])
				fresh = fresh[1:]
			default:
				return nil
			}
		}
		return err
	})
	if err != nil {
		return Page{}, err
	}
	return lq.page(recs), nil
}

// listWalk goes through the database's conversations in List's order,
// newest first, by an index: keys of a prefix (the user's, or none), then
// the time and the id. It leaves out the conversations in skip (the log
// has them newer) and those the query does not match, and stops at the
// first one updated before the query's UpdatedSince.
type listWalk struct {
	q      listQuery
	convs  *bolt.Bucket
	c      *bolt.Cursor
	prefix []byte
	skip   map[string]*pendingConv
	k      []byte // the next key; nil at the end
	key    []byte // a record's key, reused
}

func newListWalk(tx *bolt.Tx, q listQuery, skip map[string]*pendingConv) *listWalk {
	w := &listWalk{q: q, convs: tx.Bucket(bucketConvs), skip: skip}
	idx := tx.Bucket(bucketByUpdated)
	if q.User != "" {
		idx = tx.Bucket(bucketByUser)
		w.prefix = idPrefix(q.User)
	}
	w.c = idx.Cursor()
	// Start at the last key before the position: the cursor's own
	// conversation, or the end of the prefix's keys.
	var k []byte
	switch {
	case q.from.id != "" || !q.from.updated.IsZero():
		k, _ = w.c.Seek(append(appendTimeKey(slices.Clone(w.prefix), q.from.updated), q.from.id...))
	case w.prefix != nil:
		k, _ = w.c.Seek(prefixEnd(w.prefix))
	}
	if k == nil {
		w.k, _ = w.c.Last()
	} else {
		w.k, _ = w.c.Prev()
	}
	return w
}

// prefixEnd is the first key after every key starting with p (which is
// not all 0xff: an idPrefix never is).
func prefixEnd(p []byte) []byte {
	end := slices.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i]++; end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}

// next returns the next conversation, false at the end.
func (w *listWalk) next() (Record, bool, error) {
	for w.k != nil {
		k := w.k
		w.k, _ = w.c.Prev()
		rest, ok := bytes.CutPrefix(k, w.prefix)
		if !ok {
			break
		}
		if len(rest) < timeKeyLen {
			return Record{}, false, fmt.Errorf("store: bad index key %q", k)
		}
		if !w.q.UpdatedSince.IsZero() && timeFromKey(rest).Before(w.q.UpdatedSince) {
			break
		}
		id := rest[timeKeyLen:]
		if _, ok := w.skip[string(id)]; ok {
			continue
		}
		w.key = append(binary.AppendUvarint(w.key[:0], uint64(len(id))), id...)
		w.key = append(w.key, tagRecord)
		v := w.convs.Get(w.key)
		if v == nil {
			return Record{}, false, fmt.Errorf("store: conversation %s is in an index but not in the database", id)
		}
		if !w.mayMatch(v) {
			continue
		}
		r, _, err := decodeRecordHead(v)
		if err != nil {
			return Record{}, false, fmt.Errorf("store: conversation %s: %w", id, err)
		}
		if rec := r.record(string(id)); w.q.match(rec) {
			return rec, true, nil
		}
	}
	w.k = nil
	return Record{}, false, nil
}

// mayMatch checks the bot, owner and tag filters on a record's value
// without decoding it (most records a filter by tag reads fail it):
// false only if the record does not match.
func (w *listWalk) mayMatch(v []byte) bool {
	bot, meta, _, err := recordParts(v)
	if err != nil {
		return true // for decodeRecordHead to report
	}
	if w.q.Bot != "" && string(bot) != w.q.Bot {
		return false
	}
	if w.q.Owner == "" && w.q.Tag == "" {
		return true
	}
	if len(meta) == 0 {
		return false
	}
	_, rest, _ := field(meta) // the user
	owner, rest, _ := field(rest)
	if w.q.Owner != "" && string(owner) != w.q.Owner {
		return false
	}
	if w.q.Tag == "" {
		return true
	}
	for len(rest) > 0 {
		t, r, ok := field(rest)
		if !ok || string(t) == w.q.Tag {
			return true
		}
		rest = r
	}
	return false
}

// Expire implements Store. It chooses the oldest conversations by the
// updated index (and the log), then has the committer erase those still
// last updated before the time when it logs their erasure: one committed
// to since it was chosen stays. It chooses again until it has erased
// limit or there are none left.
func (f *File) Expire(ctx context.Context, before time.Time, limit int) ([]string, error) {
	if err := checkExpire(limit); err != nil {
		return nil, err
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var erased []string
	for len(erased) < limit {
		ids, err := f.oldest(before, limit-len(erased))
		if err != nil || len(ids) == 0 {
			return erased, err
		}
		op := &fileOp{kind: opExpire, ids: ids, before: before}
		if err := f.write(ctx, op); err != nil {
			return erased, err
		}
		erased = append(erased, op.erased...)
	}
	return erased, nil
}

// oldest returns the ids of up to n conversations last updated before
// the given time, oldest first.
func (f *File) oldest(before time.Time, n int) ([]string, error) {
	var ids []string
	err := f.snapshot(func(tx *bolt.Tx, pend map[string]*pendingConv) error {
		var fresh []Record
		for id, p := range pend {
			if len(p.rec) < recHeader {
				continue // erased
			}
			if t := getTime(p.rec[recUpdated:]); t.Before(before) {
				fresh = append(fresh, Record{ID: id, Updated: t})
			}
		}
		slices.SortFunc(fresh, func(a, b Record) int { return newer(b, a) })
		c := tx.Bucket(bucketByUpdated).Cursor()
		k, _ := c.First()
		// nextOld returns the next old conversation of the database.
		nextOld := func() (Record, bool) {
			for ; k != nil; k, _ = c.Next() {
				if len(k) < timeKeyLen {
					continue
				}
				t := timeFromKey(k)
				if !t.Before(before) {
					break
				}
				id := string(k[timeKeyLen:])
				if _, ok := pend[id]; !ok {
					k, _ = c.Next()
					return Record{ID: id, Updated: t}, true
				}
			}
			k = nil
			return Record{}, false
		}
		head, ok := nextOld()
		for len(ids) < n {
			switch {
			case ok && (len(fresh) == 0 || newer(fresh[0], head) < 0):
				ids = append(ids, head.ID)
				head, ok = nextOld()
			case len(fresh) > 0:
				ids = append(ids, fresh[0].ID)
				fresh = fresh[1:]
			default:
				return nil
			}
		}
		return nil
	})
	return ids, err
}
