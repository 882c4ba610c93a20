package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/turn"
)

// Kinds of the entries of a conversation's log (store.Message.Kind). The
// first four are what clients see (receive, complete); the others are the
// server's records, for the transcript export and for operators.
const (
	KindUser   = "user"   // a user message
	KindBot    = "bot"    // a bot text message
	KindAction = "action" // a bot action: buttons, transfer, close, upload
	KindEvent  = "event"  // an event from the host: agent_done, upload, ...

	kindStart    = "start"    // how the conversation started
	kindCall     = "call"     // an integration call and the response it got
	kindTransfer = "transfer" // the outcome of a transfer request
	kindStored   = "stored"   // the outcome of storing an uploaded file
	kindError    = "error"    // a problem for the bot's author (the user got error_message)
	kindHandoff  = "handoff"  // a transfer to another bot took effect
	kindTimer    = "timer"    // a timer fired (inactivity, schedule): the turn's input

	// kindSendFailed is a message of send that was accepted (202) but
	// could not be run when its turn came. Clients see it, as KindError.
	kindSendFailed = "send_failed"
)

// KindError is the kind clients see for a message of send that was
// accepted but failed when its turn came (it is stored as kindSendFailed;
// the log's "error" entries are the bot author's, which clients do not see).
const KindError = "error"

// visible reports whether clients see log entries of this kind.
func visible(kind string) bool {
	return kind == KindUser || kind == KindBot || kind == KindAction || kind == KindEvent || kind == kindSendFailed
}

// Message is one entry of a conversation as the API shows it.
type Message struct {
	Seq  int64     `json:"seq"`
	Time time.Time `json:"time"`
	Kind string    `json:"kind"` // user, bot, action, event, error
	// Text is the message (user, bot), the action as a transcript writes
	// it after "<< " (action), the event's name (event), or what went
	// wrong (error).
	Text string `json:"text"`
	msgData
}

// msgData is the kind-specific part of a message, stored as the log
// entry's Data.
type msgData struct {
	Bot      string            `json:"bot,omitempty"`             // bot, action: the bot that said it
	Owner    string            `json:"owner,omitempty"`           // user: "agent" when the message is for an agent
	Action   string            `json:"action,omitempty"`          // action: buttons, transfer, close, upload
	Buttons  []string          `json:"buttons,omitempty"`         // action buttons: the quick replies
	Accept   []string          `json:"accept,omitempty"`          // action upload: accepted file types
	Transfer *TransferInfo     `json:"transfer,omitempty"`        // action transfer
	Fields   map[string]string `json:"fields,omitempty"`          // event: its fields
	DelayMS  int64             `json:"delay_ms,omitempty"`        // bot, action: pause before showing it
	Code     string            `json:"code,omitempty"`            // error: the error code the call would have answered
	Input    string            `json:"input,omitempty"`           // error: the text of the send that failed
	Key      string            `json:"idempotency_key,omitempty"` // error: the send's Idempotency-Key, if any
	Client   string            `json:"client_id,omitempty"`       // user, event from a channel: the sender's id of it
}

// TransferInfo describes a handover shown by a transfer action.
type TransferInfo struct {
	To    string   `json:"to"`
	Skill string   `json:"skill,omitempty"`
	Agent string   `json:"agent,omitempty"`
	Bot   string   `json:"bot,omitempty"`
	Tags  []string `json:"tags,omitempty"`
}

// record is the Data of the log entries clients do not see.
type record struct {
	// start
	Bot         string         `json:"bot,omitempty"`
	Version     string         `json:"version,omitempty"`
	User        map[string]any `json:"user,omitempty"`
	Params      map[string]any `json:"params,omitempty"`
	Interaction string         `json:"interaction,omitempty"`
	Dialog      string         `json:"dialog,omitempty"`
	// call
	Integration string         `json:"integration,omitempty"`
	Method      string         `json:"method,omitempty"`
	Response    *mock.Response `json:"response,omitempty"`
	// transfer, stored
	To    string `json:"to,omitempty"`
	ID    string `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Type  string `json:"type,omitempty"`
	Size  int64  `json:"size,omitempty"`
	Error string `json:"error,omitempty"`
	// handoff
	From string `json:"from,omitempty"`
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain values and maps of decoded JSON come here
	}
	return b
}

// outputMessage is the log entry of something the bot showed.
func outputMessage(bot string, o turn.Output, at time.Time) store.Message {
	d := msgData{Bot: bot, DelayMS: o.Delay.Milliseconds()}
	m := store.Message{Time: at, Kind: KindAction}
	switch o.Kind {
	case turn.OutText:
		m.Kind, m.Text = KindBot, o.Text
	case turn.OutButtons:
		d.Action, d.Buttons = "buttons", o.Buttons
	case turn.OutTransfer:
		d.Action = "transfer"
		t := o.Transfer
		d.Transfer = &TransferInfo{To: t.To, Skill: t.Skill, Agent: t.Agent, Bot: t.Bot, Tags: t.Tags}
	case turn.OutClose:
		d.Action = "close"
	case turn.OutUpload:
		d.Action, d.Accept = "upload", o.Accept
	}
	if m.Kind == KindAction {
		m.Text = strings.TrimPrefix(o.Line(), "<< ")
	}
	m.Data = mustJSON(d)
	return m
}

// recordMessage is a log entry clients do not see.
func recordMessage(kind, text string, r record, at time.Time) store.Message {
	return store.Message{Time: at, Kind: kind, Text: text, Data: mustJSON(r)}
}

// apiMessage converts a visible log entry for the API.
func apiMessage(m store.Message) Message {
	out := Message{Seq: m.Seq, Time: m.Time, Kind: m.Kind, Text: m.Text}
	if m.Kind == kindSendFailed {
		out.Kind = KindError
	}
	if len(m.Data) > 0 {
		_ = json.Unmarshal(m.Data, &out.msgData)
	}
	return out
}

// apiMessages converts the visible entries of a log.
func apiMessages(msgs []store.Message) []Message {
	out := []Message{}
	for _, m := range msgs {
		if visible(m.Kind) {
			out = append(out, apiMessage(m))
		}
	}
	return out
}

// callResponse converts a call's result into the mock response that
// replays it. A result with an error replays as that error (a mock cannot
// carry both a status and an error; the bot routes both as a failure).
// Headers about the transport, not the answer, are left out, and so are
// cookies, which may be credentials.
func callResponse(r turn.CallResult) *mock.Response {
	if r.Error != "" {
		return &mock.Response{Error: r.Error}
	}
	var h map[string]string
	for k, v := range r.Headers {
		if transportHeaders[http.CanonicalHeaderKey(k)] {
			continue
		}
		if h == nil {
			h = map[string]string{}
		}
		h[k] = v
	}
	return &mock.Response{Status: r.Status, Body: r.Body, Headers: h}
}

var transportHeaders = map[string]bool{
	"Date": true, "Content-Length": true, "Connection": true, "Keep-Alive": true,
	"Transfer-Encoding": true, "Server": true, "Alt-Svc": true, "Via": true, "Age": true,
	"Strict-Transport-Security": true, "Set-Cookie": true, "Expires": true, "Last-Modified": true,
	"Cache-Control": true, "Pragma": true, "Vary": true, "Etag": true, "Accept-Ranges": true,
	"Content-Encoding": true,
}
