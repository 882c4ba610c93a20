// Package integration performs a bot's integration calls over HTTP: the
// executor behind docs/integrations.md for `botctl run` and `botctl serve`.
//
// The runtime renders an integration's templates into a turn.Request
// (templated path and query values already escaped, the JSON body built);
// a Client sends it and turns whatever happens into a turn.CallResult.
// Every failure — a timeout, a refused connection, an unknown host, a TLS
// error, an oversize body, a body that is not the JSON it claims to be, a
// URL the run-time checks refuse, an address the network policy refuses
// (loopback, private, link-local and metadata addresses, checked after DNS
// on every connection unless WithLoopback, WithPrivateNetworks or an
// allowed host lifts it) — comes back as a result with Error set,
// never as a Go error or a panic, so the bot's rules can route on it.
//
//	client, err := integration.New(
//		integration.WithAllowedHosts("orders.acme.example", "*.support.acme.example"),
//		integration.WithSecrets("tok-123"),
//		integration.WithLogger(slog.Default()),
//	)
//	if err != nil { ... }              // a malformed allowed host
//	res := client.Call(ctx, req)       // req from a turn.EffCall effect
//
// A Client is safe for concurrent use and holds no per-call state; build one
// per process (or per bot, when bots have different secrets) and share it.
// docs/integrations.md describes the behaviour for bot authors.
package integration
