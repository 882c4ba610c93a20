package store

import (
	"context"
	"errors"
	"time"
)

// DueBefore implements Store.
func (r *Redis) DueBefore(ctx context.Context, t time.Time, limit int) ([]string, error) {
	return nil, errors.ErrUnsupported
}
