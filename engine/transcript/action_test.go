package transcript_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/transcript"
	"github.com/botctl/botctl/engine/turn"
)

// oddBot has a long message, button labels with `|` and a backslash, a
// transfer whose values need quoting, and a call whose failure a rule
// routes before on_failure could.
const oddBot = `botctl: 1
bot: {name: odd, welcome: hello}
integrations:
  lookup:
    url: "http://lookup.test/"
dialogs:
  hello:
    steps:
      - say: "Thanks for waiting. Your order of three items left our warehouse in Leipzig on Monday and arrives on Thursday."
        buttons: ["a | b", 'C:\Temp', "x|y"]
  agent:
    starters: ["agent"]
    steps:
      - transfer: {to: agent, skill: "billing desk", agent: 'x="y"'}
  look:
    starters: ["look"]
    steps:
      - call: lookup
        rules:
          - {when: failure, goto: sorry}
        on_failure: sorry
      - say: "Found."
      - end
      - id: sorry
        say: "Sorry."
`

// oddLines are the lines the odd bot's conversation has, as --update writes them.
const oddLines = `< Thanks for waiting. Your order of three items left our warehouse in Leipzig on Monday and arrives on Thursday.
<< buttons a \| b | C:\\Temp | x\|y
> look
< Sorry.
> agent
<< transfer to=agent skill="billing desk" agent="x=\"y\""
`

// runOdd runs a transcript body against oddBot, with a lookup that fails,
// as dir/t.transcript; failures name the file t.transcript.
func runOdd(t *testing.T, r *transcript.Runner, body string) *transcript.Result {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bot.yaml"), []byte(oddBot), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	res := r.RunSource("t.transcript", []byte("---\nbot: bot.yaml\nmocks: {lookup: [{status: 500}]}\n---\n"+body))
	if !res.Ran() {
		t.Fatalf("the transcript did not run: %v %v", res.Diags, res.BotDiags)
	}
	return res
}

// TestActionEscapes: `<<` lines write a `|` in a button label as `\|` and a
// backslash as `\\`, and quote transfer values with spaces, '=', '"' or
// '\'; --update writes them so and the transcript then passes.
func TestActionEscapes(t *testing.T) {
	res := runOdd(t, &transcript.Runner{}, "> look\n> agent\n")
	want := "---\nbot: bot.yaml\nmocks: {lookup: [{status: 500}]}\n---\n" + oddLines
	if string(res.Actual) != want {
		t.Fatalf("Actual\n--- got\n%s--- want\n%s", res.Actual, want)
	}
	if again := runOdd(t, &transcript.Runner{}, oddLines); !again.Passed() {
		t.Errorf("the updated transcript fails: %s", failures(again))
	}
}

// TestActionForms: an expected action line is compared by what it says,
// so a value may be quoted where --update would not quote it, and a
// backslash that escapes nothing stands for itself.
func TestActionForms(t *testing.T) {
	body := strings.NewReplacer(
		`C:\\Temp`, `C:\Temp`,
		`to=agent`, `to="agent"`,
	).Replace(oddLines)
	res := runOdd(t, &transcript.Runner{}, body)
	if !res.Passed() {
		t.Fatalf("%s", failures(res))
	}
	if string(res.Actual) != string(res.Expected) {
		t.Errorf("a passing transcript is rewritten:\n%s", res.Actual)
	}
	res = runOdd(t, &transcript.Runner{}, strings.Replace(oddLines, `skill="billing desk"`, `skill="billing  desk"`, 1))
	want := `t.transcript:10: the bot did "<< transfer to=agent skill=\"billing desk\" agent=\"x=\\\"y\\\"\"", but the transcript expects "<< transfer to=agent skill=\"billing  desk\" agent=\"x=\\\"y\\\"\""` + "\n"
	if got := failures(res); got != want {
		t.Errorf("failures differ\n--- got\n%s--- want\n%s", got, want)
	}
}

// TestOutputLineParses: every action the runtime writes reads back as the
// same labels and values.
func TestOutputLineParses(t *testing.T) {
	labels := []string{"a | b", `C:\Temp`, `\|`, "x|y", "two\nlines", `a literal \n`, " padded ", "", `ends with \`}
	l := transcript.OutputLine(turn.Output{Kind: turn.OutButtons, Buttons: labels})
	if strings.ContainsAny(l.Text, "\n\r") {
		t.Fatalf("a line break in %q", l.Text)
	}
	tr, diags := transcript.Parse("t.transcript", []byte(transcript.Format(l)+"\n"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := tr.Lines[0]; got.Action != "buttons" || !reflect.DeepEqual(got.Labels, labels) {
		t.Errorf("%q reads back as %q %q", l.Text, got.Action, got.Labels)
	}

	tf := &turn.Transfer{To: "agent", Skill: `say "hi"`, Agent: "a=b\\c\nd", Bot: "plain"}
	l = transcript.OutputLine(turn.Output{Kind: turn.OutTransfer, Transfer: tf})
	tr, diags = transcript.Parse("t.transcript", []byte(transcript.Format(l)+"\n"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := []transcript.Field{{Key: "to", Value: "agent"}, {Key: "skill", Value: tf.Skill}, {Key: "agent", Value: tf.Agent}, {Key: "bot", Value: "plain"}}
	if got := tr.Lines[0]; got.Action != "transfer" || !reflect.DeepEqual(got.Fields, want) {
		t.Errorf("%q reads back as %q %q", l.Text, got.Action, got.Fields)
	}
}

// TestActionLine: a host that recorded an action as Output.Line wrote it
// gets the line OutputLine gives.
func TestActionLine(t *testing.T) {
	o := turn.Output{Kind: turn.OutButtons, Buttons: []string{`C:\Temp`, "a | b", "two\nlines"}}
	got := transcript.ActionLine(strings.TrimPrefix(o.Line(), "<< "))
	if want := transcript.OutputLine(o); !reflect.DeepEqual(got, want) {
		t.Errorf("ActionLine = %+v, want %+v", got, want)
	}
	if want := `<< buttons C:\\Temp | a \| b | two\nlines`; transcript.Format(got) != want {
		t.Errorf("Format = %s, want %s", transcript.Format(got), want)
	}
}

func TestActionSyntaxErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"<< transfer to=agent skill=\"a\n", "t.transcript:1:28: error[action-syntax]: the quoted value of `skill` is not closed or not valid; write it like \"two words\""},
		{"<< transfer to=agent skill\n", "t.transcript:1:22: error[action-syntax]: `transfer` fields are written key=value, not \"skill\""},
		{"<< close now\n", "t.transcript:1:10: error[action-syntax]: `close` fields are written key=value, not \"now\""},
		{"<< upload accept=pdf accept=png\n", "t.transcript:1:22: error[action-syntax]: field `accept` is given twice"},
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
