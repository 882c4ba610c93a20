package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/botctl/botctl/engine/compile"
	"github.com/botctl/botctl/engine/serve"
	"github.com/botctl/botctl/engine/server"
	"github.com/botctl/botctl/engine/store"
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
  postgres://USER:PASSWORD@HOST:PORT/DATABASE
                   a PostgreSQL database several replicas share (its
                   tables are created, or migrated, at start)

Admin calls need an API key (Authorization: Bearer KEY), from --api-key or
BOTCTL_API_KEY (several keys: comma-separated). serve refuses to listen on an
address other than loopback (127.0.0.1, ::1, localhost) without one. Without
any key, on loopback, every caller is admin.

Conversation tokens and start links are signed with a token secret of at
least 32 bytes: BOTCTL_TOKEN_SECRET, or the file --token-secret-file names.
With a file store and neither, serve creates one next to the database
(botctl-data/token-secret) so that tokens survive restarts; with memory it
makes one for this run; replicas on Redis or PostgreSQL must be given the
same one.

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
closed, erased) to URL, signed with HMAC-SHA256 using BOTCTL_WEBHOOK_SECRET (or
--webhook-secret).

Integration calls go to the real services; --allow-host limits them to the
hosts listed. They may not reach loopback, private, link-local or cloud
metadata addresses (checked after DNS) unless --allow-host names the host,
address or CIDR, or --allow-private-networks lifts the rule.
Declared env and secrets are read from the environment.
--mock FILE answers them from a mock file instead (for demos and load
tests, never in production): each conversation gets an integration's
responses in its own order, as a transcript does, the last repeating.

--retention DURATION erases a conversation nobody wrote to for that long,
with its uploaded files, on every store (by default conversations are kept
forever, except on Redis: a week). --idle-ttl is its old name.

GET /healthz is liveness (the process answers); GET /readyz is readiness
(the server takes work and its store answers).

SIGINT or SIGTERM stop the server gracefully: for --drain-timeout it keeps
listening while /readyz answers 503 and new conversations and turns are
refused (503 draining, with Retry-After), so that load balancers take it
out; then it stops listening, finishes the turns under way (at most
--shutdown-timeout) and closes the store. A second signal ends it at once.
docs/operations.md covers stores, scaling out, keys and containers.`

const serveExample = `  botctl serve dialogs/acme-support
  BOTCTL_API_KEY=$(cat key) botctl serve --addr :8080 --store redis://redis:6379/0 dialogs/
  botctl serve --store memory --watch dialogs/acme-support dialogs/billing`

type serveOptions struct {
	cfg                   serve.Config
	apiKeys               []string
	maxBody, onNewVersion string
	logFormat, logLevel   *enumFlag
}

func (a *app) serveCommand() *cobra.Command {
	o := serveOptions{logFormat: newEnum("text", "text", "json"), logLevel: newEnum("info", "debug", "info", "warn", "error")}
	c := &o.cfg
	var f *pflag.FlagSet
	cmd := &cobra.Command{
		Use:     "serve PATH...",
		Short:   "Host bots over HTTP",
		Long:    serveLong,
		Example: serveExample,
		Args:    pathArgs(true),
		RunE: func(cmd *cobra.Command, args []string) error {
			size, ok := compile.ParseSize(o.maxBody)
			if !ok || size <= 0 {
				return usagef("--max-response-size takes a size such as 1MiB or 512KB, not %q", o.maxBody)
			}
			c.MaxResponseSize = size
			c.OnNewVersion = server.Policy(o.onNewVersion)
			if !f.Changed("retention") && !f.Changed("idle-ttl") && store.IsRedis(c.Store) {
				// Redis holds everything in memory: it keeps the
				// week it always kept unless told otherwise.
				c.Retention = store.DefaultTTL
			}
			return a.serve(args, o)
		},
	}
	f = cmd.Flags()
	f.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "listen on this `HOST:PORT`")
	f.StringVar(&c.Store, "store", "file:"+store.DefaultFilePath, "where conversations are kept: memory, file:PATH, redis://HOST:PORT/DB or postgres://USER:PASSWORD@HOST:PORT/DATABASE")
	f.StringArrayVar(&o.apiKeys, "api-key", nil, "an admin API `KEY` (repeatable; prefer BOTCTL_API_KEY, which ps does not show)")
	f.StringVar(&c.TokenSecretFile, "token-secret-file", "", "read the token secret from `FILE` (default: BOTCTL_TOKEN_SECRET, or next to a file store)")
	f.DurationVar(&c.TokenTTL, "token-ttl", server.DefaultTokenTTL, "how long a conversation token is valid")
	f.StringVar(&c.Webhook, "webhook", "", "post conversation events to this `URL` (signed with BOTCTL_WEBHOOK_SECRET)")
	f.StringVar(&c.WebhookSecret, "webhook-secret", "", "the `SECRET` webhook requests are signed with (prefer BOTCTL_WEBHOOK_SECRET, which ps does not show)")
	f.BoolVar(&c.Watch, "watch", false, "reload bots when their files change")
	f.StringArrayVar(&c.AllowHosts, "allow-host", nil, "allow integration calls only to this `HOST`, address or CIDR, even if private (repeatable)")
	f.BoolVar(&c.AllowPrivateNetworks, "allow-private-networks", false, "let integration calls reach loopback, private and link-local addresses")
	f.StringVar(&c.Mock, "mock", "", "answer integration calls from this mock `FILE`, in order per conversation, instead of calling the services (for demos and load tests)")
	f.StringVar(&o.maxBody, "max-response-size", "1MiB", "the largest integration response body to accept")
	f.StringVar(&o.onNewVersion, "on-new-version", string(server.Finish), "what a conversation inside a dialog does when its bot has a newer version: finish (on its version) or migrate (to the new one where its step is the same)")
	f.StringVar(&c.Uploads, "uploads", "", "keep uploaded files in this `DIR` (default: next to a file store; in memory otherwise)")
	f.DurationVar(&c.Retention, "retention", 0, "erase a conversation nobody wrote to for this `DURATION`, with its uploads (0: keep forever; default on Redis: 168h)")
	f.DurationVar(&c.Retention, "idle-ttl", 0, "the old name of --retention")
	_ = f.MarkHidden("idle-ttl")
	f.DurationVar(&c.DrainTimeout, "drain-timeout", serve.DefaultDrainTimeout, "on SIGINT or SIGTERM, keep listening this long with /readyz answering 503 and new work refused, for load balancers to notice (0: none)")
	f.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "after the drain, wait this long for turns under way")
	f.BoolVar(&c.Pprof, "pprof", false, "serve Go's profiler at /debug/pprof/ (admin only)")
	f.BoolVar(&c.Web, "web", false, "serve a chat page at /chat/BOT and /widget.js to embed it in a site")
	f.Var(o.logFormat, "log-format", "log as text or json")
	f.Var(o.logLevel, "log-level", "log at this level and above: debug, info, warn, error")
	_ = cmd.RegisterFlagCompletionFunc("log-format", completeWords(o.logFormat.words...))
	_ = cmd.RegisterFlagCompletionFunc("log-level", completeWords(o.logLevel.words...))
	return cmd
}

// serve completes the configuration from the environment and runs the
// server until SIGINT or SIGTERM.
func (a *app) serve(args []string, o serveOptions) error {
	cfg := o.cfg
	for _, p := range args {
		cfg.Paths = append(cfg.Paths, displayPath(p))
	}
	cfg.APIKeys = slices.Clone(o.apiKeys)
	for _, k := range strings.Split(a.getenv("BOTCTL_API_KEY"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			cfg.APIKeys = append(cfg.APIKeys, k)
		}
	}
	cfg.TokenSecret = a.getenv("BOTCTL_TOKEN_SECRET")
	if cfg.WebhookSecret == "" {
		cfg.WebhookSecret = a.getenv("BOTCTL_WEBHOOK_SECRET")
	}
	cfg.Getenv = a.getenv
	cfg.Logger = a.logger(o)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	return a.engineError(serve.Run(ctx, cfg))
}

func (a *app) logger(o serveOptions) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[o.logLevel.value]
	opts := &slog.HandlerOptions{Level: level}
	if o.logFormat.value == "json" {
		return slog.New(slog.NewJSONHandler(a.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(a.stderr, opts))
}
