package transcript_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/transcript"
)

func TestParse(t *testing.T) {
	src := "---\n" +
		"bot: ../bots/acme\n" +
		"id: conv-7\n" +
		"now: 2025-03-01\n" +
		"user: {name: Ann, vip: true, orders: 3}\n" +
		"params: {source: web}\n" +
		"env: {ORDERS_API: \"http://orders.test\", RETRIES: 2}\n" +
		"secrets: {ORDERS_TOKEN: t0k}\n" +
		"mocks:\n" +
		"  order_lookup:\n" +
		"    - {status: 200, body: {status: shipped}}\n" +
		"    - {error: timeout}\n" +
		"transfers: [ok, {error: queue closed}]\n" +
		"uploads: [{id: doc-1}, {error: disk full}]\n" +
		"---\n" +
		"# comment\n" +
		"\n" +
		"> order status\n" +
		"< Hi Ann!\\nWhat is your order number?\n" +
		"<< buttons Yes | No\n" +
		">\n" +
		"<\n" +
		">> upload name=\"my file.pdf\" type=application/pdf size=1200\n" +
		">> agent_done\n" +
		"? vars.order_number == \"12345\"\n" +
		"<! the conversation is closed; start a new conversation\n"
	tr, diags := transcript.Parse("t.transcript", []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	h := tr.Header
	if h.Bot != "../bots/acme" || h.ID != "conv-7" || !h.Now.Equal(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("header: bot %q id %q now %v", h.Bot, h.ID, h.Now)
	}
	if !reflect.DeepEqual(h.User, map[string]any{"name": "Ann", "vip": true, "orders": 3}) ||
		!reflect.DeepEqual(h.Params, map[string]any{"source": "web"}) {
		t.Errorf("user %v params %v", h.User, h.Params)
	}
	if !reflect.DeepEqual(h.Env, map[string]string{"ORDERS_API": "http://orders.test", "RETRIES": "2"}) ||
		!reflect.DeepEqual(h.Secrets, map[string]string{"ORDERS_TOKEN": "t0k"}) {
		t.Errorf("env %v secrets %v", h.Env, h.Secrets)
	}
	wantMocks := mock.Set{"order_lookup": {{Status: 200, Body: map[string]any{"status": "shipped"}}, {Error: "timeout"}}}
	if !reflect.DeepEqual(h.Mocks, wantMocks) {
		t.Errorf("mocks %#v", h.Mocks)
	}
	if !reflect.DeepEqual(h.Transfers, []transcript.Outcome{{}, {Error: "queue closed"}}) ||
		!reflect.DeepEqual(h.Uploads, []transcript.Outcome{{ID: "doc-1"}, {Error: "disk full"}}) {
		t.Errorf("transfers %v uploads %v", h.Transfers, h.Uploads)
	}

	var got []string
	for _, l := range tr.Lines {
		s := fmt.Sprintf("%d %s %q", l.Num, l.Kind, l.Text)
		if l.Kind == transcript.Event {
			s += fmt.Sprintf(" %s %v", l.Event, l.Fields)
		}
		got = append(got, s)
	}
	want := []string{
		`16 comment ""`,
		`17 blank ""`,
		`18 message "order status"`,
		`19 say "Hi Ann!\nWhat is your order number?"`,
		`20 action "buttons Yes | No"`,
		`21 message ""`,
		`22 say ""`,
		`23 event "upload name=\"my file.pdf\" type=application/pdf size=1200" upload [{name my file.pdf} {type application/pdf} {size 1200}]`,
		`24 event "agent_done" agent_done []`,
		`25 assertion "vars.order_number == \"12345\""`,
		`26 refusal "the conversation is closed; start a new conversation"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines differ\n--- got\n%s\n--- want\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	turns := tr.Turns()
	if len(turns) != 5 || turns[0].Input != nil || len(turns[0].Expected) != 0 ||
		turns[1].Input.Num != 18 || len(turns[1].Expected) != 2 || turns[2].Input.Num != 21 ||
		len(turns[3].Expected) != 0 || len(turns[4].Asserts) != 1 || len(turns[4].Expected) != 1 {
		t.Errorf("turns: %+v", turns)
	}
}

func TestParseNoHeader(t *testing.T) {
	tr, diags := transcript.Parse("t.transcript", []byte("\uFEFF< Hi\r\n> hello\r\n"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if tr.HasHeader || len(tr.Lines) != 2 || tr.Lines[0].Text != "Hi" || tr.Lines[1].Text != "hello" {
		t.Errorf("%+v", tr.Lines)
	}
}

// TestParseErrors complements the golden cases of testdata/transcripts with
// mistakes that need no bot.
func TestParseErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"---\n---\n> hi\n---\n", "t.transcript:4:1: error[unknown-prefix]: a `---` header must start on the first line of the file"},
		{"---\nbot: [a]\n---\n", "t.transcript:2:6: error[header-value]: `bot` must be a text"},
		{"---\nuser: Ann\n---\n", "t.transcript:2:7: error[header-value]: `user` must be a mapping, like {name: Ann}"},
		{"---\nenv: {orders-api: x}\n---\n", "t.transcript:2:7: error[header-value]: `orders-api` is not a valid env name (letters, digits and _)"},
		{"---\nbot: a\nbot: b\n---\n", "t.transcript:3:1: error[header-value]: `bot` is already set at line 2"},
		{"---\ntransfers: [fine]\n---\n", "t.transcript:2:13: error[header-value]: each of `transfers` is `ok` or {error: text}"},
		{"---\ndialog: a\ninteraction: b\n---\n", "t.transcript:3:1: error[header-value]: set `dialog:` or `interaction:`, not both: an interaction starts its own dialog"},
		{"---\n- a\n---\n", "t.transcript:2:1: error[header-value]: the header must be a YAML mapping of keys such as `bot:`, `user:` and `mocks:`"},
		{"---\nbot: x\nuser: {name: [Ann\nmocks: {}\n---\n", "t.transcript:3:1: error[header-yaml]: invalid YAML in the header: did not find expected ',' or ']'"},
		{"---\nbot: x\n  user: y\n---\n", "t.transcript:3:3: error[header-yaml]: invalid YAML in the header: mapping values are not allowed in this context"},
		{"---\nmocks:\n  lookup:\n    - {status: 99}\n---\n", "t.transcript:4:5: error[header-value]: mocks: mocks for \"lookup\": status must be an HTTP status code (100-599), not \"99\""},
		{"<<\n", "t.transcript:1:1: error[unknown-action]: `<<` needs an action: `buttons`, `transfer`, `close` and `upload`"},
		{">>\n", "t.transcript:1:1: error[event-syntax]: `>>` needs the event's name, like `>> agent_done`"},
		{">> upload name=\"a.pdf\n", "t.transcript:1:16: error[event-syntax]: the quoted value of `name` is not closed or not valid; write it like \"my file.pdf\""},
		{">> upload name=\"a\"b\n", "t.transcript:1:19: error[event-syntax]: put a space after the quoted value of `name`"},
		{">> upload 1=2\n", "t.transcript:1:11: error[event-syntax]: \"1\" is not a field name (letters, digits, _ and -)"},
		{">> upload a=1 a=2\n", "t.transcript:1:15: error[event-syntax]: field `a` is given twice"},
		{"?\n", "t.transcript:1:1: error[invalid-assertion]: `?` needs a condition, like `? vars.order_number == \"12345\"`"},
		{"? answer == 1\n", "t.transcript:1:3: error[invalid-assertion]: an assertion cannot read `answer`, which exists only while a question is answered; read the variable it was saved in, as vars.NAME"},
		{"?x\n", "t.transcript:1:2: error[missing-space]: put a space after `?`: `? x`"},
		{"hello\n", "t.transcript:1:1: error[unknown-prefix]: a line starting with \"hello\" is not part of a transcript; each line is `> message`, `< bot message`, `<< bot action`, `>> event`, `? assertion` or `# comment`"},
	}
	for _, tt := range tests {
		_, diags := transcript.Parse("t.transcript", []byte(tt.src))
		var got []string
		for _, d := range diags {
			got = append(got, d.Error())
		}
		if strings.Join(got, "\n") != tt.want {
			t.Errorf("Parse(%q):\n got  %s\n want %s", tt.src, strings.Join(got, "\n"), tt.want)
		}
	}
}

// TestParseKeepsGoing: one run reports every mistake of a file.
func TestParseKeepsGoing(t *testing.T) {
	_, diags := transcript.Parse("t.transcript", []byte("hi\n> ok\n<<buttons\n? vars.\n"))
	if len(diags) != 3 {
		t.Errorf("want 3 errors, got %v", diags)
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ text, line string }{
		{"plain", "plain"},
		{"two\nlines", `two\nlines`},
		{`C:\Temp`, `C:\Temp`},
		{`a literal \n`, `a literal \\n`},
		{`back\\slashes`, `back\\\slashes`},
		{"ends with \\", `ends with \`},
		{"\\\n", `\\\n`},
		{"cr\r\nlf", `cr\r\nlf`},
	}
	for _, tt := range tests {
		if got := transcript.Escape(tt.text); got != tt.line {
			t.Errorf("Escape(%q) = %q, want %q", tt.text, got, tt.line)
		}
		if got := transcript.Unescape(tt.line); got != tt.text {
			t.Errorf("Unescape(%q) = %q, want %q", tt.line, got, tt.text)
		}
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "a\nb", `\`, `\\n`, "\\\n\\", `\r\n`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		line := transcript.Escape(s)
		if strings.ContainsAny(line, "\n\r") {
			t.Fatalf("Escape(%q) = %q holds a line break", s, line)
		}
		if got := transcript.Unescape(line); got != s {
			t.Fatalf("Unescape(Escape(%q)) = %q", s, got)
		}
	})
}
