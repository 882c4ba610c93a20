// Package web is the chat page and the embeddable widget of `botctl serve
// --web`: a self-contained page (HTML, CSS and JavaScript embedded in the
// binary, no framework, no CDN, no build step) that talks to a bot over the
// conversation API with the conversation's token alone.
//
// Handler serves
//
//	GET  /chat/{bot}                the chat page (404 JSON for an unknown bot)
//	POST /chat/{bot}/conversations  start a conversation with the bot (the page calls it)
//	GET  /chat/assets/{file}        the page's script and style sheet
//	GET  /widget.js                 the launcher: <script src=".../widget.js" data-bot="NAME">
//
// and leaves every other path to the API it is mounted beside:
//
//	srv, _ := server.New(...)
//	chat := web.Handler(
//		web.WithBotExists(func(name string) bool { return srv.Bots().Current(name) != nil }),
//		web.WithAPI(srv, adminKey), // "" when the server has no API keys
//	)
//	mux := http.NewServeMux()
//	mux.Handle("/", srv)
//	mux.Handle("/chat/", chat)
//	mux.Handle("/widget.js", chat)
//
// Creating a conversation needs an admin key in the API, which a browser
// must never hold; so the page asks POST /chat/{bot}/conversations, which
// creates it in the process through WithAPI's handler and key (the visitor
// chooses only the bot), and answers the API's create response: the
// conversation id, its token and the welcome messages. From there on the
// page calls the API (complete, receive, events) with that token only.
//
// Every text that comes from a bot or a user is put into the page with
// textContent, never as HTML, and the page's Content-Security-Policy allows
// scripts and styles from the server alone.
package web
