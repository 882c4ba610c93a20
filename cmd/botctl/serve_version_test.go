package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const signupV1 = `botctl: 1
bot: {name: signup, welcome: signup}
variables: {name: "", phone: "", email: ""}
dialogs:
  signup:
    steps:
      - ask: "What is your name?"
        save: name
      - ask: "What is your email?"
        save: email
      - say: "Thanks ${vars.name}, we will write to ${vars.email}."
`

// signupV2 inserts a question before the one the conversation waits at.
const signupV2 = `botctl: 1
bot: {name: signup, welcome: signup}
variables: {name: "", phone: "", email: ""}
dialogs:
  signup:
    steps:
      - ask: "What is your name?"
        save: name
      - ask: "What is your phone number?"
        save: phone
      - ask: "What is your email?"
        save: email
      - say: "v2: thanks ${vars.name}, we will call ${vars.phone}."
`

// TestServeKeepsVersionAcrossSIGKILL: a conversation waits at a question;
// the server is killed with SIGKILL and started again on an edited bot with
// a question inserted before that one. The answer goes into the variable
// the question asked for, and the conversation ends as the old version
// said; a new conversation follows the new version.
func TestServeKeepsVersionAcrossSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts botctl serve twice")
	}
	dir := t.TempDir()
	botFile := filepath.Join(dir, "bot", "signup.yaml")
	os.MkdirAll(filepath.Dir(botFile), 0o755)
	if err := os.WriteFile(botFile, []byte(signupV1), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--store", "file:" + filepath.Join(dir, "data", "botctl.db"), filepath.Dir(botFile)}
	s := startServe(t, dir, args...)
	type turn struct {
		ID, Token string
		Messages  []struct{ Text string }
	}
	call := func(s *served, path, auth, body string, want int) turn {
		t.Helper()
		status, data, err := s.post(t, path, auth, body)
		if err != nil || status != want {
			t.Fatalf("POST %s: %d %s %v", path, status, data, err)
		}
		var r turn
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	texts := func(r turn) string {
		var out []string
		for _, m := range r.Messages {
			out = append(out, m.Text)
		}
		return strings.Join(out, " | ")
	}
	c := call(s, "/v1/conversations", testKey, `{"bot": "signup"}`, 201)
	if got := texts(call(s, "/v1/conversations/"+c.ID+"/complete", c.Token, `{"text": "Ann"}`, 200)); got != "What is your email?" {
		t.Fatalf("v1: %q", got)
	}
	if err := s.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown
		t.Fatal(err)
	}
	<-s.exited
	if err := os.WriteFile(botFile, []byte(signupV2), 0o644); err != nil {
		t.Fatal(err)
	}

	s = startServe(t, dir, args...)
	got := texts(call(s, "/v1/conversations/"+c.ID+"/complete", c.Token, `{"text": "ann@x.example"}`, 200))
	if want := "Thanks Ann, we will write to ann@x.example."; got != want {
		t.Errorf("after the restart on v2: %q, want %q", got, want)
	}
	req, _ := http.NewRequest("GET", s.url+"/v1/conversations/"+c.ID, nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var conv struct{ Variables map[string]any }
	json.NewDecoder(resp.Body).Decode(&conv)
	if conv.Variables["email"] != "ann@x.example" || conv.Variables["phone"] != "" {
		t.Errorf("variables after the restart: %v", conv.Variables)
	}
	fresh := call(s, "/v1/conversations", testKey, `{"bot": "signup"}`, 201)
	call(s, "/v1/conversations/"+fresh.ID+"/complete", fresh.Token, `{"text": "Bo"}`, 200)
	if got := texts(call(s, "/v1/conversations/"+fresh.ID+"/complete", fresh.Token, `{"text": "Bo"}`, 200)); got != "What is your email?" {
		t.Errorf("a new conversation on v2, after the phone question: %q", got)
	}
}
