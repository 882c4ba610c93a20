package compile

import (
	"strings"
	"testing"
)

type checkCase struct {
	name string
	src  string // base + src, unless full
	full bool
	want string
}

var checkCases = []checkCase{
	{name: "clean", src: ``},
	{name: "missing format", full: true, src: `bot:
  name: t
dialogs:
  w:
    starters: [hi]
    steps: [end]
`,
		want: "bot.yaml:1:1: error[missing-format]: the file with the `bot:` header must start with `botctl: 1`, the version of the bot language it is written in\n"},
	{name: "welcome and fallback unknown", full: true, src: `botctl: 1
bot:
  name: t
  welcome: welcom
  fallback: nothing_like_it
dialogs:
  welcome:
    starters: [hi]
    steps: [end]
`,
		want: "bot.yaml:4:12: error[unknown-dialog]: the bot header: `welcome` names dialog `welcom`, which does not exist (did you mean `welcome`?)\n" +
			"bot.yaml:5:13: error[unknown-dialog]: the bot header: `fallback` names dialog `nothing_like_it`, which does not exist\n"},
	{name: "missing action", src: `  a:
    starters: [a]
    steps:
      - id: first
        next: end
`,
		want: "bot.yaml:21:9: error[missing-action]: step `first` of dialog a: a step needs an action: one of say, ask, set, branch, call, generate, transfer, goto, schedule, end or close\n"},
	{name: "two actions", src: `  a:
    starters: [a]
    steps:
      - say: hi
        ask: Name?
        save: x
        goto: end
`,
		want: "bot.yaml:22:9: error[multiple-actions]: step 1 of dialog a: a step does one thing, but this one has 3 actions (`say`, `ask` and `goto`); split it into one step per action\n"},
	{name: "duplicate step id", src: `  a:
    starters: [a]
    steps:
      - id: s
        say: one
      - id: s
        say: two
`,
		want: "bot.yaml:23:13: error[duplicate-step-id]: step 2 of dialog a: id `s` is already used by step 1 of this dialog, at bot.yaml:21:13\n"},
	{name: "unknown targets", src: `  a:
    starters: [a]
    steps:
      - id: confirm
        say: hi
        next: confrim
      - goto: b.ned
      - goto: c.x
      - goto: bb
  b:
    steps:
      - id: end_it
        end: true
`,
		want: "bot.yaml:23:15: error[unknown-target]: step `confirm` of dialog a: `next` names `confrim`, which is no step of dialog a and no dialog (did you mean `confirm`?)\n" +
			"bot.yaml:24:15: error[unknown-target]: step 2 of dialog a: `goto` names `b.ned`, but dialog b has no step `ned`\n" +
			"bot.yaml:25:15: error[unknown-target]: step 3 of dialog a: `goto` names `c.x`, but there is no dialog `c`\n" +
			"bot.yaml:26:15: error[unknown-target]: step 4 of dialog a: `goto` names `bb`, which is no step of dialog a and no dialog (did you mean `b`?)\n"},
	{name: "ambiguous target", src: `  a:
    starters: [a]
    steps:
      - id: b
        say: hi
      - goto: b
  b:
    steps: [end]
`,
		want: "bot.yaml:23:15: error[ambiguous-target]: step 2 of dialog a: `goto: b` could be step `b` of this dialog or dialog b; write `a.b` for the step, or rename one of them\n"},
	{name: "targets that resolve", src: `  a:
    starters: [a]
    steps:
      - say: hi
        next: a.last
      - id: last
        branch:
          - when: vars.n > 1
            goto: b.two
          - when: vars.n > 0
            goto: close
          - when: vars.n < 0
            goto: b
          - else: end
  b:
    steps:
      - say: one
      - id: two
        say: two
`},
	{name: "ask checks", src: `  a:
    starters: [a]
    steps:
      - ask: Name?
      - ask: Pick
        save: x
        type: choice
      - ask: Code?
        save: x
        type: regex
      - ask: Empty
        save: x
        type: choice
        choices: []
      - ask: Which?
        save: xx
        type: text
        pattern: '^a$'
        choices: [a, b]
        accept: [pdf]
        uploading: wait
`,
		want: "bot.yaml:21:9: error[missing-save]: step 1 of dialog a: `ask` needs `save` (add `save:` with the declared variable that receives the answer)\n" +
			"bot.yaml:24:15: error[missing-choices]: step 2 of dialog a: `type: choice` needs `choices`: the labels to pick from\n" +
			"bot.yaml:27:15: error[missing-pattern]: step 3 of dialog a: `type: regex` needs `pattern`: the regular expression an answer must match\n" +
			"bot.yaml:30:15: error[missing-choices]: step 4 of dialog a: `type: choice` needs at least one of `choices`\n" +
			"bot.yaml:33:15: error[undeclared-variable]: step 5 of dialog a: `save` assigns variable `xx`, which is not declared under `variables:` (did you mean `x`?)\n" +
			"bot.yaml:35:9: warning[ignored-key]: step 5 of dialog a: `pattern` is only used by questions of `type: regex`, and this one has type text\n" +
			"bot.yaml:36:9: warning[ignored-key]: step 5 of dialog a: `choices` is only used by questions of `type: choice`, and this one has type text\n" +
			"bot.yaml:37:9: warning[ignored-key]: step 5 of dialog a: `accept` is only used by questions of `type: file`, and this one has type text\n" +
			"bot.yaml:38:9: warning[ignored-key]: step 5 of dialog a: `uploading` is only used by questions of `type: file`, and this one has type text\n"},
	{name: "misplaced keys", src: `  a:
    starters: [a]
    steps:
      - say: hi
        save: x
        rules: [{when: vars.n > 1, goto: end}]
        on_fail: end
        on_failure: end
      - set: {n: 1}
        buttons: [a]
      - transfer: {to: agent}
        on_failure: end
`,
		want: "bot.yaml:22:9: error[misplaced-key]: step 1 of dialog a: `save` belongs to `ask` and `generate` steps, and this is a `say` step\n" +
			"bot.yaml:23:9: error[misplaced-key]: step 1 of dialog a: `rules` belongs to `ask` and `call` steps, and this is a `say` step\n" +
			"bot.yaml:24:9: error[misplaced-key]: step 1 of dialog a: `on_fail` belongs to `ask` steps, and this is a `say` step\n" +
			"bot.yaml:25:9: error[misplaced-key]: step 1 of dialog a: `on_failure` belongs to `call`, `transfer` and `generate` steps, and this is a `say` step\n" +
			"bot.yaml:27:9: error[misplaced-key]: step 2 of dialog a: `buttons` belongs to `say` and `ask` steps, and this is a `set` step\n"},
	{name: "when success outside call", src: `  a:
    starters: [a]
    steps:
      - ask: Code?
        save: x
        rules:
          - when: success
            goto: end
      - branch:
          - when: failure
            goto: end
      - call: api
        rules:
          - when: success
            goto: end
          - when: failure
            goto: close
`,
		want: "bot.yaml:24:19: error[invalid-when]: step 1 of dialog a: `when: success` only applies to the rules of a `call` step; write a condition here\n" +
			"bot.yaml:27:19: error[invalid-when]: step 2 of dialog a: `when: failure` only applies to the rules of a `call` step; write a condition here\n"},
	{name: "rules missing when and after else", src: `  a:
    starters: [a]
    steps:
      - branch:
          - goto: end
          - else: end
          - when: vars.n > 1
            goto: close
`,
		want: "bot.yaml:22:13: error[missing-when]: step 1 of dialog a: `branch` rule 1 has `goto` but no `when`: add a condition, or write `else:` for the rule that applies otherwise\n" +
			"bot.yaml:24:13: warning[unreachable-rule]: step 1 of dialog a: `branch` rule 3 comes after an `else` and never applies\n"},
	{name: "unknown integration", src: `  a:
    starters: [a]
    steps:
      - call: apii
      - call: nothing_close
`,
		want: "bot.yaml:21:15: error[unknown-integration]: step 1 of dialog a: `call` names integration `apii`, which is not defined under `integrations:` (did you mean `api`?)\n" +
			"bot.yaml:22:15: error[unknown-integration]: step 2 of dialog a: `call` names integration `nothing_close`, which is not defined under `integrations:`\n"},
	{name: "transfer", src: `  a:
    starters: [a]
    steps:
      - transfer:
          to: bot
          skill: billing
        on_failure: second
      - id: second
        transfer:
          to: agent
          bot: other
          message: ""
`,
		want: "bot.yaml:22:15: error[missing-bot]: step 1 of dialog a: `to: bot` needs `bot`: the name of the bot that takes over\n" +
			"bot.yaml:23:11: warning[ignored-key]: step 1 of dialog a: `skill` is only used by transfers `to: agent`, and this one is `to: bot`\n" +
			"bot.yaml:28:11: warning[ignored-key]: step `second` of dialog a: `bot` is only used by transfers `to: bot`, and this one is `to: agent`\n"},
	{name: "undeclared variables", src: `  a:
    starters: [a]
    steps:
      - ask: Name?
        save: nn
      - set:
          xx: 1
          n: vars.nn + 1
      - say: "${vars.m}"
`,
		want: "bot.yaml:22:15: error[undeclared-variable]: step 1 of dialog a: `save` assigns variable `nn`, which is not declared under `variables:` (did you mean `n`?)\n" +
			"bot.yaml:24:11: error[undeclared-variable]: step 2 of dialog a: `set` assigns variable `xx`, which is not declared under `variables:` (did you mean `x`?)\n" +
			"bot.yaml:25:19: error[undeclared-variable]: step 2 of dialog a, `set.n`: variable `nn` is not declared under `variables:` (did you mean `vars.n`?)\n" +
			"bot.yaml:26:22: error[undeclared-variable]: step 3 of dialog a, `say`: variable `m` is not declared under `variables:` (did you mean `vars.x`?)\n"},
	{name: "expression errors", src: `  a:
    starters: [a]
    steps:
      - set: {n: "vars.n +"}
      - branch:
          - when: 'vars.n >> 1'
            goto: end
          - when: "result.stauts == 200"
            goto: end
          - when: vars.n
            goto: end
          - when: "result.status"
            goto: end
      - say: "Hi ${ usr.name } and ${ message }"
      - say: "Hi ${ vars.x"
      - set: {x: ""}
`,
		want: "bot.yaml:21:26: error[invalid-expression]: step 1 of dialog a, `set.n`: invalid expression: unexpected token EOF\n" +
			"bot.yaml:23:28: error[invalid-expression]: step 2 of dialog a, `when`: invalid expression: unexpected token Operator(\">\")\n" +
			"bot.yaml:25:27: error[unknown-field]: step 2 of dialog a, `when`: `result` has no field `stauts`; its fields are ok, status, body, headers and error (did you mean `status`?)\n" +
			"bot.yaml:29:20: error[not-boolean]: step 2 of dialog a, `when`: a condition must be true or false, but this expression gives a number\n" +
			"bot.yaml:31:21: error[unknown-root]: step 3 of dialog a, `say`: unknown name `usr`: an expression can read vars, params, user, input, answer, result, env, secret, conversation, intent, entities, event and now() (did you mean `user`?)\n" +
			"bot.yaml:31:39: error[unknown-root]: step 3 of dialog a, `say`: unknown name `message`: an expression can read vars, params, user, input, answer, result, env, secret, conversation, intent, entities, event and now() (did you mean `input`, the text of the last user message?)\n" +
			"bot.yaml:32:18: error[invalid-template]: step 4 of dialog a, `say`: `${` is not closed: end the expression with `}` (write `$${` for a literal `${`)\n" +
			"bot.yaml:33:19: error[invalid-expression]: step 5 of dialog a, `set.x`: invalid expression: the expression is empty (to assign an empty text, write '\"\"')\n"},
	{name: "expression column in quoted and block scalars", src: `  a:
    starters: [a]
    steps:
      - say: "tab\there ${ vars.y }"
      - say: 'it''s ${ vars.y }'
      - say: |
          line one
          and ${ vars.y }
      - branch:
          - when: >
              vars.n > 1 &&
              vars.y
            goto: end
`,
		want: "bot.yaml:21:33: error[undeclared-variable]: step 1 of dialog a, `say`: variable `y` is not declared under `variables:` (did you mean `vars.x`?)\n" +
			"bot.yaml:22:29: error[undeclared-variable]: step 2 of dialog a, `say`: variable `y` is not declared under `variables:` (did you mean `vars.x`?)\n" +
			"bot.yaml:25:23: error[undeclared-variable]: step 3 of dialog a, `say`: variable `y` is not declared under `variables:` (did you mean `vars.x`?)\n" +
			"bot.yaml:29:20: error[undeclared-variable]: step 4 of dialog a, `when`: variable `y` is not declared under `variables:` (did you mean `vars.x`?)\n"},
	{name: "answer outside ask", src: `  a:
    starters: [a]
    steps:
      - ask: Number?
        save: n
        type: integer
        validate: answer > 0
        retry: "${answer} is not right"
        rules:
          - when: answer > 10
            goto: end
      - say: "${answer}"
      - set: {n: answer}
`,
		want: "bot.yaml:25:19: error[answer-outside-ask]: step 1 of dialog a, `retry`: `answer` can only be read in the `validate` and `rules` of an `ask`\n" +
			"bot.yaml:29:17: error[answer-outside-ask]: step 2 of dialog a, `say`: `answer` can only be read in the `validate` and `rules` of an `ask`\n" +
			"bot.yaml:30:18: error[answer-outside-ask]: step 3 of dialog a, `set.n`: `answer` can only be read in the `validate` and `rules` of an `ask`\n"},
	{name: "secret outside requests", full: true, src: `botctl: 1
bot:
  name: t
  secrets: [TOKEN]
  error_message: "Sorry ${secret.TOKEN}"
variables:
  x: ""
integrations:
  api:
    url: "https://api.test/x"
    headers: {Authorization: "Bearer ${secret.TOKEN}"}
    query: {t: "${secret.TOKEN}"}
    body: {token: "${secret.TOKEN}", list: ["${secret.TOKN}", 1, true]}
    pre: {x: secret.TOKEN}
    success: 'secret.TOKEN != ""'
    post: {x: "result.body.x"}
dialogs:
  a:
    starters: [a]
    steps:
      - say: "${secret.TOKEN}"
      - call: api
`,
		want: "bot.yaml:5:27: error[secret-outside-request]: the bot header, `error_message`: `secret` can only be read in an integration's url, headers, query and body, so that it never reaches a message, a variable or a log\n" +
			"bot.yaml:13:55: error[undeclared-secret]: integration api, `body`: `secret.TOKN` is not declared: add TOKN to the `secrets:` list of the bot header (did you mean `secret.TOKEN`?)\n" +
			"bot.yaml:14:14: error[secret-outside-request]: integration api, `pre.x`: `secret` can only be read in an integration's url, headers, query and body, so that it never reaches a message, a variable or a log\n" +
			"bot.yaml:15:15: error[secret-outside-request]: integration api, `success`: `secret` can only be read in an integration's url, headers, query and body, so that it never reaches a message, a variable or a log\n" +
			"bot.yaml:21:17: error[secret-outside-request]: step 1 of dialog a, `say`: `secret` can only be read in an integration's url, headers, query and body, so that it never reaches a message, a variable or a log\n"},
	{name: "integration assignments", full: true, src: `botctl: 1
bot:
  name: t
variables:
  tries: 0
integrations:
  api:
    url: "https://a.test"
    pre: {tris: "vars.tries + 1"}
    success: "result.ok && answer"
    post: {tries: "result.body.n", x: "1"}
dialogs:
  a:
    starters: [a]
    steps:
      - call: api
`, want: "bot.yaml:9:11: error[undeclared-variable]: integration api: `pre` assigns variable `tris`, which is not declared under `variables:` (did you mean `tries`?)\n" +
		"bot.yaml:10:28: error[answer-outside-ask]: integration api, `success`: `answer` can only be read in the `validate` and `rules` of an `ask`\n" +
		"bot.yaml:11:36: error[undeclared-variable]: integration api: `post` assigns variable `x`, which is not declared under `variables:`\n"},
	{name: "url host", full: true, src: `botctl: 1
bot:
  name: t
  env: [API, HOST, SCHEME]
variables:
  x: ""
integrations:
  ok1:
    url: "${env.API}/orders/${vars.x}"
  ok2:
    url: "https://${env.HOST}/orders/${vars.x}?q=${vars.x}"
  ok3:
    url: "${env.SCHEME}://${env.HOST}:8080/${vars.x}"
  ok4:
    url: "${env.API}?next=https://${vars.x}/"
  bad1:
    url: "https://${vars.x}.test/orders"
  bad2:
    url: "${vars.x}/orders"
  bad3:
    url: "${env.SCHEME}://api.${params.region}.test"
  bad4:
    url: "https://api.test:${user.port}/x"
  ok5:
    url: "https://api.test?${vars.x}"
  bad6:
    url: "https://${vars.x}#/"
dialogs:
  a:
    starters: [a]
    steps:
      - call: ok1
      - call: ok2
      - call: ok3
      - call: ok4
      - call: bad1
      - call: bad2
      - call: bad3
      - call: bad4
      - call: ok5
      - call: bad6
`,
		want: "bot.yaml:17:21: error[url-host-not-env]: integration bad1: `url` reads `vars.x` in its scheme or host, where only env may be read; put values from the conversation in the path or query\n" +
			"bot.yaml:19:13: error[url-host-not-env]: integration bad2: `url` reads `vars.x` in its scheme or host, where only env may be read; put values from the conversation in the path or query\n" +
			"bot.yaml:21:33: error[url-host-not-env]: integration bad3: `url` reads `params.region` in its scheme or host, where only env may be read; put values from the conversation in the path or query\n" +
			"bot.yaml:23:30: error[url-host-not-env]: integration bad4: `url` reads `user.port` in its scheme or host, where only env may be read; put values from the conversation in the path or query\n" +
			"bot.yaml:27:21: error[url-host-not-env]: integration bad6: `url` reads `vars.x` in its scheme or host, where only env may be read; put values from the conversation in the path or query\n"},
	{name: "undeclared env and secret", full: true, src: `botctl: 1
bot:
  name: t
  env: [ORDERS_API]
  secrets: [ORDERS_TOKEN]
integrations:
  api:
    url: "${env.ORDER_API}/x"
    headers: {Authorization: "Bearer ${secret.ORDER_TOKEN}"}
dialogs:
  a:
    starters: [a]
    steps:
      - say: "${env.ORDERS_API} ${env.OTHER}"
      - call: api
`,
		want: "bot.yaml:8:17: error[undeclared-env]: integration api, `url`: `env.ORDER_API` is not declared: add ORDER_API to the `env:` list of the bot header (did you mean `env.ORDERS_API`?)\n" +
			"bot.yaml:9:47: error[undeclared-secret]: integration api, `headers.Authorization`: `secret.ORDER_TOKEN` is not declared: add ORDER_TOKEN to the `secrets:` list of the bot header (did you mean `secret.ORDERS_TOKEN`?)\n" +
			"bot.yaml:14:39: error[undeclared-env]: step 1 of dialog a, `say`: `env.OTHER` is not declared: add OTHER to the `env:` list of the bot header\n"},
	{name: "regexes", src: `  a:
    starters:
      - regex: '\btrack(ing\b'
      - regex: '(?-i)Track'
    steps:
      - ask: Code?
        save: x
        type: regex
        pattern: '^[0-9{5}$'
`,
		want: "bot.yaml:20:17: error[invalid-regex]: dialog a: `regex` is not a valid regular expression (RE2): missing closing ): `\\btrack(ing\\b`\n" +
			"bot.yaml:26:20: error[invalid-regex]: step 1 of dialog a: `pattern` is not a valid regular expression (RE2): missing closing ]: `[0-9{5}$`\n"},
	{name: "durations and sizes", full: true, src: `botctl: 1
bot:
  name: t
variables:
  f: null
integrations:
  a1:
    url: "https://a.test"
    timeout: 2 seconds
  a2:
    url: "https://a.test"
    timeout: 0s
dialogs:
  a:
    starters: [a]
    steps:
      - say: hi
        delay: 1.5s
      - say: hi
        delay: soon
      - say: hi
        delay: -1s
      - ask: File?
        save: f
        type: file
        max_size: 6MB
      - ask: File?
        save: f
        type: file
        max_size: 5 megs
      - ask: File?
        save: f
        type: file
        max_size: 0
      - ask: File?
        save: f
        type: file
        max_size: 1.5MB
      - call: a1
      - call: a2
`,
		want: "bot.yaml:9:14: error[invalid-duration]: integration a1: `timeout: 2 seconds` is not a duration: write it like 2s, 500ms or 1m30s\n" +
			"bot.yaml:12:14: error[invalid-duration]: integration a2: `timeout` must be more than zero, not zero\n" +
			"bot.yaml:20:16: error[invalid-duration]: step 2 of dialog a: `delay: soon` is not a duration: write it like 2s, 500ms or 1m30s\n" +
			"bot.yaml:22:16: error[invalid-duration]: step 3 of dialog a: `delay` must be more than zero, not negative\n" +
			"bot.yaml:26:19: error[size-too-large]: step 4 of dialog a: `max_size: 6MB` is more than 5MB, the largest file botctl accepts\n" +
			"bot.yaml:30:19: error[invalid-size]: step 5 of dialog a: `max_size: 5 megs` is not a size: write a number of bytes or a number with B, KB, MB, KiB or MiB, like 2MB\n" +
			"bot.yaml:34:19: error[invalid-size]: step 6 of dialog a: `max_size` must be more than zero\n"},
	{name: "unreachable steps and dialogs", src: `  a:
    starters: [a]
    steps:
      - say: one
      - goto: a.target
      - say: after goto
      - id: target
        say: reached by goto
      - branch:
          - when: vars.n > 1
            goto: end
          - else: close
      - say: after branch
      - say: after that
  b:
    starters: [b]
    steps:
      - say: b
      - end
      - say: never
      - say: never either
      - say: nor this
  lonely:
    steps: [end]
  reached_from_chain:
    steps: [end]
  chain:
    steps:
      - goto: reached_from_chain
`,
		want: "bot.yaml:23:9: warning[unreachable-step]: step 3 of dialog a: this step never runs: the step before it always jumps elsewhere and no target names it\n" +
			"bot.yaml:30:9: warning[unreachable-step]: step 6 of dialog a: this step never runs: the branch before it always jumps elsewhere and no target names it (nor the step after it)\n" +
			"bot.yaml:37:9: warning[unreachable-step]: step 3 of dialog b: this step never runs: the step before it ends the dialog and no target names it (nor the 2 steps after it)\n" +
			"bot.yaml:40:3: warning[unreachable-dialog]: dialog lonely: the dialog never starts: no starter, target, interaction, welcome or fallback leads to it\n" +
			"bot.yaml:42:3: warning[unreachable-dialog]: dialog reached_from_chain: the dialog never starts: no starter, target, interaction, welcome or fallback leads to it\n" +
			"bot.yaml:44:3: warning[unreachable-dialog]: dialog chain: the dialog never starts: no starter, target, interaction, welcome or fallback leads to it\n"},
	{name: "no reachability guesses after an unknown target", src: `  a:
    starters: [a]
    steps:
      - goto: b.nope
      - say: after
  b:
    steps: [end]
`,
		want: "bot.yaml:21:15: error[unknown-target]: step 1 of dialog a: `goto` names `b.nope`, but dialog b has no step `nope`\n"},
	{name: "lonely chain from lonely dialog", src: `  lonely:
    steps:
      - goto: other
  other:
    steps: [end]
`,
		want: "bot.yaml:18:3: warning[unreachable-dialog]: dialog lonely: the dialog never starts: no starter, target, interaction, welcome or fallback leads to it\n" +
			"bot.yaml:21:3: warning[unreachable-dialog]: dialog other: the dialog never starts: no starter, target, interaction, welcome or fallback leads to it\n"},
	{name: "cycles", src: `  a:
    starters: [a]
    steps:
      - id: loop1
        say: again
      - set: {n: vars.n + 1}
      - branch:
          - when: vars.n < 3
            goto: loop1
      - id: self
        goto: self
      - ask: Again?
        save: x
        rules: [{when: answer == "yes", goto: a}]
      - id: retry
        call: api
        on_failure: b
  b:
    steps:
      - say: retrying
      - goto: a.retry
`,
		want: "bot.yaml:21:9: warning[loop-without-wait]: step `loop1` of dialog a: these steps loop without waiting for the user: a.loop1 -> a#2 -> a#3 -> a.loop1; make sure a rule ends the loop (a turn stops after 1000 steps)\n" +
			"bot.yaml:27:9: error[cycle-without-wait]: step `self` of dialog a: these steps loop forever without waiting for the user: a.self -> a.self; add an `ask` to the loop, or let it end\n" +
			"bot.yaml:29:9: warning[unreachable-step]: step 5 of dialog a: this step never runs: the step before it always jumps elsewhere and no target names it\n" +
			"bot.yaml:32:9: warning[loop-without-wait]: step `retry` of dialog a: these steps loop without waiting for the user: a.retry -> b#1 -> b#2 -> a.retry; a failing back end would be called again and again; to retry a call, give its integration `retries` instead\n"},
	{name: "transfer breaks a cycle", src: `  a:
    starters: [a]
    steps:
      - id: top
        transfer: {to: agent}
        on_failure: top
`},
	{name: "unused", full: true, src: `botctl: 1
bot:
  name: t
variables:
  used: 1
  unused: 2
  written: 3
integrations:
  spare:
    url: "https://a.test"
dialogs:
  a:
    starters: [a]
    steps:
      - set: {written: vars.used}
`,
		want: "bot.yaml:6:3: warning[unused-variable]: variable `unused` is never used\n" +
			"bot.yaml:9:3: warning[unused-integration]: integration `spare` is never called\n"},
	{name: "vars read whole keeps variables used", full: true, src: `botctl: 1
bot:
  name: t
variables:
  a: 1
  b: 2
dialogs:
  a:
    starters: [a]
    steps:
      - say: "${vars}"
`},
	{name: "interactions", full: true, src: `botctl: 1
bot:
  name: t
  env: [BASE]
variables:
  x: ""
interactions:
  - id: remind
    point: "record:*"
    label: "Remind me about ${params.record} at ${env.BASE}"
    when: 'params.status == "open" && now().Year() > 2000'
    dialog: remind
    params: {record: "${params.record_id}", who: "${user.name}"}
  - id: bad
    point: x
    when: vars.x == ""
    dialog: remindr
  - id: not_bool
    point: y
    when: params.count
    dialog: remind
dialogs:
  remind:
    steps:
      - say: "${vars.x}"
`,
		want: "bot.yaml:13:53: error[root-not-available]: interaction remind, `params.who`: an interaction can read only params, env and now(); `user` does not exist before its conversation starts\n" +
			"bot.yaml:16:11: error[root-not-available]: interaction bad, `when`: an interaction can read only params, env and now(); `vars` does not exist before its conversation starts\n" +
			"bot.yaml:17:13: error[unknown-dialog]: interaction bad: `dialog` names dialog `remindr`, which does not exist (did you mean `remind`?)\n"},
	{name: "starters", src: `  a:
    starters:
      - "order status"
      - "  "
      - event: ""
    steps: [end]
  b:
    starters:
      - "Order  Status"
      - event: agent_done
    steps: [end]
  c:
    starters:
      - event: agent_done
    steps: [end]
  d:
    interrupt: true
    starters: ["order status"]
    steps: [end]
  e:
    starters: ["*refund*", {regex: 'track'}]
    steps: [end]
  f:
    starters: ["*REFUND*", {regex: 'track'}, {regex: 'TRACK'}]
    steps: [end]
`,
		want: "bot.yaml:21:9: error[empty-starter]: dialog a: an empty starter never matches; write the message that starts the dialog\n" +
			"bot.yaml:22:16: error[empty-starter]: dialog a: an event starter needs the event's name, like agent_done\n" +
			"bot.yaml:26:9: warning[shadowed-starter]: dialog b: starter \"Order  Status\" never applies: dialog a has the same one, at bot.yaml:20:9, and the first one wins\n" +
			"bot.yaml:31:16: warning[shadowed-starter]: dialog c: event starter \"agent_done\" never applies: dialog b has the same one, at bot.yaml:27:16, and the first one wins\n" +
			"bot.yaml:41:16: warning[shadowed-starter]: dialog f: starter \"*REFUND*\" never applies: dialog e has the same one, at bot.yaml:38:16, and the first one wins\n" +
			"bot.yaml:41:36: warning[shadowed-starter]: dialog f: starter \"track\" never applies: dialog e has the same one, at bot.yaml:38:36, and the first one wins\n"},
	{name: "reserved names", src: `  close:
    starters: [bye]
    steps:
      - id: end
        say: bye
      - goto: end
`, want: "bot.yaml:18:3: error[reserved-name]: dialog close: `close` is reserved: as a target it closes the conversation; give the dialog another name\n" +
		"bot.yaml:21:13: error[reserved-name]: step 1 of dialog close: `end` is reserved: as a target it ends the dialog; give the step another id\n"},
	{name: "empty dialog", src: `  a:
    starters: [a]
  b:
    starters: [b]
    steps: []
  c:
    starters: [c]
    steps: wrong shape
`,
		want: "bot.yaml:18:3: error[empty-dialog]: dialog a: the dialog has no steps; give it at least one under `steps:`\n" +
			"bot.yaml:20:3: error[empty-dialog]: dialog b: the dialog has no steps; give it at least one under `steps:`\n"},
	{name: "keys that are not names", full: true, src: `botctl: 1
bot:
  name: t
variables:
  ? [v]
  : 1
integrations:
  ? {i: 1}
  : {url: "https://a.test"}
dialogs:
  ? [a]
  : {steps: [end]}
  b:
    starters: [b]
    steps: [end]
`},
	{name: "schema-rejected shapes are not reported again", src: `  a:
    starters: [a, {regex: [x]}, 5]
    steps:
      - hello
      - [1, 2]
      - transfer: agent
      - ask: Q?
        save: [x]
        type: colour
        max_attempts: many
      - say: hi
        delay: 2
        next: [a]
      - branch: {when: x}
      - set: {x: null}
      - goto:
`},
}

func TestChecks(t *testing.T) {
	for _, tt := range checkCases {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src
			if !tt.full {
				src = base + src
			}
			_, diags := compileSrc(t, src)
			diags = withoutLints(diags)
			for _, d := range diags {
				if d.Pos.File != "bot.yaml" || d.Pos.Line < 1 || d.Pos.Col < 1 {
					t.Errorf("%s: no position in the file", d.Error())
				}
			}
			got := diagLines(diags)
			if got != tt.want {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestKnownKeysFromSchema(t *testing.T) {
	for _, k := range []string{"save", "choices", "pattern", "bot", "when", "else", "to", "on_failure"} {
		if !knownKeys[k] {
			t.Errorf("knownKeys lacks %q", k)
		}
	}
	if knownKeys["sav"] {
		t.Error(`knownKeys has "sav"`)
	}
}

// TestStateTooLarge gives variables initial values that, together, make a
// state no store accepts (limits.MaxState): one long text repeated through
// aliases, which the compiler must measure without expanding.
func TestStateTooLarge(t *testing.T) {
	src := func(copies int) string {
		return "botctl: 1\nbot: {name: t, welcome: w}\nvariables:\n  small: 1\n" +
			"  first: &big " + strings.Repeat("a", 1<<20) + "\n" +
			"  many: [" + strings.Repeat("*big, ", copies-2) + "*big]\n  last: x\n" +
			"dialogs:\n  w:\n    steps:\n      - say: ${vars.small}${vars.first}${vars.many}${vars.last}\n"
	}
	bot, diags := compileSrc(t, src(17))
	want := "bot.yaml:6:3: error[state-too-large]: the initial values under `variables:` take more than 16 MiB once encoded (passing `many`), " +
		"the largest conversation state a store accepts; start large variables empty and fill them while the conversation runs\n"
	if got := diagLines(diags); got != want || bot != nil {
		t.Errorf("got (bot %v):\n%.600s\nwant:\n%s", bot != nil, got, want)
	}
	if _, diags := compileSrc(t, src(15)); len(diags) != 0 {
		t.Errorf("15 MiB of initial values: %.600s", diagLines(diags))
	}
}
