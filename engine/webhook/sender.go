package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// The event types the server sends. Receivers should ignore types they do
// not know: more may be added.
const (
	TypeMessage   = "message"    // a message in the conversation, from the user, the bot or an agent
	TypeTransfer  = "transfer"   // the conversation was transferred to an agent or another bot
	TypeAgentDone = "agent_done" // the agent handed the conversation back
	TypeClosed    = "closed"     // the conversation was closed
)

// Defaults of a Sender.
const (
	DefaultQueueSize   = 1024
	DefaultMaxAttempts = 5
	// DefaultBackoff and DefaultMaxBackoff shape the wait before a retry:
	// DefaultBackoff doubled per retry, at most DefaultMaxBackoff, each
	// wait drawn at random from its upper half (jitter).
	DefaultBackoff    = 500 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
	// DefaultTimeout bounds each attempt: connecting, sending and reading
	// the response's status and headers.
	DefaultTimeout = 10 * time.Second
	// maxDrain bounds the response body read (and discarded) so the
	// connection can be reused.
	maxDrain = 64 << 10
)

// The reasons an event is not delivered, in Result.Err; test with
// errors.Is.
var (
	// ErrQueueFull: the event was the oldest queued when a new one arrived
	// at a full queue.
	ErrQueueFull = errors.New("webhook queue full")
	// ErrClosed: the event was sent after Close.
	ErrClosed = errors.New("webhook sender closed")
	// ErrShutdown: Close's context ended before the event was delivered.
	ErrShutdown = errors.New("webhook sender shut down before delivery")
)

// Event is one conversation event. Send fills ID (a random "evt_" id) and
// Time (now) when they are zero; Data is encoded as JSON when Send is called
// (nil encodes as {}), so the caller may reuse it afterwards.
type Event struct {
	ID           string
	Type         string
	Conversation string
	Bot          string
	Time         time.Time
	Data         any
}

// envelope is the JSON body of a webhook request.
type envelope struct {
	ID           string    `json:"id"`
	Type         string    `json:"type"`
	Conversation string    `json:"conversation"`
	Bot          string    `json:"bot"`
	Time         time.Time `json:"time"`
	Data         any       `json:"data"`
}

// Outcome is what became of an event.
type Outcome string

// The outcomes, usable as metric label values.
const (
	Delivered Outcome = "delivered" // the receiver answered 2xx
	Failed    Outcome = "failed"    // given up: attempts exhausted, a 4xx, an encoding error or shutdown mid-delivery
	Dropped   Outcome = "dropped"   // never attempted: queue full, sent after Close, or left queued at shutdown
)

// Result reports one event's outcome to the observer.
type Result struct {
	Outcome      Outcome
	Event        string // the event's id
	Type         string
	Conversation string
	Delivery     string        // the delivery id, as in HeaderDelivery
	Attempts     int           // requests made; 0 when dropped
	Status       int           // the last HTTP status; 0 when none was received
	Err          error         // why it was not delivered; nil when Delivered
	Duration     time.Duration // from the first attempt to the outcome; 0 when dropped
}

// Stats are a Sender's counters since New.
type Stats struct {
	Queued    int // events waiting now, not counting one being delivered
	Delivered uint64
	Failed    uint64
	Dropped   uint64
}

// Option configures a Sender.
type Option func(*Sender)

// WithClient sends requests with c instead of the default client, which
// does not follow redirects (a 3xx is a failed delivery) and has no overall
// timeout (WithTimeout bounds each attempt).
func WithClient(c *http.Client) Option {
	return func(s *Sender) {
		if c != nil {
			s.client = c
		}
	}
}

// WithLogger logs to l: dropped events (Warn, at most once a second, with a
// count), failed attempts that will be retried (Warn), events given up
// (Error) and deliveries (Debug). Logged URLs carry no query string or user
// information. The default logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(s *Sender) {
		if l != nil {
			s.log = l
		}
	}
}

// WithQueueSize sets how many events may wait for delivery (default
// DefaultQueueSize); values below 1 are ignored.
func WithQueueSize(n int) Option {
	return func(s *Sender) {
		if n > 0 {
			s.queueSize = n
		}
	}
}

// WithMaxAttempts sets how many requests one event gets before it is given
// up (default DefaultMaxAttempts); values below 1 are ignored.
func WithMaxAttempts(n int) Option {
	return func(s *Sender) {
		if n > 0 {
			s.maxAttempts = n
		}
	}
}

// WithBackoff sets the wait before the first retry and the most any wait
// may grow to, Retry-After included (defaults DefaultBackoff and
// DefaultMaxBackoff). It is ignored unless 0 < first <= most.
func WithBackoff(first, most time.Duration) Option {
	return func(s *Sender) {
		if first > 0 && most >= first {
			s.backoff, s.maxBackoff = first, most
		}
	}
}

// WithTimeout bounds each attempt (default DefaultTimeout); values below
// or equal to 0 are ignored.
func WithTimeout(d time.Duration) Option {
	return func(s *Sender) {
		if d > 0 {
			s.timeout = d
		}
	}
}

// WithObserver calls f with every event's outcome, exactly once per event
// given to Send: from the worker goroutine, or from the goroutine calling
// Send for an event dropped there (queue full, or sent after Close). f must
// be safe for concurrent use and quick (a metric increment); it must not
// call Send.
func WithObserver(f func(Result)) Option {
	return func(s *Sender) { s.observer = f }
}

// Sender delivers events to one URL. Build one with New; it is safe for
// concurrent use. Its worker goroutine runs until Close.
type Sender struct {
	url         string
	urlErr      error // the URL cannot be requested; every event fails at once
	logURL      string
	secret      []byte
	client      *http.Client
	log         *slog.Logger
	queueSize   int
	maxAttempts int
	backoff     time.Duration
	maxBackoff  time.Duration
	timeout     time.Duration
	observer    func(Result)
	jitter      func() float64 // in [0, 1); tests replace it
	now         func() time.Time

	mu       sync.Mutex
	ring     []item // the queue: n items from head, wrapping
	head, n  int
	closed   bool
	stats    Stats
	lastWarn time.Time // the last "dropped" log
	unwarned int       // drops since then, not yet logged

	wake   chan struct{} // capacity 1: the queue or closed changed
	ctx    context.Context
	cancel context.CancelFunc // aborts deliveries when Close's deadline passes
	done   chan struct{}      // closed when the worker exits
}

// item is one queued event.
type item struct {
	id, typ, conversation string
	delivery              string
	body                  []byte
}

// New returns a Sender that posts events to rawURL, signed with secret, and
// starts its worker. A URL that cannot be requested (see CheckURL) does not
// panic: every event then fails at once with the reason logged; check flags
// with CheckURL first. An empty secret still signs (with an empty key) but
// is logged as a warning: receivers cannot tell such requests from forgeries.
func New(rawURL string, secret []byte, opts ...Option) *Sender {
	s := &Sender{
		url:         rawURL,
		logURL:      redactURL(rawURL),
		secret:      bytes.Clone(secret),
		client:      &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		log:         slog.New(slog.DiscardHandler),
		queueSize:   DefaultQueueSize,
		maxAttempts: DefaultMaxAttempts,
		backoff:     DefaultBackoff,
		maxBackoff:  DefaultMaxBackoff,
		timeout:     DefaultTimeout,
		jitter:      mrand.Float64,
		now:         time.Now,
		wake:        make(chan struct{}, 1),
		done:        make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	s.urlErr = CheckURL(rawURL)
	if len(s.secret) == 0 {
		s.log.Warn("webhook has no secret: receivers cannot verify its requests", slog.String("webhook", s.logURL))
	}
	s.ring = make([]item, s.queueSize)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	go s.work()
	return s
}

// CheckURL reports whether rawURL can be a webhook URL: absolute, http or
// https, with a host. Call it when parsing flags, before New.
func CheckURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("webhook URL %q: %v", redactURL(rawURL), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("webhook URL %q: the scheme must be http or https", redactURL(rawURL))
	}
	if u.Host == "" {
		return fmt.Errorf("webhook URL %q has no host", redactURL(rawURL))
	}
	return nil
}

// redactURL returns rawURL without user information, query or fragment,
// which may hold credentials, for logs and errors.
func redactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// Send queues e for delivery and returns at once; it never waits for the
// network or the worker. When the queue is full the oldest queued event is
// dropped to make room. After Close, e is dropped. An event whose Data does
// not encode as JSON is reported as Failed and logged.
func (s *Sender) Send(e Event) {
	if e.ID == "" {
		e.ID = newID("evt_")
	}
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	it := item{id: e.ID, typ: e.Type, conversation: e.Conversation, delivery: newID("dlv_")}
	data := e.Data
	if data == nil {
		data = json.RawMessage("{}")
	}
	body, err := json.Marshal(envelope{ID: e.ID, Type: e.Type, Conversation: e.Conversation, Bot: e.Bot, Time: e.Time.UTC(), Data: data})
	if err != nil {
		s.log.Error("webhook event not sent: its data does not encode as JSON", s.attrs(it, slog.String("error", err.Error()))...)
		s.finish(it, Result{Outcome: Failed, Err: fmt.Errorf("encode event: %w", err)})
		return
	}
	it.body = body

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.finish(it, Result{Outcome: Dropped, Err: ErrClosed})
		return
	}
	var dropped item
	full := s.n == len(s.ring)
	if full {
		dropped = s.ring[s.head]
		s.ring[s.head] = item{}
		s.head = (s.head + 1) % len(s.ring)
		s.n--
	}
	s.ring[(s.head+s.n)%len(s.ring)] = it
	s.n++
	var warn int
	if full {
		s.unwarned++
		if now := s.now(); now.Sub(s.lastWarn) >= time.Second {
			s.lastWarn, warn, s.unwarned = now, s.unwarned, 0
		}
	}
	s.mu.Unlock()
	s.signal()

	if full {
		s.finish(dropped, Result{Outcome: Dropped, Err: ErrQueueFull})
		if warn > 0 {
			s.warnDropped(warn)
		}
	}
}

// Stats returns the Sender's counters.
func (s *Sender) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Queued = s.n
	return st
}

// Close stops accepting events and waits until every queued event is
// delivered or given up, or until ctx ends. Then it aborts the delivery in
// progress (Failed, ErrShutdown), drops what is still queued (Dropped,
// ErrShutdown) and returns ctx's error. Close may be called more than once;
// later calls wait the same way.
func (s *Sender) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	unwarned := s.unwarned
	s.unwarned = 0
	s.mu.Unlock()
	s.signal()
	if unwarned > 0 {
		s.warnDropped(unwarned)
	}
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		select {
		case <-s.done: // finished just as ctx ended
			return nil
		default:
		}
		s.cancel()
		<-s.done // quick: every wait of the worker ends with s.ctx
		return ctx.Err()
	}
}

// warnDropped logs n events dropped because the queue was full. Send logs
// at most once a second; Close logs the drops not logged yet.
func (s *Sender) warnDropped(n int) {
	s.log.Warn("webhook queue full: dropped the oldest events",
		slog.String("webhook", s.logURL), slog.Int("dropped", n),
		slog.Uint64("dropped_total", s.Stats().Dropped), slog.Int("queue_size", len(s.ring)))
}

func (s *Sender) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// work delivers queued events one at a time until the Sender is closed and
// the queue is empty, or Close's deadline passes.
func (s *Sender) work() {
	defer close(s.done)
	defer s.cancel()
	for {
		it, ok := s.next()
		if !ok {
			return
		}
		if s.ctx.Err() != nil {
			s.finish(it, Result{Outcome: Dropped, Err: ErrShutdown})
			continue
		}
		s.deliver(it)
	}
}

// next takes the oldest queued event, waiting for one; it reports false
// when the Sender is closed and nothing is left.
func (s *Sender) next() (item, bool) {
	for {
		s.mu.Lock()
		if s.n > 0 {
			it := s.ring[s.head]
			s.ring[s.head] = item{}
			s.head = (s.head + 1) % len(s.ring)
			s.n--
			s.mu.Unlock()
			return it, true
		}
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return item{}, false
		}
		<-s.wake
	}
}

// deliver makes up to maxAttempts requests for it.
func (s *Sender) deliver(it item) {
	start := s.now()
	res := Result{}
	if s.urlErr != nil {
		res.Outcome, res.Err = Failed, s.urlErr
		s.log.Error("webhook event given up", s.attrs(it, slog.String("error", s.urlErr.Error()))...)
		s.finish(it, res)
		return
	}
	for attempt := 1; ; attempt++ {
		res.Attempts = attempt
		status, retryAfter, err := s.post(it, attempt)
		res.Status = status
		if err == nil && status >= 200 && status < 300 {
			res.Outcome, res.Duration = Delivered, s.now().Sub(start)
			s.log.Debug("webhook event delivered", s.attrs(it, slog.Int("attempts", attempt), slog.Int("status", status))...)
			s.finish(it, res)
			return
		}
		retry := err != nil || status >= 500 || status == http.StatusTooManyRequests
		if err == nil {
			err = fmt.Errorf("the receiver answered %d %s", status, http.StatusText(status))
		}
		if s.ctx.Err() != nil {
			err = fmt.Errorf("%w: %v", ErrShutdown, err)
			retry = false
		}
		if !retry || attempt >= s.maxAttempts {
			res.Outcome, res.Err, res.Duration = Failed, err, s.now().Sub(start)
			s.log.Error("webhook event given up", s.attrs(it, slog.Int("attempts", attempt), slog.Int("status", status), slog.String("error", err.Error()))...)
			s.finish(it, res)
			return
		}
		wait := s.delay(attempt, retryAfter)
		s.log.Warn("webhook delivery failed; will retry", s.attrs(it, slog.Int("attempt", attempt), slog.Int("status", status),
			slog.String("error", err.Error()), slog.Duration("wait", wait))...)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			res.Outcome, res.Err, res.Duration = Failed, fmt.Errorf("%w: %v", ErrShutdown, err), s.now().Sub(start)
			s.log.Error("webhook event given up", s.attrs(it, slog.Int("attempts", attempt), slog.Int("status", status), slog.String("error", res.Err.Error()))...)
			s.finish(it, res)
			return
		}
	}
}

// post makes one attempt. err is set when no response was received.
func (s *Sender) post(it item, attempt int) (status int, retryAfter time.Duration, err error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(it.body))
	if err != nil {
		return 0, 0, err
	}
	ts := strconv.FormatInt(s.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "botctl-webhook/1")
	req.Header.Set(HeaderEvent, it.typ)
	req.Header.Set(HeaderDelivery, it.delivery)
	req.Header.Set(HeaderAttempt, strconv.Itoa(attempt))
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(s.secret, ts, it.body))
	resp, err := s.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is logged apart, redacted
		}
		return 0, 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	resp.Body.Close()
	return resp.StatusCode, parseRetryAfter(resp.Header.Get("Retry-After"), s.now()), nil
}

// delay is the wait before retry number attempt (1 for the first retry):
// the backoff doubled attempt-1 times, at most maxBackoff, drawn from its
// upper half; and at least retryAfter, itself at most maxBackoff.
func (s *Sender) delay(attempt int, retryAfter time.Duration) time.Duration {
	d := s.backoff
	for i := 1; i < attempt && d < s.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.maxBackoff)
	d = d/2 + time.Duration(s.jitter()*float64(d/2))
	return max(d, min(retryAfter, s.maxBackoff))
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date. It
// returns 0 when the header is absent, malformed or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, 1<<31)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// finish counts a result and reports it to the observer.
func (s *Sender) finish(it item, r Result) {
	r.Event, r.Type, r.Conversation, r.Delivery = it.id, it.typ, it.conversation, it.delivery
	s.mu.Lock()
	switch r.Outcome {
	case Delivered:
		s.stats.Delivered++
	case Failed:
		s.stats.Failed++
	case Dropped:
		s.stats.Dropped++
	}
	s.mu.Unlock()
	if s.observer != nil {
		s.observer(r)
	}
}

func (s *Sender) attrs(it item, more ...any) []any {
	return append([]any{
		slog.String("webhook", s.logURL), slog.String("event", it.id), slog.String("type", it.typ),
		slog.String("conversation", it.conversation), slog.String("delivery", it.delivery),
	}, more...)
}

// newID returns prefix and 32 random hex digits.
func newID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}
