package server

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/turn"
)

// Event is something that happened in a conversation, for WithOnEvent
// (the outbound webhooks). Types are those of docs/operations.md#webhooks: message, transfer,
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
	// EventErased: the conversation was erased (DELETE, or retention);
	// receivers should erase what they keep of it. It carries no data.
	EventErased = "erased"
)

// maxAttempts bounds the reruns of a turn that lost a race with another
// replica.
const maxAttempts = 50

// maxHops bounds the transfers to other bots one turn may make.
const maxHops = 8

// turnInput is the input of a turn and what the log records of it.
type turnInput struct {
	in     turn.Input
	kind   string // message or event, for metrics
	upload []byte // the bytes of an upload event
	client string // the sender's id of the input, for a channel to echo (msgData.Client)
}

// turnOutput is a committed turn.
type turnOutput struct {
	rec  store.Record
	st   turn.State
	bot  *Bot
	msgs []store.Message // this turn's log entries, with their seq

	status int    // the answer replyFunc built
	body   []byte // as JSON
}

// replyFunc builds the HTTP answer of a turn, before it is committed (it
// is stored with the turn for Idempotency-Key).
type replyFunc func(out *turnOutput) (status int, body any)

// runContext is what a turn of bot borrows from the host: the clock and the
// declared env and secrets.
func (s *Server) runContext(b *Bot, now time.Time) *turn.Context {
	c := &turn.Context{Now: now}
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
		c.Redactor = s.redactor(b.Name, c.Secrets)
	}
	return c
}

// redactor returns the Redactor of a bot's secrets, built once for as long
// as their values stay the same.
func (s *Server) redactor(bot string, secrets map[string]string) *turn.Redactor {
	if e, ok := s.redactors.Load(bot); ok {
		if e := e.(*redactorEntry); maps.Equal(e.secrets, secrets) {
			return e.rd
		}
	}
	rd := turn.NewRedactor(slices.Collect(maps.Values(secrets))...)
	s.redactors.Store(bot, &redactorEntry{secrets: secrets, rd: rd})
	return rd
}

type redactorEntry struct {
	secrets map[string]string
	rd      *turn.Redactor
}

// drive runs input through the conversation with turn.Drive and
// follows transfers to other bots of this server (turn.Handoff). Its
// log entries (records of effects, outputs, errors) go to the turn's
// pending entries, and perf stores the turn before each effect. It returns
// the final state and bot. An error is a refusal of the input when nothing
// of the turn is stored, or what stopped storing it.
func (s *Server) drive(ctx context.Context, bot *Bot, st turn.State, in turn.Input, perf *performer) (turn.State, *Bot, error) {
	now := perf.now
	perf.use(bot)
	st, reply, err := turn.Drive(ctx, bot.Bot, st, in, s.runContext(bot, now), perf)
	if err != nil {
		return st, bot, err
	}
	perf.t.see(bot.Bot, st)
	perf.collect(ctx, reply)
	t := perf.t
	for hops := 0; st.HandedTo != ""; hops++ {
		to := s.bots.Current(st.HandedTo)
		if to == nil || hops >= maxHops {
			msg := fmt.Sprintf("the conversation was handed to the bot %s, which this server does not host", st.HandedTo)
			if to != nil {
				msg = fmt.Sprintf("more than %d transfers between bots in one turn; stopped at %s", maxHops, st.HandedTo)
			}
			t.add(recordMessage(kindError, msg, record{Bot: bot.Name}, now))
			s.log.ErrorContext(ctx, "handoff failed", "conversation", st.ID, "error", msg)
			break
		}
		next, start, err := turn.Handoff(st, to.Bot)
		if err == nil {
			err = s.publish(ctx, to)
		}
		if err != nil {
			t.add(recordMessage(kindError, err.Error(), record{Bot: bot.Name}, now))
			s.log.ErrorContext(ctx, "handoff failed", "conversation", st.ID, "error", err)
			break
		}
		t.add(recordMessage(kindHandoff, "", record{From: bot.Name, Bot: to.Name, Version: to.Version, Dialog: start.Dialog}, now))
		s.log.InfoContext(ctx, "handoff", "conversation", st.ID, "from", bot.Name, "to", to.Name)
		bot = to
		perf.use(bot)
		st2, reply, err := turn.Drive(ctx, bot.Bot, next, start, s.runContext(bot, now), perf)
		if perf.stop != nil {
			return st2, bot, perf.stop
		}
		if err != nil {
			// The receiving bot refused its start (an agent cannot own a
			// conversation that was just built): keep the handed state.
			t.add(recordMessage(kindError, err.Error(), record{Bot: bot.Name}, now))
			st = next
			break
		}
		st = st2
		perf.t.see(bot.Bot, st)
		perf.collect(ctx, reply)
	}
	return st, bot, nil
}

// inputMessage is the log entry of a turn's input.
func inputMessage(st turn.State, in turn.Input, client string, now time.Time) store.Message {
	if in.Kind == turn.Tick {
		return store.Message{Time: now, Kind: kindTimer}
	}
	if in.Kind == turn.Message {
		d := msgData{Client: client}
		if st.Owner == turn.OwnerAgent {
			d.Owner = turn.OwnerAgent
		}
		return store.Message{Time: now, Kind: KindUser, Text: in.Text, Data: mustJSON(d)}
	}
	return store.Message{Time: now, Kind: KindEvent, Text: in.Event, Data: mustJSON(msgData{Fields: in.Fields, Client: client})}
}

// runTurn runs one turn of conversation id: serialised with the other
// turns of the conversation in this process, and across replicas by the
// lease of an effect in flight; rerun when another replica committed first,
// as long as nothing of it is stored; and committed (state, log and the
// reply for k) before it returns. With an Idempotency-Key whose reply is
// stored, it returns that reply instead (replayed), or refuses a key used
// for another input.
//
// Effects happen once: a turn stores the state that waits for an effect,
// with a lease on it, before it performs the effect, so a turn that loses
// a race has performed nothing, and a turn that finds another's lease
// waits for it rather than performing the effect again. A lease whose
// holder is gone is settled as "outcome unknown" (settle).
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
	var settled []store.Message // what settling an earlier turn's effect said
	for attempt := 1; ; {
		if status, body, ok, err := s.stored(ctx, id, k); err != nil {
			return 0, nil, false, err
		} else if ok {
			return status, body, true, nil
		}
		rec, err := s.store.Get(ctx, id)
		if err != nil {
			return 0, nil, false, storeError("get", err)
		}
		st, err := s.decodeState(rec.State)
		if err != nil {
			return 0, nil, false, fmt.Errorf("conversation %s: stored state: %w", id, err)
		}
		if st.Lease != nil {
			// A retry of the very request whose turn was cut off gets the
			// settled outcome as its answer: its input is in the log
			// already and must not be taken twice.
			var own idem
			if k.id != "" && st.Lease.Request == k.id {
				if in := st.Lease.Input; in != "" && in != k.fp && in != k.legacy {
					return 0, nil, false, k.mismatch()
				}
				own = k
			}
			out, err := s.settle(ctx, rec, st, own, reply)
			if err != nil {
				return 0, nil, false, err
			}
			if out != nil && own.id != "" {
				return out.status, out.body, false, nil
			}
			if out != nil {
				settled = append(settled, out.msgs...)
			}
			continue
		}
		bot, err := s.botFor(ctx, &st, false)
		if err != nil {
			return 0, nil, false, err
		}
		botName = bot.Name
		now := s.now()
		t := &ledger{s: s, id: id, rec: rec, created: true, request: k, bot: bot.Name, committed: settled}
		perf := &performer{s: s, conv: id, lastSeq: rec.LastSeq, upload: ti.upload, now: now, t: t}
		before := st
		t.see(bot.Bot, before)
		in := inputMessage(before, ti.in, ti.client, now)
		if ti.in.Kind == turn.Message && turn.AnswersSensitive(bot.Bot, before) {
			// The answer is masked as a whole, and wherever the bot's
			// messages repeat it as written.
			in.Text = turn.Masked
			t.sensitive = append(t.sensitive, strings.TrimSpace(ti.in.Text))
			t.masker = nil
		}
		t.add(in)
		st, last, err := s.drive(ctx, bot, st, ti.in, perf)
		if err == nil {
			var out *turnOutput
			var rep *store.Reply
			out, rep, err = t.output(st, last, k, reply)
			if err == nil {
				err = t.commit(ctx, st, rep)
			}
			if err == nil {
				s.metrics.owner(bot.Name, before.Owner, last.Name, st.Owner)
				s.log.InfoContext(ctx, "turn", "conversation", id, "bot", last.Name, "input", ti.kind, "turn", st.Turn,
					"owner", st.Owner, "messages", len(out.msgs), "duration", time.Since(start))
				return out.status, out.body, false, nil
			}
		}
		switch {
		case errors.Is(err, errRerun) && attempt < maxAttempts:
			s.metrics.conflicts.Inc()
			s.log.DebugContext(ctx, "turn lost a race with another replica; rerunning", "conversation", id, "attempt", attempt)
			sleep(ctx, time.Duration(rand.Int64N(int64(min(attempt, 10))*int64(5*time.Millisecond)))+time.Millisecond)
			attempt++
			continue
		case errors.Is(err, errRerun):
			return 0, nil, false, storeError("commit", store.ErrConflict)
		case t.stored || perf.stop != nil:
			return 0, nil, false, err
		}
		s.log.InfoContext(ctx, "input refused", "conversation", id, "bot", bot.Name, "error", err)
		return 0, nil, false, err
	}
}

// leasePoll is how often a turn looks again at a conversation whose effect
// another server is performing.
const leasePoll = 10 * time.Millisecond

// settle deals with a conversation whose stored state claims an effect in
// flight. While the holder may still be at it, it waits, up to ctx's
// deadline. When the holder is gone — this process (which holds the
// conversation's lock, so no turn of its own is at it), a server that no
// longer shares the store, or one whose lease ran out — it delivers the
// effect's result as unknown, never performing the effect again, and
// commits that, with the reply to k when k is the request whose turn
// performed the effect. It returns the settled turn, or nil when it only
// waited.
func (s *Server) settle(ctx context.Context, rec store.Record, st turn.State, k idem, reply replyFunc) (*turnOutput, error) {
	l := st.Lease
	if s.leaseLive(l) {
		s.log.DebugContext(ctx, "waiting for another server's effect", "conversation", st.ID, "holder", l.Holder)
		select {
		case <-ctx.Done():
			return nil, errorf(CodeConflict, "the conversation is waiting for an integration call another server is making; try again shortly")
		case <-time.After(leasePoll):
		}
		return nil, nil
	}
	bot, err := s.botFor(ctx, &st, false)
	if err != nil {
		return nil, err
	}
	now := s.now()
	// The lease of an effect the settled outcome makes names k's request
	// too: k's next retry is still its retry if this turn is cut off.
	t := &ledger{s: s, id: st.ID, rec: rec, created: true, bot: bot.Name, request: k}
	perf := &performer{s: s, conv: st.ID, lastSeq: rec.LastSeq, now: now, t: t}
	var in turn.Input
	effect := string(st.Wait)
	switch st.Wait {
	case turn.WaitCall:
		in = turn.Input{Kind: turn.CallDone, Unknown: true}
		name := ""
		if step := turn.StepAt(bot.Bot, st.Dialog, st.Step); step != nil && step.Call != nil {
			name = step.Call.Name
		}
		t.add(recordMessage(kindCall, name, record{Integration: name, Response: &mock.Response{Error: turn.EventCallUnknown}}, now))
	case turn.WaitTransfer:
		in = turn.Input{Kind: turn.TransferDone, Err: "the outcome of the transfer request is unknown: the server stopped while making it"}
	case turn.WaitUpload:
		in = turn.Input{Kind: turn.UploadDone, Err: "storing the file was interrupted"}
	default:
		st.Lease = nil // a lease on nothing: drop it
		t.pending = nil
		return nil, t.commit(ctx, st, nil)
	}
	s.metrics.unknown.WithLabelValues(bot.Name, effect).Inc()
	s.log.WarnContext(ctx, "an effect's performer stopped before storing its result; its outcome is unknown",
		"conversation", st.ID, "bot", bot.Name, "effect", effect, "key", l.Key, "holder", l.Holder)
	st, last, err := s.drive(ctx, bot, st, in, perf)
	var out *turnOutput
	if err == nil {
		var rep *store.Reply
		if out, rep, err = t.output(st, last, k, reply); err == nil {
			err = t.commit(ctx, st, rep)
		}
	}
	if errors.Is(err, errRerun) {
		return nil, nil // another server settled it first
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// leaseLive reports whether l may be held by a server still performing its
// effect: another one, sharing the store, before the lease runs out.
func (s *Server) leaseLive(l *turn.Lease) bool {
	return l != nil && l.Holder != s.instance && s.shared() && s.now().Before(l.Until)
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
		case m.Kind == KindEvent && m.Text == turn.EventAgentDone:
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
