package store

import (
	"context"
	"errors"
	"time"
)

// Delete implements Store.
func (p *Postgres) Delete(ctx context.Context, id string) error {
	return errors.ErrUnsupported
}

// List implements Store.
func (p *Postgres) List(ctx context.Context, q Query) (Page, error) {
	return Page{}, errors.ErrUnsupported
}

// Expire implements Store.
func (p *Postgres) Expire(ctx context.Context, before time.Time, limit int) ([]string, error) {
	return nil, errors.ErrUnsupported
}
