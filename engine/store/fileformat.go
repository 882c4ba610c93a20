package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/botctl/botctl/engine/internal/jsonenc"
)

// The database layout (format 3): a meta bucket holding the format
// version, one bucket, convs, holding everything of every conversation
// under keys that start with the conversation's prefix (the id's length as
// a uvarint, then the id, so no id's prefix is a prefix of another's):
//
//	prefix 'i' key       the reply remembered for an idempotency key (JSON)
//	prefix 'm' seq       the messages of one write, seq (big-endian uint64)
//	                     being the first one's Seq (see encodeMessages)
//	prefix 'r'           the record (see encodeRecord)
//
// and two indexes of the records, whose values are empty:
//
//	updated   time id                 every conversation
//	users     user-prefix time id     those with a Meta.User (the user's
//	                                  length as a uvarint, then the user)
//	due       due id                  those with a Meta.Due, by it
//
// time being the record's Updated (see appendTimeKey), so that a cursor
// walks a conversation's keys newest last in List's order (or oldest
// first, for Expire).
//
// The record sorts right after the conversation's latest messages, so a
// conversation's recent writes share a leaf page. Format 2 (records
// without Meta, no indexes) is migrated when opened; format 1 (a bucket
// per kind, JSON records, a key per message) is not read: OpenFile
// reports it.
var (
	bucketMeta      = []byte("meta")
	bucketConvs     = []byte("convs")
	bucketByUpdated = []byte("updated")
	bucketByUser    = []byte("users")
	bucketByDue     = []byte("due")
	keyFormat       = []byte("format")
	formatVersion   = []byte("3")
	formatNoMeta    = []byte("2")
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
	Meta    Meta
}

// A record's value: a fixed header, then the bot's name and the Meta's
// encoding (see appendMeta), each with its length first as a uvarint,
// then the state's JSON to the end of the value (none: no state). Format
// 2 had no Meta.
//
//	0  version      uint64 big-endian
//	8  last seq     uint64
//	16 created      int64 Unix seconds, uint32 nanoseconds
//	28 updated      int64 Unix seconds, uint32 nanoseconds
//	40 bot length, bot, meta length, meta, state
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
	meta := appendMeta(nil, r.Meta)
	b := make([]byte, recHeader, recHeader+2*binary.MaxVarintLen64+len(r.Bot)+len(meta)+len(r.State))
	binary.BigEndian.PutUint64(b[recVersion:], uint64(r.Version))
	binary.BigEndian.PutUint64(b[recLastSeq:], uint64(r.LastSeq))
	putTime(b[recCreated:], r.Created)
	putTime(b[recUpdated:], r.Updated)
	b = appendField(b, []byte(r.Bot))
	b = appendField(b, meta)
	return append(b, r.State...)
}

// appendMeta appends a Meta's encoding: nothing for the zero Meta, else
// the user, the owner, the due time (appendTimeKey; empty for none) and
// each tag, each with its length first as a uvarint.
func appendMeta(b []byte, m Meta) []byte {
	if m.User == "" && m.Owner == "" && len(m.Tags) == 0 && m.Due.IsZero() {
		return b
	}
	b = appendField(b, []byte(m.User))
	b = appendField(b, []byte(m.Owner))
	var due []byte
	if !m.Due.IsZero() {
		due = appendTimeKey(nil, m.Due)
	}
	b = appendField(b, due)
	for _, t := range m.Tags {
		b = appendField(b, []byte(t))
	}
	return b
}

func decodeMeta(b []byte) (Meta, error) {
	var m Meta
	if len(b) == 0 {
		return m, nil
	}
	user, b, ok := field(b)
	if !ok {
		return m, errors.New("record: bad user")
	}
	owner, b, ok := field(b)
	if !ok {
		return m, errors.New("record: bad owner")
	}
	m.User, m.Owner = string(user), string(owner)
	due, b, ok := field(b)
	switch {
	case !ok || len(due) != 0 && len(due) != timeKeyLen:
		return m, errors.New("record: bad due time")
	case len(due) == timeKeyLen:
		m.Due = timeFromKey(due)
	}
	for len(b) > 0 {
		var t []byte
		if t, b, ok = field(b); !ok {
			return m, errors.New("record: bad tag")
		}
		m.Tags = append(m.Tags, string(t))
	}
	return m, nil
}

// metaDue returns the due time of a Meta's encoding, as a time key (nil
// for none), without decoding the rest.
func metaDue(b []byte) []byte {
	_, b, _ = field(b)
	_, b, _ = field(b)
	due, _, ok := field(b)
	if !ok || len(due) != timeKeyLen {
		return nil
	}
	return due
}

// metaUser returns the user of a Meta's encoding without decoding the
// rest ("" for none).
func metaUser(b []byte) string {
	user, _, _ := field(b)
	return string(user)
}

// recordParts splits a record's value into its bot's name, its Meta's
// encoding, and where its state starts.
func recordParts(v []byte) (bot, meta []byte, tail int, err error) {
	if len(v) < recHeader {
		return nil, nil, 0, errors.New("record too short")
	}
	bot, rest, ok := field(v[recHeader:])
	if !ok {
		return nil, nil, 0, errors.New("record: bad bot name")
	}
	if meta, rest, ok = field(rest); !ok {
		return nil, nil, 0, errors.New("record: bad meta")
	}
	return bot, meta, len(v) - len(rest), nil
}

// recordTail returns where the state starts in a record's value.
func recordTail(v []byte) (int, error) {
	_, _, tail, err := recordParts(v)
	return tail, err
}

// decodeRecord decodes a record's value, copying what it keeps (v may
// be the database's memory).
func decodeRecord(v []byte) (fileRecord, error) {
	r, tail, err := decodeRecordHead(v)
	if err == nil && len(v) > tail {
		r.State = cloneRaw(v[tail:])
	}
	return r, err
}

// decodeRecordHead is decodeRecord without the state, which it returns
// where it starts.
func decodeRecordHead(v []byte) (fileRecord, int, error) {
	bot, meta, tail, err := recordParts(v)
	if err != nil {
		return fileRecord{}, 0, err
	}
	m, err := decodeMeta(meta)
	if err != nil {
		return fileRecord{}, 0, err
	}
	return fileRecord{
		Version: int64(binary.BigEndian.Uint64(v[recVersion:])),
		LastSeq: int64(binary.BigEndian.Uint64(v[recLastSeq:])),
		Created: getTime(v[recCreated:]),
		Updated: getTime(v[recUpdated:]),
		Bot:     string(bot),
		Meta:    m,
	}, tail, nil
}

// recordTailNoMeta is recordTail for a record of format 2: no Meta.
func recordTailNoMeta(v []byte) (int, error) {
	if len(v) < recHeader {
		return 0, errors.New("record too short")
	}
	_, rest, ok := field(v[recHeader:])
	if !ok {
		return 0, errors.New("record: bad bot name")
	}
	return len(v) - len(rest), nil
}

// addMeta turns a record of format 2 into one of format 3 with no Meta:
// an empty field between the bot's name and the state.
func addMeta(v []byte) ([]byte, error) {
	tail, err := recordTailNoMeta(v)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(v)+1)
	out = append(out, v[:tail]...)
	out = append(out, 0)
	return append(out, v[tail:]...), nil
}

// appendTimeKey appends t as the indexes order it: the Unix seconds with
// the sign bit flipped (so times before 1970 sort first), big-endian,
// then the nanoseconds.
func appendTimeKey(b []byte, t time.Time) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(t.Unix())^1<<63)
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

const timeKeyLen = 12

func timeFromKey(b []byte) time.Time {
	return time.Unix(int64(binary.BigEndian.Uint64(b)^1<<63), int64(binary.BigEndian.Uint32(b[8:]))).UTC()
}

// updatedKey is the key of a conversation in the updated index.
func updatedKey(t time.Time, id string) []byte {
	return append(appendTimeKey(make([]byte, 0, timeKeyLen+len(id)), t), id...)
}

// dueKey is the key of a conversation in the due index: its due time as
// a time key, then the id.
func dueKey(due []byte, id string) []byte {
	return append(append(make([]byte, 0, len(due)+len(id)), due...), id...)
}

// userKey is the key of a conversation in the users index.
func userKey(user string, t time.Time, id string) []byte {
	return append(appendTimeKey(idPrefix(user), t), id...)
}

// fileReply is a remembered reply as stored.
type fileReply struct {
	Status int    `json:"status"`
	Body   []byte `json:"body,omitempty"`
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
	n := 0
	for _, m := range msgs {
		n += 64 + len(m.Kind) + len(m.Text) + len(m.Data)
	}
	out := make([]byte, 0, n)
	var b []byte
	for i, m := range msgs {
		var err error
		if b, err = appendMessageJSON(b[:0], m); err != nil {
			return nil, fmt.Errorf("store: message %d: %w", i+1, err)
		}
		out = binary.AppendUvarint(out, uint64(len(b)))
		out = append(out, b...)
	}
	return out, nil
}

// appendMessageJSON appends m as marshal(fileMessage) writes it, without
// reflection: a turn's messages are encoded on every commit. m.Data must
// be compact JSON (prepare makes it so).
func appendMessageJSON(b []byte, m Message) ([]byte, error) {
	if y := m.Time.Year(); y < 0 || y > 9999 {
		_, err := m.Time.MarshalJSON() // its error names the problem
		return b, err
	}
	b = append(b, `{"time":"`...)
	b = m.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","kind":`...)
	b = jsonenc.AppendString(b, m.Kind, false)
	if m.Text != "" {
		b = append(b, `,"text":`...)
		b = jsonenc.AppendString(b, m.Text, false)
	}
	if len(m.Data) > 0 {
		b = append(b, `,"data":`...)
		b = append(b, m.Data...)
	}
	return append(b, '}'), nil
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
