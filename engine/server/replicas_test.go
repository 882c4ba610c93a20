package server

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/store/pgtest"
	"github.com/botctl/botctl/engine/store/redistest"
)

var fileID = regexp.MustCompile(`f_[0-9a-f]{32}`)

var replicaClock = time.Date(2025, 6, 2, 11, 0, 0, 0, time.UTC)

// script is a conversation that visits every kind of turn: questions,
// integration calls, a transfer, an event, an upload.
func runScript(t *testing.T, replicas []*env) string {
	t.Helper()
	at := func(i int) *env { return replicas[i%len(replicas)] }
	c := at(0).create(nil)
	i := 1
	for _, text := range []string{"order", "1", "123", "receipt"} {
		at(i).say(c.ID, c.Token, text)
		i++
	}
	at(i).upload(c.ID, c.Token, "r.pdf", "application/pdf", []byte("%PDF-")).want(t, 200)
	i++
	at(i).say(c.ID, c.Token, "agent")
	i++
	at(i).say(c.ID, c.Token, "still there?")
	i++
	at(i).do("POST", "/v1/conversations/"+c.ID+"/events", c.Token, `{"type": "agent_done"}`).want(t, 200)
	i++
	at(i).say(c.ID, c.Token, "billing invoice")
	i++
	at(i).say(c.ID, c.Token, "thanks")
	i++
	r := at(i).do("GET", "/v1/conversations/"+c.ID+"/transcript", adminKey, nil).want(t, 200)
	return fileID.ReplaceAllString(strings.ReplaceAll(string(r.body), c.ID, "ID"), "FILE")
}

// testReplicas checks that one conversation alternating between two
// servers on one store, turn by turn, gives the same transcript as on one
// server, and that 50 concurrent completes split between the two are each
// applied once.
func testReplicas(t *testing.T, open func(t *testing.T) store.Store) {
	clock := WithClock(func() time.Time { return replicaClock })
	single := runScript(t, []*env{newEnv(t, WithStore(open(t)), clock)})
	shared := open(t)
	a, b := newEnv(t, WithStore(shared), clock), newEnv(t, WithStore(shared), clock)
	alternating := runScript(t, []*env{a, b})
	if alternating != single {
		t.Errorf("alternating between replicas:\n%s\none server:\n%s", alternating, single)
	}
	if !strings.Contains(single, "<< transfer to=bot bot=billing") || !strings.Contains(single, ">> upload name=r.pdf") {
		t.Errorf("the script did not run as meant:\n%s", single)
	}

	c := a.create(nil)
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			[]*env{a, b}[i%2].say(c.ID, c.Token, fmt.Sprintf("message %d", i))
		}()
	}
	wg.Wait()
	checkAppliedOnce(t, b, c.ID, n)
}

func TestReplicasOnOneMemoryStore(t *testing.T) {
	testReplicas(t, func(*testing.T) store.Store { return store.NewMemory() })
}

func TestReplicasOnRedis(t *testing.T) {
	srv := redistest.Start(t)
	db := 0
	testReplicas(t, func(t *testing.T) store.Store {
		st, err := store.OpenRedis(srv.URL(db))
		if err != nil {
			t.Fatal(err)
		}
		db++
		t.Cleanup(func() { st.Close() })
		return st
	})
}

func TestReplicasOnPostgres(t *testing.T) {
	srv := pgtest.Start(t)
	testReplicas(t, func(t *testing.T) store.Store {
		st, err := store.OpenPostgres(srv.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

// redisReplicas starts a Redis server and returns a function that opens
// a new store on its database 0 each time: one per replica.
func redisReplicas(t *testing.T) func() store.Store {
	srv := redistest.Start(t)
	return func() store.Store {
		st, err := store.OpenRedis(srv.URL(0))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
}

// postgresReplicas is redisReplicas for PostgreSQL: a new store (its own
// pool) on one database each time.
func postgresReplicas(t *testing.T) func() store.Store {
	url := pgtest.Start(t).NewDatabase(t)
	return func() store.Store {
		st, err := store.OpenPostgres(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
}

// With Redis down, calls answer 503 store_unavailable, and work again once
// it is back.
func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	store.LogRedisTo(quietLogger())
	st, err := store.OpenRedis(srv.URL(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newEnv(t, WithStore(st))
	c := e.create(nil)
	srv.Stop()
	for _, r := range []response{
		e.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, `{"text": "hi"}`),
		e.do("POST", "/v1/conversations", adminKey, `{"bot": "shop"}`),
		e.do("GET", "/readyz", "", nil),
	} {
		if r.status != 503 || r.errorCode(t) != CodeStoreUnavailable {
			t.Errorf("with Redis down: %d %s", r.status, r.body)
		}
	}
	srv.Restart() // empty: the conversation is gone, new ones work
	r := e.do("POST", "/v1/conversations/"+c.ID+"/complete", c.Token, `{"text": "hi"}`)
	if r.status != 404 {
		t.Errorf("after the restart: %d %s", r.status, r.body)
	}
	e.create(nil)
}
