package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/transcript"
)

// httpDriver replays conversations against a running `botctl serve`
// through its API (docs/api.md): create (with the API key, when there is
// one), then complete for each `>` line and events for each `>>` line,
// with the conversation's token, as a chat client does.
type httpDriver struct {
	base   string // the server's URL, without a trailing slash
	client *http.Client
	key    string
	bot    string // the bot's name
}

// newHTTPClient returns a client that keeps a connection per concurrent
// conversation open (net/http keeps 2 per host by default, which would
// make a load test of connection set-ups).
func newHTTPClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = conns + 16
	t.MaxIdleConnsPerHost = conns + 16
	t.DisableCompression = true
	return &http.Client{Transport: t, Timeout: 2 * time.Minute}
}

func (d *httpDriver) open(s *Script) conversation { return &httpConv{d: d, s: s} }

type httpConv struct {
	d         *httpDriver
	s         *Script
	id, token string
}

// apiMessage is the part of the API's messages a replay compares.
type apiMessage struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

type apiAnswer struct {
	ID       string       `json:"id"`
	Token    string       `json:"token"`
	Messages []apiMessage `json:"messages"`
	Error    *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// refusalCodes are the API's error codes for an input the engine refused:
// the transcript writes them as `<!` lines.
var refusalCodes = map[string]bool{"closed": true, "agent_owns": true, "conflict": true, "event_refused": true}

func (c *httpConv) start(ctx context.Context) ([]transcript.Line, error) {
	h := &c.s.Transcript.Header
	body := map[string]any{"bot": c.d.bot}
	if len(h.User) > 0 {
		body["user"] = h.User
	}
	if len(h.Params) > 0 {
		body["params"] = h.Params
	}
	if h.Dialog != "" {
		body["dialog"] = h.Dialog
	}
	if h.Interaction != "" {
		body["interaction"] = h.Interaction
	}
	data, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	a, status, err := c.post(ctx, "/v1/conversations", c.d.key, "application/json", data)
	if err != nil {
		return nil, err
	}
	if status != http.StatusCreated || a.ID == "" {
		return nil, answerError("create", status, a)
	}
	c.id, c.token = a.ID, a.Token
	return a.lines(), nil
}

func (c *httpConv) input(ctx context.Context, l *transcript.Line) ([]transcript.Line, error) {
	path := "/v1/conversations/" + c.id
	ctype := "application/json"
	var data []byte
	var err error
	switch {
	case l.Kind == transcript.Message:
		path += "/complete"
		data, err = json.Marshal(map[string]string{"text": l.Text})
	case l.Event == "upload":
		path += "/events"
		data, ctype, err = uploadBody(l)
	default:
		path += "/events"
		ev := map[string]any{"type": l.Event}
		if len(l.Fields) > 0 {
			fields := make(map[string]string, len(l.Fields))
			for _, f := range l.Fields {
				fields[f.Key] = f.Value
			}
			ev["fields"] = fields
		}
		data, err = json.Marshal(ev)
	}
	if err != nil {
		return nil, err
	}
	a, status, err := c.post(ctx, path, c.token, ctype, data)
	if err != nil {
		return nil, err
	}
	switch {
	case status == http.StatusOK:
		return a.lines(), nil
	case a.Error != nil && refusalCodes[a.Error.Code]:
		return []transcript.Line{{Kind: transcript.Refusal, Text: a.Error.Message}}, nil
	}
	what := "complete"
	if l.Kind == transcript.Event {
		what = "event " + l.Event
	}
	return nil, answerError(what, status, a)
}

// zeros pads the content of uploaded files: only their size and their
// first bytes matter.
var zeros = make([]byte, maxUpload)

// signatures are the first bytes of a file of each type, which the server
// checks against the type (docs/api.md, Deliver an event). A type not
// listed is sent as zeros, which the server takes for any type it does not
// check.
var signatures = map[string]string{
	"application/pdf": "%PDF-1.7\n", "image/png": "\x89PNG\r\n\x1a\n", "image/jpeg": "\xff\xd8\xff",
	"image/gif": "GIF89a", "image/webp": "RIFF\x00\x00\x00\x00WEBPVP", "image/heic": "\x00\x00\x00\x18ftypheic",
	"application/zip": "PK\x03\x04",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   "PK\x03\x04",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         "PK\x03\x04",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": "PK\x03\x04",
	"application/msword": "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/vnd.ms-excel": "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
	"application/vnd.ms-powerpoint": "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
	"text/plain":                    "", "text/csv": "",
}

// fileContent is a file of the type and size, as the server sees it: the
// type's signature padded to size, with spaces for text and zeros else.
func fileContent(typ string, size int) []byte {
	sig, ok := signatures[typ]
	if size <= len(sig) {
		return []byte(sig[:max(size, 0)])
	}
	if ok && strings.HasPrefix(typ, "text/") {
		return bytes.Repeat([]byte(" "), size)
	}
	return append([]byte(sig), zeros[:size-len(sig)]...)
}

// uploadBody is the multipart body of an upload event: a file of the
// event's name, type and size.
func uploadBody(l *transcript.Line) ([]byte, string, error) {
	var name, typ string
	size := 0
	for _, f := range l.Fields {
		switch f.Key {
		case "name":
			name = f.Value
		case "type":
			typ = f.Value
		case "size":
			size, _ = strconv.Atoi(f.Value)
		}
	}
	if name == "" {
		name = "upload"
	}
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.WriteField("type", "upload"); err != nil {
		return nil, "", err
	}
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
	hdr.Set("Content-Type", typ)
	part, err := w.CreatePart(hdr)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(fileContent(typ, min(size, len(zeros)))); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), w.FormDataContentType(), nil
}

func (c *httpConv) post(ctx context.Context, path, auth, ctype string, body []byte) (apiAnswer, int, error) {
	var a apiAnswer
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.d.base+path, bytes.NewReader(body))
	if err != nil {
		return a, 0, err
	}
	req.Header.Set("Content-Type", ctype)
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := c.d.client.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return a, 0, fmt.Errorf("no server answers at %s (is botctl serve running there?): %w", c.d.base, err)
		}
		return a, 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return a, resp.StatusCode, fmt.Errorf("%s: reading the answer: %w", path, err)
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return a, resp.StatusCode, fmt.Errorf("%s: HTTP %d, not a JSON answer: %s", path, resp.StatusCode, clip(string(data)))
	}
	return a, resp.StatusCode, nil
}

// lines converts the bot's messages and actions of an answer into
// transcript lines.
func (a *apiAnswer) lines() []transcript.Line {
	out := make([]transcript.Line, 0, len(a.Messages))
	for _, m := range a.Messages {
		switch m.Kind {
		case "bot":
			out = append(out, transcript.Line{Kind: transcript.Say, Text: m.Text})
		case "action":
			out = append(out, transcript.ActionLine(m.Text))
		}
	}
	return out
}

func answerError(what string, status int, a apiAnswer) error {
	if a.Error != nil {
		return fmt.Errorf("%s: HTTP %d %s: %s", what, status, a.Error.Code, a.Error.Message)
	}
	return fmt.Errorf("%s: HTTP %d", what, status)
}

func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
