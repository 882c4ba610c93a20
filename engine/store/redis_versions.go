package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Bot versions, with the default prefix, are two hashes per bot, neither
// with a TTL (a version must outlive the conversations that run on it):
//
//	botctl:bot:{BOT}:versions  hash: version hash -> when stored (Unix ns)
//	botctl:bot:{BOT}:sources   hash: version hash -> the files (encodeVersion)
//
// ListVersions reads only the first. As with conversations, the braces
// are a hash tag and the keys end in a fixed word, so no bot's name makes
// its keys another's.

var (
	_ Versions = (*Redis)(nil)
	_ Scanner  = (*Redis)(nil)
)

func (r *Redis) versionKeys(bot string) (index, sources string) {
	k := r.cfg.prefix + ":bot:{" + bot + "}"
	return k + ":versions", k + ":sources"
}

// PutVersion implements Versions.
func (r *Redis) PutVersion(ctx context.Context, v BotVersion) error {
	v, err := newVersion(v, stamp(r.cfg.now()))
	if err != nil {
		return err
	}
	index, sources := r.versionKeys(v.Bot)
	// Both or neither: MULTI applies them together, and HSETNX keeps
	// a version already there as it is.
	_, err = r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSetNX(ctx, index, v.Hash, v.Stored.UnixNano())
		p.HSetNX(ctx, sources, v.Hash, encodeVersion(v))
		return nil
	})
	if err != nil {
		return redisErr(err)
	}
	return nil
}

// GetVersion implements Versions.
func (r *Redis) GetVersion(ctx context.Context, bot, hash string) (BotVersion, error) {
	_, sources := r.versionKeys(bot)
	b, err := r.client.HGet(ctx, sources, hash).Bytes()
	if errors.Is(err, redis.Nil) {
		return BotVersion{}, ErrVersionNotFound
	}
	if err != nil {
		return BotVersion{}, redisErr(err)
	}
	v, err := decodeVersion(bot, hash, b)
	if err != nil {
		return BotVersion{}, fmt.Errorf("store: redis: version %s of bot %s: %w", hash, bot, err)
	}
	return v, nil
}

// ListVersions implements Versions.
func (r *Redis) ListVersions(ctx context.Context, bot string) ([]VersionInfo, error) {
	index, _ := r.versionKeys(bot)
	all, err := r.client.HGetAll(ctx, index).Result()
	if err != nil {
		return nil, redisErr(err)
	}
	out := make([]VersionInfo, 0, len(all))
	for hash, s := range all {
		stored, err := unixNano(s)
		if err != nil {
			return nil, fmt.Errorf("store: redis: version %s of bot %s: stored: %w", hash, bot, err)
		}
		out = append(out, VersionInfo{Hash: hash, Stored: stored})
	}
	sortVersions(out)
	return out, nil
}

// DeleteVersion implements Versions.
func (r *Redis) DeleteVersion(ctx context.Context, bot, hash string) error {
	index, sources := r.versionKeys(bot)
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HDel(ctx, index, hash)
		p.HDel(ctx, sources, hash)
		return nil
	})
	if err != nil {
		return redisErr(err)
	}
	return nil
}

// scanCount is the COUNT hint of Scan's SCAN calls: keys Redis looks at
// per call, of which about a third are conversation records.
const scanCount = 512

// Scan implements Scanner. It walks the conversation records with SCAN,
// a page at a time (never KEYS, which would stall Redis), and reads each
// page's records in one pipeline. SCAN may return a key twice; Scan
// remembers the ids it has visited, so it holds every id in memory by the
// end.
func (r *Redis) Scan(ctx context.Context, fn func(Record) error) error {
	head := r.cfg.prefix + ":conv:{"
	// Only records end in "}": the other keys end in :msgs and :replies.
	match := globEscape(head) + "*}"
	seen := map[string]struct{}{}
	var cursor uint64
	for {
		keys, next, err := r.client.Scan(ctx, cursor, match, scanCount).Result()
		if err != nil {
			return redisErr(err)
		}
		ids := make([]string, 0, len(keys))
		for _, k := range keys {
			if !strings.HasPrefix(k, head) || !strings.HasSuffix(k, "}") {
				continue
			}
			id := k[len(head) : len(k)-1]
			if _, ok := seen[id]; !ok {
				seen[id] = struct{}{}
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			cmds := make([]*redis.MapStringStringCmd, len(ids))
			_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i, id := range ids {
					cmds[i] = p.HGetAll(ctx, r.keys(id)[0])
				}
				return nil
			})
			if err != nil {
				return redisErr(err)
			}
			for i, id := range ids {
				f := cmds[i].Val()
				if len(f) == 0 {
					continue // expired since SCAN saw it
				}
				rec, err := recordFromHash(id, f)
				if err != nil {
					return err
				}
				if err := fn(rec); err != nil {
					return err
				}
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// globEscape quotes the characters Redis's MATCH patterns give a meaning.
func globEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if strings.IndexByte(`*?[]\`, c) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}
