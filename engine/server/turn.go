package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/botctl/botctl/engine/runtime"
	"github.com/botctl/botctl/engine/store"
)

// Event is something that happened in a conversation, for WithOnEvent
// (the outbound webhooks). Types are those of SPEC §5: message, transfer,
// agent_done, closed.
type Event struct {
	ID           string // unique per event: the conversation id, "/" and the log entry's seq
	Type         string
	Conversation string
	Bot          string
	Time         time.Time
	// Data is a Message for message (a user or bot message, buttons, an
	// upload request), a *TransferInfo for transfer, nil otherwise.
	Data any
}

// Event types.
const (
	EventMessage   = "message"
	EventTransfer  = "transfer"
	EventAgentDone = "agent_done"
	EventClosed    = "closed"
)

// maxAttempts bounds the reruns of a turn that lost a race with another
// replica.
const maxAttempts = 50

// maxHops bounds the transfers to other bots one turn may make.
const maxHops = 8

// turnInput is the input of a turn and what the log records of it.
type turnInput struct {
	in     runtime.Input
	kind   string // message or event, for metrics
	upload []byte // the bytes of an upload event
}

// turnOutput is a committed turn.
type turnOutput struct {
	rec  store.Record
	st   runtime.State
	bot  *Bot
	msgs []store.Message // this turn's log entries, with their seq
}

// replyFunc builds the HTTP answer of a turn, before it is committed (it
// is stored with the turn for Idempotency-Key).
type replyFunc func(out *turnOutput) (status int, body any)

// botFor returns the bot a stored conversation runs on: the version it
// started on, or, when this process never loaded that version, the
// current bot of that name.
func (s *Server) botFor(ctx context.Context, st runtime.State) (*Bot, error) {
	if b := s.bots.Version(st.Bot, st.Version); b != nil {
		return b, nil
	}
	if b := s.bots.Current(st.Bot); b != nil {
		s.log.WarnContext(ctx, "the conversation's bot version is not loaded; it continues on the current version",
			"conversation", st.ID, "bot", st.Bot, "version", st.Version, "current", b.Version)
		return b, nil
	}
	return nil, errorf(CodeConflict, "this server does not host the bot %s the conversation belongs to", st.Bot)
}

// runContext is what a turn of bot borrows from the host: the clock and the
// declared env and secrets.
func (s *Server) runContext(b *Bot, now time.Time) *runtime.Context {
	c := &runtime.Context{Now: now}
	if len(b.Env) > 0 {
		c.Env = map[string]string{}
		for _, name := range b.Env {
			if v, ok := s.lookupEnv(name); ok {
				c.Env[name] = v
			}
		}
	}
	if len(b.Secrets) > 0 {
		c.Secrets = map[string]string{}
		for _, name := range b.Secrets {
			if v, ok := s.lookupEnv(name); ok {
				c.Secrets[name] = v
			}
		}
	}
	return c
}

// drive runs input through the conversation with runtime.Drive and
// follows transfers to other bots of this server (runtime.Handoff). It
// returns the final state and bot and the turn's log entries after the
// input's: records of effects, outputs and errors, in order. An error is a
// refusal of the input: nothing happened.
func (s *Server) drive(ctx context.Context, bot *Bot, st runtime.State, in runtime.Input, perf *performer) (runtime.State, *Bot, []store.Message, error) {
	now := perf.now
	perf.bot = bot.Name
	st, reply, err := runtime.Drive(ctx, bot.Bot, st, in, s.runContext(bot, now), perf)
	if err != nil {
		return st, bot, nil, err
	}
	var msgs []store.Message
	add := func(b *Bot, reply runtime.Reply) {
		msgs = append(msgs, perf.records...)
		perf.records = perf.records[:0]
		for _, o := range reply.Outputs {
			msgs = append(msgs, outputMessage(b.Name, o, now))
		}
		for _, e := range reply.Errors {
			msgs = append(msgs, recordMessage(kindError, e, record{Bot: b.Name}, now))
			s.log.WarnContext(ctx, "bot error", "conversation", st.ID, "bot", b.Name, "error", e)
		}
	}
	add(bot, reply)
	for hops := 0; st.HandedTo != ""; hops++ {
		to := s.bots.Current(st.HandedTo)
		if to == nil || hops >= maxHops {
			msg := fmt.Sprintf("the conversation was handed to the bot %s, which this server does not host", st.HandedTo)
			if to != nil {
				msg = fmt.Sprintf("more than %d transfers between bots in one turn; stopped at %s", maxHops, st.HandedTo)
			}
			msgs = append(msgs, recordMessage(kindError, msg, record{Bot: bot.Name}, now))
			s.log.ErrorContext(ctx, "handoff failed", "conversation", st.ID, "error", msg)
			break
		}
		next, start, err := runtime.Handoff(st, to.Bot)
		if err != nil {
			msgs = append(msgs, recordMessage(kindError, err.Error(), record{Bot: bot.Name}, now))
			s.log.ErrorContext(ctx, "handoff failed", "conversation", st.ID, "error", err)
			break
		}
		msgs = append(msgs, recordMessage(kindHandoff, "", record{From: bot.Name, Bot: to.Name, Version: to.Version, Dialog: start.Dialog}, now))
		s.log.InfoContext(ctx, "handoff", "conversation", st.ID, "from", bot.Name, "to", to.Name)
		bot = to
		perf.bot = bot.Name
		st2, reply, err := runtime.Drive(ctx, bot.Bot, next, start, s.runContext(bot, now), perf)
		if err != nil {
			// The receiving bot refused its start (an agent cannot own a
			// conversation that was just built): keep the handed state.
			msgs = append(msgs, recordMessage(kindError, err.Error(), record{Bot: bot.Name}, now))
			st = next
			break
		}
		st = st2
		add(bot, reply)
	}
	return st, bot, msgs, nil
}

// inputMessage is the log entry of a turn's input.
func inputMessage(st runtime.State, in runtime.Input, now time.Time) store.Message {
	if in.Kind == runtime.Message {
		d := msgData{}
		if st.Owner == runtime.OwnerAgent {
			d.Owner = runtime.OwnerAgent
		}
		return store.Message{Time: now, Kind: KindUser, Text: in.Text, Data: mustJSON(d)}
	}
	return store.Message{Time: now, Kind: KindEvent, Text: in.Event, Data: mustJSON(msgData{Fields: in.Fields})}
}

// runTurn runs one turn of conversation id: serialised with the other
// turns of the conversation in this process, rerun when another replica
// committed first, and committed (state, log and the reply for k) before
// it returns. With an Idempotency-Key whose reply is stored, it returns
// that reply instead (replayed), or refuses a key used for another input.
func (s *Server) runTurn(ctx context.Context, id string, k idem, ti turnInput, reply replyFunc) (status int, body []byte, replayed bool, err error) {
	unlock := s.locks.Lock(id)
	defer unlock()
	start := time.Now()
	botName := ""
	defer func() {
		outcome := "ok"
		switch {
		case replayed:
			outcome = "replayed"
		case err != nil && refusal(err) != nil:
			outcome = "refused"
		case err != nil:
			outcome = "error"
		}
		if botName != "" {
			s.metrics.turn(botName, ti.kind, outcome, time.Since(start))
		}
	}()
	for attempt := 1; ; attempt++ {
		if status, body, ok, err := s.stored(ctx, id, k); err != nil {
			return 0, nil, false, err
		} else if ok {
			return status, body, true, nil
		}
		rec, err := s.store.Get(ctx, id)
		if err != nil {
			return 0, nil, false, storeError("get", err)
		}
		st, err := runtime.Unmarshal(rec.State)
		if err != nil {
			return 0, nil, false, fmt.Errorf("conversation %s: stored state: %w", id, err)
		}
		bot, err := s.botFor(ctx, st)
		if err != nil {
			return 0, nil, false, err
		}
		botName = bot.Name
		now := s.now()
		perf := &performer{s: s, conv: id, lastSeq: rec.LastSeq, upload: ti.upload, now: now}
		before := st
		st, last, msgs, err := s.drive(ctx, bot, st, ti.in, perf)
		if err != nil {
			s.log.InfoContext(ctx, "input refused", "conversation", id, "bot", bot.Name, "error", err)
			return 0, nil, false, err
		}
		msgs = append([]store.Message{inputMessage(before, ti.in, now)}, msgs...)
		for i := range msgs {
			msgs[i].Seq = rec.LastSeq + int64(i) + 1
		}
		data, err := runtime.Marshal(st)
		if err != nil {
			return 0, nil, false, fmt.Errorf("conversation %s: encoding the state: %w", id, err)
		}
		out := &turnOutput{rec: rec, st: st, bot: last, msgs: msgs}
		out.rec.LastSeq = rec.LastSeq + int64(len(msgs))
		status, v := reply(out)
		body, err := json.Marshal(v)
		if err != nil {
			return 0, nil, false, err
		}
		var rep *store.Reply
		if k.id != "" {
			rep = &store.Reply{Key: k.id, Status: status, Body: packReply(k.fp, body)}
		}
		newRec, err := s.store.Commit(ctx, id, rec.Version, data, msgs, rep)
		if errors.Is(err, store.ErrConflict) && attempt < maxAttempts {
			s.metrics.conflicts.Inc()
			s.log.DebugContext(ctx, "turn lost a race with another replica; rerunning", "conversation", id, "attempt", attempt)
			sleep(ctx, time.Duration(rand.Int64N(int64(min(attempt, 10))*int64(5*time.Millisecond)))+time.Millisecond)
			continue
		}
		if err != nil {
			return 0, nil, false, storeError("commit", err)
		}
		out.rec = newRec
		s.notify.wake(id)
		s.metrics.owner(bot.Name, before.Owner, last.Name, st.Owner)
		s.log.InfoContext(ctx, "turn", "conversation", id, "bot", last.Name, "input", ti.kind, "turn", st.Turn,
			"owner", st.Owner, "messages", len(msgs), "duration", time.Since(start))
		s.emit(id, last.Name, msgs)
		return status, body, false, nil
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// emit reports the visible entries of a committed turn to OnEvent.
func (s *Server) emit(conv, bot string, msgs []store.Message) {
	if s.onEvent == nil {
		return
	}
	for _, m := range msgs {
		if !visible(m.Kind) {
			continue
		}
		am := apiMessage(m)
		ev := Event{ID: fmt.Sprintf("%s/%d", conv, m.Seq), Conversation: conv, Bot: bot, Time: m.Time}
		if am.Bot != "" {
			ev.Bot = am.Bot
		}
		switch {
		case m.Kind == KindAction && am.Action == "transfer":
			ev.Type, ev.Data = EventTransfer, am.Transfer
		case m.Kind == KindAction && am.Action == "close":
			ev.Type = EventClosed
		case m.Kind == KindEvent && m.Text == runtime.EventAgentDone:
			ev.Type = EventAgentDone
		case m.Kind == KindEvent:
			continue
		default:
			ev.Type, ev.Data = EventMessage, am
		}
		s.onEvent(ev)
	}
}

// turnContext detaches a turn from its request: a turn that started runs
// to its end and is stored even if the client goes away, within the turn
// timeout.
func (s *Server) turnContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s.turnLimit)
}
