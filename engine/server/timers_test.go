package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/store/pgtest"
	"github.com/botctl/botctl/engine/store/redistest"
	"github.com/botctl/botctl/engine/transcript"
)

const idleBot = `botctl: 1
bot: {name: idle, welcome: hello, inactivity: [2m, 10m]}
variables: {day: ""}
dialogs:
  hello:
    steps:
      - ask: "Which day?"
        save: day
      - say: "Booked for ${vars.day}."
      - schedule: {after: 1d, dialog: reminder}
  reminder:
    steps: [{say: "Reminder: ${vars.day}."}]
  nudge:
    starters: [{event: inactive}]
    steps:
      - branch: [{when: 'event.after == "10m"', goto: bye}]
      - say: "Still there?"
      - end
      - id: bye
        say: "Closing."
      - close
`

// A served conversation's timers fire once, from the store's index, and
// their messages reach receive and the transcript export, which replays.
func TestServedTimersFireOnce(t *testing.T) {
	for name, open := range adminStores() {
		t.Run(name, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
			var evs events
			e := newEnv(t, WithStore(open(t, c.Now)), WithBots(writeBot(t, idleBot)), WithClock(c.Now), WithOnEvent(evs.add))
			e.clock = c
			conv := e.create(map[string]any{"bot": "idle"})
			ctx := context.Background()
			fire := func(want int) {
				t.Helper()
				n, err := e.s.FireTimers(ctx)
				if err != nil || n != want {
					t.Fatalf("FireTimers = %d, %v; want %d", n, err, want)
				}
			}
			fire(0)
			c.Add(2*time.Minute + 300*time.Millisecond)
			fire(1)
			fire(0) // once per limit
			r := e.do("POST", "/v1/conversations/"+conv.ID+"/receive", conv.Token, map[string]any{"after": 0}).want(t, 200)
			if !strings.Contains(r.String(), "Still there?") {
				t.Fatalf("receive lacks the nudge:\n%s", r)
			}
			// The question still waits: the answer is taken.
			c.Add(30 * time.Second)
			if got := lines(e.say(conv.ID, conv.Token, "Monday").Messages); got != "< Booked for Monday.\n" {
				t.Errorf("the answer after the nudge:\n%s", got)
			}
			var mid ConversationResponse
			e.do("GET", "/v1/conversations/"+conv.ID, adminKey, nil).want(t, 200).decode(t, &mid)
			if len(mid.Scheduled) != 1 || mid.Scheduled[0].Dialog != "reminder" || !mid.Scheduled[0].Due.Equal(c.Now().Add(24*time.Hour)) ||
				mid.DueAt == nil || !mid.DueAt.Equal(c.Now().Add(2*time.Minute)) {
				t.Errorf("GET shows scheduled %+v, due_at %v", mid.Scheduled, mid.DueAt)
			}
			c.Add(5 * time.Minute)
			fire(1) // the 2m nudge of the new silence
			c.Add(24 * time.Hour)
			fire(1) // the 10m limit closes it; the schedule never fires
			fire(0)
			var got ConversationResponse
			e.do("GET", "/v1/conversations/"+conv.ID, adminKey, nil).want(t, 200).decode(t, &got)
			if got.Owner != "closed" {
				t.Errorf("owner %s, want closed", got.Owner)
			}
			if rec, err := e.s.Store().Get(ctx, conv.ID); err != nil || !rec.Due.IsZero() {
				t.Errorf("the store still has a timer due: %v, %v", rec.Due, err)
			}

			// The export replays the timers with >> wait lines.
			x := e.do("GET", "/v1/conversations/"+conv.ID+"/transcript", adminKey, nil).want(t, 200)
			for _, want := range []string{"\n>> wait 2m1s\n< Still there?\n", "\n>> wait 29s\n> Monday\n", "\n< Closing.\n<< close\n"} {
				if !strings.Contains(x.String(), want) {
					t.Errorf("the export lacks %q:\n%s", want, x)
				}
			}
			path := filepath.Join(t.TempDir(), "idle.transcript")
			if err := os.WriteFile(path, x.body, 0o644); err != nil {
				t.Fatal(err)
			}
			if res := (&transcript.Runner{}).Run(path); !res.Passed() {
				t.Errorf("the exported transcript does not pass:\n%v\n%v\n%s", res.Diags, res.Failures,
					transcript.Diff(res.Path, res.Expected, res.Actual, false))
			}
		})
	}
}

// sharedStores open, for each store several servers can share, two
// handles on the same data, as two replicas have.
func sharedStores() map[string]func(t *testing.T, now func() time.Time) (store.Store, store.Store) {
	return map[string]func(*testing.T, func() time.Time) (store.Store, store.Store){
		"memory": func(t *testing.T, now func() time.Time) (store.Store, store.Store) {
			m := store.NewMemory(store.WithClock(now))
			return m, m
		},
		"redis": func(t *testing.T, now func() time.Time) (store.Store, store.Store) {
			srv := redistest.Start(t)
			open := func() store.Store {
				st, err := store.OpenRedis(srv.URL(0), store.WithClock(now))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
			return open(), open()
		},
		"postgres": func(t *testing.T, now func() time.Time) (store.Store, store.Store) {
			srv := pgtest.Start(t)
			url := srv.NewDatabase(t)
			open := func() store.Store {
				st, err := store.OpenPostgres(url, store.WithClock(now))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
			return open(), open()
		},
	}
}

// Two servers on one store: each timer fires once between them.
func TestTimersFireOnceAcrossServers(t *testing.T) {
	for name, open := range sharedStores() {
		t.Run(name, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
			st1, st2 := open(t, c.Now)
			bot := writeBot(t, idleBot)
			a := newEnv(t, WithStore(st1), WithBots(bot), WithClock(c.Now))
			b := newEnv(t, WithStore(st2), WithBots(bot), WithClock(c.Now))
			var convs []CreateResponse
			for range 20 {
				convs = append(convs, a.create(map[string]any{"bot": "idle"}))
			}
			c.Add(3 * time.Minute)
			done := make(chan int, 2)
			for _, e := range []*env{a, b} {
				go func() {
					n, err := e.s.FireTimers(context.Background())
					if err != nil {
						t.Error(err)
					}
					done <- n
				}()
			}
			if n := <-done + <-done; n != len(convs) {
				t.Errorf("the two servers fired %d timers, want %d", n, len(convs))
			}
			for _, cv := range convs {
				r := b.do("POST", "/v1/conversations/"+cv.ID+"/receive", cv.Token, map[string]any{"after": 0}).want(t, 200)
				if n := strings.Count(r.String(), "Still there?"); n != 1 {
					t.Errorf("%s got the nudge %d times", cv.ID, n)
				}
			}
		})
	}
}
