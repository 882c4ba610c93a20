package directline

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/server"
)

// Activity is a Direct Line activity: the fields botctl reads or writes
// of the Bot Framework schema. Others a client sends are ignored.
type Activity struct {
	Type         string           `json:"type"`
	ID           string           `json:"id,omitempty"`
	Timestamp    string           `json:"timestamp,omitempty"`
	ChannelID    string           `json:"channelId,omitempty"`
	From         *Account         `json:"from,omitempty"`
	Conversation *ConversationRef `json:"conversation,omitempty"`
	Text         string           `json:"text,omitempty"`
	Name         string           `json:"name,omitempty"`
	Value        any              `json:"value,omitempty"`
	Attachments  []Attachment     `json:"attachments,omitempty"`
	Suggested    *Suggested       `json:"suggestedActions,omitempty"`
	ChannelData  *ChannelData     `json:"channelData,omitempty"`
	Locale       string           `json:"locale,omitempty"`
}

// Account is an activity's sender.
type Account struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Role string `json:"role,omitempty"`
}

// ConversationRef names an activity's conversation.
type ConversationRef struct {
	ID string `json:"id"`
}

// Attachment is a file of a message. Users' attachments are taken from a
// data: URL in contentUrl, or from the upload call's parts.
type Attachment struct {
	ContentType string `json:"contentType,omitempty"`
	ContentURL  string `json:"contentUrl,omitempty"`
	Name        string `json:"name,omitempty"`
}

// Suggested are the quick replies of a bot message: the bot's buttons.
type Suggested struct {
	Actions []CardAction `json:"actions"`
	To      []string     `json:"to,omitempty"`
}

// CardAction is one button; imBack sends its value as the user's message.
type CardAction struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	Value string `json:"value"`
}

// ChannelData carries the client's own id of an activity, by which Web
// Chat matches the echo of what it sent.
type ChannelData struct {
	ClientActivityID string `json:"clientActivityID,omitempty"`
}

// ActivitySet is what GET activities answers and the stream sends.
type ActivitySet struct {
	Activities []Activity `json:"activities"`
	Watermark  string     `json:"watermark"`
}

// activityID is the id of the activity of log entry seq: the
// conversation id, "|" and the seq, as Direct Line numbers them.
func activityID(conv string, seq int64) string {
	return fmt.Sprintf("%s|%07d", conv, seq)
}

// parseWatermark reads a watermark: the seq of the last log entry a
// client has, "" for none.
func parseWatermark(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("the watermark %q is not one this server gave", truncate(s, 40))
	}
	return n, nil
}

// view is what activities are made for: the conversation, its user and bot.
type view struct {
	conv, bot, user string
}

// activities converts log messages into activities. A bot's buttons ride
// on the bot message just before them, as suggested actions; after
// anything else they come as a message without text.
func (v view) activities(msgs []server.Message) []Activity {
	out := []Activity{}
	for _, m := range msgs {
		a := Activity{ID: activityID(v.conv, m.Seq), Timestamp: m.Time.UTC().Format(time.RFC3339Nano),
			ChannelID: Channel, Conversation: &ConversationRef{ID: v.conv}}
		bot := &Account{ID: v.bot, Name: v.bot, Role: "bot"}
		if m.Bot != "" {
			bot = &Account{ID: m.Bot, Name: m.Bot, Role: "bot"}
		}
		switch {
		case m.Kind == server.KindUser:
			a.Type, a.Text, a.From = "message", m.Text, &Account{ID: v.user, Role: "user"}
		case m.Kind == server.KindEvent:
			a.Type, a.Name, a.From = "event", m.Text, &Account{ID: v.user, Role: "user"}
			if len(m.Fields) > 0 {
				a.Value = m.Fields
			}
		case m.Kind == server.KindBot:
			a.Type, a.Text, a.From = "message", m.Text, bot
		case m.Kind == server.KindAction && m.Action == "buttons":
			// No "to": Web Chat shows suggested actions addressed to its
			// own user id only, which is not the token's unless it is a JWT.
			sa := &Suggested{}
			for _, b := range m.Buttons {
				sa.Actions = append(sa.Actions, CardAction{Type: "imBack", Title: b, Value: b})
			}
			if n := len(out); n > 0 && out[n-1].Type == "message" && out[n-1].From.Role == "bot" && out[n-1].Suggested == nil {
				out[n-1].Suggested = sa
				continue
			}
			a.Type, a.From, a.Suggested = "message", bot, sa
		case m.Kind == server.KindAction && m.Action == "transfer" && m.Transfer != nil:
			a.Type, a.Name, a.From, a.Value = "event", "transfer", bot, m.Transfer
		case m.Kind == server.KindAction && m.Action == "upload":
			accept := m.Accept
			if accept == nil {
				accept = []string{}
			}
			a.Type, a.Name, a.From, a.Value = "event", "upload", bot, map[string]any{"accept": accept}
		case m.Kind == server.KindAction && m.Action == "close":
			a.Type, a.From = "endOfConversation", bot
		default:
			continue // errors of send, which this channel does not use
		}
		if m.Client != "" {
			a.ChannelData = &ChannelData{ClientActivityID: m.Client}
		}
		out = append(out, a)
	}
	return out
}

// maxActivity is the largest activity POST takes: a file as a data: URL
// within the upload limit, in base64.
const maxActivity = server.MaxUpload/3*4 + 64<<10

// parseActivity reads a posted activity.
func parseActivity(data []byte) (Activity, error) {
	var a Activity
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&a); err != nil {
		return Activity{}, fmt.Errorf("the body is not an activity: %v", err)
	}
	if dec.More() {
		return Activity{}, errors.New("the body has more than one JSON value")
	}
	if a.Type == "" {
		return Activity{}, errors.New("the activity has no type; Direct Line takes message and event activities")
	}
	if len(a.Attachments) > 1 {
		return Activity{}, errors.New("a message carries at most one attachment here")
	}
	return a, nil
}

// inputKey is the idempotency key of a posted activity: the id the client
// gave it, or Web Chat's clientActivityID.
func inputKey(a Activity) string {
	k := a.ID
	if k == "" && a.ChannelData != nil {
		k = a.ChannelData.ClientActivityID
	}
	if len(k) > 200 {
		k = k[:200]
	}
	for _, c := range k {
		if c < 0x21 || c > 0x7e {
			return "" // not a key the server keeps; the input is taken without one
		}
	}
	return k
}

// eventFields turns an event activity's value into the event's fields: an
// object's values (strings, or JSON for other values), or one field value.
func eventFields(v any) map[string]string {
	switch v := v.(type) {
	case nil:
		return nil
	case map[string]any:
		f := make(map[string]string, len(v))
		for k, x := range v {
			f[k] = scalarText(x)
		}
		return f
	}
	return map[string]string{"value": scalarText(v)}
}

func scalarText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// dataURL decodes a data: URL (base64 or percent-encoded): its type and
// bytes.
func dataURL(u string) (string, []byte, error) {
	rest, ok := strings.CutPrefix(u, "data:")
	if !ok {
		return "", nil, errors.New("an attachment's contentUrl must be a data: URL, or the file sent with the upload call: this server fetches no URLs")
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return "", nil, errors.New("the data: URL has no comma")
	}
	isB64 := false
	if m, ok := strings.CutSuffix(meta, ";base64"); ok {
		meta, isB64 = m, true
	}
	ctype := ""
	if meta != "" {
		mt, _, err := mime.ParseMediaType(meta)
		if err != nil {
			return "", nil, fmt.Errorf("the data: URL's type %q is not a media type", truncate(meta, 40))
		}
		ctype = mt
	}
	if isB64 {
		b, err := base64.StdEncoding.DecodeString(payload)
		if err != nil {
			return "", nil, errors.New("the data: URL's base64 does not decode")
		}
		return ctype, b, nil
	}
	s, err := unescape(payload)
	if err != nil {
		return "", nil, errors.New("the data: URL's percent-encoding does not decode")
	}
	return ctype, []byte(s), nil
}

// unescape decodes %XX escapes (a data: URL's, where "+" is itself).
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", errors.New("short escape")
		}
		n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", err
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String(), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
