package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Redis keeps conversations in a Redis server, so several `botctl serve`
// replicas share them. Commit checks and bumps the version in one Lua
// script, so of two replicas racing on a conversation exactly one wins and
// the other gets ErrConflict. Every write refreshes the conversation's
// idle TTL (DefaultTTL unless WithTTL or SetTTL say otherwise).
//
// Keys, with the default prefix "botctl":
//
//	botctl:conv:{ID}          hash: bot, version, state, created, updated, last_seq, commit,
//	                          and user, owner, tags (JSON) when not empty
//	botctl:conv:{ID}:msgs     list: message n (JSON) at index n-1
//	botctl:conv:{ID}:replies  hash: idempotency key -> "STATUS BODY"
//
// The braces are a Redis Cluster hash tag: one conversation's keys live
// in one slot. List, Delete and Expire find conversations through three
// sorted sets (see redis_admin.go), which the same scripts update.
//
// Durability is Redis's: a commit is acknowledged once Redis has applied
// it; configure appendonly/appendfsync on the server to decide what a
// Redis crash may lose. Redis is safe for concurrent use.
type Redis struct {
	client *redis.Client
	cfg    config
	ttl    atomic.Int64 // nanoseconds; 0 = no expiry
}

var (
	_ Store   = (*Redis)(nil)
	_ Pinger  = (*Redis)(nil)
	_ Expirer = (*Redis)(nil)
)

// OpenRedis connects to the Redis server a URL names:
// redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] (rediss:// for TLS; the
// port defaults to 6379, the database to 0), and checks it answers.
// Options: WithTTL, WithPrefix, WithDialTimeout, WithClock.
func OpenRedis(url string, opts ...Option) (*Redis, error) {
	cfg := newConfig(opts)
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("store: redis URL %q: %w (want redis://HOST:PORT/DB)", redactURL(url), err)
	}
	// The maintenance-notification handshake is for Redis Enterprise and
	// only adds a failed command (and a log line) elsewhere.
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	r := &Redis{client: redis.NewClient(o), cfg: cfg}
	r.ttl.Store(int64(cfg.ttl))
	ctx, cancel := context.WithTimeout(context.Background(), cfg.dialTimeout)
	defer cancel()
	if err := r.client.Ping(ctx).Err(); err != nil {
		r.client.Close()
		return nil, fmt.Errorf("store: redis at %s (db %d) does not answer: %w", o.Addr, o.DB, err)
	}
	if err := r.reindex(context.Background()); err != nil {
		r.client.Close()
		return nil, fmt.Errorf("store: redis at %s (db %d): indexing the conversations stored before this version: %w", o.Addr, o.DB, err)
	}
	return r, nil
}

// redactURL hides a password in an URL quoted in an error.
func redactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		return scheme + "://xxxxx@" + rest[at+1:]
	}
	return u
}

// SetTTL implements Expirer: conversations not written to for d are
// dropped by Redis; 0 keeps them forever. It applies from the next write
// of each conversation.
func (r *Redis) SetTTL(d time.Duration) { r.ttl.Store(int64(max(d, 0))) }

// TTL returns the idle TTL in force.
func (r *Redis) TTL() time.Duration { return time.Duration(r.ttl.Load()) }

// keys are every key of a conversation: Delete removes all of them, and
// every write sets their TTL.
func (r *Redis) keys(id string) []string {
	k := r.cfg.prefix + ":conv:{" + id + "}"
	return []string{k, k + ":msgs", k + ":replies"}
}

func (r *Redis) ttlMillis() int64 { return time.Duration(r.ttl.Load()).Milliseconds() }

// redisMsg is a message as the list holds it: its Seq is its position.
type redisMsg struct {
	Time time.Time       `json:"time"`
	Kind string          `json:"kind"`
	Text string          `json:"text,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

func encodeRedisMsgs(msgs []Message) ([]any, error) {
	out := make([]any, len(msgs))
	for i, m := range msgs {
		b, err := marshal(redisMsg{Time: m.Time, Kind: m.Kind, Text: m.Text, Data: m.Data})
		if err != nil {
			return nil, fmt.Errorf("store: message %d: %w", i+1, err)
		}
		out[i] = b
	}
	return out, nil
}

// newCommitID names one write so that a write retried after a lost reply
// (go-redis retries on network errors) is recognised as already applied
// instead of failing with ErrExists or ErrConflict.
func newCommitID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// pushLua appends ARGV[first..] to the list KEYS[2] in chunks (unpack of
// thousands of values would overflow Lua's stack). The index functions
// are indexLua's.
const pushLua = indexLua + `
local function push(first)
  for i = first, #ARGV, 100 do
    redis.call('RPUSH', KEYS[2], unpack(ARGV, i, math.min(i + 99, #ARGV)))
  end
end
local function expire(ms)
  for _, k in ipairs(KEYS) do
    if ms > 0 then redis.call('PEXPIRE', k, ms) else redis.call('PERSIST', k) end
  end
end
-- meta sets the Meta fields of the record from ARGV[first..first+2]
-- (user, owner, tags), leaving out the empty ones.
local function meta(first)
  for i, f in ipairs({'user', 'owner', 'tags'}) do
    local v = ARGV[first + i - 1]
    if v == '' then redis.call('HDEL', KEYS[1], f) else redis.call('HSET', KEYS[1], f, v) end
  end
end
-- due sets Meta.Due from ns (unix ns, '' for none) and scores the
-- conversation by sc (unix µs) in the index of timers, prefix:due.
local function due(prefix, id, ns, sc)
  if ns == '' then
    redis.call('HDEL', KEYS[1], 'due')
    redis.call('ZREM', prefix .. ':due', id)
  else
    redis.call('HSET', KEYS[1], 'due', ns)
    redis.call('ZADD', prefix .. ':due', sc, id)
  end
end
`

// createScript: KEYS rec, msgs, replies. ARGV: commit id, bot, state,
// created (unix ns), ttl ms, prefix, id, score (unix µs), user, owner,
// tags, due (unix ns, "" for none), due score (unix µs), then the
// messages. Returns 1 if created, 0 if the id is taken.
var createScript = redis.NewScript(pushLua + `
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('HGET', KEYS[1], 'commit') == ARGV[1] then return 1 end
  return 0
end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('HSET', KEYS[1], 'bot', ARGV[2], 'version', 1, 'state', ARGV[3],
  'created', ARGV[4], 'updated', ARGV[4], 'last_seq', #ARGV - 13, 'commit', ARGV[1])
meta(9)
due(ARGV[6], ARGV[7], ARGV[12], ARGV[13])
index(ARGV[6], ARGV[7], ARGV[8], ARGV[2], ARGV[9], ARGV[9])
push(14)
expire(tonumber(ARGV[5]))
return 1
`)

// commitScript: KEYS rec, msgs, replies. ARGV: commit id, version,
// has state ("1"/"0"), state, updated (unix ns), ttl ms, reply key
// ("" for none), reply value, prefix, id, score (unix µs), has meta
// ("1"/"0"), user, owner, tags, due (unix ns, "" for none), due score,
// then the messages.
// Returns {code, version, last_seq, bot, created, state, user, owner,
// tags, due}: code 1 committed, 0 not found, -1 conflict; state only when
// not replaced.
var commitScript = redis.NewScript(pushLua + `
local rec = KEYS[1]
local cur = redis.call('HMGET', rec, 'version', 'commit', 'bot', 'user')
if not cur[1] then return {0} end
local v = tonumber(cur[1])
local function result(nv)
  local f = redis.call('HMGET', rec, 'last_seq', 'bot', 'created', 'state', 'user', 'owner', 'tags', 'due')
  local st = ''
  if ARGV[3] ~= '1' then st = f[4] end
  return {1, nv, tonumber(f[1]), f[2], f[3], st, f[5] or '', f[6] or '', f[7] or '', f[8] or ''}
end
if v ~= tonumber(ARGV[2]) then
  if v == tonumber(ARGV[2]) + 1 and cur[2] == ARGV[1] then return result(v) end
  return {-1}
end
local n = #ARGV - 17
if n > 0 then
  push(18)
  redis.call('HINCRBY', rec, 'last_seq', n)
end
if ARGV[3] == '1' then redis.call('HSET', rec, 'state', ARGV[4]) end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[3], ARGV[7], ARGV[8]) end
redis.call('HSET', rec, 'version', v + 1, 'updated', ARGV[5], 'commit', ARGV[1])
local user = cur[4] or ''
local newUser = user
if ARGV[12] == '1' then
  meta(13)
  due(ARGV[9], ARGV[10], ARGV[16], ARGV[17])
  newUser = ARGV[13]
end
index(ARGV[9], ARGV[10], ARGV[11], cur[3] or '', user, newUser)
expire(tonumber(ARGV[6]))
return result(v + 1)
`)

func redisErr(err error) error {
	if errors.Is(err, redis.ErrClosed) {
		return ErrClosed
	}
	return fmt.Errorf("store: redis: %w", err)
}

// Create implements Store.
func (r *Redis) Create(ctx context.Context, rec Record, msgs []Message) error {
	return r.create(ctx, rec, msgs, newCommitID())
}

func (r *Redis) create(ctx context.Context, rec Record, msgs []Message, commitID string) error {
	rec, added, err := newConversation(rec, msgs, stamp(r.cfg.now()))
	if err != nil {
		return err
	}
	enc, err := encodeRedisMsgs(added)
	if err != nil {
		return err
	}
	tags, err := encodeTags(rec.Tags)
	if err != nil {
		return err
	}
	dueNs, dueScore := redisDue(rec.Due)
	args := append([]any{commitID, rec.Bot, []byte(rec.State), rec.Created.UnixNano(), r.ttlMillis(),
		r.cfg.prefix, rec.ID, score(rec.Created), rec.User, rec.Owner, tags, dueNs, dueScore}, enc...)
	n, err := createScript.Run(ctx, r.client, r.keys(rec.ID), args...).Int()
	if err != nil {
		return redisErr(err)
	}
	if n == 0 {
		return ErrExists
	}
	return nil
}

// encodeTags is the tags field of a record: a JSON array, "" for none.
func encodeTags(tags []string) (string, error) {
	if len(tags) == 0 {
		return "", nil
	}
	b, err := marshal(tags)
	if err != nil {
		return "", fmt.Errorf("store: tags: %w", err)
	}
	return string(b), nil
}

func decodeTags(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var tags []string
	if err := json.Unmarshal([]byte(s), &tags); err != nil {
		return nil, err
	}
	return tags, nil
}

// Get implements Store.
func (r *Redis) Get(ctx context.Context, id string) (Record, error) {
	f, err := r.client.HGetAll(ctx, r.keys(id)[0]).Result()
	if err != nil {
		return Record{}, redisErr(err)
	}
	if len(f) == 0 {
		return Record{}, ErrNotFound
	}
	return recordFromHash(id, f)
}

// recordFromHash decodes the fields of a conversation's hash. A record
// written before conversations had a Meta has none of its fields, and an
// empty Meta.
func recordFromHash(id string, f map[string]string) (Record, error) {
	var err error
	rec := Record{ID: id, Bot: f["bot"], State: rawOrNil(f["state"])}
	ints := []struct {
		name string
		dst  *int64
	}{{"version", &rec.Version}, {"last_seq", &rec.LastSeq}}
	for _, i := range ints {
		if *i.dst, err = strconv.ParseInt(f[i.name], 10, 64); err != nil {
			return Record{}, fmt.Errorf("store: redis: conversation %s: %s: %w", id, i.name, err)
		}
	}
	if rec.Created, err = unixNano(f["created"]); err != nil {
		return Record{}, fmt.Errorf("store: redis: conversation %s: created: %w", id, err)
	}
	if rec.Updated, err = unixNano(f["updated"]); err != nil {
		return Record{}, fmt.Errorf("store: redis: conversation %s: updated: %w", id, err)
	}
	rec.User, rec.Owner = f["user"], f["owner"]
	if rec.Tags, err = decodeTags(f["tags"]); err != nil {
		return Record{}, fmt.Errorf("store: redis: conversation %s: tags: %w", id, err)
	}
	if rec.Due, err = dueTime(f["due"]); err != nil {
		return Record{}, fmt.Errorf("store: redis: conversation %s: due: %w", id, err)
	}
	return rec, nil
}

func rawOrNil(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func unixNano(s string) (time.Time, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, n).UTC(), nil
}

// Commit implements Store.
func (r *Redis) Commit(ctx context.Context, id string, version int64, u Update) (Record, error) {
	return r.commit(ctx, id, version, u, newCommitID())
}

func (r *Redis) commit(ctx context.Context, id string, version int64, u Update, commitID string) (Record, error) {
	if err := checkReply(u.Reply); err != nil {
		return Record{}, err
	}
	hasMeta, meta, tags := "0", Meta{}, ""
	if u.Meta != nil {
		var err error
		if meta, err = checkMeta(*u.Meta); err != nil {
			return Record{}, err
		}
		if tags, err = encodeTags(meta.Tags); err != nil {
			return Record{}, err
		}
		hasMeta = "1"
	}
	now := stamp(r.cfg.now())
	added, err := prepare(u.Msgs, 0, now)
	if err != nil {
		return Record{}, err
	}
	state, err := compactState(u.State)
	if err != nil {
		return Record{}, err
	}
	enc, err := encodeRedisMsgs(added)
	if err != nil {
		return Record{}, err
	}
	hasState := "0"
	if state != nil {
		hasState = "1"
	}
	replyKey, replyVal := "", []byte(nil)
	if reply := u.Reply; reply != nil {
		replyKey = reply.Key
		replyVal = append(strconv.AppendInt(nil, int64(reply.Status), 10), ' ')
		replyVal = append(replyVal, reply.Body...)
	}
	dueNs, dueScore := redisDue(meta.Due)
	args := append([]any{commitID, version, hasState, []byte(state), now.UnixNano(), r.ttlMillis(), replyKey, replyVal,
		r.cfg.prefix, id, score(now), hasMeta, meta.User, meta.Owner, tags, dueNs, dueScore}, enc...)
	res, err := commitScript.Run(ctx, r.client, r.keys(id), args...).Slice()
	if err != nil {
		return Record{}, redisErr(err)
	}
	switch code, _ := res[0].(int64); code {
	case 0:
		return Record{}, ErrNotFound
	case -1:
		return Record{}, ErrConflict
	}
	if len(res) != 10 {
		return Record{}, fmt.Errorf("store: redis: commit script answered %v", res)
	}
	rec := Record{ID: id, Version: toInt(res[1]), LastSeq: toInt(res[2]), Updated: now, State: state}
	rec.Bot, _ = res[3].(string)
	created, _ := res[4].(string)
	if rec.Created, err = unixNano(created); err != nil {
		return Record{}, fmt.Errorf("store: redis: conversation %s: created: %w", id, err)
	}
	if state == nil {
		s, _ := res[5].(string)
		rec.State = rawOrNil(s)
	}
	// The Meta as stored, which is the one given unless this is the
	// reply to a commit already applied.
	rec.User, _ = res[6].(string)
	rec.Owner, _ = res[7].(string)
	t, _ := res[8].(string)
	if rec.Tags, err = decodeTags(t); err != nil {
		return Record{}, fmt.Errorf("store: redis: conversation %s: tags: %w", id, err)
	}
	d, _ := res[9].(string)
	if rec.Due, err = dueTime(d); err != nil {
		return Record{}, fmt.Errorf("store: redis: conversation %s: due: %w", id, err)
	}
	return rec, nil
}

func toInt(v any) int64 {
	n, _ := v.(int64)
	return n
}

// Messages implements Store.
func (r *Redis) Messages(ctx context.Context, id string, after int64, limit int) ([]Message, error) {
	after = max(after, 0)
	stop := int64(-1)
	if limit > 0 && after+int64(limit)-1 >= after { // else: overflow, take all
		stop = after + int64(limit) - 1
	}
	k := r.keys(id)
	var (
		exists *redis.IntCmd
		items  *redis.StringSliceCmd
	)
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		exists = p.Exists(ctx, k[0])
		items = p.LRange(ctx, k[1], after, stop)
		return nil
	})
	if err != nil {
		return nil, redisErr(err)
	}
	if exists.Val() == 0 {
		return nil, ErrNotFound
	}
	out := make([]Message, len(items.Val()))
	for i, s := range items.Val() {
		var m redisMsg
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return nil, fmt.Errorf("store: redis: conversation %s: message %d: %w", id, after+int64(i)+1, err)
		}
		out[i] = Message{Seq: after + int64(i) + 1, Time: m.Time, Kind: m.Kind, Text: m.Text, Data: m.Data}
	}
	return out, nil
}

// Reply implements Store.
func (r *Redis) Reply(ctx context.Context, id, key string) (Reply, bool, error) {
	k := r.keys(id)
	var (
		exists *redis.IntCmd
		val    *redis.StringCmd
	)
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		exists = p.Exists(ctx, k[0])
		val = p.HGet(ctx, k[2], key)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return Reply{}, false, redisErr(err)
	}
	if exists.Val() == 0 {
		return Reply{}, false, ErrNotFound
	}
	if errors.Is(val.Err(), redis.Nil) {
		return Reply{}, false, nil
	}
	status, body, ok := strings.Cut(val.Val(), " ")
	code, err := strconv.Atoi(status)
	if !ok || err != nil {
		return Reply{}, false, fmt.Errorf("store: redis: conversation %s: reply %q is malformed", id, key)
	}
	rep := Reply{Key: key, Status: code}
	if body != "" {
		rep.Body = []byte(body)
	}
	return rep, true, nil
}

// Ping implements Pinger: Redis answers PING.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return redisErr(err)
	}
	return nil
}

// LogRedisTo sends the Redis client's own log lines (failed dials and the
// like) to l at level Warn; without it they go to stderr as plain text.
// The setting is process-wide, as the client library's logger is.
func LogRedisTo(l *slog.Logger) {
	redis.SetLogger(redisLog{l})
}

type redisLog struct{ l *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.l.WarnContext(ctx, strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: "), "component", "redis")
}

// Close closes the connections to Redis.
func (r *Redis) Close() error {
	if err := r.client.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
		return redisErr(err)
	}
	return nil
}
