package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/botctl/botctl/engine/internal/limits"
	"github.com/botctl/botctl/engine/turn"
)

// Limits on requests.
const (
	// DefaultMaxBody is the largest JSON request body taken (WithMaxBody).
	DefaultMaxBody = 64 << 10
	// MaxUpload is the largest file an upload event carries: the upper
	// bound of a file question's max_size (docs/language.md#11-file-upload).
	MaxUpload = limits.MaxFile
	// MaxText is the longest user message, in bytes.
	MaxText = 8 << 10
	// MaxWait is the longest a receive waits for new messages.
	MaxWait = 30
	// MaxReceive is the most messages one receive returns.
	MaxReceive = 1000
)

// CreateRequest is the body of POST /v1/conversations.
type CreateRequest struct {
	// Bot is the bot's name; it may be left out when the server hosts one bot.
	Bot string `json:"bot,omitempty"`
	// User is the user profile the bot reads as user.NAME.
	User map[string]any `json:"user,omitempty"`
	// Params are the start parameters the bot reads as params.NAME. With
	// Interaction they are what the host passes to the interaction point.
	Params map[string]any `json:"params,omitempty"`
	// Interaction starts the conversation through this interaction point.
	Interaction string `json:"interaction,omitempty"`
	// Dialog starts this dialog instead of the welcome dialog.
	Dialog string `json:"dialog,omitempty"`
}

// TextRequest is the body of complete and send.
type TextRequest struct {
	Text *string `json:"text"`
}

// ReceiveRequest is the body of receive.
type ReceiveRequest struct {
	// After is the cursor: messages with a greater seq are returned.
	After int64 `json:"after,omitempty"`
	// Wait is how many seconds to wait for a message when there is none
	// yet (at most MaxWait); 0 answers at once.
	Wait float64 `json:"wait,omitempty"`
	// Limit caps the messages returned, from 1 to MaxReceive; 0 (or
	// left out) means MaxReceive. Only messages count, not the log
	// entries clients do not see.
	Limit int `json:"limit,omitempty"`
}

// EventRequest is the JSON body of events; uploads come as multipart.
type EventRequest struct {
	Type   string            `json:"type"`
	Fields map[string]string `json:"fields,omitempty"`
}

// StartRequest is the body of POST /v1/interactions/{id}/start.
type StartRequest struct {
	Bot    string         `json:"bot,omitempty"`
	User   map[string]any `json:"user,omitempty"`
	Params map[string]any `json:"params,omitempty"`
}

// TokenRequest is the (optional) body of POST /v1/conversations/{id}/token.
type TokenRequest struct {
	// TTL is the token's lifetime in seconds; 0 means the server's default.
	TTL int64 `json:"ttl,omitempty"`
}

// readJSON reads a JSON request body into dst: at most limit bytes, a JSON
// content type, one JSON object, no unknown fields. An empty body is an
// empty object when optional is set, whatever its content type.
//
// A request that carries an Authorization header may also send its JSON as
// text/plain or application/x-www-form-urlencoded, or with no content type:
// that is what `curl -d` and simple clients send. A request without one
// must say application/json (or a +json type): text/plain, form and
// untyped bodies are what a web page of any origin may POST without a CORS
// preflight, and a server without API keys would take them as an admin's.
// A browser cannot add an Authorization header to a cross-site request
// without a preflight, which this server does not answer.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64, dst any, optional bool) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" {
		mt, err = "", nil
	}
	isJSON := mt == "application/json" || strings.HasSuffix(mt, "+json")
	authorized := r.Header.Get("Authorization") != ""
	lenient := mt == "" || mt == "text/plain" || mt == "application/x-www-form-urlencoded"
	if err != nil || (!isJSON && !lenient) {
		return errorf(CodeUnsupportedMedia, "the body must be JSON (Content-Type: application/json), not %q", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errorf(CodeTooLarge, "the body is larger than %d bytes", limit)
		}
		return errorf(CodeBadRequest, "reading the body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 && optional {
		return nil
	}
	if !isJSON && !authorized {
		if ct == "" {
			return errorf(CodeUnsupportedMedia, "the body needs Content-Type: application/json")
		}
		return errorf(CodeUnsupportedMedia, "the body must be JSON (Content-Type: application/json), not %q; "+
			"other types are read as JSON only from requests with an Authorization header", ct)
	}
	return decodeJSON(body, dst)
}

// decodeJSON decodes one JSON object into dst, refusing unknown fields,
// keys given twice, numbers beyond float64 (checkJSON) and anything after
// the object. Numbers in free-form maps (user, params) keep
// their kind: whole numbers become int, others float64.
func decodeJSON(body []byte, dst any) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return errorf(CodeInvalidJSON, "the body is empty; it must be a JSON object")
	}
	if trimmed[0] != '{' {
		return errorf(CodeInvalidJSON, "the body must be a JSON object")
	}
	if !utf8.Valid(body) {
		return errorf(CodeInvalidJSON, "the body is not valid UTF-8")
	}
	if err := checkJSON(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	off := dec.InputOffset()
	if rest := bytes.TrimLeft(body[off:], " \t\r\n"); len(rest) > 0 {
		return errorf(CodeInvalidJSON, "the body must hold one JSON value; more follows at offset %d", int(off)+len(body[off:])-len(rest))
	}
	switch v := dst.(type) {
	case *CreateRequest:
		v.User, v.Params = numbersMap(v.User), numbersMap(v.Params)
	case *StartRequest:
		v.User, v.Params = numbersMap(v.User), numbersMap(v.Params)
	}
	return nil
}

func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return errorf(CodeInvalidJSON, "the body is not valid JSON: %s (at offset %d)", strings.TrimPrefix(se.Error(), "json: "), se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return errorf(CodeInvalidJSON, "field %s must be %s, not %s", te.Field, typeWord(te.Type.String()), te.Value)
		}
		return errorf(CodeInvalidJSON, "the body must be a JSON object, not %s", te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errorf(CodeInvalidJSON, "the body is not valid JSON: it ends too early")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return errorf(CodeUnknownField, "unknown field %s", name)
	}
	return errorf(CodeInvalidJSON, "the body is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// typeWord names a Go type the way a JSON author thinks of it.
func typeWord(t string) string {
	switch {
	case t == "string", t == "*string":
		return "a string"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "a whole number"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "map["):
		return "an object"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	}
	return t
}

func numbersMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return turn.Numbers(m).(map[string]any)
}

// text checks the text of a complete or send.
func (t TextRequest) text() (string, error) {
	if t.Text == nil {
		return "", errorf(CodeBadRequest, "the body needs a text: {\"text\": \"...\"}")
	}
	s := *t.Text
	switch {
	case strings.TrimSpace(s) == "":
		return "", errorf(CodeBadRequest, "text must not be empty")
	case len(s) > MaxText:
		return "", errorf(CodeBadRequest, "text is %d bytes long; the most a message takes is %d", len(s), MaxText)
	}
	return s, nil
}

// check validates a receive request and fills in its defaults.
func (rr *ReceiveRequest) check() error {
	switch {
	case rr.After < 0:
		return errorf(CodeBadRequest, "after must be 0 or a seq from an earlier answer, not %d", rr.After)
	case rr.Wait < 0 || rr.Wait > MaxWait || rr.Wait != rr.Wait:
		return errorf(CodeBadRequest, "wait is in seconds, from 0 to %d", MaxWait)
	case rr.Limit < 0 || rr.Limit > MaxReceive:
		return errorf(CodeBadRequest, "limit must be from 1 to %d (0 or left out: %d)", MaxReceive, MaxReceive)
	}
	if rr.Limit == 0 {
		rr.Limit = MaxReceive
	}
	return nil
}

// check validates an event and returns its fields as the engine takes them.
func (e EventRequest) check() error {
	switch {
	case e.Type == "":
		return errorf(CodeBadRequest, "the event needs a type: agent_done, agent_escalation_failed or another event name")
	case e.Type == "upload":
		return errorf(CodeUnsupportedMedia, "an upload carries the file: send it as multipart/form-data with a part named file")
	case len(e.Type) > 200 || !validName(e.Type):
		return errorf(CodeBadRequest, "event type %q is not a valid event name", truncate(e.Type, 40))
	}
	for k, v := range e.Fields {
		if k == "" || len(k) > 100 || len(v) > MaxText {
			return errorf(CodeBadRequest, "event fields need names of 1 to 100 bytes and values of at most %d bytes", MaxText)
		}
	}
	return nil
}

// validName accepts event names: printable, no spaces (an event starter
// may be a pattern such as file_upload_success:*, so more than identifiers
// pass).
func validName(s string) bool {
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func (c *CreateRequest) check() error {
	if c.Interaction != "" && c.Dialog != "" {
		return errorf(CodeBadRequest, "give interaction or dialog, not both")
	}
	return nil
}
