// Package adminclient calls the admin API of a running `botctl serve`:
// listing, reading and erasing conversations. It is what `botctl
// conversations` uses; the API itself is docs/api.md.
//
//	c := &adminclient.Client{URL: "http://127.0.0.1:8080", APIKey: key}
//	page, err := c.List(ctx, adminclient.Query{User: "u-42"})
package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/server"
)

// Client calls one server. Its zero value is not usable: set URL.
type Client struct {
	URL    string       // the server's base URL, such as http://127.0.0.1:8080
	APIKey string       // an admin key; "" for a keyless server on loopback
	HTTP   *http.Client // nil: http.DefaultClient with a 30-second timeout
}

// Error is an answer of the server that is not a success.
type Error struct {
	Status  int    // the HTTP status
	Code    string // the API's error code, such as not_found
	Message string
}

func (e *Error) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("the server answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
	}
	return fmt.Sprintf("the server answered %d (%s): %s", e.Status, e.Code, e.Message)
}

// IsNotFound reports whether err is the server's 404.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// Query selects conversations for List; see GET /v1/conversations.
type Query struct {
	Bot, User, Owner, Tag string
	UpdatedSince          time.Time
	Limit                 int
	Cursor                string
}

func (q Query) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"bot": q.Bot, "user": q.User, "owner": q.Owner, "tag": q.Tag, "cursor": q.Cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !q.UpdatedSince.IsZero() {
		v.Set("updated_since", q.UpdatedSince.UTC().Format(time.RFC3339Nano))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// List returns one page of conversations, newest first.
func (c *Client) List(ctx context.Context, q Query) (server.ListResponse, error) {
	var out server.ListResponse
	err := c.do(ctx, http.MethodGet, "/v1/conversations?"+q.values().Encode(), &out)
	return out, err
}

// Get returns a conversation as GET /v1/conversations/{id} shows it.
func (c *Client) Get(ctx context.Context, id string) (server.ConversationResponse, error) {
	var out server.ConversationResponse
	err := c.do(ctx, http.MethodGet, "/v1/conversations/"+url.PathEscape(id), &out)
	return out, err
}

// Delete erases a conversation.
func (c *Client) Delete(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/conversations/"+url.PathEscape(id), nil)
}

// DeleteUser erases every conversation of a user and returns how many
// there were.
func (c *Client) DeleteUser(ctx context.Context, user string) (int, error) {
	var out server.EraseResponse
	err := c.do(ctx, http.MethodDelete, "/v1/users/"+url.PathEscape(user), &out)
	return out.Erased, err
}

// maxAnswer bounds what the client reads of an answer: a conversation
// with its whole log and transcript.
const maxAnswer = 256 << 20

func (c *Client) do(ctx context.Context, method, path string, out any) error {
	base := strings.TrimSuffix(c.URL, "/")
	if base == "" {
		return errors.New("no server URL: give --url, such as http://127.0.0.1:8080")
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, nil)
	if err != nil {
		return err
	}
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	req.Header.Set("Accept", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("reading the answer of %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return answerError(resp.StatusCode, body)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("the answer of %s %s is not the JSON expected: %w", method, path, err)
	}
	return nil
}

// answerError reads the API's error body, {"error": {"code", "message"}}.
func answerError(status int, body []byte) error {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return &Error{Status: status, Code: e.Error.Code, Message: e.Error.Message}
	}
	msg := string(bytes.TrimSpace(body))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	if msg == "" {
		msg = "(no body)"
	}
	return &Error{Status: status, Message: msg}
}
