package store

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrBadCursor is what List returns for a cursor it did not make.
var ErrBadCursor = errors.New("bad cursor: pass the next cursor of the previous page unchanged")

// Bounds of a Meta, which every store indexes.
const (
	maxMetaField = 1024 // bytes of User, Owner and each tag
	maxTags      = 64
)

// checkMeta refuses a Meta no store can index and returns it as stores
// keep it: the tags copied, without repeats.
func checkMeta(m Meta) (Meta, error) {
	switch {
	case len(m.User) > maxMetaField:
		return Meta{}, fmt.Errorf("store: user id too long: %d bytes (at most %d)", len(m.User), maxMetaField)
	case len(m.Owner) > maxMetaField:
		return Meta{}, fmt.Errorf("store: owner too long: %d bytes (at most %d)", len(m.Owner), maxMetaField)
	case len(m.Tags) > maxTags:
		return Meta{}, fmt.Errorf("store: %d tags (at most %d)", len(m.Tags), maxTags)
	}
	var tags []string
	for _, t := range m.Tags {
		if len(t) > maxMetaField {
			return Meta{}, fmt.Errorf("store: tag too long: %d bytes (at most %d)", len(t), maxMetaField)
		}
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	m.Tags = tags
	if !m.Due.IsZero() {
		m.Due = stamp(m.Due)
	}
	return m, nil
}

// cloneMeta copies a Meta's tags, so that a caller's slice and the
// store's never alias.
func cloneMeta(m Meta) Meta {
	m.Tags = slices.Clone(m.Tags)
	return m
}

// position is a place in List's order: newest Updated first, then by ID
// descending. The zero position is before every conversation.
type position struct {
	updated time.Time
	id      string
}

// after reports whether rec comes after p in List's order.
func (p position) after(rec Record) bool {
	if p.id == "" && p.updated.IsZero() {
		return true
	}
	if !rec.Updated.Equal(p.updated) {
		return rec.Updated.Before(p.updated)
	}
	return rec.ID < p.id
}

// newer orders records as List returns them.
func newer(a, b Record) int {
	if c := b.Updated.Compare(a.Updated); c != 0 {
		return c
	}
	switch {
	case a.ID > b.ID:
		return -1
	case a.ID < b.ID:
		return 1
	}
	return 0
}

// cursorVersion is the first byte of every cursor, so that a later format
// can tell its own from these.
const cursorVersion = 1

// encodeCursor is the opaque cursor of the page after rec: base64url of
// a version byte, Updated in Unix nanoseconds and the ID.
func encodeCursor(rec Record) string {
	b := make([]byte, 9, 9+len(rec.ID))
	b[0] = cursorVersion
	binary.BigEndian.PutUint64(b[1:], uint64(rec.Updated.UnixNano()))
	b = append(b, rec.ID...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (position, error) {
	if s == "" {
		return position{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 10 || b[0] != cursorVersion {
		return position{}, ErrBadCursor
	}
	return position{
		updated: time.Unix(0, int64(binary.BigEndian.Uint64(b[1:9]))).UTC(),
		id:      string(b[9:]),
	}, nil
}

// listQuery is a checked Query: its limit in range and its cursor
// decoded.
type listQuery struct {
	Query
	from position
}

func checkQuery(q Query) (listQuery, error) {
	switch {
	case q.Limit == 0:
		q.Limit = DefaultLimit
	case q.Limit < 0 || q.Limit > MaxLimit:
		return listQuery{}, fmt.Errorf("store: limit %d: it is 1 to %d", q.Limit, MaxLimit)
	}
	from, err := decodeCursor(q.Cursor)
	if err != nil {
		return listQuery{}, err
	}
	if !q.UpdatedSince.IsZero() {
		q.UpdatedSince = stamp(q.UpdatedSince)
	}
	return listQuery{Query: q, from: from}, nil
}

// match reports whether rec is on the query's page or a later one.
func (q listQuery) match(rec Record) bool {
	return q.from.after(rec) &&
		(q.Bot == "" || rec.Bot == q.Bot) &&
		(q.User == "" || rec.User == q.User) &&
		(q.Owner == "" || rec.Owner == q.Owner) &&
		(q.Tag == "" || slices.Contains(rec.Tags, q.Tag)) &&
		(q.UpdatedSince.IsZero() || !rec.Updated.Before(q.UpdatedSince))
}

// page cuts a page from records sorted by newer, all matching the query:
// at most Limit of them, and the cursor of the next when one more is
// there.
func (q listQuery) page(recs []Record) Page {
	if len(recs) <= q.Limit {
		return Page{Records: recs}
	}
	recs = recs[:q.Limit]
	return Page{Records: recs, Next: encodeCursor(recs[len(recs)-1])}
}

// checkExpire refuses a limit Expire cannot honour.
func checkExpire(limit int) error {
	if limit <= 0 {
		return fmt.Errorf("store: expire limit %d: it must be positive", limit)
	}
	return nil
}

// earlierDue orders records by Meta.Due, then by ID, as DueBefore returns
// them.
func earlierDue(a, b Record) int {
	if c := a.Due.Compare(b.Due); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}
