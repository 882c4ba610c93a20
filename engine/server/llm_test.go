package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/botctl/botctl/engine/integration"
	"github.com/botctl/botctl/engine/transcript"
)

// fakeModel is an OpenAI-compatible chat-completions API on 127.0.0.1
// that answers with the contents it is given, in order, and keeps every
// request it got.
type fakeModel struct {
	mu       sync.Mutex
	answers  []string
	bodies   []string
	auth     []string
	paths    []string
	requests []map[string]any
}

func newFakeModel(t *testing.T, answers ...string) (*fakeModel, *httptest.Server) {
	f := &fakeModel{answers: answers}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req map[string]any
		json.Unmarshal(body, &req)
		f.mu.Lock()
		f.bodies = append(f.bodies, string(body))
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		f.paths = append(f.paths, r.URL.Path)
		f.requests = append(f.requests, req)
		content := "?"
		if len(f.answers) > 0 {
			content, f.answers = f.answers[0], f.answers[1:]
		}
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "model": req["model"],
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": content}}},
			"usage": map[string]any{"prompt_tokens": 40, "completion_tokens": 9, "total_tokens": 49},
		})
	}))
	t.Cleanup(srv.Close)
	return f, srv
}

func llmEnv(t *testing.T, api string) *env {
	t.Helper()
	envs := map[string]string{"LLM_API": api, "LLM_KEY": "sk-test-4711"}
	client, err := integration.New(integration.WithSecrets("sk-test-4711"), integration.WithLogger(quietLogger()), integration.WithLoopback(true))
	if err != nil {
		t.Fatal(err)
	}
	return newEnv(t,
		WithBots(loadBot(t, "../../dialogs/llm-assist")),
		WithCaller(client),
		WithEnv(func(k string) (string, bool) { v, ok := envs[k]; return v, ok }),
	)
}

func botTexts(tr TurnResponse) []string {
	var out []string
	for _, m := range tr.Messages {
		if m.Kind == "bot" {
			out = append(out, m.Text)
		}
	}
	return out
}

func wantTexts(t *testing.T, tr TurnResponse, want ...string) {
	t.Helper()
	if got := botTexts(tr); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("bot said %q, want %q", got, want)
	}
}

// TestLLMServed runs extraction and generation against a fake model in a
// served conversation: the key goes as a Bearer token, no sensitive value
// nor secret is in any request, and the exported transcript replays
// offline with the model's answers as mocks.
func TestLLMServed(t *testing.T) {
	model, api := newFakeModel(t, `{"value": "Lyon"}`, "Breakfast is included with your card.")
	e := llmEnv(t, api.URL)
	c := e.create(map[string]any{"bot": "llm-assist"})
	wantTexts(t, e.say(c.ID, c.Token, "12345678"), "Where are you staying?")
	wantTexts(t, e.say(c.ID, c.Token, "I'm staying near Lyon for the week"), "What would you like to know about Lyon?")
	wantTexts(t, e.say(c.ID, c.Token, "is breakfast included?"), "Breakfast is included with your card.")

	if len(model.bodies) != 2 {
		t.Fatalf("%d requests to the model, want 2", len(model.bodies))
	}
	for i, body := range model.bodies {
		if model.auth[i] != "Bearer sk-test-4711" {
			t.Errorf("request %d: Authorization %q", i, model.auth[i])
		}
		if model.paths[i] != "/v1/chat/completions" {
			t.Errorf("request %d: path %s", i, model.paths[i])
		}
		for _, leak := range []string{"12345678", "sk-test-4711"} {
			if strings.Contains(body, leak) {
				t.Errorf("request %d holds %q:\n%s", i, leak, body)
			}
		}
		if model.requests[i]["model"] != "test-model" || model.requests[i]["max_tokens"] != 200.0 {
			t.Errorf("request %d: model %v, max_tokens %v", i, model.requests[i]["model"], model.requests[i]["max_tokens"])
		}
	}
	if rf, _ := model.requests[0]["response_format"].(map[string]any); rf["type"] != "json_schema" {
		t.Errorf("the extraction asks for no structured output: %s", model.bodies[0])
	}
	gen := model.bodies[1]
	for _, want := range []string{"[sensitive]", "staying in Lyon", "[document knowledge/stays.md]", "Part-Dieu"} {
		if !strings.Contains(gen, want) {
			t.Errorf("the generation request lacks %q:\n%s", want, gen)
		}
	}

	r := e.do("GET", "/v1/conversations/"+c.ID+"/transcript", adminKey, nil).want(t, 200)
	if strings.Contains(string(r.body), "sk-test-4711") {
		t.Errorf("the transcript holds the key:\n%s", r.body)
	}
	path := filepath.Join(t.TempDir(), "served.transcript")
	// The card number is exported masked; a test value takes its place.
	replay := strings.Replace(string(r.body), "> [sensitive]", "> 87654321", 1)
	if err := os.WriteFile(path, []byte(replay), 0o644); err != nil {
		t.Fatal(err)
	}
	api.Close()
	if res := (&transcript.Runner{}).Run(path); !res.Passed() {
		t.Errorf("the exported transcript does not pass:\n%v\n%v\n%s\n%s", res.Diags, res.Failures,
			transcript.Diff(res.Path, res.Expected, res.Actual, false), r.body)
	}
}

// TestLLMServedBadAnswers: a malformed answer, one outside the schema and
// an empty value are failed attempts; a generated text that validate
// rejects takes on_failure.
func TestLLMServedBadAnswers(t *testing.T) {
	_, api := newFakeModel(t, "Lyon, I think", `{"city": "Lyon"}`, `{"value": "Nice"}`, "See http://evil.example")
	e := llmEnv(t, api.URL)
	c := e.create(map[string]any{"bot": "llm-assist"})
	e.say(c.ID, c.Token, "12345678")
	retry := "Sorry, which city is that? Just the city's name, please."
	wantTexts(t, e.say(c.ID, c.Token, "near Lyon"), retry)
	wantTexts(t, e.say(c.ID, c.Token, "Lyon"), retry)
	wantTexts(t, e.say(c.ID, c.Token, "Nice"), "What would you like to know about Nice?")
	wantTexts(t, e.say(c.ID, c.Token, "parking?"), "I can't answer that right now; an agent will follow up.")

	_, api2 := newFakeModel(t, "not json", "[]", `{"value": ["Lyon"]}`)
	e2 := llmEnv(t, api2.URL)
	c2 := e2.create(map[string]any{"bot": "llm-assist"})
	e2.say(c2.ID, c2.Token, "12345678")
	e2.say(c2.ID, c2.Token, "somewhere")
	e2.say(c2.ID, c2.Token, "somewhere else")
	wantTexts(t, e2.say(c2.ID, c2.Token, "hm"), "Let me find someone who can help.")
}
