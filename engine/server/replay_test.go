package server

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/integration"
	"github.com/botctl/botctl/engine/transcript"
	"github.com/botctl/botctl/engine/turn"
)

var update = flag.Bool("update", os.Getenv("BOTCTL_UPDATE_GOLDEN") == "1", "rewrite golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// ordersAPI is a local stand-in for the acme-support bot's services.
func ordersAPI(t *testing.T, token string) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/orders/12345":
			json.NewEncoder(w).Encode(map[string]any{"status": "shipped", "eta": "2025-06-05", "carrier": "DHL", "tracking_url": "https://track.example/1"})
		case r.URL.Path == "/callbacks" && r.Method == "POST":
			w.WriteHeader(201)
			json.NewEncoder(w).Encode(map[string]any{"id": "CB-7"})
		default:
			w.WriteHeader(404)
			json.NewEncoder(w).Encode(map[string]any{"error": "no such order"})
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// TestRecordAndReplay runs a conversation over HTTP against real HTTP
// services, exports it as a transcript and replays it with botctl test's
// runner: it passes, offline.
func TestRecordAndReplay(t *testing.T) {
	api, calls := ordersAPI(t, "tok-1")
	envs := map[string]string{"ORDERS_API": api.URL, "SUPPORT_API": api.URL, "ORDERS_TOKEN": "tok-1", "SUPPORT_TOKEN": "tok-1"}
	client, err := integration.New(integration.WithSecrets("tok-1"), integration.WithLogger(quietLogger()), integration.WithLoopback(true))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)
	e := newEnv(t,
		WithBots(loadBot(t, "../../dialogs/acme-support")),
		WithCaller(client),
		WithEnv(func(k string) (string, bool) { v, ok := envs[k]; return v, ok }),
		WithClock(func() time.Time { return start }),
	)
	c := e.create(map[string]any{"bot": "acme-support", "user": map[string]any{"name": "Ann", "tier": 2}})
	for _, text := range []string{"order status", "abc", "12345"} {
		e.say(c.ID, c.Token, text)
	}
	e.say(c.ID, c.Token, "where is my order 54321")
	e.say(c.ID, c.Token, "54321")
	e.say(c.ID, c.Token, "agent please")
	e.say(c.ID, c.Token, "are you there?")
	e.do("POST", "/v1/conversations/"+c.ID+"/events", c.Token, map[string]string{"type": "agent_escalation_failed"}).want(t, 200)
	e.say(c.ID, c.Token, "yes")
	e.say(c.ID, c.Token, "+1 555 010 0199")
	if calls.Load() != 3 {
		t.Errorf("%d calls to the services, want 3", calls.Load())
	}

	r := e.do("GET", "/v1/conversations/"+c.ID+"/transcript", adminKey, nil).want(t, 200)
	if ct := r.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="`+c.ID+`.transcript"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	text := string(r.body)
	for _, secret := range []string{"tok-1"} {
		if strings.Contains(text, secret) {
			t.Errorf("the transcript holds a secret:\n%s", text)
		}
	}
	// The golden file: the id, the bot's absolute path and the services'
	// address are replaced by stable names.
	abs, _ := filepath.Abs("../../dialogs/acme-support")
	stable := strings.NewReplacer(c.ID, "CONVERSATION", filepath.ToSlash(abs), "BOT", api.URL, "http://API").Replace(text)
	golden(t, "replay.transcript", []byte(stable))

	// Replay it: saved anywhere, it names its bot by absolute path.
	path := filepath.Join(t.TempDir(), "bad_conversation.transcript")
	if err := os.WriteFile(path, r.body, 0o644); err != nil {
		t.Fatal(err)
	}
	api.Close() // offline: the mocks answer
	res := (&transcript.Runner{}).Run(path)
	if !res.Passed() {
		t.Errorf("the exported transcript does not pass:\n%v\n%v\n%s", res.Diags, res.Failures,
			transcript.Diff(res.Path, res.Expected, res.Actual, false))
	}
	// bot_path names the bot relative to where the file will live.
	r = e.do("GET", "/v1/conversations/"+c.ID+"/transcript?bot_path=..", adminKey, nil).want(t, 200)
	if !strings.Contains(string(r.body), "\nbot: ..\n") {
		t.Errorf("bot_path not used:\n%s", r.body)
	}
	r = e.do("GET", "/v1/conversations/"+c.ID+"/transcript?bot=x", adminKey, nil)
	if r.status != 400 || r.errorCode(t) != CodeUnknownField {
		t.Errorf("unknown query: %d %s", r.status, r.body)
	}
}

// flakyDesk refuses the first transfer request and takes the others.
type flakyDesk struct{ n atomic.Int32 }

func (d *flakyDesk) Transfer(context.Context, string, *turn.Transfer) error {
	if d.n.Add(1) == 1 {
		return errors.New("the agent desk is down")
	}
	return nil
}

// Uploads, failed transfers, interactions and bot errors replay too.
func TestRecordAndReplayShop(t *testing.T) {
	e := newEnv(t, WithAgents(&flakyDesk{}), WithClock(func() time.Time { return time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC) }))
	var c CreateResponse
	e.do("POST", "/v1/interactions/remind_me/start", adminKey, map[string]any{
		"user": map[string]string{"name": "Bo"}, "params": map[string]string{"record_id": "7", "status": "open"},
	}).want(t, 201).decode(t, &c)
	e.say(c.ID, c.Token, "receipt")
	e.upload(c.ID, c.Token, "r.png", "image/png", []byte("\x89PNG\r\n\x1a\n")).want(t, 200)
	e.say(c.ID, c.Token, "agent")
	e.say(c.ID, c.Token, "agent")
	e.do("POST", "/v1/conversations/"+c.ID+"/events", c.Token, map[string]any{"type": "agent_done", "fields": map[string]string{"agent": "4711", "note": "all good"}}).want(t, 200)
	e.say(c.ID, c.Token, "bye")
	r := e.do("GET", "/v1/conversations/"+c.ID+"/transcript", adminKey, nil).want(t, 200)
	var conv ConversationResponse
	e.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &conv)
	fileID := conv.Variables["receipt"].(map[string]any)["id"].(string)
	abs, _ := filepath.Abs("testdata/bots/shop.yaml")
	stable := strings.NewReplacer(c.ID, "CONVERSATION", filepath.ToSlash(abs), "BOT", fileID, "FILE").Replace(string(r.body))
	golden(t, "replay_shop.transcript", []byte(stable))
	path := filepath.Join(t.TempDir(), "shop.transcript")
	if err := os.WriteFile(path, r.body, 0o644); err != nil {
		t.Fatal(err)
	}
	res := (&transcript.Runner{}).Run(path)
	if !res.Passed() {
		t.Errorf("the exported transcript does not pass:\n%v\n%v\n%s", res.Diags, res.Failures,
			transcript.Diff(res.Path, res.Expected, res.Actual, false))
	}
}
