package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var testSecret = []byte("test-secret")

// request is one request a receiver got.
type request struct {
	header http.Header
	body   []byte
	event  string // the body's id
}

// receiver is a loopback webhook endpoint that records every request and
// answers with respond (200 when nil).
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []request
	arrived  chan request // every request, for tests that wait for one
}

func newReceiver(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, req request)) *receiver {
	t.Helper()
	rc := &receiver{arrived: make(chan request, 1000)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := request{header: r.Header.Clone(), body: body, event: bodyID(body)}
		rc.mu.Lock()
		rc.requests = append(rc.requests, req)
		rc.mu.Unlock()
		rc.arrived <- req
		if respond != nil {
			respond(w, r, req)
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) got() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.requests)
}

// bodyID pulls the event id out of a body without a JSON decoder, so a
// test sees exactly what was sent.
func bodyID(body []byte) string {
	_, rest, ok := bytes.Cut(body, []byte(`{"id":"`))
	if !ok {
		return ""
	}
	id, _, _ := bytes.Cut(rest, []byte(`"`))
	return string(id)
}

// results collects an observer's results.
type results struct {
	mu  sync.Mutex
	all []Result
	ch  chan Result
}

func newResults() *results { return &results{ch: make(chan Result, 1000)} }

func (rs *results) observe(r Result) {
	rs.mu.Lock()
	rs.all = append(rs.all, r)
	rs.mu.Unlock()
	rs.ch <- r
}

func (rs *results) list() []Result {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return slices.Clone(rs.all)
}

// next waits for the next result.
func (rs *results) next(t *testing.T) Result {
	t.Helper()
	select {
	case r := <-rs.ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no result within 10s")
		return Result{}
	}
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func fast() Option { return WithBackoff(time.Millisecond, 5*time.Millisecond) }

func closeSender(t *testing.T, s *Sender) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestSendSignsAndEncodes(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request) {
		if err := Verify(testSecret, r.Header, req.body, time.Now(), time.Minute); err != nil {
			t.Errorf("Verify: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	rs := newResults()
	s := New(rc.URL+"/hook", testSecret, WithObserver(rs.observe))
	s.Send(Event{
		ID: "evt_1", Type: TypeMessage, Conversation: "c1", Bot: "acme",
		Time: time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600)),
		Data: map[string]any{"from": "bot", "text": "Hello <b>"},
	})
	r := rs.next(t)
	closeSender(t, s)

	if r.Outcome != Delivered || r.Attempts != 1 || r.Status != 200 || r.Err != nil || r.Event != "evt_1" ||
		r.Type != "message" || r.Conversation != "c1" || !strings.HasPrefix(r.Delivery, "dlv_") || len(r.Delivery) != 36 {
		t.Errorf("result = %+v", r)
	}
	got := rc.got()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	const wantBody = `{"id":"evt_1","type":"message","conversation":"c1","bot":"acme","time":"2025-01-02T02:04:05Z","data":{"from":"bot","text":"Hello \u003cb\u003e"}}`
	if string(got[0].body) != wantBody {
		t.Errorf("body\n got: %s\nwant: %s", got[0].body, wantBody)
	}
	h := got[0].header
	for name, want := range map[string]string{
		"Content-Type":   "application/json",
		"User-Agent":     "botctl-webhook/1",
		HeaderEvent:      "message",
		HeaderDelivery:   r.Delivery,
		HeaderAttempt:    "1",
		HeaderSignature:  Sign(testSecret, h.Get(HeaderTimestamp), got[0].body),
		"Content-Length": fmt.Sprint(len(wantBody)),
	} {
		if h.Get(name) != want {
			t.Errorf("header %s = %q, want %q", name, h.Get(name), want)
		}
	}
	if st := s.Stats(); st != (Stats{Delivered: 1}) {
		t.Errorf("Stats = %+v", st)
	}
}

func TestSendFillsIDTimeAndData(t *testing.T) {
	rc := newReceiver(t, nil)
	s := New(rc.URL, testSecret)
	before := time.Now().Add(-time.Second)
	s.Send(Event{Type: TypeClosed, Conversation: "c9"})
	closeSender(t, s)
	got := rc.got()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	var body struct {
		ID   string    `json:"id"`
		Time time.Time `json:"time"`
	}
	if err := json.Unmarshal(got[0].body, &body); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(body.ID, "evt_") || len(body.ID) != 36 {
		t.Errorf("id = %q, want evt_ and 32 hex digits", body.ID)
	}
	if body.Time.Before(before) || body.Time.Location() != time.UTC {
		t.Errorf("time = %v, want now in UTC", body.Time)
	}
	if !bytes.HasSuffix(got[0].body, []byte(`"data":{}}`)) {
		t.Errorf("body %s: want nil data as {}", got[0].body)
	}
}

func TestSendBadData(t *testing.T) {
	rc := newReceiver(t, nil)
	rs := newResults()
	var logs syncBuffer
	s := New(rc.URL, testSecret, WithObserver(rs.observe), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	s.Send(Event{ID: "evt_bad", Type: TypeMessage, Data: func() {}})
	r := rs.next(t)
	closeSender(t, s)
	if r.Outcome != Failed || r.Err == nil || r.Err.Error() != "encode event: json: unsupported type: func()" || r.Attempts != 0 {
		t.Errorf("result = %+v", r)
	}
	if len(rc.got()) != 0 {
		t.Errorf("receiver got %d requests, want 0", len(rc.got()))
	}
	if !strings.Contains(logs.String(), `level=ERROR msg="webhook event not sent: its data does not encode as JSON"`) {
		t.Errorf("logs lack the error:\n%s", logs.String())
	}
}

func TestRetryThenDelivered(t *testing.T) {
	tests := []struct {
		name  string
		first func(w http.ResponseWriter)
	}{
		{"500", func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) }},
		{"503", func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }},
		{"429 with Retry-After", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		}},
		{"connection dropped", func(w http.ResponseWriter) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			n := 0
			rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request) {
				mu.Lock()
				n++
				first := n == 1
				mu.Unlock()
				if err := Verify(testSecret, r.Header, req.body, time.Now(), time.Minute); err != nil {
					t.Errorf("attempt %s: Verify: %v", r.Header.Get(HeaderAttempt), err)
				}
				if first {
					tt.first(w)
				}
			})
			rs := newResults()
			s := New(rc.URL, testSecret, WithObserver(rs.observe), fast())
			s.Send(Event{ID: "evt_1", Type: TypeTransfer})
			r := rs.next(t)
			closeSender(t, s)
			if r.Outcome != Delivered || r.Attempts != 2 || r.Status != 200 || r.Err != nil {
				t.Errorf("result = %+v", r)
			}
			got := rc.got()
			if len(got) != 2 {
				t.Fatalf("receiver got %d requests, want 2", len(got))
			}
			if got[0].header.Get(HeaderDelivery) != got[1].header.Get(HeaderDelivery) {
				t.Errorf("delivery ids differ across retries: %q, %q", got[0].header.Get(HeaderDelivery), got[1].header.Get(HeaderDelivery))
			}
			if a, b := got[0].header.Get(HeaderAttempt), got[1].header.Get(HeaderAttempt); a != "1" || b != "2" {
				t.Errorf("attempt headers %q, %q; want 1, 2", a, b)
			}
			if !bytes.Equal(got[0].body, got[1].body) {
				t.Errorf("bodies differ across retries")
			}
			if st := s.Stats(); st != (Stats{Delivered: 1}) {
				t.Errorf("Stats = %+v", st)
			}
		})
	}
}

func TestNoRetryOn4xx(t *testing.T) {
	for _, status := range []int{400, 401, 404, 410, 422} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request) { w.WriteHeader(status) })
			rs := newResults()
			var logs syncBuffer
			s := New(rc.URL, testSecret, WithObserver(rs.observe), fast(), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			s.Send(Event{ID: "evt_1", Type: TypeAgentDone, Conversation: "c1"})
			r := rs.next(t)
			closeSender(t, s)
			want := fmt.Sprintf("the receiver answered %d %s", status, http.StatusText(status))
			if r.Outcome != Failed || r.Attempts != 1 || r.Status != status || r.Err == nil || r.Err.Error() != want {
				t.Errorf("result = %+v, want failed after 1 attempt: %s", r, want)
			}
			if len(rc.got()) != 1 {
				t.Errorf("receiver got %d requests, want 1", len(rc.got()))
			}
			if !strings.Contains(logs.String(), fmt.Sprintf(`level=ERROR msg="webhook event given up" webhook=%s event=evt_1 type=agent_done conversation=c1`, rc.URL)) {
				t.Errorf("logs lack the error:\n%s", logs.String())
			}
			if st := s.Stats(); st != (Stats{Failed: 1}) {
				t.Errorf("Stats = %+v", st)
			}
		})
	}
}

func TestGiveUpAfterMaxAttempts(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request) { w.WriteHeader(http.StatusBadGateway) })
	rs := newResults()
	var logs syncBuffer
	s := New(rc.URL+"/hook?token=abc", testSecret, WithObserver(rs.observe), fast(), WithMaxAttempts(3),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	s.Send(Event{ID: "evt_1", Type: TypeMessage})
	r := rs.next(t)
	closeSender(t, s)
	if r.Outcome != Failed || r.Attempts != 3 || r.Status != 502 || r.Err.Error() != "the receiver answered 502 Bad Gateway" {
		t.Errorf("result = %+v", r)
	}
	if len(rc.got()) != 3 {
		t.Errorf("receiver got %d requests, want 3", len(rc.got()))
	}
	log := logs.String()
	if n := strings.Count(log, `level=WARN msg="webhook delivery failed; will retry"`); n != 2 {
		t.Errorf("%d retry warnings, want 2:\n%s", n, log)
	}
	if !strings.Contains(log, `level=ERROR msg="webhook event given up" webhook=`+rc.URL+`/hook event=evt_1`) ||
		!strings.Contains(log, `attempts=3 status=502 error="the receiver answered 502 Bad Gateway"`) {
		t.Errorf("logs lack the error:\n%s", log)
	}
	if strings.Contains(log, "token=abc") {
		t.Errorf("logs carry the URL's query:\n%s", log)
	}
}

func TestNetworkErrorRetried(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close() // nothing listens there now
	rs := newResults()
	s := New(url, testSecret, WithObserver(rs.observe), fast(), WithMaxAttempts(3))
	s.Send(Event{ID: "evt_1", Type: TypeMessage})
	r := rs.next(t)
	closeSender(t, s)
	if r.Outcome != Failed || r.Attempts != 3 || r.Status != 0 || r.Err == nil || !strings.Contains(r.Err.Error(), "connection refused") {
		t.Errorf("result = %+v, want failed after 3 attempts with connection refused", r)
	}
}

func TestTimeoutPerAttempt(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	var mu sync.Mutex
	n := 0
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request) {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		if first {
			select { // hang until the sender gives up on this attempt
			case <-r.Context().Done():
			case <-release:
			}
		}
	})
	rs := newResults()
	s := New(rc.URL, testSecret, WithObserver(rs.observe), fast(), WithTimeout(50*time.Millisecond))
	s.Send(Event{ID: "evt_1", Type: TypeMessage})
	r := rs.next(t)
	closeSender(t, s)
	if r.Outcome != Delivered || r.Attempts != 2 {
		t.Errorf("result = %+v, want delivered on attempt 2 after a timeout", r)
	}
}

func TestBadURL(t *testing.T) {
	rs := newResults()
	s := New("ftp://hooks.example/x", testSecret, WithObserver(rs.observe))
	s.Send(Event{ID: "evt_1", Type: TypeMessage})
	r := rs.next(t)
	closeSender(t, s)
	if r.Outcome != Failed || r.Attempts != 0 || r.Err.Error() != `webhook URL "ftp://hooks.example/x": the scheme must be http or https` {
		t.Errorf("result = %+v", r)
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://hooks.acme.example/botctl", ""},
		{"http://127.0.0.1:8080/h?token=x", ""},
		{"hooks.acme.example/botctl", `webhook URL "hooks.acme.example/botctl": the scheme must be http or https`},
		{"https:///path", `webhook URL "https:///path" has no host`},
		{"https://u:pw@[::1/x?token=s", `webhook URL "(unparsable URL)": parse "https://u:pw@[::1/x?token=s": missing ']' in host`},
		{"https://u:pw@h.example/x?token=s#f", ""},
	}
	for _, tt := range tests {
		err := CheckURL(tt.url)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("CheckURL(%q)\n got: %s\nwant: %s", tt.url, got, tt.want)
		}
	}
	if got := redactURL("https://u:pw@h.example/x?token=s#f"); got != "https://h.example/x" {
		t.Errorf("redactURL = %q", got)
	}
}

// TestSendNeverBlocks: with the receiver hung and the queue full, Send
// still returns at once; the oldest queued events are dropped, counted,
// reported and logged, and the newest are delivered once the receiver
// recovers.
func TestSendNeverBlocks(t *testing.T) {
	release := make(chan struct{})
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	rs := newResults()
	var logs syncBuffer
	clock := time.Now()
	s := New(rc.URL, testSecret, WithObserver(rs.observe), WithQueueSize(2), WithTimeout(time.Minute),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		func(s *Sender) { s.now = func() time.Time { return clock } })
	s.Send(Event{ID: "ev0", Type: TypeMessage})
	select {
	case <-rc.arrived: // the worker is stuck on ev0
	case <-time.After(10 * time.Second):
		t.Fatal("ev0 did not arrive")
	}
	start := time.Now()
	for i := 1; i < 100; i++ {
		s.Send(Event{ID: fmt.Sprintf("ev%d", i), Type: TypeMessage})
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("99 Sends took %v with the receiver hung", d)
	}
	if st := s.Stats(); st != (Stats{Queued: 2, Dropped: 97}) {
		t.Errorf("Stats = %+v, want 2 queued, 97 dropped", st)
	}
	var dropped []string
	for _, r := range rs.list() {
		if r.Outcome != Dropped || !errors.Is(r.Err, ErrQueueFull) || r.Attempts != 0 {
			t.Errorf("result = %+v, want dropped: queue full", r)
		}
		dropped = append(dropped, r.Event)
	}
	var want []string
	for i := 1; i <= 97; i++ {
		want = append(want, fmt.Sprintf("ev%d", i))
	}
	if !slices.Equal(dropped, want) {
		t.Errorf("dropped %v, want the oldest: %v", dropped, want)
	}

	close(release)
	closeSender(t, s)
	var delivered []string
	for _, r := range rc.got() {
		delivered = append(delivered, r.event)
	}
	if !slices.Equal(delivered, []string{"ev0", "ev98", "ev99"}) {
		t.Errorf("delivered %v, want [ev0 ev98 ev99]", delivered)
	}
	// The clock stands still: the first drop is logged at once, the rest
	// when the sender closes.
	log := logs.String()
	for _, want := range []string{
		fmt.Sprintf(`level=WARN msg="webhook queue full: dropped the oldest events" webhook=%s dropped=1 dropped_total=1 queue_size=2`, rc.URL),
		fmt.Sprintf(`level=WARN msg="webhook queue full: dropped the oldest events" webhook=%s dropped=96 dropped_total=97 queue_size=2`, rc.URL),
	} {
		if !strings.Contains(log, want) {
			t.Errorf("logs lack %s:\n%s", want, log)
		}
	}
	if n := strings.Count(log, "queue full"); n != 2 {
		t.Errorf("%d queue-full warnings, want 2:\n%s", n, log)
	}
}

func TestCloseDrains(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request) {
		time.Sleep(2 * time.Millisecond) // a slow receiver
	})
	rs := newResults()
	s := New(rc.URL, testSecret, WithObserver(rs.observe))
	var want []string
	for i := range 20 {
		id := fmt.Sprintf("ev%d", i)
		want = append(want, id)
		s.Send(Event{ID: id, Type: TypeMessage})
	}
	closeSender(t, s)
	var got []string
	for _, r := range rc.got() {
		got = append(got, r.event)
	}
	if !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
	if st := s.Stats(); st != (Stats{Delivered: 20}) {
		t.Errorf("Stats = %+v", st)
	}

	s.Send(Event{ID: "late", Type: TypeClosed})
	var late Result
	for _, r := range rs.list() {
		if r.Event == "late" {
			late = r
		}
	}
	if late.Outcome != Dropped || !errors.Is(late.Err, ErrClosed) {
		t.Errorf("event sent after Close: %+v, want dropped: closed", late)
	}
	closeSender(t, s) // a second Close returns at once
}

func TestCloseDeadline(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request) {
		<-r.Context().Done() // hang until the sender gives up
	})
	rs := newResults()
	s := New(rc.URL, testSecret, WithObserver(rs.observe), WithTimeout(time.Minute))
	for i := range 3 {
		s.Send(Event{ID: fmt.Sprintf("ev%d", i), Type: TypeMessage})
	}
	<-rc.arrived
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want context.DeadlineExceeded", err)
	}
	got := rs.list()
	if len(got) != 3 {
		t.Fatalf("%d results, want 3: %+v", len(got), got)
	}
	if got[0].Event != "ev0" || got[0].Outcome != Failed || !errors.Is(got[0].Err, ErrShutdown) || got[0].Attempts != 1 {
		t.Errorf("in flight: %+v, want failed: shut down", got[0])
	}
	for _, r := range got[1:] {
		if r.Outcome != Dropped || !errors.Is(r.Err, ErrShutdown) {
			t.Errorf("queued: %+v, want dropped: shut down", r)
		}
	}
	if st := s.Stats(); st != (Stats{Failed: 1, Dropped: 2}) {
		t.Errorf("Stats = %+v", st)
	}
}

// TestOrdering: events of interleaved conversations arrive in the order
// they were sent, even when some need retries.
func TestOrdering(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, req request) {
		mu.Lock()
		seen[req.event]++
		tries := seen[req.event]
		mu.Unlock()
		var n int
		fmt.Sscanf(req.event, "ev%d", &n)
		switch {
		case n%4 == 0 && tries == 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		case n%7 == 0 && tries < 3:
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	s := New(rc.URL, testSecret, fast())
	want := map[string][]string{}
	var all []string
	for i := range 30 {
		id, conv := fmt.Sprintf("ev%d", i), fmt.Sprintf("c%d", i%3)
		want[conv] = append(want[conv], id)
		all = append(all, id)
		s.Send(Event{ID: id, Type: TypeMessage, Conversation: conv})
	}
	closeSender(t, s)
	got := map[string][]string{}
	var order []string
	for _, r := range rc.got() {
		if len(order) > 0 && order[len(order)-1] == r.event {
			continue // a retry of the same event
		}
		order = append(order, r.event)
		var body struct {
			Conversation string `json:"conversation"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		got[body.Conversation] = append(got[body.Conversation], r.event)
	}
	if !slices.Equal(order, all) {
		t.Errorf("arrival order %v, want %v", order, all)
	}
	for conv, ids := range want {
		if !slices.Equal(got[conv], ids) {
			t.Errorf("conversation %s: %v, want %v", conv, got[conv], ids)
		}
	}
	if st := s.Stats(); st != (Stats{Delivered: 30}) {
		t.Errorf("Stats = %+v", st)
	}
}

func TestDelay(t *testing.T) {
	s := New("http://127.0.0.1:1", testSecret, WithBackoff(100*time.Millisecond, time.Second))
	closeSender(t, s)
	tests := []struct {
		attempt    int
		jitter     float64
		retryAfter time.Duration
		want       time.Duration
	}{
		{1, 0, 0, 50 * time.Millisecond},
		{1, 0.5, 0, 75 * time.Millisecond},
		{2, 0, 0, 100 * time.Millisecond},
		{3, 0.999999999, 0, 399999999 * time.Nanosecond},
		{5, 0, 0, 500 * time.Millisecond}, // 1.6s capped at 1s
		{60, 1, 0, time.Second},           // no overflow
		{1, 0, 300 * time.Millisecond, 300 * time.Millisecond},
		{1, 0, time.Hour, time.Second}, // Retry-After capped at the largest backoff
		{4, 0.5, 200 * time.Millisecond, 600 * time.Millisecond},
	}
	for _, tt := range tests {
		s.jitter = func() float64 { return tt.jitter }
		if got := s.delay(tt.attempt, tt.retryAfter); got != tt.want {
			t.Errorf("delay(%d, %v) with jitter %v = %v, want %v", tt.attempt, tt.retryAfter, tt.jitter, got, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-3", 0},
		{"7", 7 * time.Second},
		{"soon", 0},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{now.Add(-10 * time.Second).Format(http.TimeFormat), 0},
		{"99999999999999", (1 << 31) * time.Second},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.v, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestEmptySecretWarns(t *testing.T) {
	var logs syncBuffer
	s := New("http://127.0.0.1:1/h", nil, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	closeSender(t, s)
	want := `level=WARN msg="webhook has no secret: receivers cannot verify its requests" webhook=http://127.0.0.1:1/h`
	if !strings.Contains(logs.String(), want) {
		t.Errorf("logs lack %s:\n%s", want, logs.String())
	}
}

// roundTripper answers every request with 204 without a network.
type roundTripper struct{}

func (roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
}

// BenchmarkSend measures what a turn pays to emit an event: encoding and
// queueing.
func BenchmarkSend(b *testing.B) {
	s := New("http://hooks.example/h", testSecret, WithClient(&http.Client{Transport: roundTripper{}}), WithQueueSize(1<<16))
	data := map[string]any{"from": "bot", "text": "Your order 1234 has shipped."}
	b.ReportAllocs()
	for b.Loop() {
		s.Send(Event{Type: TypeMessage, Conversation: "c_0123456789", Bot: "acme", Data: data})
	}
	b.StopTimer()
	if err := s.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
}
