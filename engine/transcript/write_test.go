package transcript_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/transcript"
	"github.com/botctl/botctl/engine/turn"
)

func TestRewrite(t *testing.T) {
	tests := []struct {
		name string
		src  string
		got  [][]string // per turn
		want string
	}{{
		name: "nothing changes",
		src:  "< Hi\n> a\n< b\n",
		got:  [][]string{{"< Hi"}, {"< b"}},
		want: "< Hi\n> a\n< b\n",
	}, {
		name: "replace, keeping comments and blank lines between",
		src:  "---\nbot: x\n---\n# start\n< Hi\n\n> a\n< b\n# note\n<< buttons X\n\n> c\n",
		got:  [][]string{{"< Hello"}, {"< B", "<< buttons Y"}, nil},
		want: "---\nbot: x\n---\n# start\n< Hello\n\n> a\n< B\n# note\n<< buttons Y\n\n> c\n",
	}, {
		name: "insert after the turn's last line, remove what is not said",
		src:  "> a\n< b\n# note\n< c\n> d\n< e\n",
		got:  [][]string{nil, {"< b", "< c", "< c2"}, nil},
		want: "> a\n< b\n# note\n< c\n< c2\n> d\n",
	}, {
		name: "the start's lines go after the comments before the first input",
		src:  "---\nbot: x\n---\n# The welcome.\n\n> a\n",
		got:  [][]string{{"< Hi", "<< buttons A | B"}, {"< ok"}},
		want: "---\nbot: x\n---\n# The welcome.\n< Hi\n<< buttons A | B\n\n> a\n< ok\n",
	}, {
		name: "... and before the first assertion",
		src:  "---\nbot: x\n---\n? vars.a == 1\n",
		got:  [][]string{{"< Hi"}},
		want: "---\nbot: x\n---\n< Hi\n? vars.a == 1\n",
	}, {
		name: "at the very top",
		src:  "> a\n",
		got:  [][]string{{"< Hi"}, nil},
		want: "< Hi\n> a\n",
	}, {
		name: "no final newline stays so",
		src:  "> a",
		got:  [][]string{nil, {"< b", "< c"}},
		want: "> a\n< b\n< c",
	}, {
		name: "CRLF line endings",
		src:  "> a\r\n< b\r\n> c\r\n",
		got:  [][]string{nil, {"< B", "< B2"}, {"<< close"}},
		want: "> a\r\n< B\r\n< B2\r\n> c\r\n<< close\r\n",
	}, {
		name: "a byte order mark stays",
		src:  "\uFEFF< Hi\n",
		got:  [][]string{{"< Hello"}},
		want: "\uFEFF< Hello\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, diags := transcript.Parse("t.transcript", []byte(tt.src))
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if got := string(tr.Rewrite(tt.got)); got != tt.want {
				t.Errorf("Rewrite\n got  %q\n want %q", got, tt.want)
			}
		})
	}
}

// TestWrite: a recorded conversation written by Write reads back the same.
func TestWrite(t *testing.T) {
	h := transcript.Header{
		Bot:     "../acme",
		ID:      "c-1",
		Now:     time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC),
		User:    map[string]any{"name": "Ann"},
		Params:  map[string]any{"page": "pricing", "n": 2},
		Env:     map[string]string{"ORDERS_API": "http://orders.test"},
		Secrets: map[string]string{"ORDERS_TOKEN": "must-not-appear"},
		Mocks: mock.Set{"order_lookup": {
			{Status: 200, Body: map[string]any{"status": "shipped", "items": []any{1, "two"}}, Headers: map[string]string{"X-Id": "7"}},
			{Error: "timeout"},
		}},
		Transfers: []transcript.Outcome{{Error: "busy"}, {}},
		Uploads:   []transcript.Outcome{{ID: "doc-9"}},
	}
	lines := []transcript.Line{
		transcript.OutputLine(turn.Output{Kind: turn.OutText, Text: "Hi Ann!\nHow can I help?"}),
		transcript.OutputLine(turn.Output{Kind: turn.OutButtons, Buttons: []string{"Order status", "Agent"}}),
		transcript.MessageLine(`order status \n`),
		transcript.EventLine("upload", transcript.Field{Key: "name", Value: "my file.pdf"}, transcript.Field{Key: "size", Value: "12"}),
		transcript.OutputLine(turn.Output{Kind: turn.OutTransfer, Transfer: &turn.Transfer{To: "agent", Skill: "billing"}}),
		transcript.OutputLine(turn.Output{Kind: turn.OutClose}),
		transcript.RefusalLine(errors.New("the conversation is closed")),
	}
	var b bytes.Buffer
	if err := transcript.Write(&b, h, lines); err != nil {
		t.Fatal(err)
	}
	want := `---
bot: ../acme
id: c-1
now: "2025-06-02T09:00:00Z"
user: {name: Ann}
params: {"n": 2, page: pricing}
env:
  ORDERS_API: http://orders.test
mocks:
  order_lookup:
    - {status: 200, headers: {X-Id: "7"}, body: {items: [1, two], status: shipped}}
    - {error: timeout}
transfers:
  - {error: busy}
  - ok
uploads:
  - {id: doc-9}
---
< Hi Ann!\nHow can I help?
<< buttons Order status | Agent
> order status \\n
>> upload name="my file.pdf" size=12
<< transfer to=agent skill=billing
<< close
<! the conversation is closed
`
	if b.String() != want {
		t.Fatalf("Write\n--- got\n%s--- want\n%s", b.String(), want)
	}
	tr, diags := transcript.Parse("w.transcript", b.Bytes())
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	got := tr.Header
	if got.Secrets != nil {
		t.Errorf("secrets were written: %v", got.Secrets)
	}
	h.Secrets = nil
	if got.Bot != h.Bot || got.ID != h.ID || !got.Now.Equal(h.Now) || !reflect.DeepEqual(got.User, h.User) ||
		!reflect.DeepEqual(got.Params, h.Params) || !reflect.DeepEqual(got.Env, h.Env) ||
		!reflect.DeepEqual(got.Mocks, h.Mocks) || !reflect.DeepEqual(got.Transfers, h.Transfers) ||
		!reflect.DeepEqual(got.Uploads, h.Uploads) {
		t.Errorf("header does not read back:\n got  %+v\n want %+v", got, h)
	}
	for i, l := range tr.Lines {
		w := lines[i]
		if l.Kind != w.Kind || (l.Kind != transcript.Event && l.Text != w.Text) ||
			(l.Kind == transcript.Event && (l.Event != w.Event || !reflect.DeepEqual(l.Fields, w.Fields))) {
			t.Errorf("line %d reads back as %+v, want %+v", i+1, l, w)
		}
	}
}

func TestWriteEmptyHeader(t *testing.T) {
	var b bytes.Buffer
	if err := transcript.Write(&b, transcript.Header{}, []transcript.Line{transcript.MessageLine("hi")}); err != nil {
		t.Fatal(err)
	}
	if b.String() != "> hi\n" {
		t.Errorf("got %q", b.String())
	}
}
