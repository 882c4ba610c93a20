package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Bot versions live in their own bucket, versions, created by the first
// PutVersion (so a file without one is still format 2), under the bot's
// name (its length as a uvarint first, as conversation ids) followed by
// the hash; the value is encodeVersion's. Versions are rare and written
// in their own transaction: they do not go through the log.
var bucketVersions = []byte("versions")

var (
	_ Versions = (*File)(nil)
	_ Scanner  = (*File)(nil)
)

func versionKey(bot, hash string) []byte {
	return append(idPrefix(bot), hash...)
}

// update runs a read-write transaction, mapping bbolt's closed-database
// error to ErrClosed. It commits, fsyncing, before it returns.
func (f *File) update(fn func(*bolt.Tx) error) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed {
		return ErrClosed
	}
	f.dbmu.RLock()
	defer f.dbmu.RUnlock()
	if err := f.db.Update(fn); err != nil {
		return fmt.Errorf("store: %s: %w", f.path, err)
	}
	return nil
}

// PutVersion implements Versions.
func (f *File) PutVersion(ctx context.Context, v BotVersion) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	v, err := newVersion(v, stamp(f.cfg.now()))
	if err != nil {
		return err
	}
	key, val := versionKey(v.Bot, v.Hash), encodeVersion(v)
	return f.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketVersions)
		if err != nil {
			return err
		}
		if b.Get(key) != nil {
			return nil
		}
		return b.Put(key, val)
	})
}

// GetVersion implements Versions.
func (f *File) GetVersion(ctx context.Context, bot, hash string) (BotVersion, error) {
	if err := ctxErr(ctx); err != nil {
		return BotVersion{}, err
	}
	var v BotVersion
	err := f.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketVersions)
		if b == nil {
			return ErrVersionNotFound
		}
		val := b.Get(versionKey(bot, hash))
		if val == nil {
			return ErrVersionNotFound
		}
		var err error
		if v, err = decodeVersion(bot, hash, val); err != nil {
			return fmt.Errorf("store: version %s of bot %s: %w", hash, bot, err)
		}
		return nil
	})
	return v, err
}

// ListVersions implements Versions.
func (f *File) ListVersions(ctx context.Context, bot string) ([]VersionInfo, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []VersionInfo
	err := f.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketVersions)
		if b == nil {
			return nil
		}
		prefix := idPrefix(bot)
		c := b.Cursor()
		for k, val := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, val = c.Next() {
			hash := string(k[len(prefix):])
			stored, err := versionStored(val)
			if err != nil {
				return fmt.Errorf("store: version %s of bot %s: %w", hash, bot, err)
			}
			out = append(out, VersionInfo{Hash: hash, Stored: stored})
		}
		return nil
	})
	sortVersions(out)
	return out, err
}

// DeleteVersion implements Versions.
func (f *File) DeleteVersion(ctx context.Context, bot, hash string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	return f.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketVersions)
		if b == nil {
			return nil
		}
		return b.Delete(versionKey(bot, hash))
	})
}

// scanPage is how many conversations Scan reads in one transaction. fn
// runs between transactions: a read transaction held open while fn
// writes could stop bbolt from growing the file, and a long one keeps
// the pages freed meanwhile from being reused.
const scanPage = 256

// Scan implements Scanner. It reads the database in pages, each
// conversation with the newest record the log holds of it, and after
// them the conversations that were only in the log when Scan started.
func (f *File) Scan(ctx context.Context, fn func(Record) error) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	// The conversations only in the log now: they may move into the
	// database behind the cursor while it runs, so they are visited
	// last, wherever they are by then, and skipped on the way.
	var fresh map[string]bool
	err := f.pendingView(func(tx *bolt.Tx) error {
		convs := tx.Bucket(bucketConvs)
		for id := range f.pending {
			if convs.Get(recordKey(id)) == nil {
				if fresh == nil {
					fresh = map[string]bool{}
				}
				fresh[id] = true
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var (
		page []Record
		from []byte
	)
	for {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		page, from, err = f.scanPage(page[:0], from, fresh)
		if err != nil {
			return err
		}
		for _, rec := range page {
			if err := fn(rec); err != nil {
				return err
			}
		}
		if from == nil {
			break
		}
	}
	ids := make([]string, 0, len(fresh))
	for id := range fresh {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		rec, err := f.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// pendingView runs a read-only transaction that begins while pending is
// locked for reading, and keeps it locked: so a conversation missing from
// pending is in the database as the transaction sees it (nothing leaves
// pending before the database has it), and pending's record of one is
// at least as new as the database's.
func (f *File) pendingView(fn func(*bolt.Tx) error) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed {
		return ErrClosed
	}
	f.dbmu.RLock()
	defer f.dbmu.RUnlock()
	f.pmu.RLock()
	defer f.pmu.RUnlock()
	tx, err := f.db.Begin(false)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// scanPage appends to page up to scanPage conversations of the database
// from the key from on (nil: the first), less those in skip, and returns
// the key to go on from, nil at the end.
func (f *File) scanPage(page []Record, from []byte, skip map[string]bool) ([]Record, []byte, error) {
	var next []byte
	err := f.pendingView(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketConvs).Cursor()
		var k, v []byte
		if from == nil {
			k, _ = c.First()
		} else {
			k, _ = c.Seek(from)
		}
		for k != nil {
			// A conversation's keys are contiguous, its record last
			// ('r' sorts after its replies and messages): jump to it.
			n, w := binary.Uvarint(k)
			if w <= 0 || uint64(len(k)-w) < n {
				return fmt.Errorf("store: %s: bad key %q in %s", f.path, k, bucketConvs)
			}
			id := string(k[w : w+int(n)])
			rk := recordKey(id)
			k, v = c.Seek(rk)
			if !bytes.Equal(k, rk) {
				// No record: not a conversation. Skip all its keys.
				k, _ = c.Seek(append(idPrefix(id), 0xff))
				continue
			}
			if len(page) == scanPage {
				next = rk
				return nil
			}
			if skip[id] {
				k, _ = c.Next()
				continue
			}
			if p := f.pending[id]; p != nil {
				if p.rec == nil {
					// Erased; the database has yet to.
					k, _ = c.Next()
					continue
				}
				v = p.rec
			}
			r, err := decodeRecord(v)
			if err != nil {
				return fmt.Errorf("store: conversation %s: %w", id, err)
			}
			page = append(page, r.record(id))
			k, _ = c.Next()
		}
		return nil
	})
	return page, next, err
}
