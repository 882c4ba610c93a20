package server

import (
	"sort"
	"sync"
	"sync/atomic"

	"github.com/botctl/botctl/engine/graph"
)

// Bot is a compiled bot the server hosts, with where it was loaded from
// (the transcript export names it as the bot to replay against).
type Bot struct {
	*graph.Bot
	Path string // the file or directory it was loaded from; "" if none
}

// Registry holds the bots a server hosts. The current set is swapped
// atomically (Set, Put), for hot reload; every version ever registered is
// kept, so that a conversation finishes on the version it started on
// (turn.State.Version). A Registry is safe for concurrent use; the zero
// value is empty and ready.
type Registry struct {
	current  atomic.Pointer[map[string]*Bot]
	mu       sync.Mutex // serialises writers; readers use current and versions
	versions sync.Map   // name + "@" + version -> *Bot
}

// NewRegistry returns a registry serving bots.
func NewRegistry(bots ...*Bot) *Registry {
	r := &Registry{}
	r.Set(bots...)
	return r
}

// Set replaces the bots served to new conversations with bots. Bots left
// out stop taking new conversations; their running conversations go on.
func (r *Registry) Set(bots ...*Bot) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := make(map[string]*Bot, len(bots))
	for _, b := range bots {
		m[b.Name] = b
		r.versions.Store(b.Name+"@"+b.Version, b)
	}
	r.current.Store(&m)
}

// Put adds b, or replaces the current bot of its name: what a hot reload
// does when one bot changed.
func (r *Registry) Put(b *Bot) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.load()
	m := make(map[string]*Bot, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	m[b.Name] = b
	r.versions.Store(b.Name+"@"+b.Version, b)
	r.current.Store(&m)
}

func (r *Registry) load() map[string]*Bot {
	if m := r.current.Load(); m != nil {
		return *m
	}
	return nil
}

// Current returns the bot new conversations with this name start on, or nil.
func (r *Registry) Current(name string) *Bot { return r.load()[name] }

// Version returns the bot of this name at this version, or nil when the
// registry never held it (a conversation stored by an older process).
func (r *Registry) Version(name, version string) *Bot {
	if b, ok := r.versions.Load(name + "@" + version); ok {
		return b.(*Bot)
	}
	return nil
}

// hold keeps b as a version conversations may run on, without making it
// current: a version loaded from the store.
func (r *Registry) hold(b *Bot) {
	r.versions.LoadOrStore(b.Name+"@"+b.Version, b)
}

// List returns the current bots, by name.
func (r *Registry) List() []*Bot {
	m := r.load()
	out := make([]*Bot, 0, len(m))
	for _, b := range m {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the names of the current bots, sorted.
func (r *Registry) Names() []string {
	list := r.List()
	out := make([]string, len(list))
	for i, b := range list {
		out[i] = b.Name
	}
	return out
}
