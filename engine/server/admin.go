package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/turn"
)

// metaOf is what the store indexes a conversation by: the id of its user
// (user.id as given at start: a string, or a number in its shortest
// form), its owner, its tags, and when its next timer is due (bot may be
// nil: none then).
func metaOf(bot *graph.Bot, st turn.State) store.Meta {
	m := store.Meta{User: userID(st.User), Owner: st.Owner, Tags: st.Tags}
	if bot != nil {
		if due, ok := turn.Due(bot, st); ok {
			m.Due = due
		}
	}
	return m
}

// userID is the user.id of a user profile, "" when it has none a client
// could ask for.
func userID(user map[string]any) string {
	switch id := user["id"].(type) {
	case string:
		return id
	case json.Number:
		return id.String()
	case int:
		return strconv.Itoa(id)
	case int64:
		return strconv.FormatInt(id, 10)
	case float64:
		return strconv.FormatFloat(id, 'g', -1, 64)
	}
	return ""
}

// ConversationSummary is one conversation of a list.
type ConversationSummary struct {
	ID        string    `json:"id"`
	Bot       string    `json:"bot"`
	Owner     string    `json:"owner"`
	Tags      []string  `json:"tags"`
	UserID    string    `json:"user_id,omitempty"`
	StartedAt time.Time `json:"started_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Cursor    int64     `json:"cursor"`
}

// ListResponse is the answer of GET /v1/conversations.
type ListResponse struct {
	Conversations []ConversationSummary `json:"conversations"`
	// NextCursor, when not empty, is the cursor of the next page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// EraseResponse is the answer of DELETE /v1/users/{id}.
type EraseResponse struct {
	Erased int `json:"erased"`
}

// listParams are the query parameters of GET /v1/conversations.
var listParams = []string{"bot", "user", "owner", "tag", "updated_since", "limit", "cursor"}

func (s *Server) list(w http.ResponseWriter, r *http.Request, p principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	q, err := listQuery(r.URL.Query())
	if err != nil {
		return err
	}
	page, err := s.store.List(r.Context(), q)
	if errors.Is(err, store.ErrBadCursor) {
		return errorf(CodeBadRequest, "cursor: not one this server gave; pass next_cursor of the previous page unchanged")
	}
	if err != nil {
		return storeError("list", err)
	}
	out := ListResponse{Conversations: make([]ConversationSummary, len(page.Records)), NextCursor: page.Next}
	for i, rec := range page.Records {
		tags := rec.Tags
		if tags == nil {
			tags = []string{}
		}
		out.Conversations[i] = ConversationSummary{ID: rec.ID, Bot: rec.Bot, Owner: rec.Owner, Tags: tags,
			UserID: rec.User, StartedAt: rec.Created, UpdatedAt: rec.Updated, Cursor: rec.LastSeq}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// listQuery reads the query parameters of a list.
func listQuery(v url.Values) (store.Query, error) {
	for name, vals := range v {
		if !slices.Contains(listParams, name) {
			return store.Query{}, errorf(CodeUnknownField, "unknown query parameter %q: use %s", name, strings.Join(listParams, ", "))
		}
		if len(vals) > 1 {
			return store.Query{}, errorf(CodeBadRequest, "query parameter %s is given %d times; give it once", name, len(vals))
		}
	}
	q := store.Query{Bot: v.Get("bot"), User: v.Get("user"), Owner: v.Get("owner"), Tag: v.Get("tag"), Cursor: v.Get("cursor")}
	if s := v.Get("updated_since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return store.Query{}, errorf(CodeBadRequest, "updated_since %q: not an RFC 3339 time such as 2026-12-01T00:00:00Z", s)
		}
		q.UpdatedSince = t
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > store.MaxLimit {
			return store.Query{}, errorf(CodeBadRequest, "limit %q: a whole number from 1 to %d (default %d)", s, store.MaxLimit, store.DefaultLimit)
		}
		q.Limit = n
	}
	return q, nil
}

func (s *Server) erase(w http.ResponseWriter, r *http.Request, p principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	id, err := conversationID(r)
	if err != nil {
		return err
	}
	rec, err := s.store.Get(r.Context(), id)
	if err != nil {
		return storeError("get", err)
	}
	if err := s.eraseOne(r.Context(), rec.ID, rec.Bot, eraseRequest); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) eraseUser(w http.ResponseWriter, r *http.Request, p principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	user := r.PathValue("id")
	if user == "" {
		return errorf(CodeBadRequest, "the path needs the user's id: DELETE /v1/users/{id}")
	}
	ctx := r.Context()
	n := 0
	for {
		// Always the first page: what was listed is erased.
		page, err := s.store.List(ctx, store.Query{User: user, Limit: store.MaxLimit})
		if err != nil {
			return storeError("list", err)
		}
		erased := 0
		for _, rec := range page.Records {
			err := s.eraseOne(ctx, rec.ID, rec.Bot, eraseUser)
			if errors.Is(err, store.ErrNotFound) {
				continue // erased meanwhile, by another request or replica
			}
			if err != nil {
				return err
			}
			erased++
		}
		n += erased
		if page.Next == "" || erased == 0 {
			break
		}
	}
	// The user id is the data being erased: the log has the count only.
	s.log.InfoContext(ctx, "erased the conversations of a user", "conversations", n)
	writeJSON(w, http.StatusOK, EraseResponse{Erased: n})
	return nil
}

// Reasons a conversation is erased, for the log and the metric.
const (
	eraseRequest   = "request"   // DELETE /v1/conversations/{id}
	eraseUser      = "user"      // DELETE /v1/users/{id}
	eraseRetention = "retention" // older than --retention
)

// eraseOne erases a conversation: the store's record and log, its
// uploaded files, and (by webhooks) tells whoever keeps copies. Its
// tokens stop working with it, since every call with one reads the
// conversation; ids are random, so no later conversation takes its id.
func (s *Server) eraseOne(ctx context.Context, id, bot, reason string) error {
	if err := s.store.Delete(ctx, id); err != nil {
		return storeError("delete", err)
	}
	s.erased(ctx, id, bot, reason)
	return nil
}

// erased does what follows a conversation's erasure by the store.
func (s *Server) erased(ctx context.Context, id, bot, reason string) {
	if err := s.files.Delete(ctx, id); err != nil {
		// The files sweep (Sweep) tries again: their conversation is gone.
		s.log.ErrorContext(ctx, "erasing the uploads of an erased conversation", "conversation", id, "error", err)
	}
	s.metrics.erased.WithLabelValues(reason).Inc()
	level := slog.LevelInfo
	if reason == eraseRetention {
		level = slog.LevelDebug // Sweep logs how many
	}
	s.log.Log(ctx, level, "conversation erased", "conversation", id, "bot", bot, "reason", reason)
	if s.onEvent != nil {
		s.onEvent(Event{ID: id + "/erased", Type: EventErased, Conversation: id, Bot: bot, Time: s.now().UTC()})
	}
}
