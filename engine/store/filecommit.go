package store

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/botctl/botctl/engine/store/internal/wal"
	bolt "go.etcd.io/bbolt"
)

// How the log is moved into the database: when the current segment holds
// applyBytes, or applyEvery after its first write, whichever comes first,
// the committer starts a new segment and the applier writes everything
// the old ones hold into the database in one transaction. A write waits
// for the applier only when it has fallen logBackpressure behind.
// (config.applyBytes, applyEvery and logLimit, set by tests, override
// them.)
const (
	applyBytes      = 1 << 20
	applyEvery      = 100 * time.Millisecond
	logBackpressure = 64 << 20
)

// fileOp is a write waiting for the committer.
type fileOp struct {
	kind     byte // logCreate or logCommit
	id       string
	version  int64  // commit: the version the turn started from
	rec      []byte // create: the record's value
	state    json.RawMessage
	now      time.Time
	nmsgs    int
	msgs     []byte // encodeMessages' value, nil for none
	replyKey string
	reply    []byte // the reply's value, nil for none

	// Set by the committer before done.
	out    Record
	result error // ErrExists, ErrNotFound, ErrConflict: nothing was written
	err    error // the write failed
	done   chan struct{}
}

// pendingConv is what the log holds of a conversation that the database
// does not have yet: its latest record, and the messages and replies
// written since the database last had it. Never modified once stored in
// File.pending; a write replaces it.
type pendingConv struct {
	rec     []byte
	msgs    []pendingMsgs // oldest first
	replies []pendingReply
}

type pendingMsgs struct {
	first int64
	val   []byte
}

type pendingReply struct {
	key string
	val []byte
}

// with returns a copy of p (nil: none yet) with the record replaced and
// a write's messages and reply added.
func (p *pendingConv) with(rec []byte, first int64, msgs []byte, replyKey string, reply []byte) *pendingConv {
	n := &pendingConv{rec: rec}
	if p != nil {
		n.msgs = slices.Clip(p.msgs)
		n.replies = slices.Clip(p.replies)
	}
	if msgs != nil {
		n.msgs = append(n.msgs, pendingMsgs{first, msgs})
	}
	if reply != nil {
		n.replies = append(n.replies, pendingReply{replyKey, reply})
	}
	return n
}

// without returns p less what applied holds (applied being an earlier
// state of p that is now in the database).
func (p *pendingConv) without(applied *pendingConv) *pendingConv {
	n := &pendingConv{rec: p.rec}
	var done int64
	if len(applied.msgs) > 0 {
		done = applied.msgs[len(applied.msgs)-1].first
	}
	for _, m := range p.msgs {
		if m.first > done {
			n.msgs = append(n.msgs, m)
		}
	}
	for _, r := range p.replies {
		// The very entries applied go (each write's value is its own
		// allocation); a key written again since, even with an equal
		// value, keeps its newer entry.
		if !slices.ContainsFunc(applied.replies, func(a pendingReply) bool { return &a.val[0] == &r.val[0] }) {
			n.replies = append(n.replies, r)
		}
	}
	return n
}

func (p *pendingConv) reply(key string) ([]byte, bool) {
	for i := len(p.replies) - 1; i >= 0; i-- {
		if p.replies[i].key == key {
			return p.replies[i].val, true
		}
	}
	return nil, false
}

// committer is the state only the committer goroutine touches (it
// also has File.log, but for Remove).
type committer struct {
	segStart time.Time // when the log's open segment was started
	applying bool      // an apply runs; its result comes on File.applied
	// What Ping reports, the first that is set:
	logErr    error // the last append to the log failed (for good, if it broke the log)
	applyErr  error // the last apply failed
	removeErr error // the last apply could not remove its segments
	buf       []byte
}

// updateHealth tells Ping what the committer knows.
func (f *File) updateHealth() {
	c := &f.c
	f.setHealth(cmp.Or(c.logErr, c.applyErr, c.removeErr))
}

type applyJob struct {
	snap map[string]*pendingConv
	segs []uint64 // to delete once applied
}

type applyResult struct {
	err       error // writing into the database failed: nothing changed
	removeErr error // the database has it all, but some segments stay
}

// commitLoop is the single writer: it takes the first waiting write, then
// everything else already queued (up to maxBatch), logs them with one
// fsync, and starts moving the log into the database when it is due.
func (f *File) commitLoop() {
	defer close(f.done)
	tick := time.NewTicker(f.cfg.applyEvery)
	defer tick.Stop()
	batch := make([]*fileOp, 0, f.cfg.maxBatch)
	for {
		select {
		case op, ok := <-f.reqs:
			if !ok {
				f.closeErr = f.finish()
				return
			}
			batch = append(batch[:0], op)
		fill:
			for len(batch) < f.cfg.maxBatch {
				select {
				case op, ok := <-f.reqs:
					if !ok {
						break fill
					}
					batch = append(batch, op)
				default:
					break fill
				}
			}
			if f.c.applying && f.log.Size() >= f.cfg.logLimit {
				f.applyDone(<-f.applied)
			}
			f.writeGroup(batch)
			clear(batch)
			// The writers just woken wait on this goroutine's P; yield it
			// to them before the next group's fsync holds it in a system
			// call (until the scheduler takes it back, tens of
			// microseconds or more later). Their next writes join that
			// group instead of the one after.
			runtime.Gosched()
			if f.log.Size() >= f.cfg.applyBytes {
				f.startApply()
			}
		case r := <-f.applied:
			f.applyDone(r)
		case <-tick.C:
			if f.c.logErr != nil && f.log.Err() == nil {
				// The last append failed: try the disk with an empty
				// one (a new segment, fsynced), so Ping recovers when
				// the disk does, even with no writes coming (a load
				// balancer that saw /healthz fail sends none).
				f.appendLog(nil)
			}
			if n, _ := f.log.Closed(); f.log.Size() > 0 && time.Since(f.c.segStart) >= f.cfg.applyEvery || n > 0 {
				f.startApply()
			}
		case reply := <-f.flushes:
			reply <- f.flush()
		}
	}
}

// writeGroup logs a group of writes with one append and one fsync, then
// makes them visible.
func (f *File) writeGroup(batch []*fileOp) {
	c := &f.c
	refuse := f.log.Err()
	if _, logBytes := f.log.Closed(); c.applyErr != nil && !c.applying && logBytes >= f.cfg.logLimit {
		// The database keeps failing to take the log in: stop taking
		// writes rather than let the log and memory grow without end.
		refuse = fmt.Errorf("%d MB of log wait to be written into the database, which fails: %w", logBytes>>20, c.applyErr)
	}
	if refuse != nil {
		for _, op := range batch {
			op.err = refuse
			close(op.done)
		}
		return
	}
	staged := make(map[string]*pendingConv, len(batch))
	buf := c.buf[:0]
	logged := 0
	var tx *bolt.Tx
	// Read under the pending lock: the applier takes a conversation out
	// of pending only after the database has it, and cannot while this
	// holds, so a conversation missing from pending is in the database
	// as tx sees it.
	f.pmu.RLock()
	for _, op := range batch {
		cur, ok := staged[op.id]
		if !ok {
			cur = f.pending[op.id]
		}
		var stored []byte
		if cur != nil {
			stored = cur.rec
		} else {
			if tx == nil {
				var err error
				if tx, err = f.db.Begin(false); err != nil {
					op.err = err
					continue
				}
			}
			stored = tx.Bucket(bucketConvs).Get(recordKey(op.id))
		}
		e := logEntry{kind: op.kind, id: op.id, msgs: op.msgs, replyKey: op.replyKey, reply: op.reply}
		switch op.kind {
		case logCreate:
			if stored != nil {
				op.result = ErrExists
				continue
			}
			e.rec, e.first = op.rec, 1
		case logCommit:
			if stored == nil {
				op.result = ErrNotFound
				continue
			}
			rec, out, err := commitRecord(stored, op)
			if err != nil {
				op.err = fmt.Errorf("conversation %s: %w", op.id, err)
				continue
			}
			if out.Version != op.version+1 {
				op.result = ErrConflict
				continue
			}
			e.rec, e.first, op.out = rec, out.LastSeq-int64(op.nmsgs)+1, out
		}
		staged[op.id] = cur.with(e.rec, e.first, e.msgs, e.replyKey, e.reply)
		buf = appendLogEntry(buf, &e)
		logged++
	}
	if tx != nil {
		tx.Rollback()
	}
	f.pmu.RUnlock()
	c.buf = buf

	if logged > 0 {
		err := f.appendLog(buf)
		if err != nil {
			for _, op := range batch {
				if op.err == nil && op.result == nil {
					op.err = err
				}
			}
		} else {
			f.pmu.Lock()
			for id, p := range staged {
				f.pending[id] = p
			}
			f.pmu.Unlock()
			f.groups.Add(1)
			f.writes.Add(int64(logged))
		}
	}
	if cap(c.buf) > 4*applyBytes {
		c.buf = nil // one huge group should not pin its buffer
	}
	for _, op := range batch {
		close(op.done)
	}
}

// commitRecord builds the record a commit writes from the stored one,
// and the Record the commit returns. Its version is stored+1; the caller
// compares it with the version the turn expected.
func commitRecord(v []byte, op *fileOp) ([]byte, Record, error) {
	tail, err := recordTail(v)
	if err != nil {
		return nil, Record{}, err
	}
	version := int64(binary.BigEndian.Uint64(v[recVersion:]))
	last := int64(binary.BigEndian.Uint64(v[recLastSeq:]))
	state := []byte(op.state)
	if state == nil && len(v) > tail {
		state = v[tail:]
	}
	rec := make([]byte, tail, tail+len(state))
	copy(rec, v[:tail])
	binary.BigEndian.PutUint64(rec[recVersion:], uint64(version+1))
	binary.BigEndian.PutUint64(rec[recLastSeq:], uint64(last+int64(op.nmsgs)))
	putTime(rec[recUpdated:], op.now)
	rec = append(rec, state...)
	_, w := binary.Uvarint(v[recHeader:])
	out := Record{
		ID:      op.id,
		Bot:     string(v[recHeader+w : tail]),
		Version: version + 1,
		Created: getTime(v[recCreated:]),
		Updated: op.now,
		LastSeq: last + int64(op.nmsgs),
	}
	if len(state) > 0 {
		// A copy: rec is logged, kept in pending and written to the
		// database, and the caller owns what Commit returns.
		out.State = cloneRaw(rec[tail:])
	}
	return rec, out, nil
}

// appendLog appends a group's entries to the log. A failed append left
// nothing of them in the log (or broke it: see wal.Log.Append).
func (f *File) appendLog(b []byte) error {
	c := &f.c
	fresh := f.log.Size() == 0
	err := f.log.Append(b)
	if err != nil {
		err = fmt.Errorf("log: %w", err)
	} else if fresh {
		c.segStart = time.Now()
	}
	if c.logErr != nil || err != nil {
		c.logErr = err
		f.updateHealth()
	}
	return err
}

// startApply closes the current segment and starts writing what pending
// holds into the database, unless an apply is already running.
func (f *File) startApply() {
	c := &f.c
	if c.applying {
		return
	}
	job, ok := f.rotate()
	if !ok {
		return
	}
	c.applying = true
	go func() { f.applied <- f.apply(job) }()
}

// rotate closes the log's open segment and returns what the database
// lacks as of now, with the segments that hold it; false when there is
// nothing.
func (f *File) rotate() (applyJob, bool) {
	segs := f.log.Rotate()
	if len(segs) == 0 {
		return applyJob{}, false
	}
	f.pmu.RLock()
	snap := make(map[string]*pendingConv, len(f.pending))
	for id, p := range f.pending {
		snap[id] = p
	}
	f.pmu.RUnlock()
	return applyJob{snap: snap, segs: segs}, true
}

func (f *File) applyDone(r applyResult) {
	c := &f.c
	c.applying = false
	c.applyErr, c.removeErr = r.err, r.removeErr
	// Segments that could not be removed stay in the log's list and are
	// removed after the next apply.
	f.updateHealth()
}

// apply writes a snapshot of pending into the database, then takes out
// of pending what the database now has, then deletes the segments that
// held it. On failure nothing is taken out or deleted: the next apply
// writes it again.
func (f *File) apply(job applyJob) applyResult {
	err := f.db.Update(func(tx *bolt.Tx) error {
		if f.cfg.failApply != nil {
			if err := f.cfg.failApply(); err != nil {
				return err
			}
		}
		convs := tx.Bucket(bucketConvs)
		for id, p := range job.snap {
			if err := putPending(convs, id, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return applyResult{err: fmt.Errorf("writing the log into %s: %w", f.path, err)}
	}
	f.pmu.Lock()
	for id, p := range job.snap {
		switch cur := f.pending[id]; cur {
		case p:
			delete(f.pending, id)
		case nil:
		default:
			f.pending[id] = cur.without(p)
		}
	}
	f.pmu.Unlock()
	f.applies.Add(1)
	return applyResult{removeErr: f.log.Remove(job.segs)}
}

func putPending(convs *bolt.Bucket, id string, p *pendingConv) error {
	for _, m := range p.msgs {
		if err := convs.Put(seqKey(id, m.first), m.val); err != nil {
			return err
		}
	}
	for _, r := range p.replies {
		if err := convs.Put(subKey(id, tagReply, []byte(r.key)), r.val); err != nil {
			return err
		}
	}
	return convs.Put(recordKey(id), p.rec)
}

// flush writes everything the log holds into the database before it
// returns (for backups and sizing).
func (f *File) flush() error {
	c := &f.c
	if c.applying {
		f.applyDone(<-f.applied)
	}
	job, ok := f.rotate()
	if !ok {
		return nil
	}
	r := f.apply(job)
	f.applyDone(r)
	return r.err // segments left behind do not matter here
}

// finish runs when the store closes: every write queued was logged;
// move the log into the database so a closed store is one file.
func (f *File) finish() error {
	if err := f.flush(); err != nil {
		return fmt.Errorf("store: %w (the log is kept and replayed when the store is opened again)", err)
	}
	return nil
}

// replay moves what log segments left by an earlier run hold into the
// database (a crash, or a close that could not apply them), a
// transaction per segment, then deletes them. An entry is applied only
// where it follows what the database has — a create of a conversation it
// lacks, a commit to the version before — so replaying a segment twice
// changes nothing, and a log that outlived its database (or lost an entry
// to damage) cannot leave a conversation with holes in its messages.
func replay(db *bolt.DB, log *wal.Log) error {
	return wal.Replay(log, decodeLogBody, func(entries []logEntry) error {
		return db.Update(func(tx *bolt.Tx) error {
			convs := tx.Bucket(bucketConvs)
			for i := range entries {
				if err := replayEntry(convs, &entries[i]); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func replayEntry(convs *bolt.Bucket, e *logEntry) error {
	key := recordKey(e.id)
	want := binary.BigEndian.Uint64(e.rec[recVersion:])
	switch v := convs.Get(key); {
	case e.kind == logCreate && v != nil:
		return nil
	case e.kind == logCommit && v == nil:
		return nil
	case e.kind == logCommit && len(v) < recHeader:
		return fmt.Errorf("conversation %s: record too short", e.id)
	case e.kind == logCommit && binary.BigEndian.Uint64(v[recVersion:])+1 != want:
		return nil
	}
	p := (*pendingConv)(nil).with(e.rec, e.first, e.msgs, e.replyKey, e.reply)
	return putPending(convs, e.id, p)
}
