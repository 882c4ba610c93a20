package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/botctl/botctl/engine/store"
)

// DrainRetryAfter is the Retry-After, in seconds, of the work a draining
// server refuses: by then a load balancer has usually moved the client to
// another replica.
const DrainRetryAfter = 1

// newWork names the routes that start work a draining server refuses: a
// conversation, a turn, an interaction. Reads, tokens and erasure go on
// being served while the process lives.
var newWork = map[string]bool{"create": true, "complete": true, "send": true, "events": true, "start": true}

// BeginDrain tells the server it is about to stop: /readyz answers 503
// draining from now on, so that load balancers take the replica out; new
// conversations, turns and interaction starts are refused with 503
// draining and a Retry-After; the receives waiting for messages answer now
// (StopWaiting), and a receive that would wait is refused too. Requests
// already running, their turns included, go on to their end. The HTTP
// server keeps listening: stop it later with http.Server.Shutdown, then
// Drain. BeginDrain is safe to call more than once and cannot be undone.
func (s *Server) BeginDrain() {
	s.draining.Store(true)
	s.StopWaiting()
}

// Draining reports whether BeginDrain was called.
func (s *Server) Draining() bool { return s.draining.Load() }

// errDraining refuses new work while draining, telling the client when to
// try again (on another replica, through the load balancer).
func errDraining(w http.ResponseWriter) error {
	w.Header().Set("Retry-After", strconv.Itoa(DrainRetryAfter))
	return errorf(CodeDraining, "the server is shutting down; retry the request (another replica will take it)")
}

// healthz is liveness: the process answers HTTP. It asks nothing of the
// store, so that an orchestrator does not restart every replica while the
// store is down (which restarting cannot fix); it answers 200 while
// draining too, so that the drain is not cut short.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request, _ principal) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz is readiness: 200 while the server takes new work and its store
// answers its Ping, 503 draining once BeginDrain was called, 503
// store_unavailable while the store does not answer.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ principal) error {
	if s.draining.Load() {
		return errDraining(w)
	}
	if p, ok := s.store.(store.Pinger); ok {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := p.Ping(ctx); err != nil {
			return storeError("ping", err)
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}
