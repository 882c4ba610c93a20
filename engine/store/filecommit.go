package store

import (
	"bytes"
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
	kind     byte // logCreate, logCommit, logDelete or opExpire
	id       string
	version  int64  // commit: the version the turn started from
	rec      []byte // create: the record's value
	state    json.RawMessage
	setMeta  bool   // commit: meta replaces the stored Meta
	meta     []byte // appendMeta's encoding
	user     string // create, commit with setMeta: the Meta's User
	now      time.Time
	nmsgs    int
	msgs     []byte // encodeMessages' value, nil for none
	replyKey string
	reply    []byte // the reply's value, nil for none

	// expire: the conversations Expire chose, oldest first, each erased
	// only if it is still last updated before before.
	ids    []string
	before time.Time

	// Set by the committer before done.
	out    Record
	erased []string // expire: the ids erased
	result error    // ErrExists, ErrNotFound, ErrConflict: nothing was written
	err    error    // the write failed
	done   chan struct{}
}

// opExpire is the kind of an Expire's op: the committer logs a delete
// entry for each conversation it erases.
const opExpire = 'x'

// The conversations the log has and the database not yet are in
// File.pending (see pendingConv), erased ones too: their entry has no
// record, and wipe set, until the database has erased them as well. A
// conversation created again under an erased id keeps wipe (the
// database's keys are the old conversation's until the apply) and the
// erasure's gen, which tells an apply whether the entry it took in is
// an ancestor of the current one.

// pendingConv is what the log holds of a conversation that the database
// does not have yet: its latest record, and the messages and replies
// written since the database last had it. Never modified once stored in
// File.pending; a write replaces it.
type pendingConv struct {
	rec     []byte        // nil: erased
	msgs    []pendingMsgs // oldest first
	replies []pendingReply
	wipe    bool   // the database's keys of the id are to be erased first
	gen     uint64 // the committer's count of erasures when it last erased the id
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
		n.wipe, n.gen = p.wipe, p.gen
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
	if p.gen != applied.gen {
		// Erased since: none of p is in the database.
		return p
	}
	n := &pendingConv{rec: p.rec, gen: p.gen}
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
	gen       uint64 // erasures staged so far (see pendingConv.gen)
}

// updateHealth tells Ping what the committer knows.
func (f *File) updateHealth() {
	c := &f.c
	f.setHealth(cmp.Or(c.logErr, c.applyErr, c.removeErr))
}

type applyJob struct {
	snap   map[string]*pendingConv
	segs   []uint64 // to delete once applied
	erases bool     // snap erases a conversation
}

type applyResult struct {
	err       error // writing into the database failed: nothing changed
	removeErr error // the database has it all, but some segments stay
	erased    bool  // the database erased a conversation
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
			if r.erased && r.err == nil && mostlyFree(f.db, f.cfg.compactMin) {
				// Erasures left most of the file free: rewrite it, so
				// that it shrinks and their bytes go. Should this fail
				// (a full disk), the database is as it was, and the next
				// erasure tries again.
				f.compact()
			}
		case reply := <-f.compacts:
			reply <- f.compact()
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
	// lookup returns what is staged or pending of a conversation, and
	// its newest record (nil: none, or erased).
	lookup := func(id string) (*pendingConv, []byte, error) {
		cur, ok := staged[id]
		if !ok {
			cur = f.pending[id]
		}
		if cur != nil {
			return cur, cur.rec, nil
		}
		if tx == nil {
			var err error
			if tx, err = f.db.Begin(false); err != nil {
				return nil, nil, err
			}
		}
		return nil, tx.Bucket(bucketConvs).Get(recordKey(id)), nil
	}
	// erase logs the erasure of a conversation whose record is stored.
	erase := func(id string, stored []byte) error {
		if len(stored) < recHeader {
			return fmt.Errorf("conversation %s: record too short", id)
		}
		c.gen++
		staged[id] = &pendingConv{wipe: true, gen: c.gen}
		// The header names the very record erased, for replay.
		buf = appendLogEntry(buf, &logEntry{kind: logDelete, id: id, rec: stored[:recHeader]})
		logged++
		return nil
	}
	for _, op := range batch {
		switch op.kind {
		case logDelete:
			_, stored, err := lookup(op.id)
			switch {
			case err != nil:
				op.err = err
			case stored == nil:
				op.result = ErrNotFound
			default:
				op.err = erase(op.id, stored)
			}
			continue
		case opExpire:
			for _, id := range op.ids {
				_, stored, err := lookup(id)
				if err != nil {
					op.err = err
					break
				}
				// Committed since Expire chose it (or erased): not old.
				if len(stored) < recHeader || !getTime(stored[recUpdated:]).Before(op.before) {
					continue
				}
				if op.err = erase(id, stored); op.err != nil {
					break
				}
				op.erased = append(op.erased, id)
			}
			continue
		}
		cur, stored, err := lookup(op.id)
		if err != nil {
			op.err = err
			continue
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
				op.erased = nil
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
	bot, meta, tail, err := recordParts(v)
	if err != nil {
		return nil, Record{}, err
	}
	if op.setMeta {
		meta = op.meta
	}
	m, err := decodeMeta(meta)
	if err != nil {
		return nil, Record{}, err
	}
	version := int64(binary.BigEndian.Uint64(v[recVersion:]))
	last := int64(binary.BigEndian.Uint64(v[recLastSeq:]))
	state := []byte(op.state)
	if state == nil && len(v) > tail {
		state = v[tail:]
	}
	rec := make([]byte, recHeader, recHeader+2*binary.MaxVarintLen64+len(bot)+len(meta)+len(state))
	copy(rec, v[:recHeader])
	binary.BigEndian.PutUint64(rec[recVersion:], uint64(version+1))
	binary.BigEndian.PutUint64(rec[recLastSeq:], uint64(last+int64(op.nmsgs)))
	putTime(rec[recUpdated:], op.now)
	rec = appendField(rec, bot)
	rec = appendField(rec, meta)
	start := len(rec)
	rec = append(rec, state...)
	out := Record{
		ID:      op.id,
		Bot:     string(bot),
		Version: version + 1,
		Created: getTime(v[recCreated:]),
		Updated: op.now,
		LastSeq: last + int64(op.nmsgs),
		Meta:    m,
	}
	if len(state) > 0 {
		// A copy: rec is logged, kept in pending and written to the
		// database, and the caller owns what Commit returns.
		out.State = cloneRaw(rec[start:])
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
	erases := false
	for id, p := range f.pending {
		snap[id] = p
		erases = erases || p.wipe
	}
	f.pmu.RUnlock()
	return applyJob{snap: snap, segs: segs, erases: erases}, true
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
		for id, p := range job.snap {
			if err := putConv(tx, id, p); err != nil {
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
	return applyResult{removeErr: f.log.Remove(job.segs), erased: job.erases}
}

// putConv writes what the log holds of a conversation into the database,
// keeping the indexes in step: the database's record leaves them first,
// and, if the conversation was erased since, every key it has.
func putConv(tx *bolt.Tx, id string, p *pendingConv) error {
	convs := tx.Bucket(bucketConvs)
	if err := unindexRecord(tx, id, convs.Get(recordKey(id))); err != nil {
		return err
	}
	if p.wipe {
		if err := eraseKeys(convs, id); err != nil {
			return err
		}
	}
	if p.rec == nil {
		return nil
	}
	if err := putPending(convs, id, p); err != nil {
		return err
	}
	return indexRecord(tx, id, p.rec)
}

// indexKeys returns the keys of a record in the updated index, in the
// users index (nil: it has no user) and in the due index (nil: no timer).
func indexKeys(id string, rec []byte) (updated, user, due []byte, err error) {
	_, meta, _, err := recordParts(rec)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("conversation %s: %w", id, err)
	}
	t := getTime(rec[recUpdated:])
	if u := metaUser(meta); u != "" {
		user = userKey(u, t, id)
	}
	if d := metaDue(meta); d != nil {
		due = dueKey(d, id)
	}
	return updatedKey(t, id), user, due, nil
}

func indexRecord(tx *bolt.Tx, id string, rec []byte) error {
	updated, user, due, err := indexKeys(id, rec)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketByUpdated).Put(updated, []byte{}); err != nil {
		return err
	}
	if due != nil {
		if err := tx.Bucket(bucketByDue).Put(due, []byte{}); err != nil {
			return err
		}
	}
	if user != nil {
		return tx.Bucket(bucketByUser).Put(user, []byte{})
	}
	return nil
}

// unindexRecord takes the record stored (nil: none) out of the indexes.
func unindexRecord(tx *bolt.Tx, id string, stored []byte) error {
	if stored == nil {
		return nil
	}
	// The keys are copies: stored is the database's memory, which the
	// deletes may change.
	updated, user, due, err := indexKeys(id, stored)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketByUpdated).Delete(updated); err != nil {
		return err
	}
	if due != nil {
		if err := tx.Bucket(bucketByDue).Delete(due); err != nil {
			return err
		}
	}
	if user != nil {
		return tx.Bucket(bucketByUser).Delete(user)
	}
	return nil
}

// eraseKeys deletes every key of a conversation: record, messages and
// replies.
func eraseKeys(convs *bolt.Bucket, id string) error {
	prefix := idPrefix(id)
	c := convs.Cursor()
	// Seek again after each delete: a bbolt cursor may skip the key
	// after one it deleted.
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// putPending writes a conversation's messages, replies and record, as
// they are: no index, no erasure (see putConv).
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
// lacks, a commit to the version before, a delete of the very record it
// names — so replaying a segment twice changes nothing, and a log that
// outlived its database (or lost an entry to damage) cannot leave a
// conversation with holes in its messages.
func replay(db *bolt.DB, log *wal.Log) error {
	return wal.Replay(log, decodeLogBody, func(entries []logEntry) error {
		return db.Update(func(tx *bolt.Tx) error {
			for i := range entries {
				if err := replayEntry(tx, &entries[i]); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func replayEntry(tx *bolt.Tx, e *logEntry) error {
	v := tx.Bucket(bucketConvs).Get(recordKey(e.id))
	if !follows(v, e) {
		return nil
	}
	if v != nil && len(v) < recHeader {
		return fmt.Errorf("conversation %s: record too short", e.id)
	}
	if e.kind == logDelete {
		return putConv(tx, e.id, &pendingConv{wipe: true})
	}
	return putConv(tx, e.id, (*pendingConv)(nil).with(e.rec, e.first, e.msgs, e.replyKey, e.reply))
}

// follows reports whether a logged entry applies to the record stored
// (nil: none).
func follows(v []byte, e *logEntry) bool {
	switch {
	case e.kind == logCreate:
		return v == nil
	case v == nil:
		return false
	case len(v) < recHeader:
		return true // for the caller to report
	case e.kind == logDelete:
		return bytes.Equal(v[:recHeader], e.rec)
	}
	return binary.BigEndian.Uint64(v[recVersion:])+1 == binary.BigEndian.Uint64(e.rec[recVersion:])
}

// replayNoMeta is replay for the log of a database of format 2, which it
// writes to as the botctl that wrote them both would: records without
// Meta, no indexes. OpenFile migrates the database next.
func replayNoMeta(db *bolt.DB, log *wal.Log) error {
	return wal.Replay(log, decodeLogBodyNoMeta, func(entries []logEntry) error {
		return db.Update(func(tx *bolt.Tx) error {
			convs := tx.Bucket(bucketConvs)
			for i := range entries {
				e := &entries[i]
				v := convs.Get(recordKey(e.id))
				if !follows(v, e) {
					continue
				}
				if v != nil && len(v) < recHeader {
					return fmt.Errorf("conversation %s: record too short", e.id)
				}
				p := (*pendingConv)(nil).with(e.rec, e.first, e.msgs, e.replyKey, e.reply)
				if err := putPending(convs, e.id, p); err != nil {
					return err
				}
			}
			return nil
		})
	})
}
