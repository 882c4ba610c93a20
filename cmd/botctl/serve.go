package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/compile"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/integration"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/reload"
	"github.com/botctl/botctl/engine/server"
	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/transcript"
	"github.com/botctl/botctl/engine/web"
	"github.com/botctl/botctl/engine/webhook"
)

const serveLong = `Serve hosts bots over HTTP: the conversation API of docs/api.md.

Each PATH is a bot (a YAML file, or a directory of *.yaml files) or a
directory of bots (a directory with no YAML files of its own, whose
subdirectories are bots). Every bot must validate; bots may transfer
conversations to each other (transfer: {to: bot, bot: NAME}).

Conversations are kept in the store --store names:

  file:PATH        an embedded database, durable: a turn is on disk before
                   its answer is sent (the default: file:./botctl-data/botctl.db)
  memory           in the process; gone when it stops
  redis://HOST:PORT/DB
                   a Redis server several botctl serve replicas share

Admin calls need an API key (Authorization: Bearer KEY), from --api-key or
BOTCTL_API_KEY (several keys: comma-separated). serve refuses to listen on an
address other than loopback (127.0.0.1, ::1, localhost) without one. Without
any key, on loopback, every caller is admin.

Conversation tokens and start links are signed with a token secret of at
least 32 bytes: BOTCTL_TOKEN_SECRET, or the file --token-secret-file names.
With a file store and neither, serve creates one next to the database
(botctl-data/token-secret) so that tokens survive restarts; with memory it
makes one for this run; replicas on Redis must be given the same one.

Every version of a bot that serves a conversation is kept in the store. A
conversation inside a dialog finishes it on the version it started on, after
a restart and on any replica; --on-new-version=migrate moves it to the newest
version instead where the step it waits at is the same there (botctl diff
tells which). Conversations between dialogs go on with the newest version.

--watch reloads a bot when its files change: a bot that validates replaces
the old one for new conversations; one that does not is refused, with its
diagnostics in the log.

--web serves a chat page for each bot at /chat/BOT, and /widget.js, a
script that puts a chat launcher on any page. The page talks to the API
with conversation tokens only (docs/operations.md, "Web chat").

--webhook URL posts conversation events (message, transfer, agent_done,
closed) to URL, signed with HMAC-SHA256 using BOTCTL_WEBHOOK_SECRET (or
--webhook-secret).

Integration calls go to the real services; --allow-host limits them to the
hosts listed. They may not reach loopback, private, link-local or cloud
metadata addresses (checked after DNS) unless --allow-host names the host,
address or CIDR, or --allow-private-networks lifts the rule.
Declared env and secrets are read from the environment.
--mock FILE answers them from a mock file instead (for demos and load
tests, never in production): each conversation gets an integration's
responses in its own order, as a transcript does, the last repeating.

SIGINT or SIGTERM stop the server gracefully: it stops accepting requests,
finishes the turns under way (at most --shutdown-timeout) and closes the
store. docs/operations.md covers stores, scaling out and keys.`

const serveExample = `  botctl serve dialogs/acme-support
  BOTCTL_API_KEY=$(cat key) botctl serve --addr :8080 --store redis://redis:6379/0 dialogs/
  botctl serve --store memory --watch dialogs/acme-support dialogs/billing`

type serveOptions struct {
	addr, store, tokenSecretFile, webhook, uploads string
	mockFile                                       string
	onNewVersion                                   string
	webhookSecret                                  string
	apiKeys, allowHosts                            []string
	tokenTTL, shutdown, idleTTL                    time.Duration
	maxBody                                        int64
	watch, pprof, web                              bool
	logFormat, logLevel                            *enumFlag
	allowPrivate                                   bool
}

func (a *app) serveCommand() *cobra.Command {
	o := serveOptions{logFormat: newEnum("text", "text", "json"), logLevel: newEnum("info", "debug", "info", "warn", "error")}
	var maxBody string
	cmd := &cobra.Command{
		Use:     "serve PATH...",
		Short:   "Host bots over HTTP",
		Long:    serveLong,
		Example: serveExample,
		Args:    pathArgs(true),
		RunE: func(cmd *cobra.Command, args []string) error {
			size, ok := compile.ParseSize(maxBody)
			if !ok || size <= 0 {
				return usagef("--max-response-size takes a size such as 1MiB or 512KB, not %q", maxBody)
			}
			o.maxBody = size
			if _, err := server.ParsePolicy(o.onNewVersion); err != nil {
				return usageError{err}
			}
			if o.webhook != "" {
				if err := webhook.CheckURL(o.webhook); err != nil {
					return usageError{err}
				}
			}
			return a.serve(args, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen on this `HOST:PORT`")
	f.StringVar(&o.store, "store", "file:"+store.DefaultFilePath, "where conversations are kept: memory, file:PATH or redis://HOST:PORT/DB")
	f.StringArrayVar(&o.apiKeys, "api-key", nil, "an admin API `KEY` (repeatable; prefer BOTCTL_API_KEY, which ps does not show)")
	f.StringVar(&o.tokenSecretFile, "token-secret-file", "", "read the token secret from `FILE` (default: BOTCTL_TOKEN_SECRET, or next to a file store)")
	f.DurationVar(&o.tokenTTL, "token-ttl", server.DefaultTokenTTL, "how long a conversation token is valid")
	f.StringVar(&o.webhook, "webhook", "", "post conversation events to this `URL` (signed with BOTCTL_WEBHOOK_SECRET)")
	f.StringVar(&o.webhookSecret, "webhook-secret", "", "the `SECRET` webhook requests are signed with (prefer BOTCTL_WEBHOOK_SECRET, which ps does not show)")
	f.BoolVar(&o.watch, "watch", false, "reload bots when their files change")
	f.StringArrayVar(&o.allowHosts, "allow-host", nil, "allow integration calls only to this `HOST`, address or CIDR, even if private (repeatable)")
	f.BoolVar(&o.allowPrivate, "allow-private-networks", false, "let integration calls reach loopback, private and link-local addresses")
	f.StringVar(&o.mockFile, "mock", "", "answer integration calls from this mock `FILE`, in order per conversation, instead of calling the services (for demos and load tests)")
	f.StringVar(&maxBody, "max-response-size", "1MiB", "the largest integration response body to accept")
	f.StringVar(&o.onNewVersion, "on-new-version", string(server.Finish), "what a conversation inside a dialog does when its bot has a newer version: finish (on its version) or migrate (to the new one where its step is the same)")
	f.StringVar(&o.uploads, "uploads", "", "keep uploaded files in this `DIR` (default: next to a file store; in memory otherwise)")
	f.DurationVar(&o.idleTTL, "idle-ttl", store.DefaultTTL, "redis: drop a conversation nobody wrote to for this long (0: never)")
	f.DurationVar(&o.shutdown, "shutdown-timeout", 30*time.Second, "on SIGINT or SIGTERM, wait this long for turns under way")
	f.BoolVar(&o.pprof, "pprof", false, "serve Go's profiler at /debug/pprof/ (admin only)")
	f.BoolVar(&o.web, "web", false, "serve a chat page at /chat/BOT and /widget.js to embed it in a site")
	f.Var(o.logFormat, "log-format", "log as text or json")
	f.Var(o.logLevel, "log-level", "log at this level and above: debug, info, warn, error")
	_ = cmd.RegisterFlagCompletionFunc("log-format", completeWords(o.logFormat.words...))
	_ = cmd.RegisterFlagCompletionFunc("log-level", completeWords(o.logLevel.words...))
	return cmd
}

// botPaths expands the PATH arguments of serve into bot paths: a file or a
// directory with YAML files of its own is a bot; another directory holds
// bots, one per subdirectory (and one per YAML file directly inside).
func botPaths(args []string) ([]string, error) {
	var out []string
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", arg, errors.Unwrap(err))
		}
		if !info.IsDir() || hasYAML(arg) {
			out = append(out, arg)
			continue
		}
		entries, err := os.ReadDir(arg)
		if err != nil {
			return nil, err
		}
		n := len(out)
		for _, e := range entries {
			p := filepath.Join(arg, e.Name())
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && hasYAML(p) {
				out = append(out, p)
			}
		}
		if len(out) == n {
			return nil, fmt.Errorf("%s: no bot here: neither YAML files nor directories of them", arg)
		}
	}
	return out, nil
}

func hasYAML(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			return true
		}
	}
	return false
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

// minSecret is the shortest token secret accepted, in bytes.
const minSecret = 32

// tokenSecret finds the secret tokens and links are signed with: the
// environment, a file, or the file next to a file store (made when create
// is set and it is missing). It returns where it came from, for the log.
func tokenSecret(getenv func(string) string, file, storeSpec string, create bool) ([]byte, string, error) {
	check := func(b []byte, where string) ([]byte, string, error) {
		if len(b) < minSecret {
			return nil, "", fmt.Errorf("the token secret in %s is %d bytes long; it needs at least %d (make one with: openssl rand -hex 32)", where, len(b), minSecret)
		}
		return b, where, nil
	}
	if v := strings.TrimSpace(getenv("BOTCTL_TOKEN_SECRET")); v != "" {
		return check([]byte(v), "BOTCTL_TOKEN_SECRET")
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, "", fmt.Errorf("--token-secret-file: %w", err)
		}
		return check([]byte(strings.TrimSpace(string(b))), file)
	}
	switch {
	case storeSpec == "memory":
		if !create {
			return nil, "", errors.New("no token secret: set BOTCTL_TOKEN_SECRET or --token-secret-file to the server's secret")
		}
		b := make([]byte, 32)
		rand.Read(b)
		return []byte(hex.EncodeToString(b)), "a secret made for this run (tokens do not survive a restart)", nil
	case strings.HasPrefix(storeSpec, "redis://"), strings.HasPrefix(storeSpec, "rediss://"):
		return nil, "", errors.New("no token secret: replicas on one Redis must share it; set BOTCTL_TOKEN_SECRET (or --token-secret-file) to the same secret of at least 32 bytes on each")
	}
	path := secretPath(storeSpec)
	b, err := os.ReadFile(path)
	if err == nil {
		return check([]byte(strings.TrimSpace(string(b))), path)
	}
	if !errors.Is(err, fs.ErrNotExist) || !create {
		return nil, "", fmt.Errorf("no token secret: %w (start botctl serve with this store once, or set BOTCTL_TOKEN_SECRET)", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", err
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	secret := []byte(hex.EncodeToString(raw))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) { // made meanwhile by another process
			return tokenSecret(getenv, file, storeSpec, false)
		}
		return nil, "", err
	}
	_, err = f.Write(append(secret, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, "", err
	}
	return secret, path + " (new)", nil
}

// storePath is the database path of a file store spec.
func storePath(spec string) string {
	if spec == "file" {
		return store.DefaultFilePath
	}
	return strings.TrimPrefix(spec, "file:")
}

// secretPath is where the token secret of a file store lives.
func secretPath(spec string) string {
	return filepath.Join(filepath.Dir(storePath(spec)), "token-secret")
}

func (a *app) logger(o serveOptions) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[o.logLevel.value]
	opts := &slog.HandlerOptions{Level: level}
	if o.logFormat.value == "json" {
		return slog.New(slog.NewJSONHandler(a.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(a.stderr, opts))
}

func (a *app) serve(args []string, o serveOptions) error {
	paths, err := botPaths(args)
	if err != nil {
		return err
	}
	bots, byName := make([]*server.Bot, 0, len(paths)), map[string]string{}
	var all diag.List
	for _, p := range paths {
		bot, diags := engine.Load(p)
		all.Append(diags)
		if bot == nil {
			continue
		}
		if other, ok := byName[bot.Name]; ok {
			return fmt.Errorf("two bots are named %s: %s and %s", bot.Name, displayPath(other), displayPath(p))
		}
		byName[bot.Name] = p
		bots = append(bots, &server.Bot{Bot: bot, Path: p})
	}
	if all.HasErrors() {
		if err := a.printDiagnostics(a.stderr, all, true); err != nil {
			return err
		}
		return exitError{exitFailure}
	}

	keys := slices.Clone(o.apiKeys)
	for _, k := range strings.Split(a.getenv("BOTCTL_API_KEY"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 && !loopback(o.addr) {
		return fmt.Errorf("refusing to listen on %s without an API key: anyone who can reach it could read every conversation; set BOTCTL_API_KEY (or --api-key), or listen on 127.0.0.1", o.addr)
	}
	secret, secretFrom, err := tokenSecret(a.getenv, o.tokenSecretFile, o.store, true)
	if err != nil {
		return err
	}
	var webhookSecret []byte
	if o.webhook != "" {
		webhookSecret = []byte(o.webhookSecret)
		if len(webhookSecret) == 0 {
			webhookSecret = []byte(a.getenv("BOTCTL_WEBHOOK_SECRET"))
		}
		if len(webhookSecret) == 0 {
			return errors.New("--webhook needs a secret to sign with, which receivers verify: set BOTCTL_WEBHOOK_SECRET (or --webhook-secret)")
		}
	}

	log := a.logger(o)
	store.LogRedisTo(log)
	st, err := store.Open(o.store, store.WithTTL(o.idleTTL))
	if err != nil {
		return err
	}
	defer st.Close()

	var files server.Files = &server.MemoryFiles{}
	switch {
	case o.uploads != "":
		files = server.DirFiles{Dir: o.uploads}
	case o.store == "file" || strings.HasPrefix(o.store, "file:"):
		files = server.DirFiles{Dir: filepath.Join(filepath.Dir(storePath(o.store)), "uploads")}
	}

	var secrets []string
	for _, b := range bots {
		for _, name := range b.Env {
			if a.getenv(name) == "" {
				log.Warn("the bot reads an env variable that is not set", "bot", b.Name, "env", name)
			}
		}
		for _, name := range b.Secrets {
			if v := a.getenv(name); v != "" {
				secrets = append(secrets, v)
			} else {
				log.Warn("the bot reads a secret that is not set", "bot", b.Name, "secret", name)
			}
		}
	}
	var calls server.Option
	if o.mockFile != "" {
		set, err := mock.Load(o.mockFile)
		if err != nil {
			return err
		}
		if len(bots) == 1 { // with several bots, a mock may be for any of them
			if err := transcript.CheckMocks(bots[0].Bot, set); err != nil {
				return fmt.Errorf("%s: %v", o.mockFile, err)
			}
		}
		log.Warn("integration calls are answered from a mock file, not the real services", "mock", o.mockFile)
		calls = server.WithMocks(set)
	} else {
		client, err := integration.New(
			integration.WithAllowedHosts(o.allowHosts...),
			integration.WithMaxBody(o.maxBody),
			integration.WithSecrets(secrets...),
			integration.WithLogger(log),
			integration.WithPrivateNetworks(o.allowPrivate),
		)
		if err != nil {
			return usageError{err}
		}
		calls = server.WithCaller(client)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	opts := []server.Option{
		server.WithStore(st), server.WithLogger(log), server.WithAPIKeys(keys...),
		server.WithTokenSecret(secret), server.WithTokenTTL(o.tokenTTL), server.WithBots(bots...),
		calls, server.WithFiles(files), server.WithMetrics(reg),
		server.WithEnv(func(k string) (string, bool) { v := a.getenv(k); return v, v != "" }),
		server.WithOnNewVersion(server.Policy(o.onNewVersion)),
	}
	var hooks *webhook.Sender
	if o.webhook != "" {
		deliveries := prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botctl_webhook_deliveries_total",
			Help: "Webhook events by outcome: delivered, failed (given up) or dropped (queue full, shutdown).",
		}, []string{"outcome"})
		reg.MustRegister(deliveries)
		hooks = webhook.New(o.webhook, webhookSecret, webhook.WithLogger(log),
			webhook.WithObserver(func(r webhook.Result) { deliveries.WithLabelValues(string(r.Outcome)).Inc() }))
		opts = append(opts, server.WithOnEvent(func(e server.Event) {
			hooks.Send(webhook.Event{ID: e.ID, Type: e.Type, Conversation: e.Conversation, Bot: e.Bot, Time: e.Time, Data: e.Data})
		}))
	}
	srv, err := server.New(opts...)
	if err != nil {
		return err
	}

	var handler http.Handler = srv
	if o.pprof {
		mux := http.NewServeMux()
		mux.Handle("/", srv)
		mux.Handle("/debug/pprof/", srv.RequireAdmin(http.HandlerFunc(pprof.Index)))
		mux.Handle("/debug/pprof/cmdline", srv.RequireAdmin(http.HandlerFunc(pprof.Cmdline)))
		mux.Handle("/debug/pprof/profile", srv.RequireAdmin(http.HandlerFunc(pprof.Profile)))
		mux.Handle("/debug/pprof/symbol", srv.RequireAdmin(http.HandlerFunc(pprof.Symbol)))
		mux.Handle("/debug/pprof/trace", srv.RequireAdmin(http.HandlerFunc(pprof.Trace)))
		handler = mux
	}
	if o.web {
		key := ""
		if len(keys) > 0 {
			key = keys[0] // used inside the process only; browsers get conversation tokens
		}
		chat := web.Handler(web.WithBotExists(func(n string) bool { return srv.Bots().Current(n) != nil }), web.WithAPI(srv, key))
		mux := http.NewServeMux()
		mux.Handle("/", handler)
		mux.Handle("/chat/", chat)
		mux.Handle("/widget.js", chat)
		handler = mux
	}

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // an upload is 5MB at most
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(srv.StopWaiting)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := srv.PublishVersions(ctx); err != nil {
		return err
	}
	go srv.CollectVersionsEvery(ctx, time.Hour)
	if o.watch {
		a.watch(ctx, srv.Bots(), bots, log)
	}
	names := slices.Sorted(maps.Keys(byName))
	log.Info("listening", "url", "http://"+ln.Addr().String(), "bots", strings.Join(names, ","),
		"store", redactStore(o.store), "api_keys", len(keys), "token_secret", secretFrom, "watch", o.watch, "web", o.web)

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop()
	log.Info("shutting down: finishing the turns under way", "timeout", o.shutdown)
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdown)
	defer cancel()
	err = hs.Shutdown(sctx)
	if derr := srv.Drain(sctx); err == nil {
		err = derr
	}
	if hooks != nil {
		if herr := hooks.Close(sctx); err == nil {
			err = herr
		}
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// watch reloads bots when their files change (--watch).
func (a *app) watch(ctx context.Context, reg *server.Registry, bots []*server.Bot, log *slog.Logger) {
	var mu sync.Mutex
	byPath := map[string]*server.Bot{}
	var paths []string
	opts := []reload.Option{reload.WithLogger(log)}
	for _, b := range bots {
		byPath[b.Path] = b
		paths = append(paths, b.Path)
		opts = append(opts, reload.WithVersion(b.Path, b.Version))
	}
	onLoad := func(path string, bot *graph.Bot) {
		mu.Lock()
		defer mu.Unlock()
		for p, b := range byPath {
			if p != path && b.Name == bot.Name {
				log.Error("reload refused: another bot has this name", "path", path, "bot", bot.Name, "other", p)
				return
			}
		}
		byPath[path] = &server.Bot{Bot: bot, Path: path}
		list := make([]*server.Bot, 0, len(byPath))
		for _, b := range byPath {
			list = append(list, b)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
		reg.Set(list...) // reload logs the swap
	}
	go func() {
		if err := reload.Watch(ctx, paths, onLoad, opts...); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("watching the bots failed", "error", err)
		}
	}()
}

// redactStore hides a Redis password in the log.
func redactStore(spec string) string {
	if i := strings.Index(spec, "@"); i >= 0 && strings.HasPrefix(spec, "redis") {
		if j := strings.Index(spec, "://"); j >= 0 && j < i {
			return spec[:j+3] + "***" + spec[i:]
		}
	}
	return spec
}
