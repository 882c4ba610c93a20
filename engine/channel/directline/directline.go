package directline

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/botctl/botctl/engine/server"
	"github.com/botctl/botctl/engine/turn"
)

// Channel is the channel's name: in bot.channels, in activities'
// channelId, and in the metrics.
const Channel = "directline"

// DefaultTokenTTL is how long a Direct Line token is valid, as Direct
// Line's own; clients refresh it halfway.
const DefaultTokenTTL = 30 * time.Minute

// streamTTL is how long a streamUrl opens the WebSocket: a client that
// reconnects later asks for a new one (GET conversations/{id}).
const streamTTL = 2 * time.Minute

// Handler serves Direct Line 3.0 for the bots of a server.Server that
// declare the channel. Build one with New; it is safe for concurrent use.
type Handler struct {
	srv      *server.Server
	log      *slog.Logger
	now      func() time.Time
	ttl      time.Duration
	key      []byte
	mux      *http.ServeMux
	counter  *prometheus.CounterVec
	pingFreq time.Duration
}

// Option configures a Handler.
type Option func(*Handler)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// WithClock sets the clock tokens are issued and checked by (tests).
func WithClock(now func() time.Time) Option { return func(h *Handler) { h.now = now } }

// WithTokenTTL sets how long a token is valid (default DefaultTokenTTL).
func WithTokenTTL(d time.Duration) Option { return func(h *Handler) { h.ttl = d } }

// New returns the Direct Line handler of srv, to mount at /directline/.
// Its metrics go into srv's registry.
func New(srv *server.Server, opts ...Option) *Handler {
	h := &Handler{srv: srv, log: slog.Default(), now: time.Now, ttl: DefaultTokenTTL, pingFreq: 30 * time.Second}
	for _, o := range opts {
		o(h)
	}
	h.key = srv.ChannelKey(Channel)
	h.counter = activityCounter(srv.Metrics())
	const base = "/directline/{bot}/v3/directline/"
	h.mux = http.NewServeMux()
	for _, r := range []struct {
		pattern string
		handle  func(w http.ResponseWriter, r *http.Request, b *server.Bot) error
	}{
		{"POST " + base + "tokens/generate", h.generate},
		{"POST " + base + "tokens/refresh", h.refresh},
		{"POST " + base + "conversations", h.start},
		{"GET " + base + "conversations/{conv}", h.reconnect},
		{"POST " + base + "conversations/{conv}/activities", h.post},
		{"GET " + base + "conversations/{conv}/activities", h.get},
		{"POST " + base + "conversations/{conv}/upload", h.upload},
		{"GET " + base + "conversations/{conv}/stream", h.stream},
	} {
		h.mux.Handle(r.pattern, h.wrap(r.handle))
	}
	return h
}

// activityCounter registers botctl_channel_activities_total in reg, or
// returns the one registered there already (by another channel handler).
func activityCounter(reg *prometheus.Registry) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "botctl_channel_activities_total",
		Help: "Activities through the messaging channels: direction in (taken from users; retries are not counted again) or out (delivered to clients; a reconnect delivers again).",
	}, []string{"channel", "direction"})
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return are.ExistingCollector.(*prometheus.CounterVec)
		}
		panic(err)
	}
	return c
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	// Web Chat runs on the sites that embed it, on their origins. Any
	// origin may call: a call is granted by its Bearer secret or token,
	// never by cookies, so a foreign page gains nothing it does not hold.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
		w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, x-ms-bot-agent, x-requested-with")
		w.Header().Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if _, pattern := h.mux.Handler(r); pattern == "" {
		writeError(w, http.StatusNotFound, "NotFound", "no such Direct Line call: "+r.Method+" "+r.URL.Path)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// dlError is an error Direct Line answers with its status and code.
type dlError struct {
	status  int
	code    string
	message string
}

func (e *dlError) Error() string { return e.message }

func fail(status int, code, format string, args ...any) error {
	return &dlError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// writeError writes Direct Line's error body.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// wrap finds the bot of the path, which must declare the channel, and
// turns errors into Direct Line's answers.
func (h *Handler) wrap(f func(http.ResponseWriter, *http.Request, *server.Bot) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := func() error {
			b := h.srv.Bots().Current(r.PathValue("bot"))
			if b == nil || b.Channel(Channel) == nil {
				return fail(http.StatusNotFound, "BotNotFound", "no bot %q with the directline channel here", truncate(r.PathValue("bot"), 60))
			}
			return f(w, r, b)
		}()
		if err == nil {
			return
		}
		var de *dlError
		if !errors.As(err, &de) {
			status, _, msg := server.ChannelError(err)
			de = &dlError{status: status, code: dlCode(status), message: msg}
		}
		level := slog.LevelInfo
		if de.status >= 500 {
			level = slog.LevelError
		}
		h.log.Log(r.Context(), level, "directline request failed", "bot", r.PathValue("bot"), "path", r.URL.Path,
			"status", de.status, "code", de.code, "error", err)
		if w.Header().Get("Content-Type") == "" {
			writeError(w, de.status, de.code, de.message)
		}
	})
}

// dlCode is the Direct Line error code of a server error (whose own code
// the message explains).
func dlCode(status int) string {
	switch {
	case status == http.StatusNotFound:
		return "BadArgument"
	case status == http.StatusTooManyRequests:
		return "TooManyRequests"
	case status >= 500:
		return "ServiceError"
	}
	return "BadArgument"
}

// auth is who makes a request: the holder of the bot's secret, or of a
// token for one conversation.
type auth struct {
	secret bool
	claims claims // of a token
}

// authenticate reads the Authorization header. No header, or one that is
// not Bearer, is 401; a credential that is neither the secret nor a valid
// token is 403, which directlinejs takes for an expired token.
func (h *Handler) authenticate(r *http.Request, b *server.Bot) (auth, error) {
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	cred = strings.TrimSpace(cred)
	if !ok || !strings.EqualFold(scheme, "Bearer") || cred == "" {
		return auth{}, fail(http.StatusUnauthorized, "BadArgument", "the request needs Authorization: Bearer <Direct Line secret or token>")
	}
	return h.credential(b, cred)
}

func (h *Handler) credential(b *server.Bot, cred string) (auth, error) {
	if secret, ok := h.srv.ChannelSecret(b, b.Channel(Channel).Settings["secret"]); ok &&
		subtle.ConstantTimeCompare([]byte(cred), []byte(secret)) == 1 {
		return auth{secret: true}, nil
	}
	c, err := parseToken(h.key, cred, kindConversation, h.now())
	if errors.Is(err, errExpiredToken) {
		return auth{}, fail(http.StatusForbidden, "TokenExpired", "%s", err.Error())
	}
	if err != nil || c.Bot != b.Name {
		return auth{}, fail(http.StatusForbidden, "BadArgument", "the secret or token is not valid for this bot")
	}
	return auth{claims: c}, nil
}

// forConversation authenticates a call about the conversation of the path.
func (h *Handler) forConversation(r *http.Request, b *server.Bot) (auth, string, error) {
	a, err := h.authenticate(r, b)
	if err != nil {
		return auth{}, "", err
	}
	conv := r.PathValue("conv")
	if !validConv(conv) {
		return auth{}, "", fail(http.StatusNotFound, "BadArgument", "no such conversation")
	}
	if !a.secret && a.claims.Conv != conv {
		return auth{}, "", fail(http.StatusForbidden, "BadArgument", "the token is for another conversation")
	}
	return a, conv, nil
}

var convPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)

func validConv(s string) bool { return convPattern.MatchString(s) }

// conversationID is the server's id of a Direct Line conversation: the
// platform, the bot and the Direct Line id, the same on every replica.
func conversationID(bot, conv string) string { return Channel + "." + bot + "." + conv }

// newConv is a new Direct Line conversation id.
func newConv() string { return randomID(22) }

// newUser is a user id for a client that gave none; "dl_" marks the ids
// Direct Line makes.
func newUser() string { return "dl_" + randomID(16) }

const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = idChars[int(b[i])%len(idChars)]
	}
	return string(b)
}

// tokenRequest is the optional body of tokens/generate and of starting a
// conversation with the secret.
type tokenRequest struct {
	User *Account `json:"user"`
}

// Conversation is the answer of generate, refresh, start and reconnect.
type Conversation struct {
	ConversationID string `json:"conversationId"`
	Token          string `json:"token"`
	ExpiresIn      int    `json:"expires_in"`
	StreamURL      string `json:"streamUrl,omitempty"`
}

// readUser reads the user a client names in the body, if any.
func readUser(r *http.Request) (id, name string, err error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return "", "", fail(http.StatusBadRequest, "BadArgument", "the body cannot be read")
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return "", "", nil
	}
	var req tokenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return "", "", fail(http.StatusBadRequest, "BadSyntax", "the body is not JSON: %v", err)
	}
	if req.User == nil {
		return "", "", nil
	}
	if len(req.User.ID) > 200 || len(req.User.Name) > 200 {
		return "", "", fail(http.StatusBadRequest, "BadArgument", "the user's id and name have at most 200 bytes")
	}
	return req.User.ID, req.User.Name, nil
}

func (h *Handler) token(b *server.Bot, conv, user, name string) (string, int) {
	exp := h.now().Add(h.ttl)
	return sign(h.key, claims{Kind: kindConversation, Bot: b.Name, Conv: conv, User: user, Name: name, Exp: exp.Unix()}), int(h.ttl / time.Second)
}

// generate answers tokens/generate: with the secret, a token for a new
// conversation, which starts when the client opens it.
func (h *Handler) generate(w http.ResponseWriter, r *http.Request, b *server.Bot) error {
	a, err := h.authenticate(r, b)
	if err != nil {
		return err
	}
	if !a.secret {
		return fail(http.StatusForbidden, "BadArgument", "tokens/generate needs the Direct Line secret")
	}
	user, name, err := readUser(r)
	if err != nil {
		return err
	}
	if user == "" {
		user = newUser()
	}
	conv := newConv()
	tok, exp := h.token(b, conv, user, name)
	writeJSON(w, http.StatusOK, Conversation{ConversationID: conv, Token: tok, ExpiresIn: exp})
	return nil
}

// refresh answers tokens/refresh: a fresh token for a token's
// conversation, before the old one expires.
func (h *Handler) refresh(w http.ResponseWriter, r *http.Request, b *server.Bot) error {
	a, err := h.authenticate(r, b)
	if err != nil {
		return err
	}
	if a.secret {
		return fail(http.StatusForbidden, "BadArgument", "tokens/refresh refreshes a token, not the secret")
	}
	c := a.claims
	tok, exp := h.token(b, c.Conv, c.User, c.Name)
	writeJSON(w, http.StatusOK, Conversation{ConversationID: c.Conv, Token: tok, ExpiresIn: exp})
	return nil
}

// start answers POST conversations: with the secret, a new conversation;
// with a token, the token's, started the first time (201) and found
// again after (200).
func (h *Handler) start(w http.ResponseWriter, r *http.Request, b *server.Bot) error {
	a, err := h.authenticate(r, b)
	if err != nil {
		return err
	}
	c := a.claims
	tok := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer"))
	if a.secret {
		user, name, err := readUser(r)
		if err != nil {
			return err
		}
		if user == "" {
			user = newUser()
		}
		c = claims{Bot: b.Name, Conv: newConv(), User: user, Name: name}
		tok, _ = h.token(b, c.Conv, c.User, c.Name)
	}
	u := map[string]any{"id": c.User}
	if c.Name != "" {
		u["name"] = c.Name
	}
	created, err := h.srv.StartChannel(r.Context(), b, server.ChannelStart{ID: conversationID(b.Name, c.Conv), User: u})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		h.log.InfoContext(r.Context(), "directline conversation started", "bot", b.Name, "conversation", conversationID(b.Name, c.Conv))
	}
	writeJSON(w, status, Conversation{ConversationID: c.Conv, Token: tok, ExpiresIn: h.expiresIn(tok, a),
		StreamURL: h.streamURL(r, b, c, 0)})
	return nil
}

// expiresIn is how long tok has left, in seconds.
func (h *Handler) expiresIn(tok string, a auth) int {
	if a.secret {
		return int(h.ttl / time.Second)
	}
	return int(time.Unix(a.claims.Exp, 0).Sub(h.now()) / time.Second)
}

// streamURL is the WebSocket URL of conversation c from watermark on,
// with a stream token of its own: browsers cannot send headers on a
// WebSocket, and a URL is logged in places a header is not.
func (h *Handler) streamURL(r *http.Request, b *server.Bot, c claims, watermark int64) string {
	st := sign(h.key, claims{Kind: kindStream, Bot: b.Name, Conv: c.Conv, User: c.User, Exp: h.now().Add(streamTTL).Unix()})
	scheme := "ws"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "wss"
	}
	q := url.Values{"t": {st}}
	if watermark > 0 {
		q.Set("watermark", strconv.FormatInt(watermark, 10))
	}
	return scheme + "://" + r.Host + "/directline/" + url.PathEscape(b.Name) + "/v3/directline/conversations/" + c.Conv + "/stream?" + q.Encode()
}

// reconnect answers GET conversations/{id}: a new streamUrl from the
// watermark on, and the token.
func (h *Handler) reconnect(w http.ResponseWriter, r *http.Request, b *server.Bot) error {
	a, conv, err := h.forConversation(r, b)
	if err != nil {
		return err
	}
	wm, err := parseWatermark(r.URL.Query().Get("watermark"))
	if err != nil {
		return fail(http.StatusBadRequest, "BadArgument", "%s", err.Error())
	}
	if err := h.exists(r.Context(), b, conv); err != nil {
		return err
	}
	c := a.claims
	if a.secret {
		c = claims{Bot: b.Name, Conv: conv, User: newUser()}
	}
	tok := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer"))
	writeJSON(w, http.StatusOK, Conversation{ConversationID: conv, Token: tok, ExpiresIn: h.expiresIn(tok, a),
		StreamURL: h.streamURL(r, b, c, wm)})
	return nil
}

// exists answers 404 for a conversation never started.
func (h *Handler) exists(ctx context.Context, b *server.Bot, conv string) error {
	cb, err := h.srv.ChannelBot(ctx, conversationID(b.Name, conv))
	if err != nil {
		return err
	}
	if cb == nil {
		return fail(http.StatusNotFound, "BadArgument", "no such conversation")
	}
	return nil
}

// userOf is the user id of the caller, for the activities it is shown.
func userOf(a auth) string {
	if a.secret {
		return ""
	}
	return a.claims.User
}

// get answers GET activities: the activities after the watermark.
func (h *Handler) get(w http.ResponseWriter, r *http.Request, b *server.Bot) error {
	a, conv, err := h.forConversation(r, b)
	if err != nil {
		return err
	}
	wm, err := parseWatermark(r.URL.Query().Get("watermark"))
	if err != nil {
		return fail(http.StatusBadRequest, "BadArgument", "%s", err.Error())
	}
	if err := h.exists(r.Context(), b, conv); err != nil {
		return err
	}
	set, err := h.page(r.Context(), b, conv, userOf(a), wm)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

// page is the activity set after watermark.
func (h *Handler) page(ctx context.Context, b *server.Bot, conv, user string, wm int64) (ActivitySet, error) {
	msgs, cursor, err := h.srv.ChannelMessages(ctx, conversationID(b.Name, conv), wm, 0)
	if err != nil {
		return ActivitySet{}, err
	}
	acts := view{conv: conv, bot: b.Name, user: user}.activities(msgs)
	h.counter.WithLabelValues(Channel, "out").Add(float64(len(acts)))
	return ActivitySet{Activities: acts, Watermark: strconv.FormatInt(cursor, 10)}, nil
}

// hostEvents are the events only the host may deliver: a user of the
// channel must not end an agent's handover or forge an upload's outcome.
var hostEvents = map[string]bool{
	turn.EventAgentDone: true, turn.EventEscalationFail: true, turn.EventUpload: true,
	turn.EventUploadSucceeded: true, turn.EventUploadFailed: true, turn.EventCallUnknown: true,
	"inactive": true,
}

// post answers POST activities: a message or an event, taken once per
// activity id (or clientActivityID), answered with the activity's id.
func (h *Handler) post(w http.ResponseWriter, r *http.Request, b *server.Bot) error {
	_, conv, err := h.forConversation(r, b)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxActivity))
	if err != nil {
		return fail(http.StatusRequestEntityTooLarge, "BadArgument", "the activity is larger than %d bytes", maxActivity)
	}
	act, err := parseActivity(data)
	if err != nil {
		return fail(http.StatusBadRequest, "BadSyntax", "%s", err.Error())
	}
	var file *server.ChannelFile
	if len(act.Attachments) == 1 {
		at := act.Attachments[0]
		ctype, data, err := dataURL(at.ContentURL)
		if err != nil {
			return fail(http.StatusBadRequest, "BadArgument", "%s", err.Error())
		}
		if at.ContentType != "" {
			ctype = at.ContentType
		}
		name := path.Base(strings.ReplaceAll(at.Name, `\`, "/"))
		if name == "" || name == "." || name == "/" {
			name = "file"
		}
		file = &server.ChannelFile{Name: name, Type: ctype, Data: data}
	}
	id, err := h.take(r.Context(), b, conv, act, file)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
	return nil
}

// take runs a posted activity as turns: a file first, then the text.
func (h *Handler) take(ctx context.Context, b *server.Bot, conv string, act Activity, file *server.ChannelFile) (string, error) {
	key := inputKey(act)
	client := ""
	if act.ChannelData != nil {
		client = act.ChannelData.ClientActivityID
	}
	id := conversationID(b.Name, conv)
	var ins []server.ChannelInput
	switch act.Type {
	case "message":
		if file != nil {
			k := key
			if k != "" && act.Text != "" {
				k += "#file"
			}
			ins = append(ins, server.ChannelInput{Key: k, Client: client, File: file})
		}
		if act.Text != "" || file == nil {
			ins = append(ins, server.ChannelInput{Key: key, Client: client, Text: act.Text})
		}
	case "event":
		if act.Name == "" {
			return "", fail(http.StatusBadRequest, "MissingProperty", "an event activity needs a name")
		}
		if hostEvents[act.Name] {
			return "", fail(http.StatusForbidden, "BadArgument", "the event %s is the host's to send, not a user's", truncate(act.Name, 60))
		}
		ins = append(ins, server.ChannelInput{Key: key, Client: client, Event: act.Name, Fields: eventFields(act.Value)})
	default:
		// typing, conversationUpdate and the like: nothing for the bot.
		return conv + "|" + randomID(8), nil
	}
	var last server.ChannelResult
	for _, in := range ins {
		res, err := h.srv.ChannelTurn(ctx, Channel, id, in)
		if err != nil {
			return "", err
		}
		if !res.Replayed {
			h.counter.WithLabelValues(Channel, "in").Inc()
		}
		last = res
	}
	return activityID(conv, last.Seq), nil
}

// upload answers POST upload: multipart with an "activity" part (the
// message, as JSON) and one "file" part, as directlinejs sends a message
// with an attachment.
func (h *Handler) upload(w http.ResponseWriter, r *http.Request, b *server.Bot) error {
	_, conv, err := h.forConversation(r, b)
	if err != nil {
		return err
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" || params["boundary"] == "" {
		return fail(http.StatusUnsupportedMediaType, "BadArgument", "an upload is multipart/form-data with a part named file")
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, server.MaxUpload+128<<10), params["boundary"])
	act := Activity{Type: "message"}
	var file *server.ChannelFile
	tooLarge := fail(http.StatusRequestEntityTooLarge, "BadArgument", "the file is larger than %d bytes (5MB), the most an upload takes", server.MaxUpload)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge
		}
		if err != nil {
			return fail(http.StatusBadRequest, "BadSyntax", "the multipart body cannot be read: %v", err)
		}
		switch part.FormName() {
		case "activity":
			data, err := io.ReadAll(io.LimitReader(part, 64<<10))
			if err != nil {
				return fail(http.StatusBadRequest, "BadSyntax", "the activity part cannot be read")
			}
			if act, err = parseActivity(data); err != nil {
				return fail(http.StatusBadRequest, "BadSyntax", "%s", err.Error())
			}
			act.Attachments = nil
		case "file":
			if file != nil {
				return fail(http.StatusBadRequest, "BadArgument", "an upload carries one file here")
			}
			data, err := io.ReadAll(io.LimitReader(part, server.MaxUpload+1))
			if errors.As(err, &mbe) || len(data) > server.MaxUpload {
				return tooLarge
			}
			if err != nil {
				return fail(http.StatusBadRequest, "BadSyntax", "the file cannot be read")
			}
			name := path.Base(strings.ReplaceAll(part.FileName(), `\`, "/"))
			if name == "" || name == "." || name == "/" {
				name = "file"
			}
			ctype, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
			file = &server.ChannelFile{Name: name, Type: ctype, Data: data}
		}
	}
	if file == nil {
		return fail(http.StatusBadRequest, "MissingProperty", "the upload has no part named file")
	}
	if act.Type != "message" {
		return fail(http.StatusBadRequest, "BadArgument", "an upload's activity is a message")
	}
	id, err := h.take(r.Context(), b, conv, act, file)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
	return nil
}
