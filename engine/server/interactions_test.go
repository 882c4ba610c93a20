package server

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestInteractions(t *testing.T) {
	e := newEnv(t)
	var list InteractionsResponse
	e.do("GET", "/v1/interactions?point=record:42&p.record_id=42&p.status=open", adminKey, nil).want(t, 200).decode(t, &list)
	if len(list.Interactions) != 1 {
		t.Fatalf("interactions = %+v", list)
	}
	in := list.Interactions[0]
	if in.Bot != "shop" || in.ID != "remind_me" || in.Label != "Remind me about 42" || in.Dialog != "remind" {
		t.Errorf("interaction = %+v", in)
	}
	if got := in.LinkExpiresAt.Sub(e.clock.Now()); got > DefaultLinkTTL || got < DefaultLinkTTL-time.Second {
		t.Errorf("link expires in %v", got)
	}
	for _, q := range []string{
		"point=record:42&p.record_id=42&p.status=closed", // when is false
		"point=order:42&p.record_id=42&p.status=open",    // another point
		"point=record:42&bot=billing&p.status=open",      // another bot
	} {
		var none InteractionsResponse
		e.do("GET", "/v1/interactions?"+q, adminKey, nil).want(t, 200).decode(t, &none)
		if len(none.Interactions) != 0 {
			t.Errorf("%s: %+v", q, none)
		}
	}
	for q, code := range map[string]string{"": CodeBadRequest, "point=x&status=open": CodeUnknownField, "point=x&bot=nope": CodeBadRequest} {
		r := e.do("GET", "/v1/interactions?"+q, adminKey, nil)
		if r.status != 400 || r.errorCode(t) != code {
			t.Errorf("?%s: %d %s", q, r.status, r.body)
		}
	}

	// The link starts the interaction without an API key.
	var c CreateResponse
	e.do("POST", in.Link, "", nil).want(t, 201).decode(t, &c)
	if got, want := lines(c.Messages), "< I'll remind you about 42.\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	var conv ConversationResponse
	e.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &conv)
	if conv.Params["record"] != "42" || len(conv.Params) != 1 {
		t.Errorf("params = %v", conv.Params)
	}
	e.say(c.ID, c.Token, "order") // its token works

	// A changed link is refused.
	u, _ := url.Parse(in.Link)
	q := u.Query()
	q.Set("p.record_id", "43")
	r := e.do("POST", u.Path+"?"+q.Encode(), "", nil)
	if r.status != 403 || r.errorCode(t) != CodeForbidden || !strings.Contains(string(r.body), "signature does not match") {
		t.Errorf("tampered link: %d %s", r.status, r.body)
	}
	q = u.Query()
	q.Set("p.extra", "1")
	if r := e.do("POST", u.Path+"?"+q.Encode(), "", nil); r.status != 403 {
		t.Errorf("link with an added param: %d %s", r.status, r.body)
	}
	q = u.Query()
	q.Set("exp", "99999999999")
	if r := e.do("POST", u.Path+"?"+q.Encode(), "", nil); r.status != 403 {
		t.Errorf("link with a later expiry: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/v1/interactions/other/start?"+u.RawQuery, "", nil); r.status != 403 {
		t.Errorf("link for another interaction: %d %s", r.status, r.body)
	}
	// A link carries everything: no body may add to it.
	r = e.do("POST", in.Link, "", map[string]any{"params": map[string]string{"status": "open"}})
	if r.status != 400 || r.errorCode(t) != CodeBadRequest {
		t.Errorf("link with a body: %d %s", r.status, r.body)
	}
	// An expired link is refused.
	e.clock.Add(DefaultLinkTTL)
	r = e.do("POST", in.Link, "", nil)
	if r.status != 403 || !strings.Contains(string(r.body), "expired") {
		t.Errorf("expired link: %d %s", r.status, r.body)
	}

	// With the admin key, the body carries the params.
	e.do("POST", "/v1/interactions/remind_me/start", adminKey, map[string]any{
		"user": map[string]string{"name": "Ann"}, "params": map[string]string{"record_id": "7", "status": "open"},
	}).want(t, 201).decode(t, &c)
	if got, want := lines(c.Messages), "< I'll remind you about 7.\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	r = e.do("POST", "/v1/interactions/remind_me/start", adminKey, map[string]any{"params": map[string]string{"record_id": "7", "status": "done"}})
	if r.status != 422 || r.errorCode(t) != CodeNotOffered {
		t.Errorf("not offered: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/v1/interactions/nope/start", adminKey, nil)
	if r.status != 404 || r.errorCode(t) != CodeNotFound {
		t.Errorf("unknown interaction: %d %s", r.status, r.body)
	}
	// Create takes an interaction too.
	e.do("POST", "/v1/conversations", adminKey, map[string]any{
		"bot": "shop", "interaction": "remind_me", "params": map[string]string{"record_id": "8", "status": "open"},
	}).want(t, 201).decode(t, &c)
	if got, want := lines(c.Messages), "< I'll remind you about 8.\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
}

// A link botctl link mints (SignLink) starts the interaction on the server
// that shares its secret.
func TestSignedLink(t *testing.T) {
	e := newEnv(t)
	l := Link{Interaction: "remind_me", Params: map[string]string{"record_id": "9", "status": "open"}, Expires: e.clock.Now().Add(time.Hour)}
	var c CreateResponse
	e.do("POST", LinkPath(testSecret, l), "", nil).want(t, 201).decode(t, &c)
	if got, want := lines(c.Messages), "< I'll remind you about 9.\n"; got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	other := LinkPath([]byte("another secret of at least 32 bytes"), l)
	if r := e.do("POST", other, "", nil); r.status != 403 {
		t.Errorf("link signed with another secret: %d %s", r.status, r.body)
	}
	if got := LinkPath(testSecret, Link{Bot: "shop", Interaction: "a b", Expires: time.Unix(1700000000, 0)}); !strings.HasPrefix(got, "/v1/interactions/a%20b/start?bot=shop&exp=1700000000&sig=") {
		t.Errorf("link path %s", got)
	}
}

func TestMatchPoint(t *testing.T) {
	tests := []struct {
		pattern, point string
		want           bool
	}{
		{"record:*", "record:42", true},
		{"record:*", "record:", true},
		{"record:*", "order:42", false},
		{"record", "record", true},
		{"record", "Record", false},
		{"*:42", "record:42", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "acb", false},
		{"ab*ba", "aba", false},
		{"*", "", true},
	}
	for _, tt := range tests {
		if got := matchPoint(tt.pattern, tt.point); got != tt.want {
			t.Errorf("matchPoint(%q, %q) = %v", tt.pattern, tt.point, got)
		}
	}
}
