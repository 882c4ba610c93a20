package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/transcript"
	"github.com/botctl/botctl/engine/turn"
)

// transcript answers GET /v1/conversations/{id}/transcript: the
// conversation as a .transcript file (docs/testing.md) whose header holds the
// user, the params and, as mocks, the integration responses it got, so that
// `botctl test` replays it.
func (s *Server) transcript(w http.ResponseWriter, r *http.Request, p principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	id, err := conversationID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	for name := range q {
		if name != "bot_path" {
			return errorf(CodeUnknownField, "unknown query parameter %q: the transcript takes bot_path", name)
		}
	}
	ctx := r.Context()
	if _, err := s.store.Get(ctx, id); err != nil {
		return storeError("get", err)
	}
	msgs, err := s.store.Messages(ctx, id, 0, 0)
	if err != nil {
		return storeError("messages", err)
	}
	h, lines := s.exportTranscript(id, msgs)
	if bp := q.Get("bot_path"); bp != "" {
		h.Bot = bp
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", id+".transcript"))
	return transcript.Write(w, h, lines)
}

// exportTranscript turns a conversation's log into a transcript's header
// and lines.
func (s *Server) exportTranscript(id string, msgs []store.Message) (transcript.Header, []transcript.Line) {
	h := transcript.Header{ID: id}
	var lines []transcript.Line
	failedTransfer := false
	comment := func(format string, args ...any) {
		text := fmt.Sprintf(format, args...)
		text = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(text)
		lines = append(lines, transcript.Line{Kind: transcript.Comment, Text: text})
	}
	// A bot with timers replays them by `>> wait` lines: the transcript's
	// clock follows the conversation's before each input, to the second,
	// so the replay fires the timers the conversation did, when it did.
	timers := false
	clock := time.Time{}
	wait := func(to time.Time, up bool) {
		d := to.Sub(clock)
		if up {
			d = (d + time.Second - 1).Truncate(time.Second)
		} else {
			d = d.Truncate(time.Second)
		}
		if d > 0 {
			lines = append(lines, transcript.Line{Kind: transcript.Event, Event: transcript.WaitEvent, Wait: d})
			clock = clock.Add(d)
		}
	}
	for i, m := range msgs {
		var rec record
		var d msgData
		if visible(m.Kind) {
			_ = json.Unmarshal(m.Data, &d)
		} else if len(m.Data) > 0 {
			_ = json.Unmarshal(m.Data, &rec)
		}
		if timers && (m.Kind == KindUser || m.Kind == KindEvent) {
			wait(m.Time, false)
		}
		switch m.Kind {
		case kindTimer:
			wait(m.Time, true)
		case kindStart:
			h.Now = m.Time.UTC()
			clock = h.Now
			h.User = numbersMap(rec.User)
			h.Params = numbersMap(rec.Params)
			h.Interaction, h.Dialog = rec.Interaction, rec.Dialog
			if h.Interaction != "" {
				h.Dialog = "" // the interaction names its dialog
			}
			b := s.bots.Version(rec.Bot, rec.Version)
			if b == nil {
				b = s.bots.Current(rec.Bot)
			}
			if b != nil {
				timers = hasTimers(b.Bot)
				h.Bot = botPath(b)
				h.Env = s.runContext(b, m.Time).Env
				// The export's bot lines are masked as the log keeps
				// them: the replay compares its own masked.
				h.MaskSensitive = len(b.Sensitive) > 0
				if b.Version != rec.Version {
					comment("the conversation ran on another version of %s (%.12s) than this server has loaded (%.12s)", rec.Bot, rec.Version, b.Version)
				}
			} else {
				comment("the conversation ran on the bot %s, which this server no longer hosts", rec.Bot)
			}
		case KindUser:
			if m.Text == turn.Masked {
				comment("a sensitive answer, kept masked: put a test value in its place to replay the transcript")
			}
			lines = append(lines, transcript.MessageLine(m.Text))
		case KindBot:
			lines = append(lines, transcript.Line{Kind: transcript.Say, Text: m.Text})
		case KindAction:
			lines = append(lines, transcript.ActionLine(m.Text))
		case KindEvent:
			lines = append(lines, transcript.EventLine(m.Text, eventFields(m.Text, d.Fields)...))
		case kindCall:
			if rec.Response != nil {
				if h.Mocks == nil {
					h.Mocks = mock.Set{}
				}
				h.Mocks[rec.Integration] = append(h.Mocks[rec.Integration], *rec.Response)
			}
		case kindTransfer:
			h.Transfers = append(h.Transfers, transcript.Outcome{Error: rec.Error})
			failedTransfer = failedTransfer || rec.Error != ""
		case kindStored:
			h.Uploads = append(h.Uploads, transcript.Outcome{Error: rec.Error, ID: rec.ID})
		case kindError:
			comment("bot error: %s", m.Text)
		case kindSendFailed:
			comment("a message sent with send was not taken when its turn came (%s): %q: %s", d.Code, d.Input, m.Text)
		case kindHandoff:
			// botctl test runs one bot: the transcript is this bot's
			// part. What the receiving bot said (and the user's later
			// messages, which this bot would refuse) is left out, and so
			// are its integrations' responses.
			comment("handed to the bot %s: the rest of the conversation (%d more messages) happened in %s; botctl test runs one bot, so the transcript ends here",
				rec.Bot, countVisible(msgs[i+1:]), rec.Bot)
			return finish(h, lines, failedTransfer)
		}
	}
	return finish(h, lines, failedTransfer)
}

// hasTimers reports whether a bot's conversations can be woken by time.
func hasTimers(b *graph.Bot) bool {
	if len(b.Inactivity) > 0 {
		return true
	}
	for _, d := range b.Dialogs {
		for _, st := range d.Steps {
			if st.Kind == graph.StepSchedule {
				return true
			}
		}
	}
	return false
}

// countVisible counts the entries clients see.
func countVisible(msgs []store.Message) int {
	n := 0
	for _, m := range msgs {
		if visible(m.Kind) {
			n++
		}
	}
	return n
}

// finish completes an exported header: transfer outcomes are written only
// when one failed (every transfer requested is the default).
func finish(h transcript.Header, lines []transcript.Line, failedTransfer bool) (transcript.Header, []transcript.Line) {
	if !failedTransfer {
		h.Transfers = nil
	}
	return h, lines
}

// eventFields orders an event's fields for its line: an upload's as
// docs/testing.md#the-lines writes them (name, type, size), others by name.
func eventFields(name string, fields map[string]string) []transcript.Field {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	order := map[string]int{"name": 1, "type": 2, "size": 3}
	sort.Slice(keys, func(i, j int) bool {
		if name == "upload" && order[keys[i]] != order[keys[j]] {
			oi, oj := order[keys[i]], order[keys[j]]
			if oi == 0 {
				oi = 99
			}
			if oj == 0 {
				oj = 99
			}
			return oi < oj
		}
		return keys[i] < keys[j]
	})
	out := make([]transcript.Field, len(keys))
	for i, k := range keys {
		out[i] = transcript.Field{Key: k, Value: fields[k]}
	}
	return out
}

// botPath is the path a transcript names its bot by: absolute, so that the
// export runs wherever it is saved on this machine (the bot_path query
// parameter, or `botctl test --bot`, give another).
func botPath(b *Bot) string {
	if b.Path == "" {
		return b.Name
	}
	if abs, err := filepath.Abs(b.Path); err == nil {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(b.Path)
}
