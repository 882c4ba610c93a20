package store

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timers: the record's field due holds Meta.Due (unix ns), and the sorted
// set PREFIX:due scores each conversation with one by it (unix µs). The
// create, commit and delete scripts keep the two together. A conversation
// Redis dropped at the end of its TTL leaves its entry, which DueBefore
// removes when it finds the record gone.

// redisDue is Meta.Due as the scripts take it: "" for none.
func redisDue(t time.Time) (ns string, score string) {
	if t.IsZero() {
		return "", ""
	}
	return strconv.FormatInt(t.UnixNano(), 10), strconv.FormatInt(t.UnixMicro(), 10)
}

// dueTime reads the due field; "" is none.
func dueTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return unixNano(s)
}

// DueBefore implements Store.
func (r *Redis) DueBefore(ctx context.Context, t time.Time, limit int) ([]string, error) {
	if err := checkExpire(limit); err != nil {
		return nil, err
	}
	key := r.cfg.prefix + ":due"
	for {
		ids, err := r.client.ZRangeArgs(ctx, redis.ZRangeArgs{Key: key, ByScore: true,
			Start: "-inf", Stop: strconv.FormatInt(t.UnixMicro(), 10), Count: int64(limit)}).Result()
		if err != nil {
			return nil, redisErr(err)
		}
		cmds := make([]*redis.IntCmd, len(ids))
		_, err = r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range ids {
				cmds[i] = p.Exists(ctx, r.keys(id)[0])
			}
			return nil
		})
		if err != nil {
			return nil, redisErr(err)
		}
		live := ids[:0:0]
		var gone []any
		for i, id := range ids {
			if cmds[i].Val() == 1 {
				live = append(live, id)
			} else {
				gone = append(gone, id)
			}
		}
		if len(gone) == 0 {
			return live, nil
		}
		// Expired by TTL: its entry goes, and the page is read again.
		if err := r.client.ZRem(ctx, key, gone...).Err(); err != nil {
			return nil, redisErr(err)
		}
	}
}
