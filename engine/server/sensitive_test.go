package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/store/pgtest"
	"github.com/botctl/botctl/engine/store/redistest"
	"github.com/botctl/botctl/engine/turn"
	"github.com/botctl/botctl/engine/webhook"
)

const payBot = `botctl: 1
bot: {name: pay}
variables:
  card: ""
integrations:
  charge: {method: POST, url: "https://pay.example/charge", body: {card: "${vars.card}"}}
dialogs:
  pay:
    starters: ["pay"]
    steps:
      - {ask: "Your card number?", save: card, sensitive: true}
      - call: charge
      - say: "I charged the card ${vars.card}."
  again:
    starters: ["again"]
    steps:
      - say: "The card on file is ${vars.card}."
`

// The card number the tests answer, and the digits looked for: in no
// form may they show outside the live reply and the integration request.
const (
	card   = "4111 1111 1111 1111"
	digits = "4111"
)

// echoCaller answers every call with the request's body, as a service
// that repeats what it was sent would, and records the requests.
type echoCaller struct {
	mu     sync.Mutex
	bodies []string
}

func (c *echoCaller) Call(_ context.Context, req *turn.Request) turn.CallResult {
	c.mu.Lock()
	c.bodies = append(c.bodies, string(req.Body))
	c.mu.Unlock()
	var body any
	_ = json.Unmarshal(req.Body, &body)
	return turn.CallResult{OK: true, Status: 200, Body: map[string]any{"charged": body}}
}

// syncBuffer is a log sink for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// sensitiveStores are the stores the acceptance test runs on: each gives
// the store, a second one that a restarted server opens (the same data),
// and the bytes the store keeps, as they are at rest.
func sensitiveStores() map[string]func(t *testing.T) (open func() store.Store, reopen func() store.Store, raw func() []byte) {
	return map[string]func(t *testing.T) (func() store.Store, func() store.Store, func() []byte){
		"memory": func(t *testing.T) (func() store.Store, func() store.Store, func() []byte) {
			m := store.NewMemory()
			return func() store.Store { return m }, func() store.Store { return m }, func() []byte { return memoryBytes(t, m) }
		},
		"file": func(t *testing.T) (func() store.Store, func() store.Store, func() []byte) {
			dir := t.TempDir()
			path := filepath.Join(dir, "botctl.db")
			var cur store.Store
			open := func() store.Store {
				if cur != nil {
					if err := cur.Close(); err != nil {
						t.Fatal(err)
					}
				}
				st, err := store.OpenFile(path)
				if err != nil {
					t.Fatal(err)
				}
				cur = st
				t.Cleanup(func() { st.Close() })
				return st
			}
			return open, open, func() []byte { return dirBytes(t, dir) }
		},
		"redis": func(t *testing.T) (func() store.Store, func() store.Store, func() []byte) {
			srv := redistest.Start(t)
			open := func() store.Store {
				st, err := store.OpenRedis(srv.URL(0))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
			return open, open, func() []byte { return redisBytes(t, srv.URL(0)) }
		},
		"postgres": func(t *testing.T) (func() store.Store, func() store.Store, func() []byte) {
			srv := pgtest.Start(t)
			url := srv.NewDatabase(t)
			open := func() store.Store {
				st, err := store.OpenPostgres(url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
			return open, open, func() []byte {
				// What the server has written out: its tables and its log
				// of changes (the write-ahead log).
				if err := srv.Exec("postgres", "CHECKPOINT"); err != nil {
					t.Fatal(err)
				}
				return dirBytes(t, srv.DataDir())
			}
		},
	}
}

// Acceptance: a card number answered to a sensitive question is absent
// from GET, the webhooks, the transcript export, the server's log and the
// store's bytes, while the bot's own reply and the integration request
// used it, and a restarted server with the same key still has it.
func TestSensitiveAnswer(t *testing.T) {
	for name, stores := range sensitiveStores() {
		t.Run(name, func(t *testing.T) {
			open, reopen, raw := stores(t)
			key := []byte("0123456789abcdef0123456789abcdef")

			hooks := &syncBuffer{}
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				hooks.Write(append(body, '\n'))
			}))
			defer hs.Close()
			sender := webhook.New(hs.URL, []byte("hook-secret"), webhook.WithLogger(quietLogger()))
			logs := &syncBuffer{}
			logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			caller := &echoCaller{}
			bot := writeBot(t, payBot)
			e := newEnv(t, WithStore(open()), WithBots(bot), WithCaller(caller), WithDataKeys(key), WithLogger(logger),
				WithOnEvent(func(ev Event) {
					sender.Send(webhook.Event{ID: ev.ID, Type: ev.Type, Conversation: ev.Conversation, Bot: ev.Bot, Time: ev.Time, Data: ev.Data})
				}))

			c := e.create(map[string]any{"bot": "pay"})
			e.say(c.ID, c.Token, "pay")
			answer := e.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, map[string]string{"text": card},
				"Idempotency-Key", "answer-1").want(t, 200)
			if want := "I charged the card " + card + "."; !strings.Contains(answer.String(), want) {
				t.Errorf("the live reply %s lacks %q", answer, want)
			}
			if len(caller.bodies) != 1 || !strings.Contains(caller.bodies[0], card) {
				t.Errorf("the integration request bodies %q lack the card", caller.bodies)
			}

			// A retry of the same request gets the reply as the log has it.
			retry := e.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, map[string]string{"text": card},
				"Idempotency-Key", "answer-1").want(t, 200)
			if strings.Contains(retry.String(), digits) || !strings.Contains(retry.String(), "I charged the card [sensitive].") {
				t.Errorf("the replayed reply: %s, want the card masked", retry)
			}

			get := e.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200)
			var conv ConversationResponse
			get.decode(t, &conv)
			if strings.Contains(get.String(), digits) {
				t.Errorf("GET shows the card:\n%s", get)
			}
			if conv.Variables["card"] != turn.Masked {
				t.Errorf("GET vars.card = %v, want %s", conv.Variables["card"], turn.Masked)
			}
			want := "> pay\n< Your card number?\n> [sensitive]\n< I charged the card [sensitive].\n"
			if got := lines(conv.Messages); got != want {
				t.Errorf("messages:\n%s\nwant:\n%s", got, want)
			}
			msgs := e.do("POST", "/v1/conversations/"+c.ID+"/receive", c.Token, map[string]any{"after": 0}).want(t, 200)
			if strings.Contains(msgs.String(), digits) || !strings.Contains(msgs.String(), "[sensitive]") {
				t.Errorf("receive, want the card masked:\n%s", msgs)
			}
			export := e.do("GET", "/v1/conversations/"+c.ID+"/transcript", adminKey, nil).want(t, 200)
			if strings.Contains(export.String(), digits) || !strings.Contains(export.String(), "< I charged the card [sensitive].") ||
				!strings.Contains(export.String(), "\nmask_sensitive: true\n") ||
				!strings.Contains(export.String(), "# a sensitive answer, kept masked: put a test value in its place to replay the transcript\n> [sensitive]\n") {
				t.Errorf("the transcript export:\n%s", export)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := sender.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if h := hooks.String(); !strings.Contains(h, "[sensitive]") || strings.Contains(h, digits) {
				t.Errorf("webhook bodies, want the card masked:\n%s", h)
			}
			if strings.Contains(logs.String(), digits) {
				t.Errorf("the log shows the card:\n%s", logs)
			}

			// A restarted server with the same key reads the sealed card.
			e.hs.Close()
			e2 := newEnv(t, WithStore(reopen()), WithBots(bot), WithCaller(caller), WithDataKeys(key))
			if r := e2.say(c.ID, c.Token, "again"); !strings.Contains(lines(r.Messages), "The card on file is "+card+".") {
				t.Errorf("after a restart: %s", lines(r.Messages))
			}
			e2.hs.Close()
			// The card's digits in any grouping: "4111" alone is also in
			// PostgreSQL's catalog (the SQL feature F411).
			b := raw()
			if len(b) == 0 {
				t.Error("the store has no bytes to look at")
			}
			for _, form := range []string{card, strings.ReplaceAll(card, " ", ""), digits + " 1111"} {
				if i := bytes.Index(b, []byte(form)); i >= 0 {
					t.Errorf("the store's bytes (%d) hold the card: …%q…", len(b), b[max(0, i-80):min(len(b), i+80)])
				}
			}
		})
	}
}

// Keys rotate: a state sealed with the old key opens when a new key is
// put first, and the next commit seals with the new one.
func TestSensitiveKeyRotation(t *testing.T) {
	st := store.NewMemory()
	bot := writeBot(t, payBot)
	oldKey, newKey := []byte("0123456789abcdef0123456789abcdef"), []byte("fedcba9876543210fedcba9876543210")
	e := newEnv(t, WithStore(st), WithBots(bot), WithCaller(&echoCaller{}), WithDataKeys(oldKey))
	c := e.create(map[string]any{"bot": "pay"})
	e.say(c.ID, c.Token, "pay")
	e.say(c.ID, c.Token, card)

	e2 := newEnv(t, WithStore(st), WithBots(bot), WithCaller(&echoCaller{}), WithDataKeys(newKey, oldKey))
	if r := e2.say(c.ID, c.Token, "again"); !strings.Contains(lines(r.Messages), card) {
		t.Errorf("with new,old: %s", lines(r.Messages))
	}
	// Now sealed with the new key alone.
	e3 := newEnv(t, WithStore(st), WithBots(bot), WithCaller(&echoCaller{}), WithDataKeys(newKey))
	if r := e3.say(c.ID, c.Token, "again"); !strings.Contains(lines(r.Messages), card) {
		t.Errorf("with the new key alone after a turn under new,old: %s", lines(r.Messages))
	}
	e4 := newEnv(t, WithStore(st), WithBots(bot), WithCaller(&echoCaller{}), WithDataKeys(oldKey))
	r := e4.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, map[string]string{"text": "again"})
	if r.status == 200 || strings.Contains(r.String(), digits) {
		t.Errorf("with the old key only, after rotation: %d %s, want an error", r.status, r)
	}
}

// memoryBytes is everything a memory store holds of its conversations.
func memoryBytes(t *testing.T, m *store.Memory) []byte {
	t.Helper()
	var out []byte
	ctx := context.Background()
	err := m.Scan(ctx, func(rec store.Record) error {
		out = append(out, rec.State...)
		msgs, err := m.Messages(ctx, rec.ID, 0, 0)
		if err != nil {
			return err
		}
		for _, msg := range msgs {
			out = append(append(out, msg.Text...), msg.Data...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// dirBytes is every file under dir, the database and its log.
func dirBytes(t *testing.T, dir string) []byte {
	t.Helper()
	var out []byte
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		out = append(out, b...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// redisBytes is every value of every key of the Redis database.
func redisBytes(t *testing.T, url string) []byte {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	ctx := context.Background()
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, k := range keys {
		typ, err := c.Type(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		var vals []string
		switch typ {
		case "string":
			v, err := c.Get(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			vals = []string{v}
		case "list":
			vals, err = c.LRange(ctx, k, 0, -1).Result()
		case "hash":
			var m map[string]string
			m, err = c.HGetAll(ctx, k).Result()
			for f, v := range m {
				vals = append(vals, f, v)
			}
		case "zset":
			vals, err = c.ZRange(ctx, k, 0, -1).Result()
		case "set":
			vals, err = c.SMembers(ctx, k).Result()
		case "stream":
			var xs []redis.XMessage
			xs, err = c.XRange(ctx, k, "-", "+").Result()
			for _, x := range xs {
				for f, v := range x.Values {
					vals = append(vals, f, toString(v))
				}
			}
		default:
			t.Fatalf("key %s of type %s: the test does not read it", k, typ)
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k...)
		for _, v := range vals {
			out = append(out, v...)
		}
	}
	if len(keys) == 0 {
		t.Fatal("the Redis database is empty")
	}
	return out
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}

// The fingerprint the store keeps of an idempotent request's input is
// keyed: a short sensitive answer cannot be found from it by trying every
// card number. A reply stored with the unkeyed fingerprint of earlier
// versions is still replayed.
func TestIdempotencyFingerprintKeyed(t *testing.T) {
	st := store.NewMemory()
	e := newEnv(t, WithStore(st), WithBots(writeBot(t, payBot)), WithCaller(&echoCaller{}),
		WithDataKeys([]byte("0123456789abcdef0123456789abcdef")))
	c := e.create(map[string]any{"bot": "pay"})
	e.say(c.ID, c.Token, "pay")
	e.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, map[string]string{"text": card}, "Idempotency-Key", "k1").want(t, 200)
	r, ok, err := st.Reply(context.Background(), c.ID, "complete:k1")
	if err != nil || !ok {
		t.Fatalf("stored reply: %v, %v", ok, err)
	}
	fp, _ := unpackReply(r.Body)
	legacy := e.s.newIdem("complete", "k1", turnInput{in: turn.Input{Kind: turn.Message, Text: card}, kind: "message"}).legacy
	if !strings.HasPrefix(fp, "h1:") || strings.Contains(string(r.Body), legacy) {
		t.Errorf("the stored fingerprint %q is not keyed (unkeyed: %s)", fp, legacy)
	}

	// A reply stored by an earlier version, under the unkeyed fingerprint.
	rec, err := st.Get(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	old := e.s.newIdem("complete", "k0", turnInput{in: turn.Input{Kind: turn.Message, Text: "again"}, kind: "message"})
	if _, err := st.Commit(context.Background(), c.ID, rec.Version, store.Update{Reply: &store.Reply{Key: old.id, Status: 200,
		Body: packReply(old.legacy, []byte(`{"replayed": true}`))}}); err != nil {
		t.Fatal(err)
	}
	got := e.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, map[string]string{"text": "again"}, "Idempotency-Key", "k0").want(t, 200)
	if got.header.Get("Idempotent-Replayed") != "true" || !strings.Contains(got.String(), "replayed") {
		t.Errorf("a reply stored under the unkeyed fingerprint was not replayed: %s", got)
	}
}

// A sensitive answer given through send whose turn then fails is stored
// masked in the send_failed entry, and logged masked.
func TestSendFailedMasksSensitiveAnswer(t *testing.T) {
	logs := &syncBuffer{}
	e := newEnv(t, WithBots(writeBot(t, payBot)), WithCaller(panickingCaller{}),
		WithDataKeys([]byte("0123456789abcdef0123456789abcdef")), WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	c := e.create(map[string]any{"bot": "pay"})
	e.say(c.ID, c.Token, "pay")
	e.do("POST", "/v1/conversations/"+c.ID+"/send", c.Token, map[string]string{"text": card}).want(t, 202)
	var got string
	for range 100 {
		r := e.do("POST", "/v1/conversations/"+c.ID+"/receive", c.Token, map[string]any{"after": 0, "wait": 1}).want(t, 200)
		got = r.String()
		if strings.Contains(got, `"kind":"error"`) {
			break
		}
	}
	if !strings.Contains(got, `"input":"[sensitive]"`) {
		t.Fatalf("no send_failed entry:\n%s", got)
	}
	if strings.Contains(got, digits) {
		t.Errorf("receive shows the card:\n%s", got)
	}
	if strings.Contains(logs.String(), digits) {
		t.Errorf("the log has the card:\n%s", logs)
	}
	conv := e.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200)
	if strings.Contains(conv.String(), digits) {
		t.Errorf("GET shows the card:\n%s", conv)
	}
}
