// Package reload watches bot files and recompiles a bot when they change:
// the hot reload of `botctl serve --watch`.
//
// Watch polls: every interval it stats the files each bot path is made of
// (the file itself, or the *.yaml and *.yml files directly inside a
// directory, exactly the files engine.Load reads), noticing edits, added
// and removed files. Polling needs no platform support and works on network
// and container file systems where change notifications are unreliable.
// A change is compiled once the files have stayed unchanged for the
// debounce time, so an editor's burst of writes compiles once.
//
// A bot that compiles with errors is refused: each diagnostic is logged as
// a structured record (file, line, col, code, message) and the caller keeps
// serving the bot it has. A bot that compiles is handed to onLoad, unless
// its Version (a hash of the sources) is the one already served.
//
//	err := reload.Watch(ctx, []string{"bots/acme", "bots/billing"},
//		func(path string, bot *graph.Bot) { registry.Replace(path, bot) },
//		reload.WithInterval(time.Second),
//		reload.WithLogger(logger),
//		reload.WithVersion("bots/acme", acme.Version),
//		reload.WithVersion("bots/billing", billing.Version),
//	)
//
// Watch runs until ctx is done. Conversations that hold the old *graph.Bot
// keep using it: a compiled bot is immutable.
package reload
