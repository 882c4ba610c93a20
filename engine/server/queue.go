package server

import (
	"context"
	"encoding/json"
	"sync"
)

// queues runs the messages of send in the background, one worker per
// conversation with queued messages, in the order they were sent.
type queues struct {
	mu       sync.Mutex
	m        map[string]*queue
	inflight map[string][]byte // conversation + "\x00" + idempotency key -> the 202 body
	wg       sync.WaitGroup
	draining bool
}

type queue struct {
	jobs []func()
}

// enqueue queues fn for conversation id and returns the body of the 202
// answer. A key already queued gets the body it got then.
func (q *queues) enqueue(id, key string, resp SendResponse, limit int, fn func(SendResponse)) ([]byte, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.draining {
		return nil, errorf(CodeStoreUnavailable, "the server is shutting down; send the message again")
	}
	if q.m == nil {
		q.m = map[string]*queue{}
		q.inflight = map[string][]byte{}
	}
	ik := id + "\x00" + key
	if key != "" {
		if body, ok := q.inflight[ik]; ok {
			return body, nil
		}
	}
	body, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	qu := q.m[id]
	if qu != nil && len(qu.jobs) >= limit {
		return nil, errorf(CodeTooManyRequests, "%d messages are already waiting for this conversation; wait for the bot's answers", limit)
	}
	if key != "" {
		q.inflight[ik] = body
	}
	job := func() {
		fn(resp)
		if key != "" {
			q.mu.Lock()
			delete(q.inflight, ik)
			q.mu.Unlock()
		}
	}
	if qu != nil {
		qu.jobs = append(qu.jobs, job)
		return body, nil
	}
	qu = &queue{jobs: []func(){job}}
	q.m[id] = qu
	q.wg.Add(1)
	go q.work(id, qu)
	return body, nil
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
