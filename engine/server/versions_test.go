package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/integration"
	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/turn"
)

// signupV1 asks two questions; the versions after it change the flow
// around the second, at which the conversations under test wait.
const signupV1 = `botctl: 1
bot: {name: signup, welcome: signup}
variables: {name: "", phone: "", email: ""}
dialogs:
  signup:
    steps:
      - ask: "What is your name?"
        save: name
      - ask: "What is your email?"
        save: email
      - say: "Thanks ${vars.name}, we will write to ${vars.email}."
`

var signupV2 = map[string]string{
	// A question inserted before the one that waits.
	"inserted": `botctl: 1
bot: {name: signup, welcome: signup}
variables: {name: "", phone: "", email: ""}
dialogs:
  signup:
    steps:
      - ask: "What is your name?"
        save: name
      - ask: "What is your phone number?"
        save: phone
      - ask: "What is your email?"
        save: email
      - say: "v2: thanks ${vars.name}, we will call ${vars.phone}."
`,
	// The waiting question removed.
	"removed": `botctl: 1
bot: {name: signup, welcome: signup}
variables: {name: "", phone: "", email: ""}
dialogs:
  signup:
    steps:
      - ask: "What is your name?"
        save: name
      - say: "v2: thanks ${vars.name}."
`,
	// Its dialog renamed.
	"renamed": `botctl: 1
bot: {name: signup, welcome: register}
variables: {name: "", phone: "", email: ""}
dialogs:
  register:
    steps:
      - ask: "What is your name?"
        save: name
      - ask: "What is your email?"
        save: email
      - say: "v2: registered ${vars.name}."
`,
}

func writeBot(t *testing.T, src string) *Bot {
	t.Helper()
	path := filepath.Join(t.TempDir(), "signup.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return loadBot(t, path)
}

// versionStores are the stores a conversation outlives its server in: a
// store shared by two live servers (replicas, each on its own version)
// and, for the file store, one closed and opened again by a new server (a
// restart; the process-level SIGKILL test is in cmd/botctl).
func versionStores(t *testing.T) map[string]func(t *testing.T) (first, second func() store.Store) {
	return map[string]func(t *testing.T) (func() store.Store, func() store.Store){
		"memory replicas": func(t *testing.T) (func() store.Store, func() store.Store) {
			m := store.NewMemory()
			return func() store.Store { return m }, func() store.Store { return m }
		},
		"redis replicas": func(t *testing.T) (func() store.Store, func() store.Store) {
			open := redisReplicas(t)
			return open, open
		},
		"postgres replicas": func(t *testing.T) (func() store.Store, func() store.Store) {
			open := postgresReplicas(t)
			return open, open
		},
		"file restart": func(t *testing.T) (func() store.Store, func() store.Store) {
			path := filepath.Join(t.TempDir(), "botctl.db")
			var first store.Store
			return func() store.Store {
					st, err := store.OpenFile(path)
					if err != nil {
						t.Fatal(err)
					}
					first = st
					return st
				}, func() store.Store {
					if err := first.Close(); err != nil {
						t.Fatal(err)
					}
					st, err := store.OpenFile(path)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { st.Close() })
					return st
				}
		},
	}
}

// A conversation waiting at a question finishes on the version it started
// on, whatever the version the next server runs: the answer goes into the
// variable the question asked for, and the dialog ends as that version
// says. A new conversation follows the new version.
func TestConversationFinishesOnItsVersion(t *testing.T) {
	v1 := writeBot(t, signupV1)
	for storeName, stores := range versionStores(t) {
		for change, src := range signupV2 {
			t.Run(storeName+"/"+change, func(t *testing.T) {
				first, second := stores(t)
				a := newEnv(t, WithStore(first()), WithBots(v1))
				c := a.create(map[string]any{"bot": "signup"})
				if got := lines(a.say(c.ID, c.Token, "Ann").Messages); got != "< What is your email?\n" {
					t.Fatalf("v1: %q", got)
				}
				v2 := writeBot(t, src)
				b := newEnv(t, WithStore(second()), WithBots(v2))
				got := lines(b.say(c.ID, c.Token, "ann@x.example").Messages)
				if want := "< Thanks Ann, we will write to ann@x.example.\n"; got != want {
					t.Errorf("the v1 conversation on the v2 server: %q, want %q", got, want)
				}
				var conv ConversationResponse
				b.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &conv)
				if conv.Version != v1.Version || conv.Variables["email"] != "ann@x.example" || conv.Variables["phone"] != "" {
					t.Errorf("GET: version %.12s (v1 %.12s), variables %v", conv.Version, v1.Version, conv.Variables)
				}
				fresh := b.create(map[string]any{"bot": "signup"})
				b.say(fresh.ID, fresh.Token, "Bo")
				if change == "inserted" {
					if got := lines(b.say(fresh.ID, fresh.Token, "555").Messages); got != "< What is your email?\n" {
						t.Errorf("a new conversation on v2: %q", got)
					}
				}
				b.do("GET", "/v1/conversations/"+fresh.ID, adminKey, nil).want(t, 200).decode(t, &conv)
				if conv.Version != v2.Version {
					t.Errorf("a new conversation runs on %.12s, want v2 %.12s", conv.Version, v2.Version)
				}
			})
		}
	}
}

// With --on-new-version=migrate a conversation moves to the new version
// where its question is the same there, and stays where it is not.
func TestMigrateWhereTheStepIsTheSame(t *testing.T) {
	v1 := writeBot(t, signupV1)
	tests := []struct{ change, want string }{
		{"inserted", "< v2: thanks Ann, we will call .\n"}, // the email question is the same: v2 goes on after it
		{"removed", "< Thanks Ann, we will write to ann@x.example.\n"},
		{"renamed", "< Thanks Ann, we will write to ann@x.example.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.change, func(t *testing.T) {
			st := store.NewMemory()
			a := newEnv(t, WithStore(st), WithBots(v1))
			c := a.create(map[string]any{"bot": "signup"})
			a.say(c.ID, c.Token, "Ann")
			v2 := writeBot(t, signupV2[tt.change])
			b := newEnv(t, WithStore(st), WithBots(v2), WithOnNewVersion(Migrate))
			if got := lines(b.say(c.ID, c.Token, "ann@x.example").Messages); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			metrics := b.do("GET", "/metrics", adminKey, nil).want(t, 200).String()
			outcome := "migrated"
			if tt.change != "inserted" {
				outcome = "kept"
			}
			if !strings.Contains(metrics, `botctl_version_migrations_total{bot="signup",outcome="`+outcome+`"} 1`) {
				t.Errorf("no %s migration counted:\n%s", outcome, grepLines(metrics, "migrations"))
			}
		})
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Versions no conversation runs on any more are collected; the current one
// and those of conversations inside a dialog are kept.
func TestCollectVersions(t *testing.T) {
	st := store.NewMemory()
	v1 := writeBot(t, signupV1)
	a := newEnv(t, WithStore(st), WithBots(v1))
	waiting := a.create(map[string]any{"bot": "signup"})
	v2 := writeBot(t, signupV2["inserted"])
	b := newEnv(t, WithStore(st), WithBots(v2))
	if err := b.s.PublishVersions(context.Background()); err != nil {
		t.Fatal(err)
	}
	b.clock.Add(VersionGrace + time.Hour)
	if n, err := b.s.CollectVersions(context.Background()); err != nil || n != 0 {
		t.Fatalf("with a conversation waiting on v1: %d deleted, %v", n, err)
	}
	b.say(waiting.ID, adminKey, "Ann")           // the clock moved past the token's expiry
	b.say(waiting.ID, adminKey, "ann@x.example") // v1's dialog ends
	if n, err := b.s.CollectVersions(context.Background()); err != nil || n != 1 {
		t.Fatalf("after the last v1 conversation ended: %d deleted, %v; want 1", n, err)
	}
	list, err := st.ListVersions(context.Background(), "signup")
	if err != nil || len(list) != 1 || list[0].Hash != v2.Version {
		t.Errorf("versions left: %v, %v; want only v2", list, err)
	}
}

// Two replicas on one Redis, 50 concurrent turns on one conversation,
// each calling an integration: exactly 50 calls, each with its own
// Idempotency-Key, however the turns race.
func TestEffectsOnceAcrossReplicas(t *testing.T) {
	testEffectsOnceAcrossReplicas(t, redisReplicas(t))
}

func TestEffectsOnceAcrossReplicasOnPostgres(t *testing.T) {
	testEffectsOnceAcrossReplicas(t, postgresReplicas(t))
}

// testEffectsOnceAcrossReplicas runs turns that each make a call on two
// servers, each with its own store value from open on one database.
func testEffectsOnceAcrossReplicas(t *testing.T, open func() store.Store) {
	var calls atomic.Int32
	var mu sync.Mutex
	keys := map[string]int{}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		mu.Lock()
		keys[r.Header.Get("Idempotency-Key")]++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok": true}`)
	}))
	defer api.Close()
	bot := writeBot(t, `botctl: 1
bot: {name: payer, env: [API]}
variables: {n: 0}
integrations:
  pay: {method: POST, url: "${env.API}/pay", body: {n: "${vars.n}"}}
dialogs:
  pay:
    starters: ["pay*"]
    steps:
      - call: pay
      - set: {n: "vars.n + 1"}
      - say: "paid ${vars.n}"
`)
	client, err := integration.New(integration.WithLogger(quietLogger()), integration.WithLoopback(true))
	if err != nil {
		t.Fatal(err)
	}
	apiEnv := WithEnv(func(k string) (string, bool) { return api.URL, k == "API" })
	a := newEnv(t, WithStore(open()), WithBots(bot), WithCaller(client), apiEnv)
	b := newEnv(t, WithStore(open()), WithBots(bot), WithCaller(client), apiEnv)
	c := a.create(map[string]any{"bot": "payer"})
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			[]*env{a, b}[i%2].say(c.ID, c.Token, fmt.Sprintf("pay %d", i))
		}()
	}
	wg.Wait()
	if got := calls.Load(); got != n {
		t.Errorf("%d integration calls for %d turns", got, n)
	}
	if len(keys) != n {
		t.Errorf("%d distinct Idempotency-Keys for %d calls: %v", len(keys), n, keys)
	}
	for k, times := range keys {
		if k == "" || times != 1 {
			t.Errorf("Idempotency-Key %q sent %d times", k, times)
		}
	}
	var conv ConversationResponse
	a.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &conv)
	if conv.Variables["n"] != float64(n) {
		t.Errorf("vars.n = %v after %d turns", conv.Variables["n"], n)
	}
}

// stallingCaller holds every call until release is closed, as a server
// that stops in the middle of a call would.
type stallingCaller struct {
	started chan struct{}
	release chan struct{}
	calls   atomic.Int32
}

func (c *stallingCaller) Call(ctx context.Context, req *turn.Request) turn.CallResult {
	c.calls.Add(1)
	close(c.started)
	<-c.release
	return turn.CallResult{Status: 200, Body: map[string]any{}}
}

// A server that stops between performing a call and storing its result
// leaves the call's outcome unknown. The next server does not call again:
// the conversation gets call_outcome_unknown, which the bot routes. The
// client's retry of its request gets that outcome; any other next message
// gets it before its own answer.
func TestCallOutcomeUnknownAfterACrash(t *testing.T) {
	for _, retry := range []bool{true, false} {
		t.Run(fmt.Sprintf("retry=%v", retry), func(t *testing.T) { testOutcomeUnknown(t, retry) })
	}
}

func testOutcomeUnknown(t *testing.T, retry bool) {
	bot := writeBot(t, `botctl: 1
bot: {name: payer}
integrations:
  pay: {method: POST, url: "https://pay.example/pay"}
dialogs:
  pay:
    starters: ["pay"]
    steps:
      - call: pay
      - say: "paid"
  unknown:
    starters: [{event: call_outcome_unknown}]
    steps:
      - say: "We could not confirm the payment (${result.error}); please check your statement before paying again."
`)
	st := store.NewMemory()
	crashed := &stallingCaller{started: make(chan struct{}), release: make(chan struct{})}
	a := newEnv(t, WithStore(st), WithBots(bot), WithCaller(crashed))
	c := a.create(map[string]any{"bot": "payer"})
	done := make(chan response)
	pay := map[string]string{"text": "pay"}
	go func() {
		done <- a.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, pay, "Idempotency-Key", "pay-1")
	}()
	<-crashed.started

	next := &stallingCaller{started: make(chan struct{}), release: make(chan struct{})}
	b := newEnv(t, WithStore(st), WithBots(bot), WithCaller(next))
	b.clock.Add(2 * time.Minute) // past the lease of a's turn
	unknown := "< We could not confirm the payment (call_outcome_unknown); please check your statement before paying again.\n"
	fallback := "< Sorry, I didn't understand that. Could you say it another way?\n"
	if retry {
		var retried TurnResponse
		b.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, pay, "Idempotency-Key", "pay-1").want(t, 200).decode(t, &retried)
		if got := lines(retried.Messages); got != unknown {
			t.Errorf("the retried request: %q, want %q", got, unknown)
		}
		if got := lines(b.say(c.ID, c.Token, "hello?").Messages); got != fallback {
			t.Errorf("the next message: %q, want %q", got, fallback)
		}
	} else if got := lines(b.say(c.ID, c.Token, "hello?").Messages); got != unknown+fallback {
		t.Errorf("the next message: %q, want %q", got, unknown+fallback)
	}
	if n := next.calls.Load(); n != 0 {
		t.Errorf("the next server called the integration %d times; it must not call again", n)
	}
	var conv ConversationResponse
	b.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &conv)
	if n := strings.Count(lines(conv.Messages), "> pay\n"); n != 1 {
		t.Errorf("the message is in the log %d times:\n%s", n, lines(conv.Messages))
	}
	close(crashed.release)
	if r := <-done; r.status != http.StatusConflict {
		t.Errorf("the crashed turn, when it comes back: %d %s, want 409", r.status, r.body)
	}
	metrics := b.do("GET", "/metrics", adminKey, nil).want(t, 200).String()
	if !strings.Contains(metrics, `botctl_effects_outcome_unknown_total{bot="payer",effect="call"} 1`) {
		t.Errorf("no unknown outcome counted:\n%s", grepLines(metrics, "unknown"))
	}
}

// A version stored long ago that a replica still runs is not collected
// by a replica on a newer version (a rolling deploy, as the new replica
// starts and collects): a conversation that replica starts on it and
// answers on the new one finishes on it.
func TestCollectVersionsKeepsOneAReplicaRuns(t *testing.T) {
	clk := &clock{t: time.Now()}
	st := store.NewMemory(store.WithClock(clk.Now))
	v1 := writeBot(t, signupV1)
	a := newEnv(t, WithStore(st), WithBots(v1), WithClock(clk.Now))
	if err := a.s.PublishVersions(context.Background()); err != nil {
		t.Fatal(err)
	}
	clk.Add(VersionGrace + time.Hour) // v1 has served for more than a day
	done := a.create(map[string]any{"bot": "signup"})
	a.say(done.ID, done.Token, "Bo")
	a.say(done.ID, done.Token, "bo@x.example") // at rest, on v1

	b := newEnv(t, WithStore(st), WithBots(writeBot(t, signupV2["removed"])), WithClock(clk.Now))
	if err := b.s.PublishVersions(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, err := b.s.CollectVersions(context.Background()); err != nil || n != 0 {
		t.Errorf("with a replica serving v1: %d deleted, %v; want none", n, err)
	}
	c := a.create(map[string]any{"bot": "signup"})
	a.say(c.ID, adminKey, "Ann")
	if got, want := lines(b.say(c.ID, adminKey, "ann@x.example").Messages), "< Thanks Ann, we will write to ann@x.example.\n"; got != want {
		t.Errorf("a v1 conversation answered on v2: %q, want %q", got, want)
	}
}

// A replica that still runs a version another one collected (no
// conversation had a turn on it for a day) stores it again before the
// conversations it starts on it need it elsewhere.
func TestCollectedVersionStoredAgain(t *testing.T) {
	clk := &clock{t: time.Now()}
	st := store.NewMemory(store.WithClock(clk.Now))
	v1 := writeBot(t, signupV1)
	a := newEnv(t, WithStore(st), WithBots(v1), WithClock(clk.Now))
	if err := a.s.PublishVersions(context.Background()); err != nil {
		t.Fatal(err)
	}
	clk.Add(VersionGrace + time.Hour) // nobody talked to v1 for a day
	b := newEnv(t, WithStore(st), WithBots(writeBot(t, signupV2["removed"])), WithClock(clk.Now))
	if n, err := b.s.CollectVersions(context.Background()); err != nil || n != 1 {
		t.Fatalf("collecting the idle v1: %d deleted, %v; want 1", n, err)
	}
	c := a.create(map[string]any{"bot": "signup"})
	a.say(c.ID, adminKey, "Ann")
	if got, want := lines(b.say(c.ID, adminKey, "ann@x.example").Messages), "< Thanks Ann, we will write to ann@x.example.\n"; got != want {
		t.Errorf("a v1 conversation answered on v2: %q, want %q", got, want)
	}
}

// A conversation moved to a new version — at rest, or migrated at its
// question — has the variables that version adds, at their initial values.
func TestMovedConversationHasTheNewVariables(t *testing.T) {
	v2 := `botctl: 1
bot: {name: signup, welcome: signup}
variables: {name: "", phone: "", email: "", visits: 1}
dialogs:
  signup:
    steps:
      - ask: "What is your name?"
        save: name
      - ask: "What is your email?"
        save: email
      - set: {visits: "vars.visits + 1"}
      - say: "v2: thanks ${vars.name}, visit ${vars.visits}."
  again:
    starters: ["again"]
    steps:
      - set: {visits: "vars.visits + 1"}
      - say: "visit ${vars.visits}"
`
	for _, tt := range []struct{ name, first, text, want string }{
		{"at rest", "ann@x.example", "again", "< visit 2\n"},
		{"migrated", "", "ann@x.example", "< v2: thanks Ann, visit 2.\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := store.NewMemory()
			a := newEnv(t, WithStore(st), WithBots(writeBot(t, signupV1)))
			c := a.create(map[string]any{"bot": "signup"})
			a.say(c.ID, c.Token, "Ann")
			if tt.first != "" {
				a.say(c.ID, c.Token, tt.first)
			}
			b := newEnv(t, WithStore(st), WithBots(writeBot(t, v2)), WithOnNewVersion(Migrate))
			if got := lines(b.say(c.ID, c.Token, tt.text).Messages); got != tt.want {
				t.Errorf("on v2: %q, want %q", got, tt.want)
			}
		})
	}
}

// A version whose stored source does not compile back to it is an error
// that says so, not a bot run from whatever the store holds.
func TestDamagedStoredVersion(t *testing.T) {
	st := store.NewMemory()
	if err := st.PutVersion(context.Background(), store.BotVersion{Bot: "signup", Hash: "abc123",
		Files: []store.SourceFile{{Name: "signup.yaml", Src: []byte(signupV1)}}}); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, WithStore(st), WithBots(writeBot(t, signupV1)))
	b, err := e.s.version(context.Background(), "signup", "abc123")
	if b != nil || err == nil || !strings.Contains(err.Error(), "cannot be loaded (it compiles to another version)") {
		t.Errorf("version = %v, %v; want the damaged copy refused", b, err)
	}
}
