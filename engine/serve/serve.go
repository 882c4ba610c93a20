// Package serve is `botctl serve`: it hosts bots over HTTP with everything
// around the API of engine/server — the store, keys and token secret, the
// integration client or a mock file, webhooks, the web chat, reloads of
// edited bots, the profiler — and stops gracefully.
//
//	err := serve.Run(ctx, serve.Config{Paths: []string{"dialogs/"}, Addr: "127.0.0.1:8080",
//		Store: "memory", TokenTTL: server.DefaultTokenTTL, OnNewVersion: server.Finish,
//		DrainTimeout: serve.DefaultDrainTimeout, ShutdownTimeout: 30 * time.Second})
//
// Run returns when ctx is cancelled (after the drain, and once the turns
// under way have finished or ShutdownTimeout has passed) or when the
// server fails.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/server"
	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/webhook"
)

// DefaultDrainTimeout is the drain of `botctl serve`: long enough for a
// readiness probe every 2 seconds (docs/deploy) to see the 503, and for a
// Kubernetes Service or load balancer to take the replica out of its
// endpoints, which takes a few seconds after the pod is marked terminating.
const DefaultDrainTimeout = 5 * time.Second

// Config is what serve is told: the flags of `botctl serve` and what it
// reads from the environment.
type Config struct {
	// Paths are bots (a YAML file, or a directory of them) or directories
	// of bots (one per subdirectory with YAML files).
	Paths []string
	// Addr is the HOST:PORT to listen on.
	Addr string
	// Store is where conversations are kept: memory, file:PATH,
	// redis://HOST:PORT/DB or postgres://USER:PASSWORD@HOST:PORT/DATABASE
	// (store.Open).
	Store string
	// Retention erases a conversation nobody wrote to for this long, with
	// its uploads (0: keeps them forever). Redis also expires its keys
	// after it.
	Retention time.Duration
	// Uploads is the directory uploaded files are kept in ("": next to a
	// file store, in memory otherwise).
	Uploads string

	// APIKeys are the admin keys. Without any, Addr must be loopback.
	APIKeys []string
	// TokenSecret signs conversation tokens and start links (the value of
	// BOTCTL_TOKEN_SECRET); "" reads TokenSecretFile, or the secret next
	// to a file store (made there if missing), or makes one for a memory
	// store.
	TokenSecret     string
	TokenSecretFile string
	// TokenTTL is how long a conversation token is valid; it must be
	// positive (server.DefaultTokenTTL is the usual value).
	TokenTTL time.Duration

	// Webhook is a URL conversation events are posted to, signed with
	// WebhookSecret, which it then needs.
	Webhook       string
	WebhookSecret string

	// Watch reloads bots when their files change.
	Watch bool
	// Web serves the chat page at /chat/BOT and /widget.js.
	Web bool
	// Pprof serves Go's profiler at /debug/pprof/, to admins.
	Pprof bool

	// Mock answers integration calls from this mock file instead of
	// calling the services.
	Mock string
	// AllowHosts limits integration calls to these hosts, addresses or
	// CIDRs (and lets them reach these even if private).
	AllowHosts []string
	// AllowPrivateNetworks lets integration calls reach loopback, private
	// and link-local addresses.
	AllowPrivateNetworks bool
	// MaxResponseSize is the largest integration response body accepted
	// (0: the integration client's default).
	MaxResponseSize int64

	// OnNewVersion is what a conversation inside a dialog does when its
	// bot has a newer version: server.Finish or server.Migrate.
	OnNewVersion server.Policy
	// DrainTimeout is how long the server keeps listening once ctx is
	// cancelled, answering /readyz with 503 and refusing new work, so that
	// load balancers stop sending it requests before it stops listening
	// (0: no drain; DefaultDrainTimeout is the usual value).
	DrainTimeout time.Duration
	// ShutdownTimeout bounds the wait for the turns under way once the
	// server has stopped listening, after the drain (0: no wait).
	ShutdownTimeout time.Duration

	// Logger gets the server's log, the "listening" line with the URL
	// among it (nil: text on standard error).
	Logger *slog.Logger
	// Getenv reads the env and secrets the bots declare (nil: none is set).
	Getenv func(string) string
}

// Run serves the bots of cfg until ctx is cancelled, then shuts down
// gracefully. Bots that do not compile give an *engine.LoadError; a wrong
// setting an *engine.ConfigError.
func Run(ctx context.Context, cfg Config) error {
	cfg.defaults()
	if err := cfg.check(); err != nil {
		return err
	}
	bots, err := loadBots(cfg.Paths)
	if err != nil {
		return err
	}
	if len(cfg.APIKeys) == 0 && !loopback(cfg.Addr) {
		return fmt.Errorf("refusing to listen on %s without an API key: anyone who can reach it could read every conversation; set BOTCTL_API_KEY (or --api-key), or listen on 127.0.0.1", cfg.Addr)
	}
	secret, secretFrom, err := tokenSecret(cfg.TokenSecret, cfg.TokenSecretFile, cfg.Store, true)
	if err != nil {
		return err
	}
	if cfg.Webhook != "" && cfg.WebhookSecret == "" {
		return errors.New("--webhook needs a secret to sign with, which receivers verify: set BOTCTL_WEBHOOK_SECRET (or --webhook-secret)")
	}
	keys, keysFrom, err := dataKeys(cfg, bots)
	if err != nil {
		return err
	}
	store.LogRedisTo(cfg.Logger)
	st, err := store.Open(cfg.Store, store.WithTTL(cfg.Retention))
	if err != nil {
		return err
	}
	defer st.Close()
	h, err := newHost(cfg, bots, st, secret, keys)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	return h.serve(ctx, ln, secretFrom, keysFrom)
}

// defaults fills in what has a natural default; the rest is the caller's
// to say, as a command line always does.
func (cfg *Config) defaults() {
	if cfg.Getenv == nil {
		cfg.Getenv = func(string) string { return "" }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
}

// check refuses the settings that are wrong whatever the bots.
func (cfg *Config) check() error {
	if _, err := server.ParsePolicy(string(cfg.OnNewVersion)); err != nil {
		return &engine.ConfigError{Err: err}
	}
	if cfg.Webhook != "" {
		if err := webhook.CheckURL(cfg.Webhook); err != nil {
			return &engine.ConfigError{Err: err}
		}
	}
	return nil
}

// loopback reports whether addr listens on a loopback address only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serve answers requests on ln until ctx is cancelled or serving fails,
// then shuts down.
func (h *host) serve(ctx context.Context, ln net.Listener, secretFrom, keysFrom string) error {
	cfg, log := h.cfg, h.cfg.Logger
	hs := &http.Server{
		Handler:           h.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // an upload is 5MB at most
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(h.srv.StopWaiting)
	if err := h.srv.PublishVersions(ctx); err != nil {
		ln.Close()
		return err
	}
	go h.srv.CollectVersionsEvery(ctx, time.Hour)
	go h.srv.FireTimersEvery(ctx, server.TimerPoll)
	go h.srv.SweepEvery(ctx, cfg.Retention, server.SweepInterval(cfg.Retention))
	if cfg.Watch {
		watch(ctx, h.srv.Bots(), h.bots, func(b *server.Bot) error { return needsKey(cfg, h.keys, b) }, log)
	}
	log.Info("listening", "url", "http://"+ln.Addr().String(), "bots", strings.Join(h.names(), ","),
		"store", store.Redact(cfg.Store), "api_keys", len(cfg.APIKeys), "token_secret", secretFrom, "data_keys", keysFrom, "retention", retention(cfg.Retention), "watch", cfg.Watch, "web", cfg.Web)

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	if err := h.drain(hs, served); err != nil {
		return err
	}
	return h.shutdown(hs)
}

// drain keeps serving for DrainTimeout while /readyz answers 503 and new
// work is refused (server.BeginDrain), so that the load balancers see the
// replica go and send their requests elsewhere while it still answers
// the ones they sent meanwhile. Keep-alives end, so that clients open
// their next connection through the load balancer, to another replica.
func (h *host) drain(hs *http.Server, served <-chan error) error {
	h.srv.BeginDrain()
	hs.SetKeepAlivesEnabled(false)
	if h.cfg.DrainTimeout <= 0 {
		return nil
	}
	h.cfg.Logger.Info("draining: /readyz answers 503 and new work is refused; the turns under way go on", "drain_timeout", h.cfg.DrainTimeout)
	t := time.NewTimer(h.cfg.DrainTimeout)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case err := <-served:
		return err
	}
}

// retention is how the log shows a retention.
func retention(d time.Duration) string {
	if d <= 0 {
		return "forever"
	}
	return d.String()
}

// shutdown stops listening, finishes the turns under way, flushes the
// webhooks and closes the store, within ShutdownTimeout.
func (h *host) shutdown(hs *http.Server) error {
	log := h.cfg.Logger
	log.Info("shutting down: closing the listener, finishing the turns under way", "timeout", h.cfg.ShutdownTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), h.cfg.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(ctx)
	if derr := h.srv.Drain(ctx); err == nil {
		err = derr
	}
	if h.hooks != nil {
		if herr := h.hooks.Close(ctx); err == nil {
			err = herr
		}
	}
	if cerr := h.st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
