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

	"github.com/botctl/botctl/engine/store/internal/wal"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// File keeps conversations in one bbolt database file: embedded, durable,
// the default store of `botctl serve`. Create and Commit return only after
// the change is fsynced to disk.
//
// A write goes first to a log next to the database (PATH.wal.N), which is
// all it waits for: one sequential append and one fsync. Writes are
// grouped: while one group is being fsynced, the writes that arrive queue
// up and go to the log together, with one fsync. A lone write is logged at
// once (no waiting for company), so grouping costs no latency and
// concurrent turns do not pay one fsync each.
//
// Every so often (a megabyte of log, or a tenth of a second) the log is
// written into the database in the background, many turns in one
// transaction, and then deleted: a conversation busy with ten turns in
// that time costs the database one page rewrite instead of ten. Until
// then reads find the newest writes in memory. Opening the store replays
// a log a crash left behind; closing it empties the log into the
// database, so a closed store is one file.
//
// A write whose append to the log fails (a full disk, a failed fsync)
// returns the error and is not applied, then or after a restart; the log
// goes on in a new segment file, and Ping reports the error until a write
// succeeds again. Only if the failed append cannot be cut off the log
// does the store refuse every write until it is opened again.
//
// Delete and Expire go through the log too, in order with the writes
// around them. Once the database has erased a conversation, its pages
// are free, and reused; when more than half of the file is free (after
// erasures, or when the store is opened), the database is rewritten into
// a new file holding only what is in use (see Compact).
//
// One process at a time may open the file; a second OpenFile fails with
// an error saying so. File is safe for concurrent use.
type File struct {
	// db is the database; Compact replaces it. Its users hold dbmu for
	// reading, but for the committer, which is the one that replaces it,
	// and its applier, which never runs meanwhile.
	dbmu sync.RWMutex
	db   *bolt.DB
	path string
	cfg  config
	log  *wal.Log // the committer's, but for Remove (the applier's)

	mu     sync.RWMutex // guards closed and sends on reqs
	closed bool
	reqs   chan *fileOp
	done   chan struct{} // closed when the committer has stopped
	shut   chan struct{} // closed when Close has closed the database

	c        committer // the committer goroutine's own
	applied  chan applyResult
	flushes  chan chan error
	compacts chan chan error
	closeErr error // set by the committer before done

	// pending holds what the log has and the database does not yet, by
	// conversation id (see pendingConv).
	pmu     sync.RWMutex
	pending map[string]*pendingConv

	hmu    sync.Mutex
	health error // the last apply's error, or the log's

	writes, groups, applies atomic.Int64
}

// FileStats counts File's writes, the log appends (each one fsync) that
// carried them, and the database transactions that took the log in.
type FileStats struct {
	Writes  int64 // Creates, Commits and erasures written
	Groups  int64 // log appends: Writes/Groups is the mean group size
	Applies int64 // database transactions that took in the log
}

// Stats returns the counts since OpenFile.
func (f *File) Stats() FileStats {
	return FileStats{Writes: f.writes.Load(), Groups: f.groups.Load(), Applies: f.applies.Load()}
}

var (
	_ Store  = (*File)(nil)
	_ Pinger = (*File)(nil)
)

// OpenFile opens (creating it and its parent directories if need be) the
// database at path, and replays the log a crash may have left next to it.
// Options: WithLockTimeout, WithMaxBatch, WithClock.
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
	// The lock is ours: no other process writes the log, or compacts.
	var log *wal.Log
	format, err := initFormat(db)
	if err == nil {
		err = removeCompactCopy(path)
	}
	if err == nil {
		fsys := cfg.logFS
		if fsys == nil {
			fsys = wal.OS
		}
		log, err = wal.Open(fsys, path)
	}
	if err == nil && bytes.Equal(format, formatNoMeta) {
		// Its log, if a crash left one, is of that format too: replay
		// it as that botctl would, then migrate. A crash in between
		// leaves a database of format 2 with no log.
		if err = replayNoMeta(db, log); err == nil {
			err = migrateFile(db)
		}
	}
	if err == nil {
		err = replay(db, log)
	}
	if err == nil && mostlyFree(db, cfg.compactMin) {
		// Failing that (a full disk, say), the store works as it is.
		var moved bool
		if db, moved, err = compactFile(db, path); !moved {
			err = nil
		}
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	f := &File{
		db:       db,
		path:     path,
		cfg:      cfg,
		log:      log,
		reqs:     make(chan *fileOp, cfg.maxBatch),
		done:     make(chan struct{}),
		shut:     make(chan struct{}),
		applied:  make(chan applyResult, 1),
		flushes:  make(chan chan error),
		compacts: make(chan chan error),
		pending:  map[string]*pendingConv{},
	}
	go f.commitLoop()
	return f, nil
}

// Path returns the database file's path as given to OpenFile.
func (f *File) Path() string { return f.path }

// write queues op for the committer and returns once it is logged, or
// refused.
func (f *File) write(ctx context.Context, op *fileOp) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	op.done = make(chan struct{})
	f.mu.RLock()
	if f.closed {
		f.mu.RUnlock()
		return ErrClosed
	}
	f.reqs <- op
	f.mu.RUnlock()
	// No ctx case: once queued, the write may land, and the caller must
	// learn whether it did.
	<-op.done
	if op.err != nil {
		return fmt.Errorf("store: %w", op.err)
	}
	return op.result
}

// Create implements Store.
func (f *File) Create(ctx context.Context, rec Record, msgs []Message) error {
	rec, added, err := newConversation(rec, msgs, stamp(f.cfg.now()))
	if err != nil {
		return err
	}
	encMsgs, err := encodeMessages(added)
	if err != nil {
		return err
	}
	op := &fileOp{
		kind: logCreate,
		id:   rec.ID,
		rec:  encodeRecord(fileRecord{Bot: rec.Bot, Version: 1, State: rec.State, Created: rec.Created, Updated: rec.Updated, LastSeq: rec.LastSeq, Meta: rec.Meta}),
		user: rec.User,
		msgs: encMsgs,
	}
	if err := op.check(); err != nil {
		return err
	}
	return f.write(ctx, op)
}

// check refuses a write the database could not take: it would be logged
// and acknowledged, then fail every attempt to move the log into the
// database. The limits are bbolt's key size and the log's entry size.
func (op *fileOp) check() error {
	// A conversation's longest key is that of its messages: the id's
	// length as a uvarint, the id, a tag, a sequence number. (Lengths
	// only: a commit should not build keys to measure them.)
	prefix := uvarintLen(len(op.id)) + len(op.id)
	if prefix+1+8 > bolt.MaxKeySize {
		return fmt.Errorf("store: conversation id too large: %d bytes (at most %d)", len(op.id), maxID)
	}
	if n := prefix + 1 + len(op.replyKey); op.reply != nil && n > bolt.MaxKeySize {
		return fmt.Errorf("store: idempotency key too large: %d bytes (at most %d with this conversation id)", len(op.replyKey), len(op.replyKey)-(n-bolt.MaxKeySize))
	}
	// The key of the users index: the user's length and the user, the
	// time, the id.
	if n := uvarintLen(len(op.user)) + len(op.user) + timeKeyLen + len(op.id); op.user != "" && n > bolt.MaxKeySize {
		return fmt.Errorf("store: conversation id and user id too large together: %d and %d bytes (at most %d in all)", len(op.id), len(op.user), bolt.MaxKeySize-timeKeyLen-uvarintLen(len(op.user)))
	}
	if n := len(op.id) + len(op.rec) + len(op.state) + len(op.meta) + len(op.msgs) + len(op.replyKey) + len(op.reply); n > maxWrite {
		return fmt.Errorf("store: write too large: %d bytes of state, messages and reply (at most %d)", n, maxWrite)
	}
	return nil
}

func uvarintLen(n int) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], uint64(n))
}

// maxID is the longest conversation id whose keys bbolt takes: a
// message key is the id's length (3 bytes of uvarint at this size), the
// id, a tag and 8 bytes of sequence number.
const maxID = bolt.MaxKeySize - 3 - 1 - 8

// maxWrite bounds what one write may carry: two of them (a commit that
// keeps the stored state) and a record header fit in a log entry.
const maxWrite = 256 << 20

// Commit implements Store.
func (f *File) Commit(ctx context.Context, id string, version int64, u Update) (Record, error) {
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
	now := stamp(f.cfg.now())
	// Encode everything that does not depend on the stored record out here,
	// so the committer's part stays short.
	added, err := prepare(msgs, 0, now)
	if err != nil {
		return Record{}, err
	}
	if state, err = compactState(state); err != nil {
		return Record{}, err
	}
	op := &fileOp{kind: logCommit, id: id, version: version, state: state, now: now, nmsgs: len(added)}
	if u.Meta != nil {
		op.setMeta, op.meta, op.user = true, appendMeta(nil, meta), meta.User
	}
	if reply != nil {
		if op.reply, err = marshal(fileReply{Status: reply.Status, Body: reply.Body}); err != nil {
			return Record{}, fmt.Errorf("store: %w", err)
		}
		op.replyKey = reply.Key
	}
	if op.msgs, err = encodeMessages(added); err != nil {
		return Record{}, err
	}
	if err := op.check(); err != nil {
		return Record{}, err
	}
	if err := f.write(ctx, op); err != nil {
		return Record{}, err
	}
	return op.out, nil
}

// pendingOf returns what the log holds of a conversation that the
// database lacks, nil for nothing. Read it before the database: a
// conversation leaves pending only once the database has it.
func (f *File) pendingOf(id string) *pendingConv {
	f.pmu.RLock()
	defer f.pmu.RUnlock()
	return f.pending[id]
}

// Get implements Store.
func (f *File) Get(ctx context.Context, id string) (Record, error) {
	if err := ctxErr(ctx); err != nil {
		return Record{}, err
	}
	if p := f.pendingOf(id); p != nil {
		if err := f.isOpen(); err != nil {
			return Record{}, err
		}
		if p.rec == nil {
			return Record{}, ErrNotFound
		}
		r, err := decodeRecord(p.rec)
		if err != nil {
			return Record{}, fmt.Errorf("store: conversation %s: %w", id, err)
		}
		return r.record(id), nil
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

func (f *File) isOpen() error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed {
		return ErrClosed
	}
	return nil
}

// view runs a read-only transaction, mapping bbolt's closed-database
// error to ErrClosed.
func (f *File) view(fn func(*bolt.Tx) error) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed {
		return ErrClosed
	}
	f.dbmu.RLock()
	defer f.dbmu.RUnlock()
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
	return Record{ID: id, Bot: r.Bot, Version: r.Version, State: r.State, Created: r.Created, Updated: r.Updated, LastSeq: r.LastSeq, Meta: r.Meta}
}

// Messages implements Store.
func (f *File) Messages(ctx context.Context, id string, after int64, limit int) ([]Message, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	after = max(after, 0)
	p := f.pendingOf(id)
	out := []Message{}
	if p != nil && p.wipe {
		// Erased, and perhaps created again: the log has all there is
		// of it, and the database's messages are the erased ones.
		if err := f.isOpen(); err != nil {
			return nil, err
		}
		if p.rec == nil {
			return nil, ErrNotFound
		}
		return pendingMessages(out, id, p, after, limit)
	}
	err := f.view(func(tx *bolt.Tx) error {
		convs := tx.Bucket(bucketConvs)
		if p == nil && convs.Get(recordKey(id)) == nil {
			return ErrNotFound
		}
		prefix := append(idPrefix(id), tagMessages)
		target := seqKey(id, after+1)
		c := convs.Cursor()
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
	if err != nil || p == nil {
		return out, err
	}
	// The database may have some of p's messages too (it took them in
	// after p was read): continue after the last one it gave.
	if n := len(out); n > 0 {
		after = out[n-1].Seq
	}
	return pendingMessages(out, id, p, after, limit)
}

// pendingMessages appends to out the messages p holds with Seq > after,
// up to limit in all.
func pendingMessages(out []Message, id string, p *pendingConv, after int64, limit int) ([]Message, error) {
	for _, m := range p.msgs {
		if limit > 0 && len(out) >= limit {
			break
		}
		var err error
		if out, err = decodeMessages(out, m.val, m.first, after, limit); err != nil {
			return nil, fmt.Errorf("store: conversation %s: message: %w", id, err)
		}
	}
	return out, nil
}

// Reply implements Store.
func (f *File) Reply(ctx context.Context, id, key string) (Reply, bool, error) {
	if err := ctxErr(ctx); err != nil {
		return Reply{}, false, err
	}
	var (
		v     []byte
		found bool
	)
	p := f.pendingOf(id)
	if p != nil {
		if p.rec == nil {
			if err := f.isOpen(); err != nil {
				return Reply{}, false, err
			}
			return Reply{}, false, ErrNotFound
		}
		v, found = p.reply(key)
	}
	switch {
	case !found && p != nil && p.wipe:
		// Created again since it was erased: the database's replies
		// are the erased conversation's.
		return Reply{}, false, f.isOpen()
	case !found:
		err := f.view(func(tx *bolt.Tx) error {
			convs := tx.Bucket(bucketConvs)
			if p == nil && convs.Get(recordKey(id)) == nil {
				return ErrNotFound
			}
			v = cloneBytes(convs.Get(subKey(id, tagReply, []byte(key))))
			return nil
		})
		if err != nil || v == nil {
			return Reply{}, false, err
		}
	default:
		if err := f.isOpen(); err != nil {
			return Reply{}, false, err
		}
	}
	var fr fileReply
	if err := json.Unmarshal(v, &fr); err != nil {
		return Reply{}, false, fmt.Errorf("store: conversation %s: reply %q: %w", id, key, err)
	}
	return Reply{Key: key, Status: fr.Status, Body: fr.Body}, true, nil
}

// Ping implements Pinger: nil while the store is open and its log is
// being taken into the database; the error otherwise.
func (f *File) Ping(ctx context.Context) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := f.view(func(*bolt.Tx) error { return nil }); err != nil {
		return err
	}
	f.hmu.Lock()
	defer f.hmu.Unlock()
	if f.health != nil {
		return fmt.Errorf("store: %w", f.health)
	}
	return nil
}

func (f *File) setHealth(err error) {
	f.hmu.Lock()
	f.health = err
	f.hmu.Unlock()
}

// Close waits for the writes already queued, writes the log into the
// database, then closes it and releases its lock. Later calls wait for
// the first to finish and return nil. If the log cannot be written into the database, Close says
// so and leaves the log, which the next OpenFile replays.
func (f *File) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		<-f.shut // so the file is unlocked when Close returns
		return nil
	}
	f.closed = true
	close(f.reqs)
	f.mu.Unlock()
	defer close(f.shut)
	<-f.done
	err := f.closeErr
	if cerr := f.db.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("store: close %s: %w", f.path, cerr))
	}
	return err
}

// Flush writes everything the log holds into the database before it
// returns. The store does this by itself; Flush is for a caller that
// reads the database file directly.
func (f *File) Flush() error {
	reply := make(chan error, 1)
	f.mu.RLock()
	if f.closed {
		f.mu.RUnlock()
		return ErrClosed
	}
	// Under the read lock, so Close cannot stop the committer meanwhile.
	f.flushes <- reply
	f.mu.RUnlock()
	if err := <-reply; err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// InUse reports how many bytes of the file's pages hold data (the rest is
// free space from earlier transactions and room to grow), for sizing.
// It first writes the log into the database.
func (f *File) InUse() int64 {
	f.Flush()
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
// store goes on serving, for online backups: everything written before
// the call, and perhaps some writes made during it. The copy is a bbolt
// file OpenFile can open, with no log.
func (f *File) WriteTo(w io.Writer) (n int64, err error) {
	if err := f.Flush(); err != nil {
		return 0, err
	}
	err = f.view(func(tx *bolt.Tx) error {
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}
