package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bbolt never shrinks its file: the pages a transaction frees are reused
// by later ones, and keep their old bytes until then. So an erased
// conversation's bytes stay in the file, and a store that erased most of
// its conversations stays as large as it was, until the database is
// compacted: copied into a new file (PATH.compact) holding only what is
// in use, which is fsynced and renamed over the old one.
//
// The file store compacts when more than half of the file is free pages
// and the file holds at least compactMin: when it is opened, after an
// apply that erased conversations, and when Compact is called.
const compactMin = 1 << 20

// compactTxSize bounds the bytes of keys and values one transaction of
// a compaction copies.
const compactTxSize = 64 << 20

const compactSuffix = ".compact"

// Compact rewrites the database into a new file holding only what is in
// use, so that the file shrinks to its data and no erased conversation's
// bytes are left in it, and deletes the log segments applied. Writes and
// reads of the database wait meanwhile: it copies every page in use. The
// store compacts by itself when most of its file is free; Compact is for
// doing it now, after erasing a user's conversations, say.
func (f *File) Compact(ctx context.Context) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	reply := make(chan error, 1)
	f.mu.RLock()
	if f.closed {
		f.mu.RUnlock()
		return ErrClosed
	}
	f.compacts <- reply // under the read lock, as in Flush
	f.mu.RUnlock()
	if err := <-reply; err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// compact writes the log into the database, deleting its segments, and
// compacts it. The committer's: no apply runs meanwhile, so only the
// readers need stopping.
func (f *File) compact() error {
	if err := f.flush(); err != nil {
		return err
	}
	f.dbmu.Lock()
	defer f.dbmu.Unlock()
	db, _, err := compactFile(f.db, f.path)
	f.db = db
	// Segments the applies could not remove hold conversations as they
	// were, erased ones too.
	return errors.Join(err, f.c.removeErr)
}

// mostlyFree reports whether it is time to compact db: more than half of
// it is free pages, and it holds at least min bytes.
func mostlyFree(db *bolt.DB, min int64) bool {
	var size int64
	if db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil }) != nil {
		return false
	}
	st := db.Stats()
	free := int64(st.FreePageN+st.PendingPageN) * int64(db.Info().PageSize)
	return size >= min && free > size/2
}

// compactFile copies db into a new file and renames it over path. It
// returns the database open now, and whether that is the new one (the
// old one closed): on an error before the rename, db is still the
// database, and the copy is removed.
func compactFile(db *bolt.DB, path string) (*bolt.DB, bool, error) {
	tmp := path + compactSuffix
	if err := removeCompactCopy(path); err != nil {
		return db, false, err
	}
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return db, false, fmt.Errorf("compacting into %s: %w", tmp, err)
	}
	// Every transaction of the copy is fsynced as it commits, the file's
	// growth too: once Compact returns, tmp is durable.
	if err := bolt.Compact(dst, db, compactTxSize); err != nil {
		dst.Close()
		os.Remove(tmp)
		return db, false, fmt.Errorf("compacting into %s: %w", tmp, err)
	}
	// dst keeps its lock across the rename: another process opening path
	// finds it locked before (the old file) and after (the new one).
	if err := os.Rename(tmp, path); err != nil {
		dst.Close()
		os.Remove(tmp)
		return db, false, fmt.Errorf("compacting %s: %w", path, err)
	}
	db.Close()
	if err := syncDir(filepath.Dir(path)); err != nil {
		// The rename may not survive a crash: the old file would come
		// back, without the writes made since.
		return dst, true, fmt.Errorf("compacting %s: %w (the database may go back to its state before the compaction on a crash)", path, err)
	}
	return dst, true, nil
}

// removeCompactCopy removes what a compaction a crash cut short left:
// until the rename, the old file is the database.
func removeCompactCopy(path string) error {
	if err := os.Remove(path + compactSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
