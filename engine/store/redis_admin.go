package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// List, Delete and Expire find conversations through three kinds of
// sorted set, with the default prefix:
//
//	botctl:convs               every conversation: member redisMember(ID, bot, user)
//	botctl:bot:{BOT}:convs     the bot's conversations: member ID
//	botctl:user:{USER}:convs   the user's (Meta.User) conversations: member ID
//
// Each scores a conversation by its Updated in Unix microseconds, which a
// float64 holds exactly (for 285 years either side of 1970), and Redis
// orders equal scores by member, bytewise, as Go compares strings. Within
// one microsecond Updated may still differ in nanoseconds, so a reader
// takes a group of equal scores whole and sorts it by the records'
// times. The bot and user indexes exist only for a non-empty bot and
// user, and have no TTL: an index goes when its last entry does.
//
// The create, commit and delete scripts update the indexes in the step
// that writes the conversation, so an index is exact but for one case:
// Redis drops a conversation whose TTL ran out and leaves its entries.
// Readers therefore treat an entry as a hint. They read the record, skip
// an entry whose record is gone or no longer has the entry's bot or user
// (the id expired and was created again), and remove it with
// unindexScript, which checks the record again in the same step. List
// leaves the entry of a vanished conversation in the index of all to
// Expire, which counts the conversation as erased when it clears its
// entries: that member names the bot and the user so that Expire can
// clear the other two.
//
// Redis Cluster: a conversation's keys share a hash tag, but the indexes
// are keys of their own, in other slots, and the scripts derive the index
// keys from the record (its bot and its old user) instead of receiving
// them in KEYS. That is sound on one Redis server (the only deployment
// OpenRedis supports) and would be refused by a cluster. Supporting one
// would mean updating the indexes in a second step after each script;
// the readers, which already check every entry against its record, would
// then also drop entries a failed second step left behind.

// indexLua maintains the indexes; the create, commit and delete scripts
// start with it. member is redisMember; key is an index key.
const indexLua = `
local function esc(s) return (string.gsub(s, '%z', '\0\1')) end
local function member(id, bot, user) return esc(id) .. '\0\0' .. esc(bot) .. '\0\0' .. user end
local function ikey(prefix, kind, name) return prefix .. ':' .. kind .. ':{' .. name .. '}:convs' end
-- index scores conversation id in its indexes, moving it from the user
-- old to the user new.
local function index(prefix, id, score, bot, old, new)
  local all = prefix .. ':convs'
  if old ~= new then redis.call('ZREM', all, member(id, bot, old)) end
  redis.call('ZADD', all, score, member(id, bot, new))
  if bot ~= '' then redis.call('ZADD', ikey(prefix, 'bot', bot), score, id) end
  if old ~= new and old ~= '' then redis.call('ZREM', ikey(prefix, 'user', old), id) end
  if new ~= '' then redis.call('ZADD', ikey(prefix, 'user', new), score, id) end
end
`

// deleteScript: KEYS every key of the conversation, the record first.
// ARGV: prefix, id, updated (unix ns; "" for any). Erases the
// conversation and its index entries if it exists and, when updated is
// given, was last updated then. Returns 1 if erased, else 0.
var deleteScript = redis.NewScript(indexLua + `
local f = redis.call('HMGET', KEYS[1], 'updated', 'bot', 'user')
if not f[1] or (ARGV[3] ~= '' and f[1] ~= ARGV[3]) then return 0 end
local prefix, id, bot, user = ARGV[1], ARGV[2], f[2] or '', f[3] or ''
redis.call('DEL', unpack(KEYS))
redis.call('ZREM', prefix .. ':convs', member(id, bot, user))
if bot ~= '' then redis.call('ZREM', ikey(prefix, 'bot', bot), id) end
if user ~= '' then redis.call('ZREM', ikey(prefix, 'user', user), id) end
redis.call('ZREM', prefix .. ':due', id)
return 1
`)

// unindexScript removes an entry that does not match its record. KEYS:
// the record. ARGV: prefix, id, then "all", the bot, the user and the
// member of an entry of the index of all conversations, or "bot" or
// "user" and the name of that index. It removes, of the entry and (for
// "all") the bot's and the user's entries it names, those the record
// does not hold. Returns 1 if the record is gone, else 0.
var unindexScript = redis.NewScript(indexLua + `
local f = redis.call('HMGET', KEYS[1], 'version', 'bot', 'user')
local live, bot, user = f[1] ~= false, f[2] or '', f[3] or ''
local prefix, id, kind = ARGV[1], ARGV[2], ARGV[3]
local function drop(k, name, cur)
  if name ~= '' and (not live or name ~= cur) then redis.call('ZREM', ikey(prefix, k, name), id) end
end
if kind == 'all' then
  if not live or ARGV[4] ~= bot or ARGV[5] ~= user then redis.call('ZREM', prefix .. ':convs', ARGV[6]) end
  drop('bot', ARGV[4], bot)
  drop('user', ARGV[5], user)
elseif kind == 'bot' then
  drop('bot', ARGV[4], bot)
else
  drop('user', ARGV[4], user)
end
if live then return 0 end
return 1
`)

// redisMember is the member of a conversation in the index of all
// conversations: its id, bot and user. A NUL in the id or the bot is
// written NUL 1, and NUL NUL ends each, so that members compare as their
// ids do (the id comes first, and no id's encoding is a prefix of
// another's) and the three parts can be read back whatever they hold.
func redisMember(id, bot, user string) string {
	esc := func(s string) string { return strings.ReplaceAll(s, "\x00", "\x00\x01") }
	return esc(id) + "\x00\x00" + esc(bot) + "\x00\x00" + user
}

// parseMember reverses redisMember; ok is false for a string it did not
// write.
func parseMember(m string) (id, bot, user string, ok bool) {
	var parts [2]string
	for i := range parts {
		var b strings.Builder
		for {
			j := strings.IndexByte(m, 0)
			if j < 0 || j+1 == len(m) {
				return "", "", "", false
			}
			b.WriteString(m[:j])
			esc := m[j+1]
			m = m[j+2:]
			if esc == 0 {
				break
			}
			if esc != 1 {
				return "", "", "", false
			}
			b.WriteByte(0)
		}
		parts[i] = b.String()
	}
	return parts[0], parts[1], m, true
}

// score is a conversation's score in the indexes, as a ZADD or range
// argument.
func score(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }

// index is one of the sorted sets: kind "all", "bot" or "user", and the
// bot or the user.
type index struct {
	key, kind, name string
}

func (r *Redis) allIndex() index { return index{key: r.cfg.prefix + ":convs", kind: "all"} }

func (r *Redis) nameIndex(kind, name string) index {
	return index{key: r.cfg.prefix + ":" + kind + ":{" + name + "}:convs", kind: kind, name: name}
}

// entry is an index entry, read back.
type entry struct {
	member    string
	score     float64
	id        string
	bot, user string // of an entry of the index of all
}

func (ix index) entries(zs []redis.Z) []entry {
	out := make([]entry, 0, len(zs))
	for _, z := range zs {
		m, _ := z.Member.(string)
		e := entry{member: m, score: z.Score, id: m}
		if ix.kind == "all" {
			var ok bool
			if e.id, e.bot, e.user, ok = parseMember(m); !ok {
				continue // not written by this store
			}
		}
		out = append(out, e)
	}
	return out
}

// holds reports whether rec is the conversation e indexes.
func (ix index) holds(rec Record, e entry) bool {
	switch ix.kind {
	case "bot":
		return rec.Bot == ix.name
	case "user":
		return rec.User == ix.name
	}
	return rec.Bot == e.bot && rec.User == e.user
}

// unindexArgs are unindexScript's arguments for a stale entry.
func (r *Redis) unindexArgs(ix index, e entry) []any {
	if ix.kind == "all" {
		return []any{r.cfg.prefix, e.id, "all", e.bot, e.user, e.member}
	}
	return []any{r.cfg.prefix, e.id, ix.kind, ix.name}
}

// maxBatch bounds the entries a walk reads at once once it has grown,
// unless a group of equal scores is larger.
const maxBatch = 1024

// walk reads the entries of an index with scores from lo to hi (Redis
// range bounds), highest first if rev, n at a time and growing, and hands
// them to fn in groups of equal scores, never cutting one: within a
// group Redis orders by member, not by time. It stops when fn answers
// false or the range is done.
func (r *Redis) walk(ctx context.Context, key string, rev bool, lo, hi string, n int, fn func([]redis.Z) (bool, error)) error {
	for {
		by := &redis.ZRangeBy{Min: lo, Max: hi, Count: int64(n)}
		var (
			zs  []redis.Z
			err error
		)
		if rev {
			zs, err = r.client.ZRevRangeByScoreWithScores(ctx, key, by).Result()
		} else {
			zs, err = r.client.ZRangeByScoreWithScores(ctx, key, by).Result()
		}
		if err != nil {
			return redisErr(err)
		}
		full := len(zs) == n
		if full {
			// The last group may go on past the batch: leave it to the
			// next one.
			cut := len(zs) - 1
			for cut > 0 && zs[cut-1].Score == zs[len(zs)-1].Score {
				cut--
			}
			if cut == 0 {
				n *= 2 // one group fills the batch
				continue
			}
			zs = zs[:cut]
		}
		more, err := fn(zs)
		if err != nil || !more || !full {
			return err
		}
		bound := "(" + strconv.FormatFloat(zs[len(zs)-1].Score, 'f', -1, 64)
		if rev {
			hi = bound
		} else {
			lo = bound
		}
		n = max(n, min(2*n, maxBatch))
	}
}

// recordFields are the fields List reads: all but the state.
var recordFields = []string{"bot", "version", "created", "updated", "last_seq", "user", "owner", "tags", "due"}

// records reads the records of the entries in one pipeline, without
// their state; ok[i] is false for a record that is gone.
func (r *Redis) records(ctx context.Context, es []entry) (recs []Record, ok []bool, err error) {
	cmds := make([]*redis.SliceCmd, len(es))
	_, err = r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, e := range es {
			cmds[i] = p.HMGet(ctx, r.keys(e.id)[0], recordFields...)
		}
		return nil
	})
	if err != nil {
		return nil, nil, redisErr(err)
	}
	recs, ok = make([]Record, len(es)), make([]bool, len(es))
	f := make(map[string]string, len(recordFields))
	for i, e := range es {
		clear(f)
		for j, v := range cmds[i].Val() {
			if s, isStr := v.(string); isStr {
				f[recordFields[j]] = s
			}
		}
		if _, live := f["version"]; !live {
			continue
		}
		if recs[i], err = recordFromHash(e.id, f); err != nil {
			return nil, nil, err
		}
		ok[i] = true
	}
	return recs, ok, nil
}

// scriptCall is one run of a script.
type scriptCall struct {
	keys []string
	args []any
}

// runAll runs s once per call in one pipeline and returns the results'
// integers. Calls that find the script not cached (Redis restarted) are
// sent again after loading it.
func (r *Redis) runAll(ctx context.Context, s *redis.Script, calls []scriptCall) ([]int64, error) {
	if len(calls) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.Cmd, len(calls))
	send := func(which []int) {
		r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, i := range which {
				cmds[i] = s.EvalSha(ctx, p, calls[i].keys, calls[i].args...)
			}
			return nil
		})
	}
	all := make([]int, len(calls))
	for i := range all {
		all[i] = i
	}
	send(all)
	var again []int
	for i, c := range cmds {
		if redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
			again = append(again, i)
		}
	}
	if len(again) > 0 {
		if err := s.Load(ctx, r.client).Err(); err != nil {
			return nil, redisErr(err)
		}
		send(again)
	}
	out := make([]int64, len(calls))
	for i, c := range cmds {
		n, err := c.Int64()
		if err != nil {
			return nil, redisErr(err)
		}
		out[i] = n
	}
	return out, nil
}

// Delete implements Store.
func (r *Redis) Delete(ctx context.Context, id string) error {
	n, err := deleteScript.Run(ctx, r.client, r.keys(id), r.cfg.prefix, id, "").Int()
	if err != nil {
		return redisErr(err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// List implements Store. It walks the most selective index the query
// allows (the user's or the bot's, the smaller if both, else the index
// of all), from the cursor's score down to UpdatedSince's, reading the
// records in a pipeline per batch and checking the other filters on
// them, until it has one more than a page.
func (r *Redis) List(ctx context.Context, q Query) (Page, error) {
	lq, err := checkQuery(q)
	if err != nil {
		return Page{}, err
	}
	ix, err := r.listIndex(ctx, lq)
	if err != nil {
		return Page{}, err
	}
	lo, hi := "-inf", "+inf"
	if lq.Cursor != "" {
		hi = score(lq.from.updated)
	}
	if !lq.UpdatedSince.IsZero() {
		lo = score(lq.UpdatedSince)
	}
	var (
		recs  = make([]Record, 0, lq.Limit+1)
		seen  = map[string]bool{}
		stale []scriptCall
	)
	// One more than a page, and one for the group walk leaves to the
	// next batch, so that a page usually takes one batch.
	err = r.walk(ctx, ix.key, true, lo, hi, lq.Limit+2, func(zs []redis.Z) (bool, error) {
		es := ix.entries(zs)
		got, ok, err := r.records(ctx, es)
		if err != nil {
			return false, err
		}
		for i, e := range es {
			rec := got[i]
			switch {
			case !ok[i] && ix.kind == "all":
				// Expired by Redis: Expire clears it, and counts it.
			case !ok[i] || !ix.holds(rec, e):
				stale = append(stale, scriptCall{r.keys(e.id)[:1], r.unindexArgs(ix, e)})
			case !seen[rec.ID] && lq.match(rec):
				seen[rec.ID] = true
				recs = append(recs, rec)
			}
		}
		return len(recs) <= lq.Limit, nil
	})
	if err != nil {
		return Page{}, err
	}
	if len(stale) > 0 {
		// Tidying only: an entry left now is skipped and removed by the
		// next walk.
		r.runAll(ctx, unindexScript, stale)
	}
	slices.SortFunc(recs, newer)
	return lq.page(recs), nil
}

// listIndex picks the index List walks.
func (r *Redis) listIndex(ctx context.Context, q listQuery) (index, error) {
	switch {
	case q.User != "" && q.Bot != "":
		user, bot := r.nameIndex("user", q.User), r.nameIndex("bot", q.Bot)
		var nu, nb *redis.IntCmd
		_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			nu, nb = p.ZCard(ctx, user.key), p.ZCard(ctx, bot.key)
			return nil
		})
		if err != nil {
			return index{}, redisErr(err)
		}
		if nb.Val() < nu.Val() {
			return bot, nil
		}
		return user, nil
	case q.User != "":
		return r.nameIndex("user", q.User), nil
	case q.Bot != "":
		return r.nameIndex("bot", q.Bot), nil
	}
	return r.allIndex(), nil
}

// Expire implements Store. It walks the index of all conversations from
// the oldest and erases each conversation with deleteScript given the
// Updated it read, so that one committed since is left. A conversation
// Redis expired by its TTL counts as erased when Expire clears its
// entries.
func (r *Redis) Expire(ctx context.Context, before time.Time, limit int) ([]string, error) {
	if err := checkExpire(limit); err != nil {
		return nil, err
	}
	before = stamp(before)
	ix := r.allIndex()
	type candidate struct {
		updated time.Time
		id      string
		gone    bool // expired by Redis: unindexScript, else deleteScript
		call    scriptCall
	}
	erased := []string{}
	err := r.walk(ctx, ix.key, false, "-inf", score(before), min(limit, maxBatch)+1, func(zs []redis.Z) (bool, error) {
		es := ix.entries(zs)
		got, ok, err := r.records(ctx, es)
		if err != nil {
			return false, err
		}
		var (
			old   []candidate
			stale []scriptCall
		)
		for i, e := range es {
			rec := got[i]
			switch {
			case !ok[i]:
				// Gone by its TTL: its time is its score.
				old = append(old, candidate{time.UnixMicro(int64(e.score)), e.id, true, scriptCall{r.keys(e.id)[:1], r.unindexArgs(ix, e)}})
			case !ix.holds(rec, e):
				stale = append(stale, scriptCall{r.keys(e.id)[:1], r.unindexArgs(ix, e)})
			case rec.Updated.Before(before):
				args := []any{r.cfg.prefix, e.id, strconv.FormatInt(rec.Updated.UnixNano(), 10)}
				old = append(old, candidate{rec.Updated, e.id, false, scriptCall{r.keys(e.id), args}})
			}
		}
		if len(stale) > 0 {
			if _, err := r.runAll(ctx, unindexScript, stale); err != nil {
				return false, err
			}
		}
		slices.SortFunc(old, func(a, b candidate) int {
			if c := a.updated.Compare(b.updated); c != 0 {
				return c
			}
			return strings.Compare(a.id, b.id)
		})
		// Erase in order; one that changed meanwhile leaves room for the
		// next.
		for len(old) > 0 && len(erased) < limit {
			take := old[:min(len(old), limit-len(erased))]
			old = old[len(take):]
			var dels, gone []scriptCall
			for _, c := range take {
				if c.gone {
					gone = append(gone, c.call)
				} else {
					dels = append(dels, c.call)
				}
			}
			nd, err := r.runAll(ctx, deleteScript, dels)
			if err != nil {
				return false, err
			}
			ng, err := r.runAll(ctx, unindexScript, gone)
			if err != nil {
				return false, err
			}
			for _, c := range take {
				var n int64
				if c.gone {
					n, ng = ng[0], ng[1:]
				} else {
					n, nd = nd[0], nd[1:]
				}
				if n == 1 {
					erased = append(erased, c.id)
				}
			}
		}
		return len(erased) < limit, nil
	})
	if err != nil {
		return nil, err
	}
	return erased, nil
}
