package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/mimetype"
	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/transcript"
	"github.com/botctl/botctl/engine/turn"
)

// CreateResponse is the answer of create and of an interaction start.
type CreateResponse struct {
	ID             string    `json:"id"`
	Bot            string    `json:"bot"`
	Token          string    `json:"token"`
	TokenExpiresAt time.Time `json:"token_expires_at"`
	Owner          string    `json:"owner"`
	// Messages are the welcome messages and actions.
	Messages []Message `json:"messages"`
	// Cursor is the seq of the last log entry: receive with after=cursor
	// gets what comes next.
	Cursor int64 `json:"cursor"`
}

// TurnResponse is the answer of complete and of events.
type TurnResponse struct {
	ID       string    `json:"id"`
	Bot      string    `json:"bot"`
	Owner    string    `json:"owner"`
	Turn     int       `json:"turn"`
	Messages []Message `json:"messages"` // what the bot said and did in this turn
	Cursor   int64     `json:"cursor"`
}

// SendResponse is the answer of send: the message is queued; receive
// with after=cursor returns it and the bot's answer.
type SendResponse struct {
	ID     string `json:"id"`
	Queued bool   `json:"queued"`
	Cursor int64  `json:"cursor"`
}

// ReceiveResponse is the answer of receive.
type ReceiveResponse struct {
	Messages []Message `json:"messages"`
	Cursor   int64     `json:"cursor"`
}

// TokenResponse is the answer of token.
type TokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ConversationResponse is the answer of GET /v1/conversations/{id}.
type ConversationResponse struct {
	ID        string         `json:"id"`
	Bot       string         `json:"bot"`
	Version   string         `json:"version"`
	Owner     string         `json:"owner"`
	Turn      int            `json:"turn"`
	Tags      []string       `json:"tags"`
	Variables map[string]any `json:"variables"`
	Params    map[string]any `json:"params,omitempty"`
	User      map[string]any `json:"user,omitempty"`
	Dialog    string         `json:"dialog,omitempty"`
	// Waiting is "answer" while a question waits for its answer,
	// "upload" while a file question waits for an upload event.
	Waiting string `json:"waiting,omitempty"`
	// HandedTo names the bot the last transfer `to: bot` handed the
	// conversation to (the one that answers it now, or, when the handoff
	// failed, the one it could not reach).
	HandedTo  string    `json:"handed_to,omitempty"`
	StartedAt time.Time `json:"started_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// DueAt is when the conversation's next timer fires (an inactivity
	// limit or a schedule); left out when none can.
	DueAt *time.Time `json:"due_at,omitempty"`
	// Scheduled are the dialogs schedule steps will start.
	Scheduled []Scheduled `json:"scheduled,omitempty"`
	Cursor    int64       `json:"cursor"`
	// Messages is the conversation's whole log as receive shows it.
	Messages []Message `json:"messages"`
	// Transcript is the conversation as a .transcript file (docs/testing.md), as
	// GET .../transcript exports it.
	Transcript string `json:"transcript"`
}

// Scheduled is a dialog a schedule step will start.
type Scheduled struct {
	ID     string    `json:"id"`
	Dialog string    `json:"dialog"`
	Due    time.Time `json:"due"`
}

// conversationID reads the {id} of the path.
func conversationID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if id == "" || len(id) > 200 {
		return "", errorf(CodeNotFound, "no such conversation")
	}
	return id, nil
}

// idempotencyKey reads the Idempotency-Key header.
func idempotencyKey(r *http.Request) (string, error) {
	k := r.Header.Get("Idempotency-Key")
	if len(k) > 255 {
		return "", errorf(CodeBadRequest, "the Idempotency-Key is longer than 255 characters")
	}
	for _, c := range k {
		if c < 0x21 || c > 0x7e {
			return "", errorf(CodeBadRequest, "the Idempotency-Key must be printable ASCII without spaces")
		}
	}
	return k, nil
}

// pickBot finds the bot a request names, or the only bot.
func (s *Server) pickBot(name string) (*Bot, error) {
	if name == "" {
		list := s.bots.List()
		switch len(list) {
		case 1:
			return list[0], nil
		case 0:
			return nil, errorf(CodeConflict, "this server hosts no bot")
		}
		return nil, errorf(CodeBadRequest, "this server hosts several bots; name one: %s", strings.Join(s.bots.Names(), ", "))
	}
	b := s.bots.Current(name)
	if b == nil {
		msg := "no bot named " + strconv.Quote(name) + " here"
		if sugg := diag.DidYouMean(name, s.bots.Names()); sugg != "" {
			msg += "; " + sugg
		} else {
			msg += "; the bots are: " + strings.Join(s.bots.Names(), ", ")
		}
		return nil, errorf(CodeBadRequest, "%s", msg)
	}
	return b, nil
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, p principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	var req CreateRequest
	if err := readJSON(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	if err := req.check(); err != nil {
		return err
	}
	bot, err := s.pickBot(req.Bot)
	if err != nil {
		return err
	}
	st := startSpec{user: req.User, params: req.Params, dialog: req.Dialog}
	if req.Interaction != "" {
		if st, err = s.interactionStart(bot, req.Interaction, req.User, req.Params); err != nil {
			return err
		}
	} else if req.Dialog != "" && bot.Dialog(req.Dialog) == nil {
		return errorf(CodeBadRequest, "the bot %s has no dialog %q", bot.Name, req.Dialog)
	}
	return s.startConversation(w, r, bot, st)
}

// startSpec is how a conversation starts.
type startSpec struct {
	user, params map[string]any
	dialog       string
	interaction  string
	hostParams   map[string]any // an interaction's params as the host passed them
}

// startConversation creates a conversation, runs its start and answers 201.
func (s *Server) startConversation(w http.ResponseWriter, r *http.Request, bot *Bot, sp startSpec) error {
	ctx, cancel := s.turnContext(r.Context())
	defer cancel()
	id := newID("c_")
	msgs, final, last, err := s.begin(ctx, bot, id, sp)
	if err != nil {
		return err
	}
	exp := s.now().Add(s.tokenTTL)
	writeJSON(w, http.StatusCreated, CreateResponse{
		ID: id, Bot: last.Name, Token: s.keys.Token(id, exp), TokenExpiresAt: exp.UTC(),
		Owner: final.Owner, Messages: apiMessages(msgs), Cursor: int64(len(msgs)),
	})
	return nil
}

// begin creates the conversation id and runs its start. It returns the
// start's log entries, the state it left and the bot that answers now.
// A conversation id that exists already is store.ErrExists.
func (s *Server) begin(ctx context.Context, bot *Bot, id string, sp startSpec) ([]store.Message, turn.State, *Bot, error) {
	began := time.Now()
	now := s.now()
	// Held like any turn's: a lease this server holds on the welcome's
	// effect is presumed dead by a turn that gets the lock (settle), and
	// the id is out (webhooks) before the welcome ends.
	unlock := s.locks.Lock(id)
	defer unlock()
	if err := s.publish(ctx, bot); err != nil {
		s.metrics.turn(bot.Name, "start", "error", time.Since(began))
		return nil, turn.State{}, nil, err
	}
	st := turn.NewState(bot.Bot, id, now, sp.user, sp.params)
	t := &ledger{s: s, id: id, bot: bot.Name}
	perf := &performer{s: s, conv: id, now: now, t: t}
	startParams := sp.params
	if sp.interaction != "" {
		startParams = sp.hostParams
	}
	t.add(recordMessage(kindStart, "", record{Bot: bot.Name, Version: bot.Version, User: sp.user,
		Params: startParams, Interaction: sp.interaction, Dialog: sp.dialog}, now))
	final, last, err := s.drive(ctx, bot, st, turn.Input{Kind: turn.Start, Dialog: sp.dialog}, perf)
	if err == nil {
		err = t.commit(ctx, final, nil)
	}
	if err != nil {
		outcome := "error"
		if !t.stored && perf.stop == nil {
			outcome = "refused"
		}
		s.metrics.turn(bot.Name, "start", outcome, time.Since(began))
		return nil, turn.State{}, nil, err
	}
	s.metrics.turn(bot.Name, "start", "ok", time.Since(began))
	s.metrics.created.WithLabelValues(bot.Name).Inc()
	s.metrics.owner("", "", last.Name, final.Owner)
	s.log.InfoContext(ctx, "conversation created", "conversation", id, "bot", bot.Name, "version", bot.Version,
		"interaction", sp.interaction, "owner", final.Owner)
	return t.committed, final, last, nil
}

// textRequest reads what complete and send share: the conversation the
// caller may use, its Idempotency-Key, and the message text.
func (s *Server) textRequest(w http.ResponseWriter, r *http.Request, p principal) (id, key, text string, err error) {
	if id, err = conversationID(r); err != nil {
		return "", "", "", err
	}
	if err = requireConversation(p, id); err != nil {
		return "", "", "", err
	}
	if key, err = idempotencyKey(r); err != nil {
		return "", "", "", err
	}
	var req TextRequest
	if err = readJSON(w, r, s.maxBody, &req, false); err != nil {
		return "", "", "", err
	}
	if text, err = req.text(); err != nil {
		return "", "", "", err
	}
	return id, key, text, nil
}

func (s *Server) complete(w http.ResponseWriter, r *http.Request, p principal) error {
	id, key, text, err := s.textRequest(w, r, p)
	if err != nil {
		return err
	}
	ti := turnInput{in: turn.Input{Kind: turn.Message, Text: text}, kind: "message"}
	return s.turnHTTP(w, r, id, s.newIdem("complete", key, ti), ti)
}

// turnHTTP runs a turn for a request and answers with a TurnResponse. The
// turn runs after the messages send queued for the conversation before it.
func (s *Server) turnHTTP(w http.ResponseWriter, r *http.Request, id string, k idem, ti turnInput) error {
	var (
		status   int
		body     []byte
		replayed bool
	)
	err := s.queues.after(id, func() error {
		ctx, cancel := s.turnContext(r.Context())
		defer cancel()
		var err error
		status, body, replayed, err = s.runTurn(ctx, id, k, ti, turnReply)
		return err
	})
	if err != nil {
		return err
	}
	if replayed {
		replay(w, status, body)
		return nil
	}
	writeBody(w, status, body)
	return nil
}

func turnReply(out *turnOutput) (int, any) {
	var shown []Message
	for _, m := range apiMessages(out.msgs) {
		if m.Kind == KindBot || m.Kind == KindAction {
			shown = append(shown, m)
		}
	}
	if shown == nil {
		shown = []Message{}
	}
	return http.StatusOK, TurnResponse{ID: out.st.ID, Bot: out.bot.Name, Owner: out.st.Owner, Turn: out.st.Turn,
		Messages: shown, Cursor: out.rec.LastSeq}
}

func (s *Server) send(w http.ResponseWriter, r *http.Request, p principal) error {
	id, key, text, err := s.textRequest(w, r, p)
	if err != nil {
		return err
	}
	ctx := r.Context()
	ti := turnInput{in: turn.Input{Kind: turn.Message, Text: text}, kind: "message"}
	k := s.newIdem("send", key, ti)
	if status, body, ok, err := s.stored(ctx, id, k); err != nil {
		return err
	} else if ok {
		replay(w, status, body)
		return nil
	}
	rec, err := s.store.Get(ctx, id)
	if err != nil {
		return storeError("get", err)
	}
	st, err := turn.Unmarshal(rec.State)
	if err != nil {
		return err
	}
	// What complete would refuse now, send refuses now too, with the same
	// answer: the refusals known before the turn runs (closed, handed to
	// another bot, a bot this server does not host) do not go away while
	// earlier messages wait in the queue.
	if err := s.acceptsMessage(ctx, st); err != nil {
		return err
	}
	resp := SendResponse{ID: id, Queued: true, Cursor: rec.LastSeq}
	body, replayed, err := s.queues.enqueue(id, k, resp, s.queueMax, func() {
		ctx, cancel := s.turnContext(context.Background())
		defer cancel()
		err := safely(func() error {
			_, _, _, err := s.runTurn(ctx, id, k, ti, func(*turnOutput) (int, any) { return http.StatusAccepted, resp })
			return err
		})
		if err != nil {
			s.sendFailed(ctx, id, k, text, err)
		}
	})
	if err != nil {
		return err
	}
	if replayed {
		replay(w, http.StatusAccepted, body)
		return nil
	}
	writeBody(w, http.StatusAccepted, body)
	return nil
}

// acceptsMessage returns the error complete would answer for a message to
// the conversation st, or nil when it would be taken, without running the
// turn.
func (s *Server) acceptsMessage(ctx context.Context, st turn.State) error {
	bot, err := s.botFor(ctx, &st, true)
	if err != nil {
		return err
	}
	if st.Lease != nil {
		// An effect in flight: the message waits for it, and is judged
		// by the state it leaves.
		st.Wait = turn.WaitNone
	}
	return turn.MessageRefusal(bot.Bot, st)
}

// sendFailed records that a message of send, accepted with 202, failed
// when its turn came: an error message in the conversation's log, which
// receive shows, with the code and message complete would have answered.
// When even that cannot be stored (the store is down), the server log has
// it.
func (s *Server) sendFailed(ctx context.Context, id string, k idem, text string, err error) {
	ae := asAPIError(err)
	// The turn's context may be spent (the failure may be its deadline):
	// recording has its own, long enough to outlast another server's lease.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.turnLimit+leaseMargin)
	defer cancel()
	msg, logged := ae.Message, errText(ae)
	if s.mayBeSensitive(ctx, id) {
		// The message may have been the answer to a sensitive question.
		rd := turn.NewMasker(strings.TrimSpace(text))
		msg, logged, text = rd.Redact(msg), rd.Redact(logged), turn.Masked
	}
	s.log.WarnContext(ctx, "queued message failed", "conversation", id, "code", ae.Code, "error", logged)
	m := store.Message{Time: s.now(), Kind: kindSendFailed, Text: msg,
		Data: mustJSON(msgData{Code: ae.Code, Input: text, Key: k.key})}
	unlock := s.locks.Lock(id)
	defer unlock()
	for attempt := 1; ; attempt++ {
		rec, err := s.store.Get(ctx, id)
		if st, uerr := turn.Unmarshal(rec.State); err == nil && uerr == nil && s.leaseLive(st.Lease) && ctx.Err() == nil {
			// Committing now would make the commit of the server that
			// performs the effect conflict: its result would be lost.
			sleep(ctx, leasePoll)
			attempt--
			continue
		}
		if err == nil {
			_, err = s.store.Commit(ctx, id, rec.Version, store.Update{Msgs: []store.Message{m}})
		}
		if errors.Is(err, store.ErrConflict) && attempt < maxAttempts {
			continue
		}
		if err != nil {
			s.log.ErrorContext(ctx, "recording a failed queued message", "conversation", id, "error", err)
			return
		}
		s.notify.wake(id)
		return
	}
}

func (s *Server) receive(w http.ResponseWriter, r *http.Request, p principal) error {
	id, err := conversationID(r)
	if err != nil {
		return err
	}
	if err := requireConversation(p, id); err != nil {
		return err
	}
	var req ReceiveRequest
	if err := readJSON(w, r, s.maxBody, &req, true); err != nil {
		return err
	}
	if err := req.check(); err != nil {
		return err
	}
	ctx := r.Context()
	rec, err := s.store.Get(ctx, id)
	if err != nil {
		return storeError("get", err)
	}
	if req.After > rec.LastSeq {
		return errorf(CodeBadRequest, "after is %d, past the conversation's last entry (%d); pass a cursor an earlier answer gave", req.After, rec.LastSeq)
	}
	deadline := time.Now().Add(time.Duration(req.Wait * float64(time.Second)))
	after := req.After
	for first := true; ; first = false {
		woken := s.notify.wait(id)
		shown, cursor, err := s.page(ctx, id, after, req.Limit)
		if err != nil {
			return err
		}
		if first && len(shown) == 0 && req.Wait > 0 && s.draining.Load() {
			// A receive that would wait, come to a draining server:
			// refused, so that its client polls again elsewhere rather
			// than here at once, round and round.
			return errDraining(w)
		}
		after = cursor
		left := time.Until(deadline)
		select {
		case <-s.stopping:
			left = 0
		default:
		}
		if len(shown) > 0 || left <= 0 {
			writeJSON(w, http.StatusOK, ReceiveResponse{Messages: shown, Cursor: after})
			return nil
		}
		// Another replica's commits wake nobody here: look again at least
		// every 250ms.
		t := time.NewTimer(min(left, 250*time.Millisecond))
		select {
		case <-woken:
		case <-t.C:
		case <-s.stopping:
		case <-ctx.Done():
			t.Stop()
			return nil
		}
		t.Stop()
	}
}

// page returns up to limit messages (visible log entries) after the cursor
// after, reading the log until it has them or reaches its end, and the seq
// of the last entry it examined (after when there was none): the cursor to
// go on from.
func (s *Server) page(ctx context.Context, id string, after int64, limit int) ([]Message, int64, error) {
	shown := []Message{}
	for {
		n := min(max(limit-len(shown), 100), MaxReceive)
		msgs, err := s.store.Messages(ctx, id, after, n)
		if err != nil {
			return nil, after, storeError("messages", err)
		}
		for _, m := range msgs {
			after = m.Seq
			if visible(m.Kind) {
				shown = append(shown, apiMessage(m))
				if len(shown) == limit {
					return shown, after, nil
				}
			}
		}
		if len(msgs) < n {
			return shown, after, nil
		}
	}
}

func (s *Server) events(w http.ResponseWriter, r *http.Request, p principal) error {
	id, err := conversationID(r)
	if err != nil {
		return err
	}
	if err := requireConversation(p, id); err != nil {
		return err
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var ti turnInput
	if mt == "multipart/form-data" {
		var m *typeMismatch
		ti, m, err = readUpload(w, r, params["boundary"])
		if m != nil {
			// The file's contents stay out of the log: what they are is enough.
			s.log.WarnContext(r.Context(), "upload: its bytes contradict its type or name", "conversation", id,
				"name", truncate(ti.in.Fields["name"], 100), "declared", m.declared, "sniffed", m.sniffed, "delivered", ti.in.Fields["type"])
		}
	} else {
		var req EventRequest
		if err = readJSON(w, r, s.maxBody, &req, false); err == nil {
			err = req.check()
		}
		ti = turnInput{in: turn.Input{Kind: turn.Event, Event: req.Type, Fields: req.Fields}, kind: "event"}
	}
	if err != nil {
		return err
	}
	return s.turnHTTP(w, r, id, s.newIdem("events", key, ti), ti)
}

// typeMismatch is an upload whose bytes contradict its declared type or
// its name's extension.
type typeMismatch struct {
	declared string // the type the client gave, or the extension's
	sniffed  string // the type the bytes show
}

// readUpload reads an upload event: multipart/form-data with a part named
// file (its filename and Content-Type name the file) and, optionally, a
// part named type whose value is upload. When the file's leading bytes
// contradict its type or its name, the event carries the type that makes
// the file question refuse it as invalid (uploadType), and the mismatch
// says why.
func readUpload(w http.ResponseWriter, r *http.Request, boundary string) (turnInput, *typeMismatch, error) {
	ti, err := readUploadPart(w, r, boundary)
	if err != nil {
		return turnInput{}, nil, err
	}
	f := ti.in.Fields
	deliver, sniffed, ok := uploadType(f["name"], f["type"], ti.upload)
	if ok {
		return ti, nil, nil
	}
	m := &typeMismatch{declared: f["type"], sniffed: sniffed}
	f["type"] = deliver
	return ti, m, nil
}

// readUploadPart reads the parts of an upload event.
func readUploadPart(w http.ResponseWriter, r *http.Request, boundary string) (turnInput, error) {
	if boundary == "" {
		return turnInput{}, errorf(CodeBadRequest, "the multipart Content-Type has no boundary")
	}
	body := http.MaxBytesReader(w, r.Body, MaxUpload+64<<10)
	mr := multipart.NewReader(body, boundary)
	var (
		data  []byte
		name  string
		ctype string
		found bool
	)
	tooLarge := errorf(CodeTooLarge, "the file is larger than %d bytes (5MB), the most an upload takes", MaxUpload)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return turnInput{}, tooLarge
			}
			return turnInput{}, errorf(CodeBadRequest, "the multipart body cannot be read: %v", err)
		}
		switch part.FormName() {
		case "type":
			v, err := io.ReadAll(io.LimitReader(part, 100))
			if err != nil || strings.TrimSpace(string(v)) != turn.EventUpload {
				return turnInput{}, errorf(CodeBadRequest, "a multipart event is an upload: its type part must be upload")
			}
		case "file":
			if found {
				return turnInput{}, errorf(CodeBadRequest, "an upload carries one file")
			}
			found = true
			name = path.Base(strings.ReplaceAll(part.FileName(), `\`, "/"))
			if name == "" || name == "." || name == "/" {
				return turnInput{}, errorf(CodeBadRequest, "the file part needs a filename")
			}
			ctype = part.Header.Get("Content-Type")
			data, err = io.ReadAll(io.LimitReader(part, MaxUpload+1))
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return turnInput{}, tooLarge
				}
				return turnInput{}, errorf(CodeBadRequest, "the file cannot be read: %v", err)
			}
			if len(data) > MaxUpload {
				return turnInput{}, tooLarge
			}
		default:
			return turnInput{}, errorf(CodeUnknownField, "unknown part %q: an upload has a part file (and optionally type=upload)", part.FormName())
		}
	}
	if !found {
		return turnInput{}, errorf(CodeBadRequest, "the upload has no part named file")
	}
	if mt, _, err := mime.ParseMediaType(ctype); err != nil || mt == "application/octet-stream" {
		ctype = ""
	} else {
		ctype = mt
	}
	if ctype == "" {
		ctype = mimetype.TypeByName(name)
	}
	fields := map[string]string{"name": name, "type": ctype, "size": strconv.Itoa(len(data))}
	if data == nil {
		data = []byte{}
	}
	return turnInput{in: turn.Input{Kind: turn.Event, Event: turn.EventUpload, Fields: fields}, kind: "event", upload: data}, nil
}

func (s *Server) token(w http.ResponseWriter, r *http.Request, p principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	id, err := conversationID(r)
	if err != nil {
		return err
	}
	var req TokenRequest
	if err := readJSON(w, r, s.maxBody, &req, true); err != nil {
		return err
	}
	ttl := s.tokenTTL
	if req.TTL < 0 || req.TTL > 366*24*3600 {
		return errorf(CodeBadRequest, "ttl is in seconds, from 1 to a year (0: the server's default)")
	} else if req.TTL > 0 {
		ttl = time.Duration(req.TTL) * time.Second
	}
	if _, err := s.store.Get(r.Context(), id); err != nil {
		return storeError("get", err)
	}
	exp := s.now().Add(ttl)
	writeJSON(w, http.StatusOK, TokenResponse{Token: s.keys.Token(id, exp), ExpiresAt: exp.UTC()})
	return nil
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, p principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	id, err := conversationID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	rec, err := s.store.Get(ctx, id)
	if err != nil {
		return storeError("get", err)
	}
	st, err := turn.Unmarshal(rec.State)
	if err != nil {
		return err
	}
	msgs, err := s.store.Messages(ctx, id, 0, 0)
	if err != nil {
		return storeError("messages", err)
	}
	tags := st.Tags
	if tags == nil {
		tags = []string{}
	}
	handedTo := st.HandedTo // a handoff that did not go through
	if handedTo == "" {
		for _, m := range msgs {
			if m.Kind == kindHandoff {
				var rec record
				_ = json.Unmarshal(m.Data, &rec)
				handedTo = rec.Bot
			}
		}
	}
	var text bytes.Buffer
	h, lines := s.exportTranscript(id, msgs)
	if err := transcript.Write(&text, h, lines); err != nil {
		return err
	}
	var due *time.Time
	if b := s.stateBot(st); b != nil {
		if d, ok := turn.Due(b, st); ok {
			d = d.UTC()
			due = &d
		}
	}
	var scheduled []Scheduled
	for _, sc := range st.Schedules {
		scheduled = append(scheduled, Scheduled{ID: sc.ID, Dialog: sc.Dialog, Due: sc.Due.UTC()})
	}
	writeJSON(w, http.StatusOK, ConversationResponse{
		DueAt: due, Scheduled: scheduled,
		ID: id, Bot: st.Bot, Version: st.Version, Owner: st.Owner, Turn: st.Turn, Tags: tags,
		Variables: s.shownVars(st), Params: st.Params, User: st.User, Dialog: st.Dialog,
		Waiting: s.waiting(ctx, st), HandedTo: handedTo, StartedAt: st.StartedAt.UTC(), UpdatedAt: rec.Updated.UTC(),
		Cursor: rec.LastSeq, Messages: apiMessages(msgs), Transcript: text.String(),
	})
	return nil
}

// waiting says what the conversation waits for, as GET shows it: "upload"
// while a file question waits (the state's wait is "answer" there: the
// file comes as an answer, the upload event), "answer" while another
// question waits, and "call", "transfer" or "upload" while a turn performs
// that effect.
func (s *Server) waiting(ctx context.Context, st turn.State) string {
	if st.Wait != turn.WaitAnswer {
		return string(st.Wait)
	}
	b, _ := s.version(ctx, st.Bot, st.Version)
	if b == nil {
		b = s.bots.Current(st.Bot)
	}
	if b != nil {
		if step := turn.StepAt(b.Bot, st.Dialog, st.Step); step != nil {
			if a := step.Ask; a != nil && a.Type == graph.File {
				return string(turn.WaitUpload)
			}
		}
	}
	return string(st.Wait)
}
