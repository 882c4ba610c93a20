package store

import (
	"context"
	"errors"
	"time"
)

// Delete implements Store.
func (r *Redis) Delete(ctx context.Context, id string) error {
	return errors.ErrUnsupported
}

// List implements Store.
func (r *Redis) List(ctx context.Context, q Query) (Page, error) {
	return Page{}, errors.ErrUnsupported
}

// Expire implements Store.
func (r *Redis) Expire(ctx context.Context, before time.Time, limit int) ([]string, error) {
	return nil, errors.ErrUnsupported
}
