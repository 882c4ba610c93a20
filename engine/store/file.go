package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// File keeps conversations in one bbolt database file: embedded, durable,
// the default store of `botctl serve`. Create and Commit return only after
// the change is fsynced to disk.
//
// Commits are grouped: while one transaction is being written, the commits
// that arrive queue up and go to disk together in the next transaction,
// with one fsync. A lone commit is written at once (no waiting for
// company), so grouping costs no latency and concurrent turns do not pay
// one fsync each.
//
// One process at a time may open the file; a second OpenFile fails with
// an error saying so. File is safe for concurrent use.
type File struct {
	db   *bolt.DB
	path string
	cfg  config

	mu     sync.RWMutex // guards closed and sends on reqs
	closed bool
	reqs   chan *fileReq
	done   chan struct{} // closed when the committer has stopped

	writes, txs atomic.Int64
}

// FileStats counts File's writes and the transactions (each one fsync)
// that carried them: Writes/Transactions is the mean group size.
type FileStats struct {
	Writes       int64 // Creates and Commits written
	Transactions int64 // write transactions committed
}

// Stats returns the counts since OpenFile.
func (f *File) Stats() FileStats {
	return FileStats{Writes: f.writes.Load(), Transactions: f.txs.Load()}
}

var (
	_ Store  = (*File)(nil)
	_ Pinger = (*File)(nil)
)

// The database layout: three top-level buckets. Records are keyed by
// conversation id; messages and replies by the id (length-prefixed, so no
// id is a prefix of another's keys) followed by the big-endian Seq or the
// idempotency key.
var (
	bucketMeta     = []byte("meta")
	bucketRecords  = []byte("records")
	bucketMessages = []byte("messages")
	bucketReplies  = []byte("replies")
	keyFormat      = []byte("format")
	formatVersion  = []byte("1")
)

type fileRecord struct {
	Bot     string          `json:"bot"`
	Version int64           `json:"version"`
	State   json.RawMessage `json:"state,omitempty"`
	Created time.Time       `json:"created"`
	Updated time.Time       `json:"updated"`
	LastSeq int64           `json:"last_seq"`
}

type fileReply struct {
	Status int    `json:"status"`
	Body   []byte `json:"body,omitempty"`
}

// fileReq is one write waiting for the committer. fn may run more than
// once (when another write of its group fails, the group is retried
// without it), so it must reset whatever result it records.
type fileReq struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// OpenFile opens (creating it and its parent directories if need be) the
// database at path. Options: WithLockTimeout, WithMaxBatch, WithClock.
func OpenFile(path string, opts ...Option) (*File, error) {
	cfg := newConfig(opts)
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: cfg.lockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("store: %s is locked: another botctl serve is using it (stop that one, or give each server its own file, or use a redis:// store to share conversations)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		switch f := meta.Get(keyFormat); {
		case f == nil:
			if err := meta.Put(keyFormat, formatVersion); err != nil {
				return err
			}
		case !bytes.Equal(f, formatVersion):
			return fmt.Errorf("format %q, this botctl reads format %q", f, formatVersion)
		}
		for _, name := range [][]byte{bucketRecords, bucketMessages, bucketReplies} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	f := &File{
		db:   db,
		path: path,
		cfg:  cfg,
		reqs: make(chan *fileReq, cfg.maxBatch),
		done: make(chan struct{}),
	}
	go f.commitLoop()
	return f, nil
}

// Path returns the database file's path as given to OpenFile.
func (f *File) Path() string { return f.path }

// update runs fn in a write transaction shared with the other writes
// queued meanwhile, and returns once that transaction is on disk.
func (f *File) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	req := &fileReq{fn: fn, done: make(chan error, 1)}
	f.mu.RLock()
	if f.closed {
		f.mu.RUnlock()
		return ErrClosed
	}
	f.reqs <- req
	f.mu.RUnlock()
	// No ctx case: once queued, the write may land, and the caller must
	// learn whether it did.
	return <-req.done
}

// commitLoop is the single writer: it takes the first waiting write, then
// everything else already queued (up to maxBatch), and commits them in one
// transaction.
func (f *File) commitLoop() {
	defer close(f.done)
	batch := make([]*fileReq, 0, f.cfg.maxBatch)
	for req := range f.reqs {
		batch = append(batch[:0], req)
	fill:
		for len(batch) < f.cfg.maxBatch {
			select {
			case r, ok := <-f.reqs:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		f.commit(batch)
	}
}

// commit writes a group. A write whose fn fails is taken out and run on
// its own, so its error is its alone, and the rest are retried together.
func (f *File) commit(batch []*fileReq) {
	for len(batch) > 0 {
		failed := -1
		err := f.db.Update(func(tx *bolt.Tx) error {
			for i, r := range batch {
				if err := r.fn(tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			if err == nil {
				f.txs.Add(1)
				f.writes.Add(int64(len(batch)))
			}
			for _, r := range batch {
				r.done <- err
			}
			return
		}
		r := batch[failed]
		err = f.db.Update(r.fn)
		if err == nil {
			f.txs.Add(1)
			f.writes.Add(1)
		}
		r.done <- err
		batch = append(batch[:failed], batch[failed+1:]...)
	}
}

// Create implements Store.
func (f *File) Create(ctx context.Context, rec Record, msgs []Message) error {
	if err := checkID(rec.ID); err != nil {
		return err
	}
	now := stamp(f.cfg.now())
	rec, err := newRecord(rec, len(msgs), now)
	if err != nil {
		return err
	}
	added, err := prepare(msgs, 0, now)
	if err != nil {
		return err
	}
	enc, err := marshal(fileRecord{Bot: rec.Bot, Version: 1, State: rec.State, Created: rec.Created, Updated: rec.Updated, LastSeq: rec.LastSeq})
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	encMsgs, err := encodeMessages(added)
	if err != nil {
		return err
	}
	id := []byte(rec.ID)
	var exists bool
	err = f.update(ctx, func(tx *bolt.Tx) error {
		exists = false
		records := tx.Bucket(bucketRecords)
		if records.Get(id) != nil {
			exists = true
			return nil
		}
		if err := records.Put(id, enc); err != nil {
			return err
		}
		return putMessages(tx, rec.ID, 0, encMsgs)
	})
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if exists {
		return ErrExists
	}
	return nil
}

// Get implements Store.
func (f *File) Get(ctx context.Context, id string) (Record, error) {
	if err := ctxErr(ctx); err != nil {
		return Record{}, err
	}
	var rec Record
	err := f.view(func(tx *bolt.Tx) error {
		r, err := getRecord(tx, id)
		if err != nil {
			return err
		}
		rec = r.record(id)
		return nil
	})
	return rec, err
}

// view runs a read-only transaction, mapping bbolt's closed-database
// error to ErrClosed.
func (f *File) view(fn func(*bolt.Tx) error) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed {
		return ErrClosed
	}
	return f.db.View(fn)
}

func getRecord(tx *bolt.Tx, id string) (fileRecord, error) {
	var r fileRecord
	v := tx.Bucket(bucketRecords).Get([]byte(id))
	if v == nil {
		return r, ErrNotFound
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return r, fmt.Errorf("store: conversation %s: %w", id, err)
	}
	return r, nil
}

func (r fileRecord) record(id string) Record {
	return Record{ID: id, Bot: r.Bot, Version: r.Version, State: r.State, Created: r.Created, Updated: r.Updated, LastSeq: r.LastSeq}
}

// Commit implements Store.
func (f *File) Commit(ctx context.Context, id string, version int64, state json.RawMessage, msgs []Message, reply *Reply) (Record, error) {
	if err := checkReply(reply); err != nil {
		return Record{}, err
	}
	now := stamp(f.cfg.now())
	// Encode everything that does not depend on the stored record out here,
	// so the part that runs inside the shared transaction stays short.
	added, err := prepare(msgs, 0, now)
	if err != nil {
		return Record{}, err
	}
	if state, err = compactState(state); err != nil {
		return Record{}, err
	}
	var encReply []byte
	if reply != nil {
		if encReply, err = marshal(fileReply{Status: reply.Status, Body: reply.Body}); err != nil {
			return Record{}, fmt.Errorf("store: %w", err)
		}
	}
	var (
		out    Record
		result error // ErrNotFound, ErrConflict or nil: decided in the transaction
	)
	err = f.update(ctx, func(tx *bolt.Tx) error {
		out, result = Record{}, nil
		r, err := getRecord(tx, id)
		if errors.Is(err, ErrNotFound) {
			result = err
			return nil
		}
		if err != nil {
			return err
		}
		if r.Version != version {
			result = ErrConflict
			return nil
		}
		for i := range added {
			added[i].Seq = r.LastSeq + int64(i) + 1
		}
		enc, err := encodeMessages(added)
		if err != nil {
			return err
		}
		if err := putMessages(tx, id, r.LastSeq, enc); err != nil {
			return err
		}
		if reply != nil {
			if err := tx.Bucket(bucketReplies).Put(subKey(id, []byte(reply.Key)), encReply); err != nil {
				return err
			}
		}
		if state != nil {
			r.State = state
		}
		r.Version++
		r.Updated = now
		r.LastSeq += int64(len(added))
		encRec, err := marshal(r)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketRecords).Put([]byte(id), encRec); err != nil {
			return err
		}
		out = r.record(id)
		out.State = cloneRaw(out.State)
		return nil
	})
	if err != nil {
		return Record{}, fmt.Errorf("store: %w", err)
	}
	return out, result
}

func encodeMessages(msgs []Message) ([][]byte, error) {
	out := make([][]byte, len(msgs))
	for i, m := range msgs {
		b, err := marshal(m)
		if err != nil {
			return nil, fmt.Errorf("store: message %d: %w", i+1, err)
		}
		out[i] = b
	}
	return out, nil
}

func putMessages(tx *bolt.Tx, id string, last int64, enc [][]byte) error {
	b := tx.Bucket(bucketMessages)
	for i, m := range enc {
		if err := b.Put(seqKey(id, last+int64(i)+1), m); err != nil {
			return err
		}
	}
	return nil
}

// idPrefix is the start of every messages/replies key of a conversation:
// the id's length as a uvarint, then the id.
func idPrefix(id string) []byte {
	p := binary.AppendUvarint(make([]byte, 0, len(id)+10), uint64(len(id)))
	return append(p, id...)
}

func seqKey(id string, seq int64) []byte {
	return binary.BigEndian.AppendUint64(idPrefix(id), uint64(seq))
}

func subKey(id string, key []byte) []byte {
	return append(idPrefix(id), key...)
}

// Messages implements Store.
func (f *File) Messages(ctx context.Context, id string, after int64, limit int) ([]Message, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	out := []Message{}
	err := f.view(func(tx *bolt.Tx) error {
		if _, err := getRecord(tx, id); err != nil {
			return err
		}
		prefix := idPrefix(id)
		c := tx.Bucket(bucketMessages).Cursor()
		for k, v := c.Seek(seqKey(id, max(after, 0)+1)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if limit > 0 && len(out) == limit {
				break
			}
			var m Message
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("store: conversation %s: message: %w", id, err)
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Reply implements Store.
func (f *File) Reply(ctx context.Context, id, key string) (Reply, bool, error) {
	if err := ctxErr(ctx); err != nil {
		return Reply{}, false, err
	}
	var (
		r  Reply
		ok bool
	)
	err := f.view(func(tx *bolt.Tx) error {
		if _, err := getRecord(tx, id); err != nil {
			return err
		}
		v := tx.Bucket(bucketReplies).Get(subKey(id, []byte(key)))
		if v == nil {
			return nil
		}
		var fr fileReply
		if err := json.Unmarshal(v, &fr); err != nil {
			return fmt.Errorf("store: conversation %s: reply %q: %w", id, key, err)
		}
		r, ok = Reply{Key: key, Status: fr.Status, Body: fr.Body}, true
		return nil
	})
	return r, ok, err
}

// Ping implements Pinger: nil while the database is open.
func (f *File) Ping(ctx context.Context) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	return f.view(func(*bolt.Tx) error { return nil })
}

// Close waits for the writes already queued, then closes the database
// and releases its lock. Later calls return ErrClosed.
func (f *File) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	close(f.reqs)
	f.mu.Unlock()
	<-f.done
	if err := f.db.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", f.path, err)
	}
	return nil
}

// InUse reports how many bytes of the file's pages hold data (the rest is
// free space from earlier transactions and room to grow), for sizing.
func (f *File) InUse() int64 {
	var n int64
	f.view(func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
			st := b.Stats()
			n += int64(st.BranchInuse + st.LeafInuse + st.InlineBucketInuse)
			return nil
		})
	})
	return n
}

// WriteTo writes a consistent copy of the whole database to w while the
// store goes on serving (a read transaction sees one moment), for online
// backups. The copy is a bbolt file OpenFile can open.
func (f *File) WriteTo(w io.Writer) (n int64, err error) {
	err = f.view(func(tx *bolt.Tx) error {
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}
