package server

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/botctl/botctl/engine/integration"
	"github.com/botctl/botctl/engine/internal/seal"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/store"
)

// Server is the HTTP API of docs/api.md over a Store and a Registry of bots.
// Build one with New; it is an http.Handler and safe for concurrent use.
type Server struct {
	store     store.Store
	log       *slog.Logger
	apiKeys   []apiKey
	keys      keys
	tokenTTL  time.Duration
	linkTTL   time.Duration
	bots      *Registry
	caller    Caller
	mocks     mock.Set
	agents    Agents
	files     Files
	now       func() time.Time
	lookupEnv func(string) (string, bool)
	onEvent   func(Event)
	maxBody   int64
	turnLimit time.Duration
	queueMax  int
	policy    Policy

	// instance names this server process in the leases of the effects it
	// performs (turn.Lease).
	instance  string
	published sync.Map      // bot@version -> time.Time: when publish last stored its source
	redactors sync.Map      // bot -> *redactorEntry
	sealer    *seal.Keyring // seals sensitive values at rest (WithDataKeys)

	registry *prometheus.Registry
	metrics  *metrics

	locks    keyedMutex
	notify   notifier
	queues   queues
	stopping chan struct{} // closed by StopWaiting
	stopOnce sync.Once
	draining atomic.Bool // set by BeginDrain

	mux    *http.ServeMux
	routes []route
}

// Option configures a Server.
type Option func(*Server) error

// WithStore sets where conversations are kept. The default is a new
// store.Memory.
func WithStore(st store.Store) Option {
	return func(s *Server) error { s.store = st; return nil }
}

// WithLogger sets the structured logger; every line about a conversation
// carries its id as "conversation". The default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(s *Server) error { s.log = l; return nil }
}

// WithAPIKeys sets the admin API keys (Authorization: Bearer KEY). With
// none, every caller is admin: only for a server on a loopback address,
// which `botctl serve` enforces.
func WithAPIKeys(keys ...string) Option {
	return func(s *Server) error {
		for _, k := range keys {
			if len(k) < 16 {
				return errors.New("an API key must be at least 16 characters long")
			}
			s.apiKeys = append(s.apiKeys, hashKey(k))
		}
		return nil
	}
}

// WithTokenSecret sets the secret conversation tokens and start links are
// signed with (at least 32 bytes). Replicas must share it, and it must
// survive restarts for tokens to; the default is a random secret of this
// process alone.
func WithTokenSecret(secret []byte) Option {
	return func(s *Server) error {
		if len(secret) < 32 {
			return errors.New("the token secret must be at least 32 bytes long")
		}
		s.keys = deriveKeys(secret)
		return nil
	}
}

// WithTokenTTL sets how long a conversation token is valid (default
// DefaultTokenTTL).
func WithTokenTTL(d time.Duration) Option {
	return func(s *Server) error {
		if d <= 0 {
			return errors.New("the token lifetime must be positive")
		}
		s.tokenTTL = d
		return nil
	}
}

// WithLinkTTL sets how long the start links GET /v1/interactions offers
// are valid (default DefaultLinkTTL).
func WithLinkTTL(d time.Duration) Option {
	return func(s *Server) error {
		if d <= 0 {
			return errors.New("the link lifetime must be positive")
		}
		s.linkTTL = d
		return nil
	}
}

// WithBots sets the bots the server hosts (they go into its Registry).
func WithBots(bots ...*Bot) Option {
	return func(s *Server) error { s.bots.Set(bots...); return nil }
}

// WithRegistry makes the server host the bots of r, which the caller may
// swap at any time (hot reload).
func WithRegistry(r *Registry) Option {
	return func(s *Server) error { s.bots = r; return nil }
}

// WithCaller sets what performs integration calls: an *integration.Client
// configured with allowed hosts and secrets, or a mock in tests. The
// default is integration.New() with no restriction.
func WithCaller(c Caller) Option {
	return func(s *Server) error { s.caller = c; return nil }
}

// WithMocks makes the server answer integration calls from set instead
// of performing them (`botctl serve --mock`: demos and load tests without
// back ends); a Caller is then not used. Each conversation gets an
// integration's mocks in its own order, as a transcript does: its first
// call to the integration gets the first mock, its second the second,
// and so on, the last repeating. The count is taken from the calls in the
// conversation's log, so it holds across turns, replicas and restarts
// (with a durable store) and costs no memory between turns.
func WithMocks(set mock.Set) Option {
	return func(s *Server) error {
		if set == nil {
			set = mock.Set{}
		}
		s.mocks = set
		return nil
	}
}

// WithAgents sets the agent desk that takes transfer requests to agents.
func WithAgents(a Agents) Option {
	return func(s *Server) error { s.agents = a; return nil }
}

// WithFiles sets where uploaded files go. The default keeps them in memory
// (MemoryFiles); `botctl serve` uses DirFiles next to the file store.
func WithFiles(f Files) Option {
	return func(s *Server) error { s.files = f; return nil }
}

// WithMetrics registers the server's metrics in reg and serves reg at
// /metrics. The default is a registry of the server's own.
func WithMetrics(reg *prometheus.Registry) Option {
	return func(s *Server) error { s.registry = reg; return nil }
}

// WithClock sets the clock (tests pin it). The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Server) error { s.now = now; return nil }
}

// WithEnv sets where the values of the bots' declared env and secrets come
// from. The default is the process environment (os.LookupEnv).
func WithEnv(lookup func(string) (string, bool)) Option {
	return func(s *Server) error { s.lookupEnv = lookup; return nil }
}

// WithOnEvent sets a function called with every conversation event
// (message, transfer, agent_done, closed) once its turn is stored. It runs
// on the request's goroutine and must not block: the webhook sender queues.
func WithOnEvent(f func(Event)) Option {
	return func(s *Server) error { s.onEvent = f; return nil }
}

// WithMaxBody sets the largest JSON body taken (default DefaultMaxBody).
// Uploads have their own limit, MaxUpload.
func WithMaxBody(n int64) Option {
	return func(s *Server) error {
		if n < 1024 {
			return errors.New("the body limit must be at least 1024 bytes")
		}
		s.maxBody = n
		return nil
	}
}

// WithTurnTimeout bounds a turn, integration calls included (default
// 60s). A turn runs to its end even if its client goes away, so that what
// happened is stored.
func WithTurnTimeout(d time.Duration) Option {
	return func(s *Server) error { s.turnLimit = d; return nil }
}

// New returns a server configured by opts.
func New(opts ...Option) (*Server, error) {
	s := &Server{
		log:       slog.Default(),
		tokenTTL:  DefaultTokenTTL,
		linkTTL:   DefaultLinkTTL,
		bots:      &Registry{},
		now:       time.Now,
		lookupEnv: os.LookupEnv,
		maxBody:   DefaultMaxBody,
		turnLimit: 60 * time.Second,
		queueMax:  100,
		policy:    Finish,
		instance:  newID("s_"),
		stopping:  make(chan struct{}),
	}
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return nil, err
	}
	s.keys = deriveKeys(secret[:])
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	if s.store == nil {
		s.store = store.NewMemory()
	}
	if s.sealer == nil {
		s.sealer = seal.Ephemeral()
	}
	if s.files == nil {
		s.files = &MemoryFiles{}
	}
	if s.caller == nil && s.mocks == nil {
		c, err := integration.New(integration.WithLogger(s.log))
		if err != nil {
			return nil, err
		}
		s.caller = c
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	s.metrics = newMetrics(s.registry)
	s.routes = s.routeTable()
	s.mux = http.NewServeMux()
	for _, rt := range s.routes {
		s.mux.Handle(rt.pattern(), s.wrap(rt))
	}
	return s, nil
}

// Bots returns the registry of the bots the server hosts.
func (s *Server) Bots() *Registry { return s.bots }

// Store returns the server's store.
func (s *Server) Store() store.Store { return s.store }

// Metrics returns the Prometheus registry /metrics serves, for other
// components (webhooks) to register their metrics in.
func (s *Server) Metrics() *prometheus.Registry { return s.registry }

// route is one call of the API.
type route struct {
	method, path string
	name         string // for metrics and logs
	handle       func(w http.ResponseWriter, r *http.Request, p principal) error
}

func (rt route) pattern() string { return rt.method + " " + rt.path }

func (s *Server) routeTable() []route {
	return []route{
		{"POST", "/v1/conversations", "create", s.create},
		{"GET", "/v1/conversations", "list", s.list},
		{"GET", "/v1/conversations/{id}", "get", s.get},
		{"DELETE", "/v1/conversations/{id}", "erase", s.erase},
		{"DELETE", "/v1/users/{id}", "erase_user", s.eraseUser},
		{"POST", "/v1/conversations/{id}/complete", "complete", s.complete},
		{"POST", "/v1/conversations/{id}/send", "send", s.send},
		{"POST", "/v1/conversations/{id}/receive", "receive", s.receive},
		{"POST", "/v1/conversations/{id}/events", "events", s.events},
		{"POST", "/v1/conversations/{id}/token", "token", s.token},
		{"GET", "/v1/conversations/{id}/transcript", "transcript", s.transcript},
		{"GET", "/v1/interactions", "interactions", s.interactions},
		{"POST", "/v1/interactions/{id}/start", "start", s.start},
		{"GET", "/v1/openapi.json", "openapi", s.openapi},
		{"GET", "/healthz", "healthz", s.healthz},
		{"GET", "/readyz", "readyz", s.readyz},
		{"GET", "/metrics", "metrics", s.serveMetrics},
	}
}

// Routes lists the API's routes as "METHOD /path" (the OpenAPI test checks
// the document against them).
func (s *Server) Routes() []string {
	out := make([]string, len(s.routes))
	for i, rt := range s.routes {
		out[i] = rt.pattern()
	}
	return out
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Every answer is about one moment of a conversation, or of the
	// server: no cache may keep it (docs/api.md, Conventions).
	w.Header().Set("Cache-Control", "no-store")
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r) // sets the path values Handler leaves out
		return
	}
	// No route: the mux answers 404 or 405 (with Allow) in plain text;
	// answer in JSON instead.
	rec := &statusRecorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if allow := rec.header.Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
	}
	s.metrics.requests.WithLabelValues("none", strconv.Itoa(rec.status)).Inc()
	if rec.status == http.StatusMethodNotAllowed {
		writeJSON(w, rec.status, errorBody{errorf(CodeMethodNotAllowed, "%s is not allowed on %s; use %s", r.Method, r.URL.Path, rec.header.Get("Allow"))})
		return
	}
	writeJSON(w, http.StatusNotFound, errorBody{errorf(CodeNotFound, "no such route: %s %s", r.Method, r.URL.Path)})
}

type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header         { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *statusRecorder) WriteHeader(code int)        { r.status = code }

// wrap runs a route's handler: authentication, error responses, panics,
// metrics and the request log line.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		err := func() (err error) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
				}
			}()
			p, err := s.authenticate(r)
			if err != nil {
				return err
			}
			if newWork[rt.name] && s.draining.Load() {
				return errDraining(sw)
			}
			return rt.handle(sw, r, p)
		}()
		if err != nil {
			ae := asAPIError(err)
			if sw.status == 0 {
				writeJSON(sw, ae.Status(), errorBody{ae})
			}
			level := slog.LevelInfo
			if ae.Status() >= 500 && ae.Code != CodeDraining { // a drain's refusals are expected
				level = slog.LevelError
			}
			s.log.Log(r.Context(), level, "request failed", "route", rt.name, "method", r.Method, "path", r.URL.Path,
				"conversation", r.PathValue("id"), "status", ae.Status(), "code", ae.Code, "error", errText(ae))
			if ae.storeOp != "" {
				s.metrics.storeErrors.WithLabelValues(ae.storeOp).Inc()
			}
		}
		s.metrics.requests.WithLabelValues(rt.name, strconv.Itoa(sw.status)).Inc()
		if rt.name != "healthz" && rt.name != "readyz" && rt.name != "metrics" {
			s.log.Debug("request", "route", rt.name, "status", sw.status, "duration", time.Since(start))
		}
	})
}

// errText is the cause of an API error, for the log.
func errText(e *apiError) string {
	if e.err != nil {
		return e.err.Error()
	}
	return e.Message
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// StopWaiting makes the receives waiting for messages answer now with what
// they have, and later ones not wait: call it when shutting down (it is
// what http.Server.RegisterOnShutdown is for), so that long polls do not
// hold the shutdown up.
func (s *Server) StopWaiting() { s.stopOnce.Do(func() { close(s.stopping) }) }

// RequireAdmin wraps h so that only admin callers reach it (for
// /debug/pprof under `botctl serve --pprof`).
func (s *Server) RequireAdmin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		p, err := s.authenticate(r)
		if err == nil {
			err = requireAdmin(p)
		}
		if err != nil {
			ae := asAPIError(err)
			writeJSON(w, ae.Status(), errorBody{ae})
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request, _ principal) error {
	promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	return nil
}

// keyedMutex serialises work per key (conversation id) in this process.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	mu   sync.Mutex
	refs int
}

// Lock locks key and returns its unlock function.
func (k *keyedMutex) Lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// notifier wakes receives waiting for a conversation's next messages.
type notifier struct {
	mu    sync.Mutex
	chans map[string]chan struct{}
}

// wait returns a channel closed at the conversation's next commit.
func (n *notifier) wait(id string) <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.chans == nil {
		n.chans = map[string]chan struct{}{}
	}
	c := n.chans[id]
	if c == nil {
		c = make(chan struct{})
		n.chans[id] = c
	}
	return c
}

// wake wakes the waiters of conversation id.
func (n *notifier) wake(id string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if c := n.chans[id]; c != nil {
		close(c)
		delete(n.chans, id)
	}
}
