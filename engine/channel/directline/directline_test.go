package directline

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/botctl/botctl/engine/server"
)

func TestTokens(t *testing.T) {
	e := newEnv(t)
	var gen Conversation
	if st := e.do("POST", "/tokens/generate", testSecret, nil, &gen); st != 200 {
		t.Fatalf("generate: %d", st)
	}
	if gen.ExpiresIn != 1800 || gen.ConversationID == "" || gen.Token == "" {
		t.Errorf("generate = %+v, want a conversation and a token for 1800s", gen)
	}
	var ref Conversation
	e.clock.Add(15 * time.Minute)
	if st := e.do("POST", "/tokens/refresh", gen.Token, nil, &ref); st != 200 {
		t.Fatalf("refresh: %d", st)
	}
	if ref.ConversationID != gen.ConversationID || ref.Token == gen.Token || ref.ExpiresIn != 1800 {
		t.Errorf("refresh = %+v, want a new token for %s", ref, gen.ConversationID)
	}

	for _, tc := range []struct {
		name, method, path, cred string
		status                   int
		code                     string
	}{
		{"no credential", "POST", "/conversations", "", 401, "BadArgument"},
		{"not a token", "POST", "/conversations", "nonsense", 403, "BadArgument"},
		{"tampered", "POST", "/conversations", gen.Token[:len(gen.Token)-2] + "xx", 403, "BadArgument"},
		{"generate with a token", "POST", "/tokens/generate", gen.Token, 403, "BadArgument"},
		{"refresh the secret", "POST", "/tokens/refresh", testSecret, 403, "BadArgument"},
		{"another conversation", "GET", "/conversations/other/activities", ref.Token, 403, "BadArgument"},
		{"unknown bot", "POST", "/../../nobot/v3/directline/conversations", testSecret, 404, "NotFound"},
	} {
		var body dlErr
		if st := e.do(tc.method, tc.path, tc.cred, nil, &body); st != tc.status || body.Error.Code != tc.code {
			t.Errorf("%s: %d %+v, want %d %s", tc.name, st, body, tc.status, tc.code)
		}
	}

	// The first token expired at 30 minutes; the refreshed one lives on.
	e.clock.Add(16 * time.Minute)
	var body dlErr
	if st := e.do("POST", "/conversations", gen.Token, nil, &body); st != 403 || body.Error.Code != "TokenExpired" {
		t.Errorf("expired token: %d %+v, want 403 TokenExpired", st, body)
	}
	if st := e.do("POST", "/conversations", ref.Token, nil, nil); st != 201 {
		t.Errorf("refreshed token: %d, want 201", st)
	}
	if st := e.do("POST", "/tokens/refresh", gen.Token, nil, &body); st != 403 || body.Error.Code != "TokenExpired" {
		t.Errorf("refresh with an expired token: %d %+v", st, body)
	}
}

// TestPolling is a conversation over GET activities with a watermark,
// with the echo of each user message carrying its clientActivityID.
func TestPolling(t *testing.T) {
	e := newEnv(t)
	c := e.startConv()
	if st := e.do("POST", "/conversations", c.Token, nil, nil); st != 200 {
		t.Errorf("starting again: %d, want 200 (found)", st)
	}
	var set ActivitySet
	if st := e.do("GET", "/conversations/"+c.ConversationID+"/activities", c.Token, nil, &set); st != 200 {
		t.Fatalf("get: %d", st)
	}
	want := []string{"message bot: Welcome to Pizza Bot! Which size? [Small|Large]"}
	if got := texts(set.Activities); !reflect.DeepEqual(got, want) {
		t.Errorf("welcome = %q, want %q", got, want)
	}
	a := set.Activities[0]
	if a.From.ID != "pizza" || a.Conversation.ID != c.ConversationID || a.ChannelID != "directline" ||
		a.Suggested.Actions[0] != (CardAction{Type: "imBack", Title: "Small", Value: "Small"}) || a.Suggested.To != nil {
		t.Errorf("welcome activity = %+v", a)
	}

	turns := []struct {
		text string
		want []string
	}{
		{"Large", []string{"message user: Large", "message bot: A Large pizza. What name is the order under?"}},
		{"Ada", []string{"message user: Ada", "message bot: Thanks, Ada: your Large pizza is on its way. [Order again|Talk to an agent]"}},
		{"bye", []string{"message user: bye", "message bot: Bye!", "endOfConversation bot"}},
	}
	wm := set.Watermark
	for i, tc := range turns {
		client := "client-" + tc.text
		var posted struct{ ID string }
		act := Activity{Type: "message", Text: tc.text, From: &Account{ID: "u1"}, ChannelData: &ChannelData{ClientActivityID: client}}
		if st := e.do("POST", "/conversations/"+c.ConversationID+"/activities", c.Token, act, &posted); st != 200 {
			t.Fatalf("turn %d: post: %d", i+1, st)
		}
		var next ActivitySet
		e.do("GET", "/conversations/"+c.ConversationID+"/activities?watermark="+wm, c.Token, nil, &next)
		if got := texts(next.Activities); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("turn %d = %q, want %q", i+1, got, tc.want)
		}
		echo := next.Activities[0]
		if echo.ID != posted.ID || echo.ChannelData == nil || echo.ChannelData.ClientActivityID != client || echo.From.ID != "u1" {
			t.Errorf("turn %d: echo %+v, want id %s and clientActivityID %s", i+1, echo, posted.ID, client)
		}
		if next.Watermark <= wm && len(next.Watermark) <= len(wm) {
			t.Errorf("turn %d: watermark %s did not move on from %s", i+1, next.Watermark, wm)
		}
		wm = next.Watermark
	}
	var rest ActivitySet
	e.do("GET", "/conversations/"+c.ConversationID+"/activities?watermark="+wm, c.Token, nil, &rest)
	if len(rest.Activities) != 0 || rest.Watermark != wm {
		t.Errorf("after the last watermark: %+v", rest)
	}
	var body dlErr
	if st := e.do("GET", "/conversations/"+c.ConversationID+"/activities?watermark=x", c.Token, nil, &body); st != 400 {
		t.Errorf("a bad watermark: %d %+v, want 400", st, body)
	}
	if got := testutil.ToFloat64(e.dl.counter.WithLabelValues("directline", "in")); got != 3 {
		t.Errorf("activities in = %v, want 3", got)
	}
}

// TestRetry posts one activity twice, as a client does when the answer
// is lost: the second is answered with the first's id and not run.
func TestRetry(t *testing.T) {
	e := newEnv(t)
	c := e.startConv()
	act := Activity{Type: "message", Text: "Small", ChannelData: &ChannelData{ClientActivityID: "abc"}}
	var first, second struct{ ID string }
	e.do("POST", "/conversations/"+c.ConversationID+"/activities", c.Token, act, &first)
	e.do("POST", "/conversations/"+c.ConversationID+"/activities", c.Token, act, &second)
	if first.ID == "" || first.ID != second.ID {
		t.Errorf("ids %q and %q, want one", first.ID, second.ID)
	}
	// The same client id with another text is another request, refused.
	act.Text = "Large"
	var body dlErr
	if st := e.do("POST", "/conversations/"+c.ConversationID+"/activities", c.Token, act, &body); st != 422 {
		t.Errorf("a key reused for another text: %d %+v, want 422", st, body)
	}
	var set ActivitySet
	e.do("GET", "/conversations/"+c.ConversationID+"/activities", c.Token, nil, &set)
	want := []string{"message bot: Welcome to Pizza Bot! Which size? [Small|Large]", "message user: Small",
		"message bot: A Small pizza. What name is the order under?"}
	if got := texts(set.Activities); !reflect.DeepEqual(got, want) {
		t.Errorf("log = %q, want %q", got, want)
	}
	if got := testutil.ToFloat64(e.dl.counter.WithLabelValues("directline", "in")); got != 1 {
		t.Errorf("activities in = %v, want 1", got)
	}
}

func TestEvents(t *testing.T) {
	e := newEnv(t)
	c := e.startConv()
	var welcome ActivitySet
	e.do("GET", "/conversations/"+c.ConversationID+"/activities", c.Token, nil, &welcome)
	var body dlErr
	if st := e.do("POST", "/conversations/"+c.ConversationID+"/activities", c.Token,
		Activity{Type: "event", Name: "agent_done"}, &body); st != 403 {
		t.Errorf("agent_done from a user: %d %+v, want 403", st, body)
	}
	var posted struct{ ID string }
	if st := e.do("POST", "/conversations/"+c.ConversationID+"/activities", c.Token,
		Activity{Type: "event", Name: "feedback", Value: map[string]any{"stars": 5}}, &posted); st != 200 {
		t.Fatalf("feedback: %d", st)
	}
	if st := e.do("POST", "/conversations/"+c.ConversationID+"/activities", c.Token, Activity{Type: "typing"}, nil); st != 200 {
		t.Errorf("typing: %d, want 200 (ignored)", st)
	}
	var set ActivitySet
	e.do("GET", "/conversations/"+c.ConversationID+"/activities?watermark="+welcome.Watermark, c.Token, nil, &set)
	want := []string{"event user feedback", "message bot: Thanks for rating us 5."}
	if got := texts(set.Activities); !reflect.DeepEqual(got, want) {
		t.Errorf("activities = %q, want %q", got, want)
	}
	if v, _ := set.Activities[0].Value.(map[string]any); v["stars"] != "5" {
		t.Errorf("event value = %v", set.Activities[0].Value)
	}
}

func TestUnknownConversation(t *testing.T) {
	e := newEnv(t)
	var body dlErr
	if st := e.do("GET", "/conversations/nothere", testSecret, nil, &body); st != 404 {
		t.Errorf("reconnect: %d %+v, want 404", st, body)
	}
	if st := e.do("GET", "/conversations/nothere/activities", testSecret, nil, &body); st != 404 {
		t.Errorf("get: %d %+v, want 404 (directlinejs: ended)", st, body)
	}
}

// recv reads one activity set from the stream.
func recv(t *testing.T, ws *websocket.Conn) ActivitySet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, data, err := ws.Read(ctx)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	var set ActivitySet
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatalf("stream sent %s: %v", data, err)
	}
	return set
}

func dial(t *testing.T, u string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

// TestStream delivers a conversation over the WebSocket in the log's
// order, then reconnects from a watermark.
func TestStream(t *testing.T) {
	e := newEnv(t)
	c := e.startConv()
	if !strings.HasPrefix(c.StreamURL, "ws://127.0.0.1:") {
		t.Fatalf("streamUrl = %s", c.StreamURL)
	}
	ws := dial(t, c.StreamURL)
	set := recv(t, ws)
	if got := texts(set.Activities); len(got) != 1 || !strings.HasPrefix(got[0], "message bot: Welcome") {
		t.Fatalf("first set = %q", got)
	}
	var got []string
	for _, text := range []string{"Large", "Ada"} {
		e.do("POST", "/conversations/"+c.ConversationID+"/activities", c.Token, Activity{Type: "message", Text: text}, nil)
		for n := 0; n < 2; {
			s := recv(t, ws)
			got = append(got, texts(s.Activities)...)
			n += len(s.Activities)
			set.Watermark = s.Watermark
		}
	}
	want := []string{"message user: Large", "message bot: A Large pizza. What name is the order under?",
		"message user: Ada", "message bot: Thanks, Ada: your Large pizza is on its way. [Order again|Talk to an agent]"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stream = %q, want %q", got, want)
	}
	ws.Close(websocket.StatusNormalClosure, "")

	// Reconnect with the watermark of the second turn's user message:
	// only the bot's answer comes again.
	var all ActivitySet
	e.do("GET", "/conversations/"+c.ConversationID+"/activities", c.Token, nil, &all)
	wm := strings.TrimLeft(strings.SplitN(all.Activities[3].ID, "|", 2)[1], "0")
	var rc Conversation
	if st := e.do("GET", "/conversations/"+c.ConversationID+"?watermark="+wm, c.Token, nil, &rc); st != 200 {
		t.Fatalf("reconnect: %d", st)
	}
	if rc.Token != c.Token || !strings.Contains(rc.StreamURL, "watermark="+wm) {
		t.Errorf("reconnect = %+v", rc)
	}
	ws2 := dial(t, rc.StreamURL)
	again := recv(t, ws2)
	if got := texts(again.Activities); !reflect.DeepEqual(got, want[3:]) {
		t.Errorf("after reconnect = %q, want %q", got, want[3:])
	}

	// A streamUrl is good for a while only, and for its conversation.
	e.clock.Add(3 * time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, rc.StreamURL, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("an expired streamUrl: %v %v, want 403", err, resp)
	}
}

func TestActivitiesMapping(t *testing.T) {
	v := view{conv: "C", bot: "pizza", user: "u1"}
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	var msgs []server.Message
	for _, raw := range []string{
		`{"seq":1,"kind":"action","text":"buttons","action":"buttons","buttons":["Yes"]}`,
		`{"seq":2,"kind":"action","action":"transfer","transfer":{"to":"agent","skill":"billing","tags":["vip"]}}`,
		`{"seq":3,"kind":"action","action":"upload","accept":["image/*"]}`,
		`{"seq":4,"kind":"action","action":"close"}`,
		`{"seq":5,"kind":"error","text":"failed"}`,
	} {
		var m server.Message
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatal(err)
		}
		m.Time = at
		msgs = append(msgs, m)
	}
	got, err := json.Marshal(v.activities(msgs))
	if err != nil {
		t.Fatal(err)
	}
	common := `"timestamp":"2025-01-02T03:04:05Z","channelId":"directline","from":{"id":"pizza","name":"pizza","role":"bot"},"conversation":{"id":"C"}`
	want := `[{"type":"message","id":"C|0000001",` + common + `,"suggestedActions":{"actions":[{"type":"imBack","title":"Yes","value":"Yes"}]}},` +
		`{"type":"event","id":"C|0000002",` + common + `,"name":"transfer","value":{"to":"agent","skill":"billing","tags":["vip"]}},` +
		`{"type":"event","id":"C|0000003",` + common + `,"name":"upload","value":{"accept":["image/*"]}},` +
		`{"type":"endOfConversation","id":"C|0000004",` + common + `}]`
	if string(got) != want {
		t.Errorf("activities:\n%s\nwant:\n%s", got, want)
	}
}

func TestDataURL(t *testing.T) {
	for _, tc := range []struct{ in, ctype, data, err string }{
		{"data:text/plain;base64,aGk=", "text/plain", "hi", ""},
		{"data:,a%20b", "", "a b", ""},
		{"data:image/png;base64,!!", "", "", "the data: URL's base64 does not decode"},
		{"https://example.com/x.png", "", "", "an attachment's contentUrl must be a data: URL, or the file sent with the upload call: this server fetches no URLs"},
		{"data:text/plain", "", "", "the data: URL has no comma"},
	} {
		ctype, data, err := dataURL(tc.in)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if ctype != tc.ctype || string(data) != tc.data || msg != tc.err {
			t.Errorf("dataURL(%q) = %q, %q, %q; want %q, %q, %q", tc.in, ctype, data, msg, tc.ctype, tc.data, tc.err)
		}
	}
}
