package store

import (
	"context"
	"errors"
	"time"
)

// DueBefore implements Store.
func (f *File) DueBefore(ctx context.Context, t time.Time, limit int) ([]string, error) {
	return nil, errors.ErrUnsupported
}
