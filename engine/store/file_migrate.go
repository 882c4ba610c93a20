package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// initFormat sets up a new database at the current format and returns
// the format of the database: formatVersion, or formatNoMeta for one to
// migrate. It refuses any other.
func initFormat(db *bolt.DB) ([]byte, error) {
	var format []byte
	err := db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		switch f := meta.Get(keyFormat); {
		case f == nil:
			if err := meta.Put(keyFormat, formatVersion); err != nil {
				return err
			}
			for _, b := range [][]byte{bucketConvs, bucketByUpdated, bucketByUser, bucketByDue} {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			format = formatVersion
		case bytes.Equal(f, formatVersion), bytes.Equal(f, formatNoMeta):
			format = bytes.Clone(f)
		default:
			if n, err := strconv.Atoi(string(f)); err == nil && n > 3 {
				return fmt.Errorf("store format %s, but this botctl reads only formats 2 and 3 (the file was written by a newer botctl: run that one)", f)
			}
			return fmt.Errorf("store format %s, but this botctl reads only formats 2 and 3 (the file was written by an older botctl; move it away or delete it to start with an empty store)", f)
		}
		return nil
	})
	return format, err
}

// migrateBatch is how many records migrateFile rewrites between two seeks of
// its cursor (a bbolt cursor must be positioned again after a change).
const migrateBatch = 1024

// migrateFile turns a database of format 2 into one of format 3, in one
// transaction: each record gets an empty Meta, and the updated index is
// built from them (no record has a user yet).
func migrateFile(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		convs := tx.Bucket(bucketConvs)
		byUpdated, err := tx.CreateBucketIfNotExists(bucketByUpdated)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bucketByUser); err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bucketByDue); err != nil {
			return err
		}
		type record struct {
			id     string
			key, v []byte
		}
		batch := make([]record, 0, migrateBatch)
		c := convs.Cursor()
		for k, v := c.First(); k != nil; {
			batch = batch[:0]
			for ; k != nil && len(batch) < migrateBatch; k, v = c.Next() {
				id, ok := recordID(k)
				if !ok {
					continue
				}
				nv, err := addMeta(v)
				if err != nil {
					return fmt.Errorf("conversation %s: %w", id, err)
				}
				batch = append(batch, record{id, bytes.Clone(k), nv})
			}
			next := bytes.Clone(k)
			for _, r := range batch {
				if err := convs.Put(r.key, r.v); err != nil {
					return err
				}
				if err := byUpdated.Put(updatedKey(getTime(r.v[recUpdated:]), r.id), []byte{}); err != nil {
					return err
				}
			}
			if next != nil {
				k, v = c.Seek(next)
			}
		}
		return tx.Bucket(bucketMeta).Put(keyFormat, formatVersion)
	})
}

// recordID returns the id of a record's key in convs; false for the key
// of a message or a reply.
func recordID(k []byte) (string, bool) {
	n, w := binary.Uvarint(k)
	if w <= 0 || uint64(len(k)-w) != n+1 || k[len(k)-1] != tagRecord {
		return "", false
	}
	return string(k[w : w+int(n)]), true
}
