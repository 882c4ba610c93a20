package store

import (
	"context"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DueBefore implements Store. It walks the due index from its start and
// merges in the conversations the log has newer than the database, as
// List does.
func (f *File) DueBefore(ctx context.Context, t time.Time, limit int) ([]string, error) {
	if err := checkExpire(limit); err != nil {
		return nil, err
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var ids []string
	err := f.snapshot(func(tx *bolt.Tx, pend map[string]*pendingConv) error {
		var fresh []Record
		for id, p := range pend {
			if len(p.rec) < recHeader {
				continue // erased
			}
			_, meta, _, err := recordParts(p.rec)
			if err != nil {
				continue
			}
			if d := metaDue(meta); d != nil {
				if due := timeFromKey(d); !due.After(t) {
					fresh = append(fresh, Record{ID: id, Meta: Meta{Due: due}})
				}
			}
		}
		slices.SortFunc(fresh, earlierDue)
		c := tx.Bucket(bucketByDue).Cursor()
		k, _ := c.First()
		next := func() (Record, bool) {
			for ; k != nil; k, _ = c.Next() {
				if len(k) < timeKeyLen {
					continue
				}
				due := timeFromKey(k)
				if due.After(t) {
					break
				}
				id := string(k[timeKeyLen:])
				if _, newer := pend[id]; !newer {
					k, _ = c.Next()
					return Record{ID: id, Meta: Meta{Due: due}}, true
				}
			}
			k = nil
			return Record{}, false
		}
		head, ok := next()
		for len(ids) < limit {
			switch {
			case ok && (len(fresh) == 0 || earlierDue(head, fresh[0]) < 0):
				ids = append(ids, head.ID)
				head, ok = next()
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
