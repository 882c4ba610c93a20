// Package server is the HTTP API of `botctl serve` (docs/api.md): conversations
// with the bots of a Registry, kept in a store.Store, over JSON.
//
// A Server is an http.Handler built with functional options:
//
//	srv, err := server.New(
//		server.WithStore(st),                 // store.OpenFile, store.OpenRedis, store.NewMemory
//		server.WithBots(&server.Bot{Bot: bot, Path: "bots/acme"}),
//		server.WithAPIKeys(os.Getenv("BOTCTL_API_KEY")),
//		server.WithTokenSecret(secret),       // shared by replicas, kept across restarts
//		server.WithCaller(client),            // an *integration.Client
//		server.WithLogger(logger),
//		server.WithOnEvent(func(e server.Event) { hooks.Send(...) }),
//	)
//	http.ListenAndServe("127.0.0.1:8080", srv)
//	...
//	srv.BeginDrain()                          // /readyz 503, new work refused; keep listening a while
//	httpServer.Shutdown(ctx); srv.Drain(ctx) // finish the turns under way
//
// Routes (docs/api.md; the OpenAPI document is OpenAPI, served at
// /v1/openapi.json):
//
//	POST /v1/conversations                     create (admin)
//	GET  /v1/conversations/{id}                owner, tags, variables, messages, transcript (admin)
//	POST /v1/conversations/{id}/complete       one turn, answered with the bot's messages
//	POST /v1/conversations/{id}/send           queue a message (202), after the checks complete makes up front
//	POST /v1/conversations/{id}/receive        messages after a cursor, long-polling with wait
//	POST /v1/conversations/{id}/events         agent_done, agent_escalation_failed, uploads (multipart)
//	POST /v1/conversations/{id}/token          a new conversation token (admin)
//	GET  /v1/conversations/{id}/transcript     the conversation as a .transcript (admin)
//	GET  /v1/interactions?point=...            interactions offered at a point (admin)
//	POST /v1/interactions/{id}/start           start one (admin, or a signed link)
//	GET  /healthz, /readyz, /metrics, /v1/openapi.json
//
// Authentication: admin API keys and conversation tokens, both as
// "Authorization: Bearer". A token is an HMAC-SHA256-signed (conversation
// id, expiry) pair that grants that conversation's complete, send,
// receive and events only. Start links are signed the same way over the
// bot, the interaction, its params and an expiry (SignLink, `botctl link`).
//
// Turns: each runs turn.Drive and follows transfers to other bots of
// the registry (turn.Handoff). Turns on one conversation are serialised
// in the process by a keyed mutex, and across replicas by the store's
// optimistic version check: a turn whose Commit meets store.ErrConflict is
// rerun on the fresh state. Effects happen once: before each effect the
// turn commits the state that waits for it with a turn.Lease (the
// performer's Checkpoint), so a rerun turn has performed nothing, a turn on
// another replica waits for a live lease, and a lease whose holder is gone
// is settled as outcome unknown, never performed again. A turn's state, its log entries and the answer
// (for Idempotency-Key, scoped by route and bound to a fingerprint of the
// input) are committed together before the answer is sent, and a started
// turn runs to its end even if the client goes away. The messages of send
// run on a queue per conversation; a complete or event on a conversation
// with queued messages joins the queue and waits for its turn, and a queued
// message that fails leaves a visible error entry in the log. The log
// keeps, beside what the user and the bot said, the integration responses,
// transfer and upload outcomes, so that GET .../transcript exports a
// transcript `botctl test` replays.
//
// Bots: a conversation inside a dialog runs on the bot version it started
// on (botFor); every version a conversation starts on is stored in the
// store (store.Versions) and compiled from there by a process that does not
// hold it. Between dialogs a conversation moves to the current version;
// WithOnNewVersion(Migrate) moves a waiting one where diff.Migratable
// allows. Registry.Set swaps the current bots atomically (hot reload);
// CollectVersions deletes the versions nothing runs on any more.
package server
