package store

import (
	"cmp"
	"context"
	"slices"
)

var (
	_ Versions = (*Memory)(nil)
	_ Scanner  = (*Memory)(nil)
)

// PutVersion implements Versions.
func (m *Memory) PutVersion(ctx context.Context, v BotVersion) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	v, err := newVersion(v, stamp(m.cfg.now()))
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if m.vers == nil {
		m.vers = make(map[string]map[string]BotVersion)
	}
	bot := m.vers[v.Bot]
	if bot == nil {
		bot = make(map[string]BotVersion)
		m.vers[v.Bot] = bot
	}
	if _, ok := bot[v.Hash]; !ok {
		bot[v.Hash] = v
	}
	return nil
}

// GetVersion implements Versions.
func (m *Memory) GetVersion(ctx context.Context, bot, hash string) (BotVersion, error) {
	if err := ctxErr(ctx); err != nil {
		return BotVersion{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return BotVersion{}, ErrClosed
	}
	v, ok := m.vers[bot][hash]
	if !ok {
		return BotVersion{}, ErrVersionNotFound
	}
	v.Files = cloneFiles(v.Files)
	return v, nil
}

// ListVersions implements Versions.
func (m *Memory) ListVersions(ctx context.Context, bot string) ([]VersionInfo, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	var out []VersionInfo
	for _, v := range m.vers[bot] {
		out = append(out, VersionInfo{Hash: v.Hash, Stored: v.Stored})
	}
	sortVersions(out)
	return out, nil
}

// sortVersions puts versions in ListVersions' order.
func sortVersions(vs []VersionInfo) {
	slices.SortFunc(vs, func(a, b VersionInfo) int {
		return cmp.Or(a.Stored.Compare(b.Stored), cmp.Compare(a.Hash, b.Hash))
	})
}

// DeleteVersion implements Versions.
func (m *Memory) DeleteVersion(ctx context.Context, bot, hash string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	delete(m.vers[bot], hash)
	if len(m.vers[bot]) == 0 {
		delete(m.vers, bot)
	}
	return nil
}

// Scan implements Scanner. It copies the conversations out first, so fn
// runs without the store's lock held.
func (m *Memory) Scan(ctx context.Context, fn func(Record) error) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	m.mu.RLock()
	if m.closed {
		m.mu.RUnlock()
		return ErrClosed
	}
	recs := make([]Record, 0, len(m.convs))
	for _, c := range m.convs {
		rec := c.rec
		rec.State = cloneRaw(rec.State)
		recs = append(recs, rec)
	}
	m.mu.RUnlock()
	for _, rec := range recs {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}
