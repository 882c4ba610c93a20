package schemacheck

import (
	"os"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/load"
)

// check parses src as bot.yaml and returns its schema diagnostics, one per
// line as diag.Diagnostic.Error formats them.
func check(t testing.TB, src string) string {
	t.Helper()
	f, ds := load.Parse("bot.yaml", []byte(src))
	if ds.HasErrors() || f == nil {
		t.Fatalf("test input does not parse: %v", ds)
	}
	return renderDiags(Check(f))
}

func renderDiags(ds diag.List) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.Error())
		b.WriteByte('\n')
	}
	return b.String()
}

func TestValidFull(t *testing.T) {
	src, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := check(t, string(src)); got != "" {
		t.Errorf("a valid file got diagnostics:\n%s", got)
	}
}

func TestValidSmall(t *testing.T) {
	for _, src := range []string{
		"dialogs: {}\n",
		"dialogs:\n", // an empty section is allowed
		"variables:\nintegrations:\ninteractions:\n",
		"botctl: 1.0\nbot: {name: x}\n", // 1.0 is the number 1
		"dialogs:\n  a:\n    steps: [end, close, {end: }, {close: true}]\n",
		"# only a comment\n",
	} {
		if got := check(t, src); got != "" {
			t.Errorf("%q: got diagnostics:\n%s", src, got)
		}
	}
}

// checkTests are bot files with one kind of mistake each and their full
// expected diagnostics. FuzzCheck uses their sources as seeds.
var checkTests = []struct {
	name, src, want string
}{
	{
		name: "unknown step key",
		src: `dialogs:
  welcome:
    steps:
      - say: hi
  order_status:
    steps:
      - say: Hi
      - ask: Number?
        save: order_number
      - ask: Which?
        sav: order_number
`,
		want: "bot.yaml:11:9: error[unknown-key]: step 3 of dialog order_status: unknown key \"sav\" (did you mean `save`?)\n",
	},
	{
		name: "unknown key in a step with an id",
		src: `dialogs:
  order_status:
    steps:
      - {id: confirm, ask: "Sure?", save: ok, tpye: yes_no}
`,
		want: "bot.yaml:4:47: error[unknown-key]: step `confirm` of dialog order_status: unknown key \"tpye\" (did you mean `type`?)\n",
	},
	{
		name: "unknown key, case only",
		src:  "dialogs:\n  x:\n    steps:\n      - Say: hi\n",
		want: "bot.yaml:4:9: error[unknown-key]: step 1 of dialog x: unknown key \"Say\" (did you mean `say`?)\n",
	},
	{
		name: "unknown top-level key",
		src:  "botctl: 1\ndialog: {}\n",
		want: "bot.yaml:2:1: error[unknown-key]: unknown top-level key \"dialog\" (did you mean `dialogs`?)\n",
	},
	{
		name: "unknown key with nothing close lists the keys",
		src: `dialogs:
  x:
    steps:
      - transfer: {to: agent, queue: billing}
`,
		want: "bot.yaml:4:31: error[unknown-key]: transfer of step 1 of dialog x: unknown key \"queue\" (the keys here are agent, bot, context, message, skill, tags, to)\n",
	},
	{
		name: "unknown keys in the header and a rule",
		src: `bot:
  name: acme
  welcom: hi
dialogs:
  x:
    steps:
      - say: a
      - say: b
      - ask: c
        save: v
        rules:
          - {when: 'answer > 1', goto: a}
          - {when: 'answer > 2', goto: b, then: c}
`,
		want: "bot.yaml:3:3: error[unknown-key]: bot: unknown key \"welcom\" (did you mean `welcome`?)\n" +
			"bot.yaml:13:43: error[unknown-key]: rule 2 of step 3 of dialog x: unknown key \"then\" (did you mean `when`?)\n",
	},
	{
		name: "YAML merge key",
		src:  "base: &b {name: a}\n",
		want: "bot.yaml:1:1: error[unknown-key]: unknown top-level key \"base\" (the keys here are bot, botctl, dialogs, entities, integrations, intents, interactions, llm, nlu, variables)\n",
	},
	{
		name: "YAML merge key in a mapping",
		src:  "bot:\n  <<: {name: a}\n",
		want: "bot.yaml:2:3: error[missing-key]: bot: missing required key \"name\"\n" +
			"bot.yaml:2:3: error[unknown-key]: bot: YAML merge keys (<<) are not supported; write the keys out\n",
	},
	{
		name: "missing url",
		src: `integrations:
  order_lookup:
    method: GET
`,
		want: "bot.yaml:3:5: error[missing-key]: integration order_lookup: missing required key \"url\"\n",
	},
	{
		name: "missing keys of an interaction and a transfer",
		src: `interactions:
  - {id: remind_me, label: x}
dialogs:
  x:
    steps:
      - transfer: {}
`,
		want: "bot.yaml:2:5: error[missing-key]: interaction remind_me: missing required key \"dialog\"\n" +
			"bot.yaml:2:5: error[missing-key]: interaction remind_me: missing required key \"point\"\n" +
			"bot.yaml:6:19: error[missing-key]: transfer of step 1 of dialog x: missing required key \"to\"\n",
	},
	{
		name: "rule without goto or else",
		src: `dialogs:
  x:
    steps:
      - branch:
          - {when: 'vars.a', goto: y}
          - when: 'vars.b'
`,
		want: "bot.yaml:6:13: error[missing-key]: rule 2 of step 1 of dialog x: missing required key \"goto\" or \"else\"\n",
	},
	{
		name: "wrong types",
		src: `bot:
  name: acme
  max_transfer_attempts: many
  env: ORDERS_API
dialogs:
  welcome:
    interrupt: "yes"
    steps:
      - say: hi
      - ask: How many?
        save: n
        max_attempts: three
        delay: 5
      - ask: [a, b]
        save: 5
        choices: a
        max_attempts: 2.5
`,
		want: "bot.yaml:3:26: error[wrong-type]: bot: \"max_transfer_attempts\" must be an integer, not a string\n" +
			"bot.yaml:4:8: error[wrong-type]: bot: \"env\" must be a list, not a string\n" +
			"bot.yaml:7:16: error[wrong-type]: dialog welcome: \"interrupt\" must be true or false, not a string\n" +
			"bot.yaml:12:23: error[wrong-type]: step 2 of dialog welcome: \"max_attempts\" must be an integer, not a string\n" +
			"bot.yaml:13:16: error[wrong-type]: step 2 of dialog welcome: \"delay\" must be a duration such as \"2s\", not a number\n" +
			"bot.yaml:14:14: error[wrong-type]: step 3 of dialog welcome: \"ask\" must be text, not a list\n" +
			"bot.yaml:15:15: error[wrong-type]: step 3 of dialog welcome: \"save\" must be a string, not a number\n" +
			"bot.yaml:16:18: error[wrong-type]: step 3 of dialog welcome: \"choices\" must be a list of texts, not a string\n" +
			"bot.yaml:17:23: error[wrong-type]: step 3 of dialog welcome: \"max_attempts\" must be an integer, not 2.5\n",
	},
	{
		name: "wrong types of whole parts",
		src: `bot:
variables: [a]
integrations:
  a: http://x
interactions: {a: 1}
dialogs:
  a: hello
  b:
    steps:
      -
      - [say, hi]
      - transfer: agent
`,
		want: "bot.yaml:1:5: error[wrong-type]: \"bot\" must be a mapping, but it is empty\n" +
			"bot.yaml:2:12: error[wrong-type]: \"variables\" must be a mapping, not a list\n" +
			"bot.yaml:4:6: error[wrong-type]: integration a must be a mapping, not a string\n" +
			"bot.yaml:5:15: error[wrong-type]: \"interactions\" must be a list, not a mapping\n" +
			"bot.yaml:7:6: error[wrong-type]: dialog a must be a mapping, not a string\n" +
			"bot.yaml:10:8: error[wrong-type]: step 1 of dialog b must be a step (a mapping with one action such as say or ask, or the word end or close), but it is empty\n" +
			"bot.yaml:11:9: error[wrong-type]: step 2 of dialog b must be a step (a mapping with one action such as say or ask, or the word end or close), not a list\n" +
			"bot.yaml:12:19: error[wrong-type]: transfer of step 3 of dialog b must be a mapping, not a string\n",
	},
	{
		name: "the file is not a mapping",
		src:  "- say: hi\n",
		want: "bot.yaml:1:1: error[wrong-type]: the file must be a mapping of keys such as bot and dialogs, not a list\n",
	},
	{
		name: "the file is null",
		src:  "~\n",
		want: "bot.yaml:1:1: error[wrong-type]: the file must be a mapping of keys such as bot and dialogs, but it is empty\n",
	},
	{
		name: "empty text",
		src:  "dialogs:\n  x:\n    steps:\n      - say:\n      - {ask: , save: v}\n",
		want: "bot.yaml:4:13: error[wrong-type]: step 1 of dialog x: \"say\" must be text or a list of texts, but it is empty\n" +
			"bot.yaml:5:15: error[wrong-type]: step 2 of dialog x: \"ask\" must be text, but it is empty\n",
	},
	{
		name: "enum values",
		src: `integrations:
  a: {url: x, method: get}
dialogs:
  x:
    steps:
      - ask: Number?
        save: n
        type: nubmer
      - transfer: {to: Agent}
      - ask: Color?
        save: c
        type: colour
`,
		want: "bot.yaml:2:23: error[invalid-value]: integration a: \"method\" must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, not \"get\" (did you mean `GET`?)\n" +
			"bot.yaml:8:15: error[invalid-value]: step 1 of dialog x: \"type\" must be one of text, number, integer, email, phone, date, yes_no, choice, regex, file, not \"nubmer\" (did you mean `number`?)\n" +
			"bot.yaml:9:24: error[invalid-value]: transfer of step 2 of dialog x: \"to\" must be one of agent, bot, not \"Agent\" (did you mean `agent`?)\n" +
			"bot.yaml:12:15: error[invalid-value]: step 3 of dialog x: \"type\" must be one of text, number, integer, email, phone, date, yes_no, choice, regex, file, not \"colour\"\n",
	},
	{
		name: "format version",
		src:  "botctl: 2\n",
		want: "bot.yaml:1:9: error[invalid-value]: \"botctl\" must be 1, not 2\n",
	},
	{
		name: "format version as a string",
		src:  "botctl: \"1\"\n",
		want: "bot.yaml:1:9: error[invalid-value]: \"botctl\" must be 1, not \"1\"\n",
	},
	{
		name: "numbers out of range",
		src:  "bot: {name: a, max_transfer_attempts: 0}\nintegrations:\n  a: {url: x, retries: -1}\n",
		want: "bot.yaml:1:39: error[invalid-value]: bot: \"max_transfer_attempts\" must be at least 1, not 0\n" +
			"bot.yaml:3:24: error[invalid-value]: integration a: \"retries\" must be at least 0, not -1\n",
	},
	{
		name: "bare step words",
		src:  "dialogs:\n  x:\n    steps:\n      - ned\n      - Hello there\n      - 42\n",
		want: "bot.yaml:4:9: error[invalid-value]: step 1 of dialog x: a step written as a single word must be end or close, not \"ned\" (did you mean `end`?)\n" +
			"bot.yaml:5:9: error[invalid-value]: step 2 of dialog x: a step written as a single word must be end or close, not \"Hello there\" (to send it as a message, write `say: Hello there`)\n" +
			"bot.yaml:6:9: error[wrong-type]: step 3 of dialog x must be a step (a mapping with one action such as say or ask, or the word end or close), not a number\n",
	},
	{
		name: "end and close take no value",
		src:  "dialogs:\n  x:\n    steps:\n      - {id: a, end: false}\n      - close: now\n",
		want: "bot.yaml:4:22: error[invalid-value]: step `a` of dialog x: \"end\" takes no value: leave it empty or write true, not false\n" +
			"bot.yaml:5:16: error[invalid-value]: step 2 of dialog x: \"close\" takes no value: leave it empty or write true, not \"now\"\n",
	},
	{
		name: "names",
		src: `bot:
  name: Acme Support
  env: [orders-api]
  secrets: [1TOKEN]
variables:
  order-no: ""
integrations:
  order lookup: {url: x}
interactions:
  - {id: 2nd, point: x, dialog: y}
dialogs:
  Order Status:
    steps:
      - {id: my step, say: hi}
      - {id: "", say: hi}
      - {id: -x, say: hi}
      - transfer: {to: bot, bot: Billing}
`,
		want: "bot.yaml:2:9: error[invalid-name]: bot name \"Acme Support\" may contain only lowercase letters, digits, \"_\" and \"-\"\n" +
			"bot.yaml:3:9: error[invalid-name]: bot: env name \"orders-api\" may contain only letters, digits and \"_\", and must not start with a digit\n" +
			"bot.yaml:4:13: error[invalid-name]: bot: secret name \"1TOKEN\" may contain only letters, digits and \"_\", and must not start with a digit\n" +
			"bot.yaml:6:3: error[invalid-name]: variable name \"order-no\" may contain only letters, digits and \"_\", and must not start with a digit\n" +
			"bot.yaml:8:3: error[invalid-name]: integration name \"order lookup\" may contain only letters, digits, \"_\" and \"-\", and must not start with a digit\n" +
			"bot.yaml:10:10: error[invalid-name]: interaction id \"2nd\" may contain only letters, digits, \"_\" and \"-\", and must not start with a digit\n" +
			"bot.yaml:12:3: error[invalid-name]: dialog name \"Order Status\" may contain only letters, digits, \"_\" and \"-\", and must not start with a digit\n" +
			"bot.yaml:14:14: error[invalid-name]: dialog \"Order Status\": step id \"my step\" may contain only letters, digits, \"_\" and \"-\", and must not start with a digit\n" +
			"bot.yaml:15:14: error[invalid-name]: dialog \"Order Status\": step id must not be empty\n" +
			"bot.yaml:16:14: error[invalid-name]: dialog \"Order Status\": step id \"-x\" may contain only letters, digits, \"_\" and \"-\", and must not start with \"-\"\n" +
			"bot.yaml:17:34: error[invalid-name]: transfer of step 4 of dialog \"Order Status\": bot name \"Billing\" may contain only lowercase letters, digits, \"_\" and \"-\"\n",
	},
	{
		name: "names with pointer escapes",
		src:  "dialogs:\n  a/b~c%d: {steps: [{sai: x}]}\n",
		want: "bot.yaml:2:3: error[invalid-name]: dialog name \"a/b~c%d\" may contain only letters, digits, \"_\" and \"-\", and must not start with a digit\n" +
			"bot.yaml:2:22: error[unknown-key]: step 1 of dialog \"a/b~c%d\": unknown key \"sai\" (did you mean `say`?)\n",
	},
	{
		name: "text written in braces",
		src: `dialogs:
  x:
    steps:
      - say: {vars.name}
      - say: [Hi, {vars.name}]
      - ask: { vars.q }
        save: q
        validate: {answer > 3}
        retry: {vars.name: 1}
      - say: &greet {name}
      - say: *greet
integrations:
  a: {url: x, headers: {A: {secret.TOKEN}}}
`,
		want: "bot.yaml:4:14: error[flow-mapping]: step 1 of dialog x: \"say\" must be text or a list of texts, but {vars.name} was read as a YAML mapping; write ${vars.name} (with the $) or quote the whole string\n" +
			"bot.yaml:5:19: error[flow-mapping]: step 2 of dialog x: item 2 of \"say\" must be text, but {vars.name} was read as a YAML mapping; write ${vars.name} (with the $) or quote the whole string\n" +
			"bot.yaml:6:14: error[flow-mapping]: step 3 of dialog x: \"ask\" must be text, but { vars.q } was read as a YAML mapping; write ${ vars.q } (with the $) or quote the whole string\n" +
			"bot.yaml:8:19: error[flow-mapping]: step 3 of dialog x: \"validate\" must be an expression, but {answer > 3} was read as a YAML mapping; write the expression without braces, or quote it\n" +
			"bot.yaml:9:16: error[wrong-type]: step 3 of dialog x: \"retry\" must be text, not a mapping\n" +
			"bot.yaml:10:14: error[flow-mapping]: step 4 of dialog x: \"say\" must be text or a list of texts, but {name} was read as a YAML mapping; write ${name} (with the $) or quote the whole string\n" +
			"bot.yaml:11:14: error[flow-mapping]: step 5 of dialog x: \"say\" must be text or a list of texts, but {name} was read as a YAML mapping; write ${name} (with the $) or quote the whole string\n" +
			"bot.yaml:13:28: error[flow-mapping]: integration a: \"headers.A\" must be text, but {secret.TOKEN} was read as a YAML mapping; write ${secret.TOKEN} (with the $) or quote the whole string\n",
	},
	{
		name: "text in braces after wide characters",
		src:  "dialogs:\n  x:\n    steps:\n      - say: [\"héllo wörld\", {vars.näme}]\n",
		want: "bot.yaml:4:30: error[flow-mapping]: step 1 of dialog x: item 2 of \"say\" must be text, but {vars.näme} was read as a YAML mapping; write ${vars.näme} (with the $) or quote the whole string\n",
	},
	{
		name: "starters",
		src: `dialogs:
  x:
    starters:
      - hello
      - regx: '\bhi\b'
      - {}
      - {regex: a, event: b}
      -
      - {event: [a]}
      - {vars.x}
`,
		want: "bot.yaml:5:9: error[unknown-key]: starter 2 of dialog x: unknown key \"regx\" (did you mean `regex`?)\n" +
			"bot.yaml:6:9: error[missing-key]: starter 3 of dialog x: needs one of \"event\", \"intent\", \"pattern\" or \"regex\"\n" +
			"bot.yaml:7:9: error[conflicting-keys]: starter 4 of dialog x: write only one of \"event\", \"intent\", \"pattern\" and \"regex\"\n" +
			"bot.yaml:8:8: error[wrong-type]: starter 5 of dialog x must be text, or a mapping with pattern, regex, intent or event, but it is empty\n" +
			"bot.yaml:9:17: error[wrong-type]: starter 6 of dialog x: \"event\" must be a string, not a list\n" +
			"bot.yaml:10:10: error[unknown-key]: starter 7 of dialog x: unknown key \"vars.x\" (the keys here are event, intent, pattern, regex)\n",
	},
	{
		name: "interaction named by number",
		src:  "interactions:\n  - {point: x, dialog: y, id: [a]}\n",
		want: "bot.yaml:2:31: error[wrong-type]: interaction 1: \"id\" must be a name, not a list\n",
	},
	{
		name: "duplicate keys",
		src: `bot: {name: a}
bot: {name: b}
dialogs:
  x:
    steps:
      - say: a
        next: b
        next: c
      - say: a
        say: b
  x:
    steps: []
`,
		// The second say is compile's (multiple-actions); the second x is the loader's.
		want: "bot.yaml:2:1: error[duplicate-key]: top-level key \"bot\" is written twice (first at line 1)\n" +
			"bot.yaml:8:9: error[duplicate-key]: step 1 of dialog x: key \"next\" is written twice (first at line 7)\n",
	},
	{
		name: "nested steps of a second dialog",
		src: `dialogs:
  first:
    steps:
      - say: fine
  second:
    description: the second
    steps:
      - say: fine
      - id: pick
        ask: Which?
        save: choice
        type: choice
        choices: [a, b]
        rules:
          - when: 'answer == "a"'
            goto: first
          - when: 'answer == "b"'
            got: first
`,
		want: "bot.yaml:17:13: error[missing-key]: rule 2 of step `pick` of dialog second: missing required key \"goto\" or \"else\"\n" +
			"bot.yaml:18:13: error[unknown-key]: rule 2 of step `pick` of dialog second: unknown key \"got\" (did you mean `goto`?)\n",
	},
	{
		name: "aliases that expand too much",
		src: `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
`,
		want: "bot.yaml:1:1: error[too-complex]: the file has more than 200000 values once its aliases are expanded; write it out or split it\n",
	},
	{
		name: "an alias that contains itself",
		src:  "variables:\n  a: &a [*a]\n",
		want: "bot.yaml:1:1: error[too-complex]: the file nests values more than 64 levels deep (or an alias refers to itself)\n",
	},
}

func TestCheck(t *testing.T) {
	for _, tt := range checkTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := check(t, tt.src); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestConcurrent runs Check from several goroutines: the compiled schema
// and the tables are shared (run with -race).
func TestConcurrent(t *testing.T) {
	src := checkTests[0].src
	want := checkTests[0].want
	done := make(chan string)
	for range 8 {
		go func() {
			f, _ := load.Parse("bot.yaml", []byte(src))
			done <- renderDiags(Check(f))
		}()
	}
	for range 8 {
		if got := <-done; got != want {
			t.Errorf("got:\n%s\nwant:\n%s", got, want)
		}
	}
}

// TestAliasedText repeats one long text through aliases: few values, but
// far more bytes than any file botctl reads, so it is refused before the
// expansion is built.
func TestAliasedText(t *testing.T) {
	var b strings.Builder
	b.WriteString("botctl: 1\nbot: {name: x, welcome: w}\ndialogs:\n  w:\n    steps:\n")
	b.WriteString("      - say: &big " + strings.Repeat("a", 1<<20) + "\n")
	for range 150 {
		b.WriteString("      - say: *big\n")
	}
	want := "bot.yaml:1:1: error[too-complex]: the file expands to more than 16 MiB through its aliases " +
		"(the limit: the largest file botctl reads); write the repeated text out once or shorten it\n"
	if got := check(t, b.String()); got != want {
		t.Errorf("got:\n%.500s\nwant:\n%s", got, want)
	}
}
