package compile

import (
	"regexp"
	"strings"
	"testing"
)

var lintCases = []checkCase{
	{name: "wildcard shadowed by a wildcard as specific", src: `  a:
    starters: ["*order*"]
    steps: [end]
  b:
    starters: ["order*", "order status", "my order*"]
    steps: [end]
`,
		// "order status" is exact, tried first; "my order*" has more
		// literal text, tried first.
		want: "bot.yaml:22:16: warning[shadowed-starter]: dialog b: starter \"order*\" never applies: every message it matches also matches starter \"*order*\" of dialog a, at bot.yaml:19:16, which wins (remove it, or make the other starter narrower)\n"},
	{name: "regexes after a catch-all wildcard", src: `  a:
    starters: ["*"]
    steps: [end]
  b:
    starters: [{regex: '^order'}]
    steps: [end]
  c:
    interrupt: true
    starters: [{regex: 'stop'}]
    steps: [end]
`,
		// c interrupts: while a question waits, only its regex is tried.
		want: "bot.yaml:22:24: warning[shadowed-starter]: dialog b: starter regex \"^order\" never applies: wildcards are tried before regexes, and every message matches starter \"*\" of dialog a, at bot.yaml:19:16, which wins (remove it, or make the other starter narrower)\n"},
	{name: "wildcards that are not shadowed", src: `  a:
    starters: ["order *", "*status", "a*b*c"]
    steps: [end]
  b:
    starters: ["* status", "order status", "abc*", "*"]
    steps: [end]
`},
	{name: "interactions never offered", src: `  remind:
    steps: [end]
interactions:
  - {id: off, point: "record:*", when: "false", dialog: remind}
  - {id: never, point: "record:*", when: "1 > 2 || len([]) > 0", dialog: remind}
  - {id: fails, point: "record:*", when: "[1][5] == 1", dialog: remind}
  - {id: nowhere, point: "", dialog: remind}
  - {id: on, point: "record:*", when: "true", dialog: remind}
  - {id: open, point: "record:*", when: 'params.status == "open" && false', dialog: remind}
  - {id: clock, point: "record:*", when: "now().Year() < 2000", dialog: remind}
`,
		// Conditions that read the context are not evaluated, even when
		// they are false whatever it is.
		want: "bot.yaml:21:40: warning[unlisted-interaction]: interaction off: the interaction is never offered: its `when` (false) reads nothing from the host's context and is always false (write a condition on `params`, or remove the interaction)\n" +
			"bot.yaml:22:42: warning[unlisted-interaction]: interaction never: the interaction is never offered: its `when` (1 > 2 || len([]) > 0) reads nothing from the host's context and is always false (write a condition on `params`, or remove the interaction)\n" +
			"bot.yaml:23:42: warning[unlisted-interaction]: interaction fails: the interaction is never offered: its `when` ([1][5] == 1) reads nothing from the host's context and always fails: index out of range: 5 (array length is 1) (write a condition on `params`, or remove the interaction)\n" +
			"bot.yaml:24:26: warning[unlisted-interaction]: interaction nowhere: the interaction is never listed: its `point` is empty, and a host always asks for a point (write the point the host offers it at, such as \"record:*\")\n"},
	{name: "duplicate interactions", src: `  remind:
    steps: [end]
  other:
    steps: [end]
interactions:
  - {id: a, point: "record:*", label: Remind me, when: 'params.status == "open"', dialog: remind, params: {r: "${params.id}", s: x}}
  - {id: b, point: "record:*", label: Remind me, when: 'params.status == "open"', dialog: remind, params: {s: x, r: "${params.id}"}}
  - {id: c, point: "record:*", label: Remind me, dialog: remind, params: {s: x, r: "${params.id}"}}
  - {id: d, point: "record:*", label: Remind me, when: 'params.status == "open"', dialog: other, params: {r: "${params.id}", s: x}}
  - {id: e, point: "record:*", label: Remind me, when: 'params.status == "open"', dialog: remind, params: {r: "${params.id}", s: y}}
  - {id: f, point: "record:*", label: Remind me later, when: 'params.status == "open"', dialog: remind, params: {r: "${params.id}", s: x}}
  - {id: g, point: "record:1", label: Remind me, when: 'params.status == "open"', dialog: remind, params: {r: "${params.id}", s: x}}
  - {id: h, point: "record:*", dialog: remind}
  - {id: i, point: "record:*", dialog: remind}
`,
		// Without labels the host shows the ids, which differ.
		want: "bot.yaml:24:5: warning[duplicate-interaction]: interaction b: the interaction offers the same as interaction a, at bot.yaml:23:5: the same point, `when`, dialog, label and params, so a host lists the same entry twice (remove one of them, or make them differ)\n"},
	{name: "unrouted failures", src: `  a:
    starters: [a]
    steps:
      - call: api
      - {call: api, rules: [{when: success, goto: end}]}
      - {call: api, rules: [{when: failure, goto: end}]}
      - {call: api, on_failure: end}
      - transfer: {to: agent}
  b:
    starters: [b]
    steps:
      - {transfer: {to: agent}, on_failure: end}
`,
		want: "bot.yaml:21:9: warning[unrouted-failure]: step 1 of dialog a: when the call fails, the bot sends error_message and ends the dialog (add `on_failure: STEP` or a rule `{when: failure, goto: STEP}` that tells the customer what to do)\n" +
			"bot.yaml:22:9: warning[unrouted-failure]: step 2 of dialog a: when the call fails, the bot sends error_message and ends the dialog (add `on_failure: STEP` or a rule `{when: failure, goto: STEP}` that tells the customer what to do)\n" +
			"bot.yaml:25:9: warning[unrouted-failure]: step 5 of dialog a: when the transfer cannot be requested, the bot sends transfer_failed_message and ends the dialog (add `on_failure: STEP` to offer something else, such as a call back)\n"},
	{name: "questions without retry", src: `  a:
    starters: [a]
    steps:
      - {ask: "Name?", save: x}
      - {ask: "Name?", save: x, validate: 'len(answer) > 1'}
      - {ask: "How many?", save: n, type: integer}
      - {ask: "How many?", save: n, type: integer, retry: "A whole number, like 3."}
      - {ask: "Code?", save: x, type: regex, pattern: '^\d+$'}
      - {ask: "Which?", save: x, type: choice, choices: [A, B]}
      - {ask: "File?", save: x, type: file}
`,
		want: "bot.yaml:22:9: warning[missing-retry]: step 2 of dialog a: a question with `validate` without `retry` answers a rejected answer with the generic \"Please type your answer.\" (add `retry:` saying what the question wants, with an example)\n" +
			"bot.yaml:23:9: warning[missing-retry]: step 3 of dialog a: a integer question without `retry` answers a rejected answer with the generic \"Please enter a whole number, like 42.\" (add `retry:` saying what the question wants, with an example)\n" +
			"bot.yaml:25:9: warning[missing-retry]: step 5 of dialog a: a regex question without `retry` answers a rejected answer with the generic \"That doesn't look right. Please try again.\" (add `retry:` saying what the question wants, with an example)\n" +
			"bot.yaml:26:9: warning[missing-retry]: step 6 of dialog a: a choice question without `retry` answers a rejected answer with the generic \"Please choose one of: A, B.\" (add `retry:` saying what the question wants, with an example)\n"},
	{name: "a variable set from a sensitive one", full: true, src: `botctl: 1
bot: {name: t, welcome: w}
variables:
  card: ""
  last4: ""
  masked: {default: "", sensitive: true}
  other: ""
dialogs:
  w:
    steps:
      - {ask: "Card?", save: card, sensitive: true}
      - set: {last4: 'vars.card[-4:]', masked: 'vars.card[-4:]', other: '"x" + vars.last4'}
      - say: "${vars.last4}${vars.masked}${vars.other}"
`,
		// A sensitive target is fine, and so is reading a derived one.
		want: "bot.yaml:12:9: warning[sensitive-derived]: step 2 of dialog w: `vars.last4` is set from the sensitive `vars.card`, but is not sensitive itself: it is shown and stored as it is (declare it `last4: {default: \"\", sensitive: true}` if it is sensitive too)\n"},
	{name: "variables declared null that nothing sets", full: true, src: `botctl: 1
bot:
  name: t
  welcome: w
variables:
  full_name: null
  saved:
  setv: null
  posted: null
  given: ""
integrations:
  api:
    url: "https://example.com/p/${vars.full_name}"
    post: {posted: "result.body.name"}
dialogs:
  w:
    steps:
      - say: "Hello ${vars.given}${vars.full_name}, ${vars.full_name.first}"
      - {ask: "Name?", save: saved}
      - set: {setv: '"a"'}
      - {call: api, on_failure: end}
      - say: "${vars.saved}${vars.setv}${vars.posted}"
      - say: "${vars.full_name ?? 'friend'} ${vars.full_name?.first} ${vars.full_name}"
      - branch:
          - {when: 'vars.full_name != nil && vars.full_name.first == "A"', goto: end}
          - {when: 'nil == vars.full_name', goto: end}
          - {when: 'len(vars.full_name) > 0', goto: end}
`,
		// One warning a step, at its first read; a guarded part of a
		// template does not hide the unguarded part after it. Variables
		// that a save, set or post writes are not reported, nor one
		// declared with a value.
		want: "bot.yaml:13:35: warning[unset-variable]: integration api: `vars.full_name` is declared null and nothing in the bot sets it, so it is always null here (save an answer into it (`save: full_name`), set it, or give it an initial value; a bot that receives conversations with `transfer: {to: bot, context: true}` gets it from the sending bot, which validate cannot see)\n" +
			"bot.yaml:18:36: warning[unset-variable]: step 1 of dialog w: `vars.full_name` is declared null and nothing in the bot sets it, so it is always null here (save an answer into it (`save: full_name`), set it, or give it an initial value; a bot that receives conversations with `transfer: {to: bot, context: true}` gets it from the sending bot, which validate cannot see)\n" +
			"bot.yaml:23:72: warning[unset-variable]: step 6 of dialog w: `vars.full_name` is declared null and nothing in the bot sets it, so it is always null here (save an answer into it (`save: full_name`), set it, or give it an initial value; a bot that receives conversations with `transfer: {to: bot, context: true}` gets it from the sending bot, which validate cannot see)\n" +
			"bot.yaml:27:25: warning[unset-variable]: step 7 of dialog w: `vars.full_name` is declared null and nothing in the bot sets it, so it is always null here (save an answer into it (`save: full_name`), set it, or give it an initial value; a bot that receives conversations with `transfer: {to: bot, context: true}` gets it from the sending bot, which validate cannot see)\n"},
}

func TestLints(t *testing.T) {
	for _, tt := range lintCases {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src
			if !tt.full {
				src = base + src
			}
			_, diags := compileSrc(t, src)
			if got := diagLines(diags); got != tt.want {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestGlobCovers checks globCovers against the matching it stands for, on
// every pair of short patterns over a small alphabet: whenever it says a
// covers b, every short text b matches must match a (no false
// positives), and it must see the plain cases.
func TestGlobCovers(t *testing.T) {
	var pats []string
	var gen func(p string)
	gen = func(p string) {
		pats = append(pats, p)
		if len(p) < 4 {
			for _, c := range []string{"a", "b", "*"} {
				gen(p + c)
			}
		}
	}
	gen("")
	var texts []string
	var genText func(s string)
	genText = func(s string) {
		texts = append(texts, s)
		if len(s) < 5 {
			genText(s + "a")
			genText(s + "b")
		}
	}
	genText("")
	re := func(p string) *regexp.Regexp {
		return regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(p), `\*`, ".*") + "$")
	}
	found := 0
	for _, a := range pats {
		ra := re(a)
		for _, b := range pats {
			if !globCovers(strings.Split(a, "*"), strings.Split(b, "*")) {
				continue
			}
			found++
			rb := re(b)
			for _, s := range texts {
				if rb.MatchString(s) && !ra.MatchString(s) {
					t.Fatalf("globCovers(%q, %q), but %q matches only the second", a, b, s)
				}
			}
		}
	}
	for _, c := range [][2]string{{"*", "a*b"}, {"*a*", "a*"}, {"a*", "ab*"}, {"a*b", "a*b"}, {"*a*b*", "xa*yb"}} {
		if !globCovers(strings.Split(c[0], "*"), strings.Split(c[1], "*")) {
			t.Errorf("globCovers(%q, %q) = false", c[0], c[1])
		}
	}
	if found == 0 {
		t.Fatal("no pattern covers another")
	}
}
