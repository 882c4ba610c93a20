package store

import (
	"context"
	"errors"
	"time"
)

// Delete implements Store.
func (f *File) Delete(ctx context.Context, id string) error {
	return errors.ErrUnsupported
}

// List implements Store.
func (f *File) List(ctx context.Context, q Query) (Page, error) {
	return Page{}, errors.ErrUnsupported
}

// Expire implements Store.
func (f *File) Expire(ctx context.Context, before time.Time, limit int) ([]string, error) {
	return nil, errors.ErrUnsupported
}
