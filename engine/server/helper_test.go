package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/mock"
)

const adminKey = "test-admin-key-0123456789"

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// loadBot compiles a bot of testdata/bots (or any path).
func loadBot(t testing.TB, path string) *Bot {
	t.Helper()
	b, diags := engine.Load(path)
	if diags.HasErrors() {
		t.Fatalf("bot %s: %v", path, diags)
	}
	return &Bot{Bot: b, Path: path}
}

var testEnv = map[string]string{"ORDERS_API": "http://orders.test", "ORDERS_TOKEN": "s3cret-token"}

func lookupTestEnv(name string) (string, bool) {
	v, ok := testEnv[name]
	return v, ok
}

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a server under test, on a real loopback listener.
type env struct {
	t     testing.TB
	s     *Server
	hs    *httptest.Server
	mocks *mock.Performer
	clock *clock
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newEnv starts a server hosting the shop and billing bots with the admin
// key, the test secret and mocked integrations; opts come last.
func newEnv(t testing.TB, opts ...Option) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{t: time.Now()}}
	e.mocks = mock.NewPerformer(mock.Set{"lookup": {{Status: 200, Body: map[string]any{"status": "shipped"}}}})
	all := []Option{
		WithLogger(quietLogger()),
		WithAPIKeys(adminKey),
		WithTokenSecret(testSecret),
		WithBots(loadBot(t, "testdata/bots/shop.yaml"), loadBot(t, "testdata/bots/billing.yaml")),
		WithCaller(e.mocks),
		WithEnv(lookupTestEnv),
		WithClock(e.clock.Now),
	}
	s, err := New(append(all, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	e.s = s
	e.hs = httptest.NewServer(s)
	t.Cleanup(e.hs.Close)
	return e
}

// response is an HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string { return string(r.body) }

// decode decodes the body into v, failing the test on unknown fields.
func (r response) decode(t testing.TB, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// errorCode returns the code of an error body.
func (r response) errorCode(t testing.TB) string {
	t.Helper()
	var b struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	r.decode(t, &b)
	if b.Error.Message == "" {
		t.Errorf("error without a message: %s", r.body)
	}
	return b.Error.Code
}

// do sends a request. body may be nil, a string (sent as is) or a value
// (sent as JSON). auth is the bearer credential, "" for none.
func (e *env) do(method, path, auth string, body any, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, e.hs.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.hs.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// want checks a response's status.
func (r response) want(t testing.TB, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

// create starts a conversation with the shop bot as Ann.
func (e *env) create(body any) CreateResponse {
	e.t.Helper()
	if body == nil {
		body = map[string]any{"bot": "shop", "user": map[string]any{"name": "Ann"}}
	}
	var c CreateResponse
	e.do("POST", "/v1/conversations", adminKey, body).want(e.t, 201).decode(e.t, &c)
	return c
}

// say runs one complete and returns the bot's answer.
func (e *env) say(id, auth, text string) TurnResponse {
	e.t.Helper()
	var tr TurnResponse
	e.do("POST", "/v1/conversations/"+id+"/complete", auth, map[string]string{"text": text}).want(e.t, 200).decode(e.t, &tr)
	return tr
}

// lines renders messages the way a transcript writes them.
func lines(msgs []Message) string {
	var b strings.Builder
	for _, m := range msgs {
		switch m.Kind {
		case KindUser:
			b.WriteString("> " + m.Text)
		case KindBot:
			b.WriteString("< " + m.Text)
		case KindAction:
			b.WriteString("<< " + m.Text)
		case KindEvent:
			b.WriteString(">> " + m.Text)
		case KindError:
			b.WriteString("! " + m.Code + ": " + m.Text)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// upload sends an upload event as multipart/form-data.
func (e *env) upload(id, auth, name, ctype string, data []byte) response {
	e.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("type", "upload")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	pw, err := mw.CreatePart(h)
	if err != nil {
		e.t.Fatal(err)
	}
	pw.Write(data)
	mw.Close()
	return e.do("POST", "/v1/conversations/"+id+"/events", auth, b.Bytes(), "Content-Type", mw.FormDataContentType())
}

// waitIdle waits until no message is queued or running.
func (q *queues) waitIdle(ctx context.Context) error {
	for {
		q.mu.Lock()
		n := len(q.m)
		q.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// waiting returns how many turns wait in the queue of conversation id (the
// one running not counted).
func (q *queues) waiting(id string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if qu := q.m[id]; qu != nil {
		return len(qu.jobs)
	}
	return 0
}
