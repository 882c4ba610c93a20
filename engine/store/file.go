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

// The database layout (format 2): a meta bucket holding the format
// version, and one bucket, convs, holding everything of every conversation
// under keys that start with the conversation's prefix (the id's length as
// a uvarint, then the id, so no id's prefix is a prefix of another's):
//
//	prefix 'i' key       the reply remembered for an idempotency key (JSON)
//	prefix 'm' seq       the messages of one write, seq (big-endian uint64)
//	                     being the first one's Seq (see encodeMessages)
//	prefix 'r'           the record (see encodeRecord)
//
// The record sorts right after the conversation's latest messages, so a
// turn usually dirties one leaf page, and the commit path does no JSON
// inside the shared transaction. Format 1 (a bucket per kind, JSON records,
// a key per message) is not read: OpenFile reports it.
var (
	bucketMeta    = []byte("meta")
	bucketConvs   = []byte("convs")
	keyFormat     = []byte("format")
	formatVersion = []byte("2")
)

const (
	tagReply    = 'i'
	tagMessages = 'm'
	tagRecord   = 'r'
)

type fileRecord struct {
	Bot     string
	Version int64
	State   json.RawMessage
	Created time.Time
	Updated time.Time
	LastSeq int64
}

// A record's value: a fixed header, then the bot's name (uvarint length
// first), then the state's JSON to the end of the value (none: no state).
//
//	0  version      uint64 big-endian
//	8  last seq     uint64
//	16 created      int64 Unix seconds, uint32 nanoseconds
//	28 updated      int64 Unix seconds, uint32 nanoseconds
//	40 bot length, bot, state
const (
	recVersion = 0
	recLastSeq = 8
	recCreated = 16
	recUpdated = 28
	recHeader  = 40
)

func putTime(b []byte, t time.Time) {
	binary.BigEndian.PutUint64(b, uint64(t.Unix()))
	binary.BigEndian.PutUint32(b[8:], uint32(t.Nanosecond()))
}

func getTime(b []byte) time.Time {
	return time.Unix(int64(binary.BigEndian.Uint64(b)), int64(binary.BigEndian.Uint32(b[8:]))).UTC()
}

func encodeRecord(r fileRecord) []byte {
	b := make([]byte, recHeader, recHeader+binary.MaxVarintLen64+len(r.Bot)+len(r.State))
	binary.BigEndian.PutUint64(b[recVersion:], uint64(r.Version))
	binary.BigEndian.PutUint64(b[recLastSeq:], uint64(r.LastSeq))
	putTime(b[recCreated:], r.Created)
	putTime(b[recUpdated:], r.Updated)
	b = binary.AppendUvarint(b, uint64(len(r.Bot)))
	b = append(b, r.Bot...)
	return append(b, r.State...)
}

// recordTail returns where the state starts in a record's value.
func recordTail(v []byte) (int, error) {
	if len(v) < recHeader {
		return 0, errors.New("record too short")
	}
	n, w := binary.Uvarint(v[recHeader:])
	if w <= 0 || uint64(len(v)-recHeader-w) < n {
		return 0, errors.New("record: bad bot name")
	}
	return recHeader + w + int(n), nil
}

// decodeRecord decodes a record's value, copying what it keeps (v may
// be the database's memory).
func decodeRecord(v []byte) (fileRecord, error) {
	start, err := recordTail(v)
	if err != nil {
		return fileRecord{}, err
	}
	_, w := binary.Uvarint(v[recHeader:])
	r := fileRecord{
		Version: int64(binary.BigEndian.Uint64(v[recVersion:])),
		LastSeq: int64(binary.BigEndian.Uint64(v[recLastSeq:])),
		Created: getTime(v[recCreated:]),
		Updated: getTime(v[recUpdated:]),
		Bot:     string(v[recHeader+w : start]),
	}
	if len(v) > start {
		r.State = cloneRaw(v[start:])
	}
	return r, nil
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
			return fmt.Errorf("store format %s, but this botctl reads only format %s (the file was written by an older botctl; move it away or delete it to start with an empty store)", f, formatVersion)
		}
		_, err = tx.CreateBucketIfNotExists(bucketConvs)
		return err
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
	enc := encodeRecord(fileRecord{Bot: rec.Bot, Version: 1, State: rec.State, Created: rec.Created, Updated: rec.Updated, LastSeq: rec.LastSeq})
	encMsgs, err := encodeMessages(added)
	if err != nil {
		return err
	}
	key := recordKey(rec.ID)
	var exists bool
	err = f.update(ctx, func(tx *bolt.Tx) error {
		exists = false
		convs := tx.Bucket(bucketConvs)
		if convs.Get(key) != nil {
			exists = true
			return nil
		}
		if err := convs.Put(key, enc); err != nil {
			return err
		}
		return putMessages(convs, rec.ID, 0, encMsgs)
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
	v := tx.Bucket(bucketConvs).Get(recordKey(id))
	if v == nil {
		return fileRecord{}, ErrNotFound
	}
	r, err := decodeRecord(v)
	if err != nil {
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
	encMsgs, err := encodeMessages(added)
	if err != nil {
		return Record{}, err
	}
	key := recordKey(id)
	var (
		out    Record
		result error // ErrNotFound, ErrConflict or nil: decided in the transaction
	)
	err = f.update(ctx, func(tx *bolt.Tx) error {
		out, result = Record{}, nil
		convs := tx.Bucket(bucketConvs)
		v := convs.Get(key)
		if v == nil {
			result = ErrNotFound
			return nil
		}
		tail, err := recordTail(v)
		if err != nil {
			return fmt.Errorf("conversation %s: %w", id, err)
		}
		if int64(binary.BigEndian.Uint64(v[recVersion:])) != version {
			result = ErrConflict
			return nil
		}
		last := int64(binary.BigEndian.Uint64(v[recLastSeq:]))
		if err := putMessages(convs, id, last, encMsgs); err != nil {
			return err
		}
		if reply != nil {
			if err := convs.Put(subKey(id, tagReply, []byte(reply.Key)), encReply); err != nil {
				return err
			}
		}
		newState := state
		if newState == nil && len(v) > tail {
			newState = v[tail:]
		}
		rec := make([]byte, tail, tail+len(newState))
		copy(rec, v[:tail])
		binary.BigEndian.PutUint64(rec[recVersion:], uint64(version+1))
		binary.BigEndian.PutUint64(rec[recLastSeq:], uint64(last+int64(len(added))))
		putTime(rec[recUpdated:], now)
		rec = append(rec, newState...)
		if err := convs.Put(key, rec); err != nil {
			return err
		}
		_, w := binary.Uvarint(v[recHeader:])
		out = Record{
			ID:      id,
			Bot:     string(v[recHeader+w : tail]),
			Version: version + 1,
			Created: getTime(v[recCreated:]),
			Updated: now,
			LastSeq: last + int64(len(added)),
		}
		if len(newState) > 0 {
			out.State = rec[tail:len(rec):len(rec)]
		}
		return nil
	})
	if err != nil {
		return Record{}, fmt.Errorf("store: %w", err)
	}
	return out, result
}

// fileMessage is a Message as stored: without its Seq.
type fileMessage struct {
	Time time.Time       `json:"time"`
	Kind string          `json:"kind"`
	Text string          `json:"text,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// encodeMessages encodes the messages of one write as one value: each
// message's JSON (its Seq left out: the key gives the first one's, and
// they follow on), with its length before it as a uvarint. Nil for none.
func encodeMessages(msgs []Message) ([]byte, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	var out []byte
	for i, m := range msgs {
		b, err := marshal(fileMessage{Time: m.Time, Kind: m.Kind, Text: m.Text, Data: m.Data})
		if err != nil {
			return nil, fmt.Errorf("store: message %d: %w", i+1, err)
		}
		out = binary.AppendUvarint(out, uint64(len(b)))
		out = append(out, b...)
	}
	return out, nil
}

// decodeMessages appends to out the messages of a value written by
// encodeMessages, numbering them from first and keeping those with
// Seq > after, up to limit in all (limit <= 0: no limit).
func decodeMessages(out []Message, v []byte, first, after int64, limit int) ([]Message, error) {
	for seq := first; len(v) > 0; seq++ {
		if limit > 0 && len(out) >= limit {
			break
		}
		n, w := binary.Uvarint(v)
		if w <= 0 || uint64(len(v)-w) < n {
			return out, errors.New("bad message length")
		}
		b := v[w : w+int(n)]
		v = v[w+int(n):]
		if seq <= after {
			continue
		}
		var m fileMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return out, err
		}
		out = append(out, Message{Seq: seq, Time: m.Time, Kind: m.Kind, Text: m.Text, Data: m.Data})
	}
	return out, nil
}

func putMessages(convs *bolt.Bucket, id string, last int64, enc []byte) error {
	if enc == nil {
		return nil
	}
	return convs.Put(seqKey(id, last+1), enc)
}

// idPrefix is the start of every key of a conversation, and its record's
// key: the id's length as a uvarint, then the id.
func idPrefix(id string) []byte {
	p := binary.AppendUvarint(make([]byte, 0, len(id)+binary.MaxVarintLen64+1+8), uint64(len(id)))
	return append(p, id...)
}

func recordKey(id string) []byte {
	return append(idPrefix(id), tagRecord)
}

func seqKey(id string, seq int64) []byte {
	return binary.BigEndian.AppendUint64(append(idPrefix(id), tagMessages), uint64(seq))
}

func subKey(id string, tag byte, key []byte) []byte {
	return append(append(idPrefix(id), tag), key...)
}

// Messages implements Store.
func (f *File) Messages(ctx context.Context, id string, after int64, limit int) ([]Message, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	out := []Message{}
	err := f.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketConvs).Get(recordKey(id)) == nil {
			return ErrNotFound
		}
		after = max(after, 0)
		prefix := append(idPrefix(id), tagMessages)
		target := seqKey(id, after+1)
		c := tx.Bucket(bucketConvs).Cursor()
		// The value holding Seq after+1 is keyed by it, or by an earlier
		// Seq (the first of its write): then it is the key before.
		k, v := c.Seek(target)
		if !bytes.Equal(k, target) {
			var pk, pv []byte
			if k == nil {
				pk, pv = c.Last()
			} else {
				pk, pv = c.Prev()
			}
			if pk != nil && bytes.HasPrefix(pk, prefix) && len(pk) == len(target) {
				k, v = pk, pv
			} else {
				k, v = c.Seek(target)
			}
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(target); k, v = c.Next() {
			if limit > 0 && len(out) >= limit {
				break
			}
			var err error
			out, err = decodeMessages(out, v, int64(binary.BigEndian.Uint64(k[len(prefix):])), after, limit)
			if err != nil {
				return fmt.Errorf("store: conversation %s: message: %w", id, err)
			}
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
		if tx.Bucket(bucketConvs).Get(recordKey(id)) == nil {
			return ErrNotFound
		}
		v := tx.Bucket(bucketConvs).Get(subKey(id, tagReply, []byte(key)))
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
