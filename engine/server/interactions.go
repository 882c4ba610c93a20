package server

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
)

// InteractionsResponse is the answer of GET /v1/interactions.
type InteractionsResponse struct {
	Interactions []InteractionInfo `json:"interactions"`
}

// InteractionInfo is one interaction offered at a point.
type InteractionInfo struct {
	Bot    string `json:"bot"`
	ID     string `json:"id"`
	Label  string `json:"label"`
	Dialog string `json:"dialog"`
	// Link is a signed start link (path and query) for these params,
	// valid until LinkExpiresAt: whoever holds it may start the
	// interaction without an API key.
	Link          string    `json:"link"`
	LinkExpiresAt time.Time `json:"link_expires_at"`
}

// matchPoint reports whether point matches the interaction's pattern, in
// which * stands for any text.
func matchPoint(pattern, point string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == point
	}
	if !strings.HasPrefix(point, parts[0]) {
		return false
	}
	point = point[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(point, p)
		if i < 0 {
			return false
		}
		point = point[i+len(p):]
	}
	return strings.HasSuffix(point, last)
}

// hostEnv is the environment an interaction's `when`, label and params
// are evaluated in: the params the host passes, the user, the bot's env.
func (s *Server) hostEnv(b *Bot, user, params map[string]any) *cond.Env {
	rc := s.runContext(b, s.now())
	now := rc.Now
	return &cond.Env{Params: params, User: user, Env: rc.Env, Now: func() time.Time { return now }}
}

// offered reports whether in is offered for env: its `when` holds.
func offered(in *graph.Interaction, env *cond.Env) (bool, error) {
	if in.When == nil {
		return true, nil
	}
	return in.When.Bool(env)
}

func (s *Server) interactions(w http.ResponseWriter, r *http.Request, p principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	q := r.URL.Query()
	point := q.Get("point")
	if point == "" {
		return errorf(CodeBadRequest, "the query needs the point to list interactions for: ?point=record:42")
	}
	for name := range q {
		if name != "point" && name != "bot" && !strings.HasPrefix(name, ParamPrefix) {
			return errorf(CodeUnknownField, "unknown query parameter %q: use point, bot and p.NAME for params", name)
		}
	}
	bots := s.bots.List()
	if name := q.Get("bot"); name != "" {
		b, err := s.pickBot(name)
		if err != nil {
			return err
		}
		bots = []*Bot{b}
	}
	lp := linkParams(q)
	params := stringMap(lp)
	exp := s.now().Add(s.linkTTL)
	out := InteractionsResponse{Interactions: []InteractionInfo{}}
	for _, b := range bots {
		env := s.hostEnv(b, nil, params)
		for _, in := range b.Interactions {
			if !matchPoint(in.Point, point) {
				continue
			}
			ok, err := offered(in, env)
			if err != nil {
				s.log.WarnContext(r.Context(), "interaction when failed", "bot", b.Name, "interaction", in.ID, "error", err)
				continue
			}
			if !ok {
				continue
			}
			label := in.ID
			if in.Label != nil {
				if l, err := in.Label.Render(env); err == nil {
					label = l
				} else {
					s.log.WarnContext(r.Context(), "interaction label failed", "bot", b.Name, "interaction", in.ID, "error", err)
				}
			}
			link := Link{Bot: b.Name, Interaction: in.ID, Params: lp, Expires: exp}
			out.Interactions = append(out.Interactions, InteractionInfo{
				Bot: b.Name, ID: in.ID, Label: label, Dialog: in.Dialog.Name,
				Link:          "/v1/interactions/" + url.PathEscape(in.ID) + "/start?" + s.keys.signLink(link).Encode(),
				LinkExpiresAt: time.Unix(exp.Unix(), 0).UTC(),
			})
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func stringMap(m map[string]string) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// findInteraction finds the bot with interaction id: the named bot, or the
// only current bot that has one of that id.
func (s *Server) findInteraction(botName, id string) (*Bot, error) {
	if botName != "" {
		b, err := s.pickBot(botName)
		if err != nil {
			return nil, err
		}
		if b.Interaction(id) == nil {
			return nil, errorf(CodeNotFound, "the bot %s has no interaction %q", b.Name, id)
		}
		return b, nil
	}
	var found []*Bot
	for _, b := range s.bots.List() {
		if b.Interaction(id) != nil {
			found = append(found, b)
		}
	}
	switch len(found) {
	case 0:
		return nil, errorf(CodeNotFound, "no bot here has an interaction %q", id)
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, b := range found {
		names[i] = b.Name
	}
	return nil, errorf(CodeBadRequest, "several bots have an interaction %q (%s); name the bot", id, strings.Join(names, ", "))
}

// interactionStart checks that interaction id of bot is offered for the
// host's params and returns how its conversation starts: its dialog, with
// its params rendered from the host's.
func (s *Server) interactionStart(b *Bot, id string, user, hostParams map[string]any) (startSpec, error) {
	in := b.Interaction(id)
	if in == nil {
		return startSpec{}, errorf(CodeNotFound, "the bot %s has no interaction %q", b.Name, id)
	}
	env := s.hostEnv(b, user, hostParams)
	ok, err := offered(in, env)
	if err != nil {
		return startSpec{}, errorf(CodeNotOffered, "interaction %s: its when (%s) fails for these params: %v", id, in.When.Source, err)
	}
	if !ok {
		return startSpec{}, errorf(CodeNotOffered, "interaction %s is not offered for these params: its when (%s) is false", id, in.When.Source)
	}
	params := map[string]any{}
	for _, p := range in.Params {
		v, err := p.Value.Render(env)
		if err != nil {
			return startSpec{}, errorf(CodeNotOffered, "interaction %s: param %s: %v", id, p.Name, err)
		}
		params[p.Name] = v
	}
	return startSpec{user: user, params: params, dialog: in.Dialog.Name, interaction: id, hostParams: hostParams}, nil
}

func (s *Server) start(w http.ResponseWriter, r *http.Request, p principal) error {
	id := r.PathValue("id")
	q := r.URL.Query()
	var req StartRequest
	if q.Has("sig") || q.Has("exp") {
		// A signed link: it grants exactly this start, whoever holds it.
		l, err := s.keys.checkLink(id, q, s.now())
		if err != nil {
			return &apiError{Code: CodeForbidden, Message: err.Error(), err: err}
		}
		for name := range q {
			if name != "bot" && name != "exp" && name != "sig" && !strings.HasPrefix(name, ParamPrefix) {
				return errorf(CodeUnknownField, "unknown query parameter %q in the start link", name)
			}
		}
		if err := readJSON(w, r, s.maxBody, &req, true); err != nil {
			return err
		}
		if req.Bot != "" || req.User != nil || req.Params != nil {
			return errorf(CodeBadRequest, "a signed start link carries everything the start needs; send no body (or {})")
		}
		req.Bot, req.Params = l.Bot, stringMap(l.Params)
	} else {
		if err := requireAdmin(p); err != nil {
			return err
		}
		if len(q) > 0 {
			return errorf(CodeBadRequest, "without a signed link (exp and sig) the start takes its bot, user and params in the body")
		}
		if err := readJSON(w, r, s.maxBody, &req, true); err != nil {
			return err
		}
	}
	b, err := s.findInteraction(req.Bot, id)
	if err != nil {
		return err
	}
	sp, err := s.interactionStart(b, id, req.User, req.Params)
	if err != nil {
		return err
	}
	return s.startConversation(w, r, b, sp)
}
