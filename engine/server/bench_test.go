package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/server"
	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/store/pgtest"
	"github.com/botctl/botctl/engine/store/redistest"
	"github.com/botctl/botctl/engine/turn"
)

// benchBot is the bot of the serve benchmarks: every turn answers a number
// question, branches, says something and asks again — the shape of most
// turns — so a conversation can take any number of them.
const benchBot = `botctl: 1
bot:
  name: bench
  welcome: loop
variables: {amount: 0}
dialogs:
  loop:
    steps:
      - id: top
        ask: "How much?"
        save: amount
        type: number
      - branch:
          - {when: 'vars.amount > 100', goto: big}
          - {else: small}
      - id: big
        say: "That is a lot: ${vars.amount}."
        next: top
      - id: small
        say: "Noted."
        next: top
`

// serveClients is how many clients the serve benchmarks run at once (a
// multiple of GOMAXPROCS, through SetParallelism).
const serveClients = 64

// benchClient is the client of every serve benchmark, the echo ceiling
// included: one kept-alive connection per concurrent client.
func benchClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 2 * serveClients
	t.MaxIdleConnsPerHost = 2 * serveClients
	t.DisableCompression = true
	return &http.Client{Transport: t}
}

// turnAnswer is what the client reads of an answer.
type turnAnswer struct {
	ID       string `json:"id"`
	Token    string `json:"token"`
	Messages []struct {
		Kind string `json:"kind"`
		Text string `json:"text"`
	} `json:"messages"`
}

// post sends body to url and decodes the JSON answer, failing on any
// status but want.
func post(c *http.Client, url, token string, body []byte, want int) (turnAnswer, error) {
	var a turnAnswer
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return a, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return a, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return a, err
	}
	if resp.StatusCode != want {
		return a, fmt.Errorf("%s: HTTP %d: %s", url, resp.StatusCode, data)
	}
	return a, json.Unmarshal(data, &a)
}

// driveComplete runs the parallel client loop against base: each client
// creates a conversation, then completes turns on it, alternating the two
// answers (one with a template, one without), checking each answer has a
// message. It reports requests per second.
func driveComplete(b *testing.B, base, key string) {
	c := benchClient()
	bodies := [][]byte{[]byte(`{"text": "250"}`), []byte(`{"text": "5"}`)}
	var failed atomic.Bool
	b.ReportAllocs()
	b.SetParallelism(max(1, serveClients/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		conv, err := post(c, base+"/v1/conversations", key, []byte(`{"bot": "bench"}`), http.StatusCreated)
		if err != nil {
			if !failed.Swap(true) {
				b.Error(err)
			}
			return
		}
		url := base + "/v1/conversations/" + conv.ID + "/complete"
		for i := 0; pb.Next(); i++ {
			a, err := post(c, url, conv.Token, bodies[i%2], http.StatusOK)
			if err == nil && len(a.Messages) == 0 {
				err = fmt.Errorf("an answer without messages")
			}
			if err != nil {
				if !failed.Swap(true) {
					b.Error(err)
				}
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

const benchKey = "bench-admin-key-0123456789"

// callBot calls an integration on every turn, answered in process
// (answerCaller), so that what is measured is the server's work around a
// call (storing the turn before it), not a service's.
const callBot = `botctl: 1
bot:
  name: bench
  welcome: loop
variables: {amount: 0, status: ""}
integrations:
  lookup: {url: "https://orders.example/orders/${vars.amount}", post: {status: 'result.body.status'}}
dialogs:
  loop:
    steps:
      - id: top
        ask: "How much?"
        save: amount
        type: number
      - call: lookup
      - say: "Order ${vars.amount}: ${vars.status}."
        next: top
`

// serveStore serves the bench bot on st over loopback HTTP, as botctl
// serve does (logging every turn at info level, to nowhere), and drives it.
func serveStore(b *testing.B, st store.Store) {
	serveBot(b, st, benchBot)
}

// serveBot serves the bot src on st with opts, as serveStore does.
func serveBot(b *testing.B, st store.Store, src string, opts ...server.Option) {
	dir := b.TempDir()
	path := filepath.Join(dir, "bench.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	bot, diags := engine.Load(path)
	if diags.HasErrors() {
		b.Fatal(diags.Err())
	}
	srv, err := server.New(append([]server.Option{
		server.WithStore(st),
		server.WithBots(&server.Bot{Bot: bot, Path: path}),
		server.WithAPIKeys(benchKey),
		server.WithTokenSecret([]byte("0123456789abcdef0123456789abcdef")),
		server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	stats, grouped := st.(interface{ Stats() store.FileStats })
	var before store.FileStats
	if grouped {
		before = stats.Stats()
	}
	driveComplete(b, hs.URL, benchKey)
	if grouped {
		after := stats.Stats()
		if g := after.Groups - before.Groups; g > 0 {
			b.ReportMetric(float64(after.Writes-before.Writes)/float64(g), "writes/fsync")
		}
	}
}

// echo is the ceiling of the serve benchmarks: a bare net/http handler
// that reads the same JSON request and answers a message with its text.
func echo(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Bot  string `json:"bot"`
		Text string `json:"text"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	status := http.StatusOK
	if r.URL.Path == "/v1/conversations" {
		status = http.StatusCreated
	}
	body, _ := json.Marshal(map[string]any{"id": "c_1", "token": "t", "messages": []map[string]string{{"kind": "bot", "text": req.Text}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// BenchmarkServe measures `complete` over loopback HTTP, 64 clients at
// once, on each store, and the bare echo handler driven by the same client
// (the ceiling of this machine). Sub-benchmarks run one after another in
// each round, so with -count the ratios of one round are taken close in
// time; docs/performance.md gives the medians of the rounds' ratios.
func BenchmarkServe(b *testing.B) {
	b.Run("echo", func(b *testing.B) {
		hs := httptest.NewServer(http.HandlerFunc(echo))
		defer hs.Close()
		driveComplete(b, hs.URL, benchKey)
	})
	b.Run("memory", func(b *testing.B) {
		serveStore(b, store.NewMemory())
	})
	b.Run("file", func(b *testing.B) {
		f, err := store.OpenFile(filepath.Join(b.TempDir(), "botctl.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		serveStore(b, f)
	})
	b.Run("redis", func(b *testing.B) {
		rs := redistest.Start(b)
		r, err := store.OpenRedis(rs.URL(0))
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		serveStore(b, r)
	})
	b.Run("postgres", func(b *testing.B) {
		// fsync on, as in production and as the file store does.
		pg, err := store.OpenPostgres(pgtest.Start(b, pgtest.Durable()).NewDatabase(b))
		if err != nil {
			b.Fatal(err)
		}
		defer pg.Close()
		serveStore(b, pg)
	})
}

// answerCaller answers every integration call at once with the same
// response.
type answerCaller struct{}

func (answerCaller) Call(context.Context, *turn.Request) turn.CallResult {
	return turn.CallResult{Status: 200, Body: map[string]any{"status": "shipped"}}
}

// BenchmarkServeCall measures `complete` turns that each make one
// integration call (answered in process), 64 clients at once, on the
// memory and file stores: what storing a turn before its call costs
// (docs/performance.md).
func BenchmarkServeCall(b *testing.B) {
	mocks := server.WithCaller(answerCaller{})
	b.Run("memory", func(b *testing.B) {
		serveBot(b, store.NewMemory(), callBot, mocks)
	})
	b.Run("file", func(b *testing.B) {
		f, err := store.OpenFile(filepath.Join(b.TempDir(), "botctl.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		serveBot(b, f, callBot, mocks)
	})
}
