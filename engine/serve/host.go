package serve

import (
	"fmt"
	"net/http"
	"net/http/pprof"
	"path/filepath"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/channel/directline"
	"github.com/botctl/botctl/engine/integration"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/server"
	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/transcript"
	"github.com/botctl/botctl/engine/web"
	"github.com/botctl/botctl/engine/webhook"
)

// host is a server.Server with what serves it: the store, the webhook
// sender, and the bots it started with.
type host struct {
	cfg   Config
	bots  []*server.Bot
	st    store.Store
	srv   *server.Server
	hooks *webhook.Sender // nil without --webhook
	keys  [][]byte        // the data keys; nil for none shared
}

// newHost builds the server of cfg over st.
func newHost(cfg Config, bots []*server.Bot, st store.Store, secret []byte, dataKeys [][]byte) (*host, error) {
	calls, err := caller(cfg, bots)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	opts := []server.Option{
		server.WithStore(st), server.WithLogger(cfg.Logger), server.WithAPIKeys(cfg.APIKeys...),
		server.WithTokenSecret(secret), server.WithTokenTTL(cfg.TokenTTL), server.WithBots(bots...),
		calls, server.WithFiles(files(cfg)), server.WithMetrics(reg),
		server.WithEnv(func(k string) (string, bool) { v := cfg.Getenv(k); return v, v != "" }),
		server.WithOnNewVersion(cfg.OnNewVersion),
	}
	if len(dataKeys) > 0 {
		opts = append(opts, server.WithDataKeys(dataKeys...))
	}
	h := &host{cfg: cfg, bots: bots, st: st, keys: dataKeys}
	if cfg.Webhook != "" {
		h.hooks = sender(cfg, reg)
		opts = append(opts, server.WithOnEvent(func(e server.Event) {
			h.hooks.Send(webhook.Event{ID: e.ID, Type: e.Type, Conversation: e.Conversation, Bot: e.Bot, Time: e.Time, Data: e.Data})
		}))
	}
	if h.srv, err = server.New(opts...); err != nil {
		return nil, err
	}
	return h, nil
}

// files is where uploads are kept: --uploads, next to a file store, or in
// memory.
func files(cfg Config) server.Files {
	switch {
	case cfg.Uploads != "":
		return server.DirFiles{Dir: cfg.Uploads}
	case isFileStore(cfg.Store):
		return server.DirFiles{Dir: filepath.Join(filepath.Dir(storePath(cfg.Store)), "uploads")}
	}
	return &server.MemoryFiles{}
}

// caller answers integration calls from the mock file, or makes them with
// an integration client that knows the bots' secrets (to redact them).
func caller(cfg Config, bots []*server.Bot) (server.Option, error) {
	secrets := botSecrets(cfg, bots)
	if cfg.Mock != "" {
		set, err := mock.Load(cfg.Mock)
		if err != nil {
			return nil, err
		}
		if len(bots) == 1 { // with several bots, a mock may be for any of them
			if err := transcript.CheckMocks(bots[0].Bot, set); err != nil {
				return nil, fmt.Errorf("%s: %v", cfg.Mock, err)
			}
		}
		cfg.Logger.Warn("integration calls are answered from a mock file, not the real services", "mock", cfg.Mock)
		return server.WithMocks(set), nil
	}
	opts := []integration.Option{
		integration.WithAllowedHosts(cfg.AllowHosts...),
		integration.WithSecrets(secrets...),
		integration.WithLogger(cfg.Logger),
		integration.WithPrivateNetworks(cfg.AllowPrivateNetworks),
	}
	if cfg.MaxResponseSize > 0 {
		opts = append(opts, integration.WithMaxBody(cfg.MaxResponseSize))
	}
	client, err := integration.New(opts...)
	if err != nil {
		return nil, &engine.ConfigError{Err: err}
	}
	return server.WithCaller(client), nil
}

// botSecrets returns the values of the secrets the bots declare, and logs
// the env variables and secrets that are not set.
func botSecrets(cfg Config, bots []*server.Bot) []string {
	var secrets []string
	for _, b := range bots {
		for _, name := range b.Env {
			if cfg.Getenv(name) == "" {
				cfg.Logger.Warn("the bot reads an env variable that is not set", "bot", b.Name, "env", name)
			}
		}
		for _, name := range b.Secrets {
			if v := cfg.Getenv(name); v != "" {
				secrets = append(secrets, v)
			} else {
				cfg.Logger.Warn("the bot reads a secret that is not set", "bot", b.Name, "secret", name)
			}
		}
	}
	return secrets
}

// sender posts events to the webhook, counting deliveries in reg.
func sender(cfg Config, reg *prometheus.Registry) *webhook.Sender {
	deliveries := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "botctl_webhook_deliveries_total",
		Help: "Webhook events by outcome: delivered, failed (given up) or dropped (queue full, shutdown).",
	}, []string{"outcome"})
	reg.MustRegister(deliveries)
	return webhook.New(cfg.Webhook, []byte(cfg.WebhookSecret), webhook.WithLogger(cfg.Logger),
		webhook.WithObserver(func(r webhook.Result) { deliveries.WithLabelValues(string(r.Outcome)).Inc() }))
}

// handler is the server, with the profiler and the web chat when asked for.
func (h *host) handler() http.Handler {
	var handler http.Handler = h.srv
	if h.cfg.Pprof {
		admin := func(f http.HandlerFunc) http.Handler { return h.srv.RequireAdmin(f) }
		mux := http.NewServeMux()
		mux.Handle("/", h.srv)
		mux.Handle("/debug/pprof/", admin(pprof.Index))
		mux.Handle("/debug/pprof/cmdline", admin(pprof.Cmdline))
		mux.Handle("/debug/pprof/profile", admin(pprof.Profile))
		mux.Handle("/debug/pprof/symbol", admin(pprof.Symbol))
		mux.Handle("/debug/pprof/trace", admin(pprof.Trace))
		handler = mux
	}
	// Mounted whether or not a bot declares the channel now: a bot
	// reloaded later may (the handler answers 404 for bots without it).
	h.logChannels()
	dl := http.NewServeMux()
	dl.Handle("/", handler)
	dl.Handle("/directline/", directline.New(h.srv, directline.WithLogger(h.cfg.Logger)))
	handler = dl
	if h.cfg.Web {
		key := ""
		if len(h.cfg.APIKeys) > 0 {
			key = h.cfg.APIKeys[0] // used inside the process only; browsers get conversation tokens
		}
		chat := web.Handler(web.WithBotExists(func(n string) bool { return h.srv.Bots().Current(n) != nil }), web.WithAPI(h.srv, key))
		mux := http.NewServeMux()
		mux.Handle("/", handler)
		mux.Handle("/chat/", chat)
		mux.Handle("/widget.js", chat)
		handler = mux
	}
	return handler
}

// names are the bots' names, sorted, for the log.
func (h *host) names() []string {
	names := make([]string, len(h.bots))
	for i, b := range h.bots {
		names[i] = b.Name
	}
	slices.Sort(names)
	return names
}

func isFileStore(spec string) bool { return spec == "file" || strings.HasPrefix(spec, "file:") }
