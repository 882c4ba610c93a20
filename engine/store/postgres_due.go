package store

import (
	"context"
	"time"
)

// pgDueBefore walks the partial index of due_ns.
const pgDueBefore = `
SELECT id FROM botctl_conversations
WHERE due_ns IS NOT NULL AND due_ns <= $1
ORDER BY due_ns, id
LIMIT $2`

// DueBefore implements Store.
func (p *Postgres) DueBefore(ctx context.Context, t time.Time, limit int) ([]string, error) {
	if err := checkExpire(limit); err != nil {
		return nil, err
	}
	if err := p.check(ctx); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, pgDueBefore, pgNano(t), limit)
	if err != nil {
		return nil, p.err(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id []byte
		if err := rows.Scan(&id); err != nil {
			return nil, p.err(err)
		}
		ids = append(ids, string(id))
	}
	if err := rows.Err(); err != nil {
		return nil, p.err(err)
	}
	return ids, nil
}
