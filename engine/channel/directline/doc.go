// Package directline serves a bot over Microsoft's Direct Line 3.0
// protocol, as botframework-directlinejs and botframework-webchat speak
// it: tokens (generate, refresh), conversations (start, reconnect),
// activities (POST, GET with a watermark), uploads and the WebSocket
// stream. It is a translation only: conversations, turns, idempotency and
// the log are engine/server's, reached through its Channel* calls, so a
// Direct Line conversation survives restarts and moves between replicas
// like any other.
//
// A bot takes part when its header declares the channel:
//
//	bot:
//	  secrets: [DL_SECRET]
//	  channels:
//	    directline: {secret: DL_SECRET}
//
// and the handler is mounted at /directline/:
//
//	mux.Handle("/directline/", directline.New(srv))
//
// Its URL for a client is then /directline/{bot}/v3/directline, the
// "domain" option of directlinejs.
package directline
