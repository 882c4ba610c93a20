package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Conversations written before the indexes existed are in none: a list
// would miss them, and so would the erasure of their user. reindex puts
// every conversation in the indexes once, the first time a store with
// indexes opens the database, and then sets PREFIX:indexed so that no
// later open does it again. Replicas starting together may both do it:
// ZADD GT never moves a conversation to an older time than a commit
// gave it, and an entry a concurrent commit made stale is what readers
// already drop (see the comment of indexLua).
const reindexBatch = 500

// indexVersion is the value of PREFIX:indexed: the indexes as this code
// keeps them (conversations, bots, users, timers).
const indexVersion = "1"

func (r *Redis) reindex(ctx context.Context) error {
	marker := r.cfg.prefix + ":indexed"
	if v, err := r.client.Get(ctx, marker).Result(); err == nil && v == indexVersion {
		return nil
	} else if err != nil && err != redis.Nil {
		return err
	}
	prefix := r.cfg.prefix + ":conv:{"
	var cursor uint64
	for {
		keys, next, err := r.client.Scan(ctx, cursor, prefix+"*}", reindexBatch).Result()
		if err != nil {
			return err
		}
		if err := r.indexKeys(ctx, prefix, keys); err != nil {
			return err
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	return r.client.Set(ctx, marker, indexVersion, 0).Err()
}

// indexKeys adds the conversations of the record keys to the indexes.
func (r *Redis) indexKeys(ctx context.Context, prefix string, keys []string) error {
	fields := []string{"bot", "updated", "user", "due"}
	cmds := make([]*redis.SliceCmd, len(keys))
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.HMGet(ctx, k, fields...)
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			id := strings.TrimSuffix(strings.TrimPrefix(k, prefix), "}")
			v := cmds[i].Val()
			str := func(j int) string { s, _ := v[j].(string); return s }
			bot, user := str(0), str(2)
			updated, err := unixNano(str(1))
			if err != nil {
				continue // not a record (a key of another shape, or written half)
			}
			sc := float64(updated.UnixMicro())
			gt := func(key string, member string) {
				p.ZAddArgs(ctx, key, redis.ZAddArgs{GT: true, Members: []redis.Z{{Score: sc, Member: member}}})
			}
			gt(r.cfg.prefix+":convs", redisMember(id, bot, user))
			if bot != "" {
				gt(r.cfg.prefix+":bot:{"+bot+"}:convs", id)
			}
			if user != "" {
				gt(r.cfg.prefix+":user:{"+user+"}:convs", id)
			}
			if d, err := dueTime(str(3)); err == nil && !d.IsZero() {
				p.ZAdd(ctx, r.cfg.prefix+":due", redis.Z{Score: float64(d.UnixMicro()), Member: id})
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("indexing conversations: %w", err)
	}
	return nil
}
