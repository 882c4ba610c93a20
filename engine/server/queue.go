package server

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sync"
)

// queues runs the messages of send in the background, one worker per
// conversation with queued messages, in the order they were sent. The
// turns of complete and events on a conversation with queued messages
// join its queue too (after), so that no turn overtakes a message sent
// before it.
type queues struct {
	mu       sync.Mutex
	m        map[string]*queue
	inflight map[string]inflightSend // conversation + "\x00" + scoped idempotency key
	wg       sync.WaitGroup
	draining bool
}

type queue struct {
	jobs []func()
}

// inflightSend is a queued send with an Idempotency-Key whose turn has not
// run yet.
type inflightSend struct {
	fp   string // the fingerprint of its input
	body []byte // its 202 answer
}

// enqueue queues fn for conversation id and returns the body of the 202
// answer. A key already queued gets the body it got then (replayed).
func (q *queues) enqueue(id string, k idem, resp SendResponse, limit int, fn func()) (body []byte, replayed bool, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.draining {
		return nil, false, errorf(CodeStoreUnavailable, "the server is shutting down; send the message again")
	}
	if q.m == nil {
		q.m = map[string]*queue{}
		q.inflight = map[string]inflightSend{}
	}
	ik := id + "\x00" + k.id
	if k.id != "" {
		if in, ok := q.inflight[ik]; ok {
			if in.fp != k.fp {
				return nil, false, k.mismatch()
			}
			return in.body, true, nil
		}
	}
	body, err = json.Marshal(resp)
	if err != nil {
		return nil, false, err
	}
	qu := q.m[id]
	if qu != nil && len(qu.jobs) >= limit {
		return nil, false, errorf(CodeTooManyRequests, "%d messages are already waiting for this conversation; wait for the bot's answers", limit)
	}
	if k.id != "" {
		q.inflight[ik] = inflightSend{fp: k.fp, body: body}
	}
	job := func() {
		fn()
		if k.id != "" {
			q.mu.Lock()
			delete(q.inflight, ik)
			q.mu.Unlock()
		}
	}
	if qu != nil {
		qu.jobs = append(qu.jobs, job)
		return body, false, nil
	}
	qu = &queue{jobs: []func(){job}}
	q.m[id] = qu
	q.wg.Add(1)
	go q.work(id, qu)
	return body, false, nil
}

// after runs fn once the messages queued for conversation id have run, and
// returns its error: with messages queued, fn joins the end of the queue
// and this waits for it; with none, fn runs at once.
func (q *queues) after(id string, fn func() error) error {
	q.mu.Lock()
	qu := q.m[id]
	if qu == nil {
		q.mu.Unlock()
		return fn()
	}
	done := make(chan error, 1)
	qu.jobs = append(qu.jobs, func() { done <- safely(fn) })
	q.mu.Unlock()
	return <-done
}

// safely runs fn, turning a panic into an error (a queued turn runs on the
// queue's goroutine, where a panic would end the process).
func safely(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
		}
	}()
	return fn()
}

// work runs the jobs of one conversation until its queue is empty.
func (q *queues) work(id string, qu *queue) {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		if len(qu.jobs) == 0 {
			delete(q.m, id)
			q.mu.Unlock()
			return
		}
		job := qu.jobs[0]
		qu.jobs = qu.jobs[1:]
		q.mu.Unlock()
		job()
	}
}

// drain stops taking messages and waits until the queued ones have run, or
// ctx ends.
func (q *queues) drain(ctx context.Context) error {
	q.mu.Lock()
	q.draining = true
	q.mu.Unlock()
	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Drain waits for the messages queued by send to be answered and stored,
// and refuses new ones; call it after http.Server.Shutdown.
func (s *Server) Drain(ctx context.Context) error { return s.queues.drain(ctx) }
