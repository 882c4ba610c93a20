package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestConversationsCommand lists, shows and erases the conversations of a
// served bot with botctl conversations, as an operator would.
func TestConversationsCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("starts botctl serve")
	}
	dir := t.TempDir()
	bot := filepath.Join(dir, "greeter.yaml")
	src := "botctl: 1\nbot: {name: greeter, welcome: welcome}\nvariables: {name: \"\"}\ndialogs:\n  welcome:\n    steps:\n" +
		"      - ask: \"Name?\"\n        save: name\n      - say: \"Bye, ${vars.name}.\"\n"
	if err := os.WriteFile(bot, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, dir, "--store", "memory", bot)
	create := func(user string) string {
		t.Helper()
		status, body, err := s.post(t, "/v1/conversations", testKey, `{"bot": "greeter", "user": {"id": "`+user+`"}}`)
		if err != nil || status != 201 {
			t.Fatalf("create: %d %s %v", status, body, err)
		}
		var c struct{ ID, Token string }
		json.Unmarshal(body, &c)
		if status, body, err := s.post(t, "/v1/conversations/"+c.ID+"/complete", c.Token, `{"text": "Ann"}`); err != nil || status != 200 {
			t.Fatalf("complete: %d %s %v", status, body, err)
		}
		time.Sleep(2 * time.Millisecond) // distinct update times, for the order
		return c.ID
	}
	a, b, c := create("u-1"), create("u-2"), create("u-2")

	run := func(wantExit int, args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command("botctl", append([]string{"conversations"}, args...)...)
		cmd.Env = append(os.Environ(), "BOTCTL_API_KEY="+testKey, "BOTCTL_URL="+s.url)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != wantExit {
			t.Fatalf("botctl conversations %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, wantExit, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	ids := regexp.MustCompile(`(?m)^c_[0-9a-f]+`)

	out, _ := run(0, "list")
	if got := ids.FindAllString(out, -1); strings.Join(got, " ") != strings.Join([]string{c, b, a}, " ") {
		t.Errorf("list:\n%s\nwant %s, %s, %s in that order", out, c, b, a)
	}
	if !strings.HasPrefix(out, "ID ") || !strings.Contains(out, "u-2") {
		t.Errorf("list has no header or no user column:\n%s", out)
	}
	out, stderr := run(0, "list", "--limit", "1")
	if got := ids.FindAllString(out, -1); len(got) != 1 || got[0] != c || !strings.Contains(stderr, "more: --cursor ") {
		t.Errorf("list --limit 1:\n%s%s", out, stderr)
	}
	out, _ = run(0, "list", "--limit", "1", "--all", "--user", "u-2")
	if got := ids.FindAllString(out, -1); strings.Join(got, " ") != c+" "+b {
		t.Errorf("list --all --user u-2:\n%s", out)
	}
	out, _ = run(0, "list", "--format", "json", "--since", "1h")
	var page struct {
		Conversations []struct{ ID string } `json:"conversations"`
	}
	if err := json.Unmarshal([]byte(out), &page); err != nil || len(page.Conversations) != 3 {
		t.Errorf("list --format json: %v\n%s", err, out)
	}
	out, _ = run(0, "show", a)
	if !strings.Contains(out, "owner:") || !strings.Contains(out, `"Ann"`) || !strings.Contains(out, "< Bye, Ann.") {
		t.Errorf("show:\n%s", out)
	}

	out, _ = run(0, "delete", a)
	if out != "erased "+a+"\n" {
		t.Errorf("delete: %q", out)
	}
	_, stderr = run(1, "show", a)
	if !strings.Contains(stderr, "404") {
		t.Errorf("show of an erased conversation: %s", stderr)
	}
	_, stderr = run(1, "delete", a)
	if !strings.Contains(stderr, a+": no such conversation") {
		t.Errorf("delete again: %s", stderr)
	}
	out, _ = run(0, "delete", "--user", "u-2")
	if out != "erased 2 conversations of user u-2\n" {
		t.Errorf("delete --user: %q", out)
	}
	if out, _ = run(0, "list"); len(ids.FindAllString(out, -1)) != 0 {
		t.Errorf("list after erasing everything:\n%s", out)
	}
	run(2, "delete")
	run(2, "list", "--since", "yesterday")

	// A wrong key is the server's 401, said plainly.
	cmd := exec.Command("botctl", "conversations", "list", "--url", s.url, "--api-key", "wrong")
	outb, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(outb), "401 (unauthorized)") {
		t.Errorf("list with a wrong key: %v\n%s", err, outb)
	}
}
