package compile

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/load"
)

// fullBot uses every construct of the language.
const fullBot = `botctl: 1
bot:
  name: acme
  description: Order help
  welcome: welcome
  fallback: fallback
  error_message: "Oops, ${user.name}."
  max_transfer_attempts: 2
  transfer_failed_message: No agents today.
  env: [ORDERS_API]
  secrets: [ORDERS_TOKEN]
variables:
  order_number: ""
  tries: 0
  topic: ""
  upload: null
  agree: false
integrations:
  order_lookup:
    method: post
    url: "${env.ORDERS_API}/orders/${vars.order_number}"
    headers: {Authorization: "Bearer ${secret.ORDERS_TOKEN}"}
    query: {verbose: "1"}
    body: {order: "${vars.order_number}", n: 2, flags: [true, "x${vars.tries}"], none: null}
    timeout: 2s
    retries: 2
    pre: {tries: 'vars.tries + 1'}
    success: 'result.status < 300'
    post: {topic: 'result.body.status'}
interactions:
  - id: remind_me
    point: "record:*"
    label: "Remind me about ${params.record}"
    when: 'params.status == "open"'
    dialog: remind
    params: {record: "${params.record_id}"}
dialogs:
  welcome:
    steps:
      - say: ["Hi ${user.name}!", "How can I help?"]
        buttons: [Order status, Agent]
        delay: 500ms
  fallback:
    steps:
      - say: Sorry, I did not get that.
  order_status:
    interrupt: true
    starters:
      - order status
      - "where is my order*"
      - regex: '\btrack(ing)?\b'
    steps:
      - id: ask_number
        ask: "What is your order number?"
        save: order_number
        type: regex
        pattern: '^\d{5}$'
        validate: 'answer != "00000"'
        retry: "Five digits, please."
        max_attempts: 2
        on_fail: agent
        rules: [{when: 'answer > "90000"', goto: vip}]
      - id: lookup
        call: order_lookup
        rules:
          - when: success
            goto: found
          - when: 'result.status == 404'
            goto: ask_number
        on_failure: agent.handoff
      - id: found
        say: "Your order is ${vars.topic}."
        next: end
      - id: vip
        say: VIP!
      - close
  agent:
    starters:
      - event: agent_escalation_failed
    steps:
      - ask: Billing or technical?
        save: topic
        type: choice
        choices: [Billing, "Tech ${vars.tries}"]
      - id: handoff
        transfer:
          to: agent
          message: "Hold on."
          skill: "${vars.topic}"
          agent: "4711"
          tags: [bot-handoff]
        on_failure: sorry
      - id: sorry
        say: Sorry.
  other_bot:
    starters: ["billing bot"]
    steps:
      - set: {tries: 0, agree: 'vars.tries > 1'}
      - branch:
          - when: vars.agree
            goto: order_status.found
          - else: bye
      - id: bye
        transfer: {to: bot, bot: billing, context: true}
  remind:
    steps:
      - ask: Upload the record
        save: upload
        type: file
        accept: [PDF, .png]
        max_size: 512KB
        success: Stored.
      - ask: Agree?
        save: agree
        type: yes_no
      - goto: other_bot
`

func TestGraphShape(t *testing.T) {
	bot, diags := compileSrc(t, fullBot)
	if diags = withoutLints(diags); len(diags) > 0 {
		t.Fatalf("diagnostics:\n%s", diagLines(diags))
	}
	want := `bot acme "Order help" welcome=welcome fallback=fallback error="Oops, ${user.name}." transfer_failed="No agents today." max_transfer=2
env [ORDERS_API] secrets [ORDERS_TOKEN]
var order_number = ""
var tries = 0
var topic = ""
var upload = <nil>
var agree = false
integration order_lookup POST ${env.ORDERS_API}/orders/${vars.order_number} timeout=2s retries=2
  header Authorization: Bearer ${secret.ORDERS_TOKEN}
  query verbose: 1
  body {flags:[true tpl(x${vars.tries})] n:2 none:<nil> order:tpl(${vars.order_number})}
  pre tries = vars.tries + 1
  success result.status < 300
  post topic = result.body.status
interaction remind_me point=record:* label="Remind me about ${params.record}" when=params.status == "open" dialog=remind
  param record: ${params.record_id}
dialog welcome
  welcome#1 say ["Hi ${user.name}!" "How can I help?"] buttons ["Order status" "Agent"] delay=500ms next=end
dialog fallback
  fallback#1 say ["Sorry, I did not get that."] next=end
dialog order_status interrupt
  starter exact "order status" (order status)
  starter wildcard "where is my order*" [where is my order ]
  starter regex "\\btrack(ing)?\\b" (?i)\btrack(ing)?\b
  order_status.ask_number ask "What is your order number?" save=order_number type=regex pattern=(?i)^\d{5}$ validate=answer != "00000" retry="Five digits, please." max=2 on_fail=agent#1 next=order_status.lookup
    rule expr answer > "90000" -> order_status.vip
  order_status.lookup call order_lookup on_failure=agent.handoff next=order_status.found
    rule success -> order_status.found
    rule expr result.status == 404 -> order_status.ask_number
  order_status.found say ["Your order is ${vars.topic}."] next=end
  order_status.vip say ["VIP!"] next=order_status#5
  order_status#5 close next=end
dialog agent
  starter event "agent_escalation_failed" (agent_escalation_failed)
  agent#1 ask "Billing or technical?" save=topic type=choice choices=["Billing" "Tech ${vars.tries}"] templated max=3 next=agent.handoff
  agent.handoff transfer to=agent message="Hold on." skill="${vars.topic}" agent="4711" bot="" context=false tags=[bot-handoff] on_failure=agent.sorry next=agent.sorry
  agent.sorry say ["Sorry."] next=end
dialog other_bot
  starter exact "billing bot" (billing bot)
  other_bot#1 set tries=0 agree=vars.tries > 1 next=other_bot#2
  other_bot#2 branch next=other_bot.bye
    rule expr vars.agree -> order_status.found
    rule else -> other_bot.bye
  other_bot.bye transfer to=bot message=<nil> skill=<nil> agent=<nil> bot="billing" context=true tags=[] next=end
dialog remind
  remind#1 ask "Upload the record" save=upload type=file max=3 accept=[pdf png] max_size=524288 uploading="Processing the file…" success="Stored." failure="Failed to process the file. Please try again." invalid="The file type is invalid. Upload one of these types: pdf, png." next=remind#2
  remind#2 ask "Agree?" save=agree type=yes_no max=3 next=remind#3
  remind#3 goto other_bot#1 next=end
`
	if got := dump(bot); got != want {
		t.Errorf("graph:\n%s\nwant:\n%s", got, want)
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Errorf("first difference, line %d:\n got %s\nwant %s", i+1, gl[i], wl[i])
				break
			}
		}
	}

	// Lookups and the starter index.
	if bot.Dialog("agent") == nil || bot.Integration("order_lookup") == nil || bot.Interaction("remind_me") == nil {
		t.Error("Dialog, Integration or Interaction lookup failed")
	}
	if st := bot.Starters.Match("Where is my order 12345?"); st == nil || st.Dialog.Name != "order_status" {
		t.Errorf("Match = %v", st)
	}
	if st := bot.Starters.MatchInterrupt("billing bot"); st != nil {
		t.Errorf("MatchInterrupt matched a dialog without interrupt: %v", st.Dialog.Name)
	}
	if st := bot.Starters.MatchEvent("agent_escalation_failed"); st == nil || st.Dialog.Name != "agent" {
		t.Errorf("MatchEvent = %v", st)
	}
	if len(bot.Version) != 64 {
		t.Errorf("Version = %q, want 64 hex digits", bot.Version)
	}

	// The compiled templates and expressions work.
	env := &cond.Env{User: map[string]any{"name": "Ann"}}
	if s, err := bot.ErrorMessage.Render(env); err != nil || s != "Oops, Ann." {
		t.Errorf("ErrorMessage renders %q, %v", s, err)
	}
}

func TestVersionIsAContentHash(t *testing.T) {
	a, _ := compileSrc(t, fullBot)
	b, _ := compileSrc(t, fullBot)
	c, _ := compileSrc(t, fullBot+"\n")
	d, _ := compileFiles(t, "other.yaml", fullBot)
	if a.Version != b.Version {
		t.Error("same source, different versions")
	}
	if a.Version == c.Version {
		t.Error("different bytes, same version")
	}
	if a.Version == d.Version {
		t.Error("different file name, same version")
	}
}

func TestDefaults(t *testing.T) {
	bot, diags := compileSrc(t, `botctl: 1
bot:
  name: t
variables:
  f: null
integrations:
  api:
    url: https://a.test
dialogs:
  a:
    starters: [a]
    steps:
      - ask: File?
        save: f
        type: file
      - call: api
`)
	if diags = withoutLints(diags); len(diags) > 0 {
		t.Fatalf("diagnostics:\n%s", diagLines(diags))
	}
	text := func(tpl *cond.Template) string {
		s, _ := tpl.Plain()
		return s
	}
	in := bot.Integration("api")
	ask := bot.Dialogs[0].Steps[0].Ask
	got := fmt.Sprintf("method=%s timeout=%s retries=%d success=%v | max=%d accept=%v size=%d %q %q %q %q | %q %q %d | welcome=%v fallback=%v",
		in.Method, in.Timeout, in.Retries, in.Success,
		ask.MaxAttempts, ask.Accept, ask.MaxSize, text(ask.Uploading), text(ask.Success), text(ask.Failure), text(ask.Invalid),
		text(bot.ErrorMessage), text(bot.TransferFailedMessage), bot.MaxTransferAttempts, bot.Welcome, bot.Fallback)
	want := `method=GET timeout=5s retries=0 success=<nil> | max=3 accept=[pdf jpeg png] size=5242880 "Processing the file…" "Successfully processed the file." "Failed to process the file. Please try again." "The file type is invalid. Upload one of these types: pdf, jpeg, png." | "Sorry, something went wrong on our side." "Not able to transfer to Agent at this time. Please try later." 3 | welcome=<nil> fallback=<nil>`
	if got != want {
		t.Errorf("defaults:\n got %s\nwant %s", got, want)
	}
}

func TestNilAndEmptyTrees(t *testing.T) {
	if bot, diags := Compile(nil); bot != nil || diags != nil {
		t.Errorf("Compile(nil) = %v, %v", bot, diags)
	}
	// A tree load.Merge reported (no header): compile adds nothing.
	f, _ := load.Parse("bot.yaml", nil)
	tree, _ := load.Merge([]*dialog.File{f})
	bot, diags := Compile(tree)
	if got := diagLines(diags); got != "" || bot == nil {
		t.Errorf("empty file: %v %s", bot, got)
	}
}

func TestPasses(t *testing.T) {
	got := strings.Join(Passes(), " ")
	want := "format variables header channels nlu dialogs keys integrations llm steps sensitive entries interactions starters interrupts reachability cycles unused lint version"
	if got != want {
		t.Errorf("Passes() = %s", got)
	}
}

// dump prints a graph as text, for comparison with an expected shape.
func dump(b *graph.Bot) string {
	var w strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&w, format, args...) }
	name := func(d *graph.Dialog) string {
		if d == nil {
			return "<nil>"
		}
		return d.Name
	}
	p("bot %s %q welcome=%s fallback=%s error=%q transfer_failed=%q max_transfer=%d\n", b.Name, b.Description,
		name(b.Welcome), name(b.Fallback), b.ErrorMessage, b.TransferFailedMessage, b.MaxTransferAttempts)
	p("env %v secrets %v\n", b.Env, b.Secrets)
	for _, v := range b.Variables {
		p("var %s = %#v\n", v.Name, v.Initial)
	}
	for _, in := range b.Integrations {
		p("integration %s %s %s timeout=%s retries=%d\n", in.Name, in.Method, in.URL, in.Timeout, in.Retries)
		for _, h := range in.Headers {
			p("  header %s: %s\n", h.Name, h.Value)
		}
		for _, q := range in.Query {
			p("  query %s: %s\n", q.Name, q.Value)
		}
		p("  body %s\n", dumpBody(in.Body))
		for _, a := range in.Pre {
			p("  pre %s = %s\n", a.Var, a.Expr)
		}
		if in.Success != nil {
			p("  success %s\n", in.Success)
		}
		for _, a := range in.Post {
			p("  post %s = %s\n", a.Var, a.Expr)
		}
	}
	for _, in := range b.Interactions {
		p("interaction %s point=%s label=%q when=%s dialog=%s\n", in.ID, in.Point, in.Label, in.When, name(in.Dialog))
		for _, x := range in.Params {
			p("  param %s: %s\n", x.Name, x.Value)
		}
	}
	for _, d := range b.Dialogs {
		p("dialog %s", d.Name)
		if d.Interrupt {
			p(" interrupt")
		}
		p("\n")
		for _, s := range d.Starters {
			switch s.Kind {
			case graph.Regex:
				p("  starter regex %q %s\n", s.Text, s.Re)
			case graph.Wildcard:
				p("  starter wildcard %q %v\n", s.Text, s.Parts)
			default:
				p("  starter %s %q (%s)\n", s.Kind, s.Text, s.Norm)
			}
		}
		for _, s := range d.Steps {
			p("  %s %s", s.Name(), s.Kind)
			switch s.Kind {
			case graph.StepSay:
				p(" %s", quoted(s.Say))
			case graph.StepAsk:
				a := s.Ask
				p(" %q save=%s type=%s", a.Text, a.Save, a.Type)
				if a.Pattern != nil {
					p(" pattern=%s", a.Pattern)
				}
				if a.Choices != nil {
					p(" choices=%q", a.Choices)
				}
				if a.ChoiceTemplates != nil {
					p(" templated")
				}
				if a.Validate != nil {
					p(" validate=%s", a.Validate)
				}
				if a.Retry != nil {
					p(" retry=%q", a.Retry)
				}
				p(" max=%d", a.MaxAttempts)
				if a.HasOnFail {
					p(" on_fail=%s", a.OnFail)
				}
				if a.Type == graph.File {
					p(" accept=%v max_size=%d uploading=%q success=%q failure=%q invalid=%q",
						a.Accept, a.MaxSize, a.Uploading, a.Success, a.Failure, a.Invalid)
				}
			case graph.StepSet:
				for _, a := range s.Set {
					p(" %s=%s", a.Var, a.Expr)
				}
			case graph.StepCall:
				p(" %s", s.Call.Name)
			case graph.StepTransfer:
				t := s.Transfer
				p(" to=%s message=%s skill=%s agent=%s bot=%q context=%v tags=%v",
					t.To, quoteTpl(t.Message), quoteTpl(t.Skill), quoteTpl(t.Agent), t.Bot, t.Context, t.Tags)
			case graph.StepGoto:
				p(" %s", s.Goto)
			}
			if len(s.Buttons) > 0 {
				p(" buttons %s", quoted(s.Buttons))
			}
			if s.Delay > 0 {
				p(" delay=%s", s.Delay)
			}
			if s.HasOnFailure {
				p(" on_failure=%s", s.OnFailure)
			}
			p(" next=%s\n", s.Next)
			for _, r := range append(append([]graph.Rule(nil), s.Rules...), s.Branch...) {
				switch r.Kind {
				case graph.WhenExpr:
					p("    rule expr %s -> %s\n", r.When, r.Target)
				case graph.WhenSuccess:
					p("    rule success -> %s\n", r.Target)
				case graph.WhenFailure:
					p("    rule failure -> %s\n", r.Target)
				case graph.WhenElse:
					p("    rule else -> %s\n", r.Target)
				}
			}
		}
	}
	return w.String()
}

func quoted(ts []*cond.Template) string {
	q := make([]string, len(ts))
	for i, t := range ts {
		q[i] = fmt.Sprintf("%q", t.Source)
	}
	return "[" + strings.Join(q, " ") + "]"
}

func quoteTpl(t *cond.Template) string {
	if t == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%q", t.Source)
}

func dumpBody(v any) string {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ":" + dumpBody(v[k])
		}
		return "{" + strings.Join(parts, " ") + "}"
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = dumpBody(x)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case *cond.Template:
		return "tpl(" + v.Source + ")"
	case nil:
		return "<nil>"
	}
	return fmt.Sprint(v)
}
