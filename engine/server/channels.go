package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/internal/mimetype"
	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/turn"
)

// This file is what the messaging channels (engine/channel/...) use of the
// server: they translate a platform's protocol and leave conversations,
// turns, idempotency and the log to the server, so that a conversation
// reached through a channel behaves as one reached through the API, across
// replicas too.

// ChannelStart is how a channel starts a conversation.
type ChannelStart struct {
	// ID is the conversation's id, derived from the platform's
	// conversation or thread so that every replica finds the same one.
	ID string
	// User is what the platform says of the user (id, name): user.* in
	// the bot.
	User map[string]any
}

// ChannelInput is one input a channel received: a message (Text), an
// event (Event, Fields) or an upload (File).
type ChannelInput struct {
	// Key is the platform's id of the input. An input whose key was taken
	// already is not run again: the platforms resend what they think was
	// lost, and may deliver one message to two replicas.
	Key string
	// Client is the sender's own id of the input, which the log keeps
	// with it for the channel to echo back (Message.Client).
	Client string
	Text   string
	Event  string
	Fields map[string]string
	File   *ChannelFile
}

// ChannelFile is a file a user sent through a channel.
type ChannelFile struct {
	Name, Type string
	Data       []byte
}

// ChannelResult is what a channel input did.
type ChannelResult struct {
	// Seq is the seq of the input's entry in the conversation's log.
	Seq int64 `json:"seq"`
	// Replayed says the input had been taken already, with the same key.
	Replayed bool `json:"-"`
}

// ChannelSecret returns the value of a bot's declared secret, from where
// the server reads the bots' secrets (WithEnv). A secret the bot does not
// declare is never returned.
func (s *Server) ChannelSecret(b *Bot, name string) (string, bool) {
	for _, n := range b.Secrets {
		if n == name {
			v, ok := s.lookupEnv(name)
			return v, ok && v != ""
		}
	}
	return "", false
}

// ChannelKey returns the server's signing key for a channel's tokens,
// derived from the token secret (WithTokenSecret) for that purpose alone,
// so that replicas sharing the secret accept each other's tokens and no
// channel token passes for a conversation token or another channel's.
func (s *Server) ChannelKey(channel string) []byte {
	m := hmac.New(sha256.New, s.keys.channel)
	m.Write([]byte(channel))
	return m.Sum(nil)
}

// StartChannel creates conversation cs.ID with bot and runs its start,
// reporting whether it did: false when the conversation exists already
// (another replica, or a retry, created it), which is not an error.
func (s *Server) StartChannel(ctx context.Context, bot *Bot, cs ChannelStart) (bool, error) {
	if cs.ID == "" || len(cs.ID) > 200 {
		return false, errors.New("a channel conversation id must have 1 to 200 bytes")
	}
	if _, err := s.store.Get(ctx, cs.ID); err == nil {
		return false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, storeError("get", err)
	}
	ctx, cancel := s.turnContext(ctx)
	defer cancel()
	_, _, _, err := s.begin(ctx, bot, cs.ID, startSpec{user: cs.User})
	if errors.Is(err, store.ErrExists) {
		return false, nil
	}
	return err == nil, err
}

// ChannelBot returns the bot conversation id runs on now, or nil when it
// does not exist (or its bot is not hosted here).
func (s *Server) ChannelBot(ctx context.Context, id string) (*Bot, error) {
	rec, err := s.store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, storeError("get", err)
	}
	st, err := turn.Unmarshal(rec.State)
	if err != nil {
		return nil, err
	}
	return s.bots.Current(st.Bot), nil
}

// ChannelTurn runs in as a turn of conversation id, after the messages
// queued for it, and returns once it is stored. Refusals are errors
// ChannelError describes.
func (s *Server) ChannelTurn(ctx context.Context, channel, id string, in ChannelInput) (ChannelResult, error) {
	var ti turnInput
	switch {
	case in.File != nil:
		f := in.File
		if len(f.Data) > MaxUpload {
			return ChannelResult{}, errorf(CodeTooLarge, "the file is larger than %d bytes (5MB), the most an upload takes", MaxUpload)
		}
		ctype := f.Type
		if ctype == "" || ctype == "application/octet-stream" {
			ctype = mimetype.TypeByName(f.Name)
		}
		if deliver, _, ok := uploadType(f.Name, ctype, f.Data); !ok {
			ctype = deliver // the file question refuses it as invalid
		}
		data := f.Data
		if data == nil {
			data = []byte{}
		}
		fields := map[string]string{"name": f.Name, "type": ctype, "size": strconv.Itoa(len(data))}
		ti = turnInput{in: turn.Input{Kind: turn.Event, Event: turn.EventUpload, Fields: fields}, kind: "event", upload: data}
	case in.Event != "":
		if err := (EventRequest{Type: in.Event, Fields: in.Fields}).check(); err != nil {
			return ChannelResult{}, err
		}
		ti = turnInput{in: turn.Input{Kind: turn.Event, Event: in.Event, Fields: in.Fields}, kind: "event"}
	default:
		text, err := TextRequest{Text: &in.Text}.text()
		if err != nil {
			return ChannelResult{}, err
		}
		ti = turnInput{in: turn.Input{Kind: turn.Message, Text: text}, kind: "message"}
	}
	ti.client = in.Client
	k := s.newIdem(channel, in.Key, ti)
	var (
		body     []byte
		replayed bool
	)
	err := s.queues.after(id, func() error {
		ctx, cancel := s.turnContext(ctx)
		defer cancel()
		var err error
		_, body, replayed, err = s.runTurn(ctx, id, k, ti, channelReply)
		return err
	})
	if err != nil {
		return ChannelResult{}, err
	}
	var res ChannelResult
	if err := json.Unmarshal(body, &res); err != nil {
		return ChannelResult{}, err
	}
	res.Replayed = replayed
	return res, nil
}

// channelReply is the reply a channel turn stores for its key: the seq of
// its input, which a retry is answered with.
func channelReply(out *turnOutput) (int, any) {
	for _, m := range out.msgs {
		if m.Kind == KindUser || m.Kind == KindEvent {
			return http.StatusOK, ChannelResult{Seq: m.Seq}
		}
	}
	return http.StatusOK, ChannelResult{Seq: out.rec.LastSeq}
}

// ChannelMessages returns up to limit messages of conversation id after
// the cursor after, and the cursor to go on from (as receive).
func (s *Server) ChannelMessages(ctx context.Context, id string, after int64, limit int) ([]Message, int64, error) {
	if limit <= 0 || limit > MaxReceive {
		limit = MaxReceive
	}
	return s.page(ctx, id, after, limit)
}

// ChannelWait returns a channel closed at conversation id's next commit
// in this process, or when the server stops waiting (StopWaiting). Other
// replicas' commits close nothing here: a waiter also looks again every
// so often.
func (s *Server) ChannelWait(id string) <-chan struct{} {
	c := make(chan struct{})
	woken := s.notify.wait(id)
	go func() {
		select {
		case <-woken:
		case <-s.stopping:
		case <-time.After(ChannelPoll):
		}
		close(c)
	}()
	return c
}

// ChannelPoll is how often a channel's waiter looks for another replica's
// commits.
const ChannelPoll = 250 * time.Millisecond

// ChannelError returns the HTTP status of an error of the channel calls
// and a message for the user or the platform.
func ChannelError(err error) (status int, code, message string) {
	ae := asAPIError(err)
	return ae.Status(), ae.Code, strings.TrimSpace(ae.Message)
}
