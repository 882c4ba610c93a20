package compile

import (
	"testing"
)

// nluBase is a bot with two intents and a list entity that compiles clean;
// cases append to it.
const nluBase = `botctl: 1
bot:
  name: t
variables:
  v: ""
intents:
  refund:
    label: Get a refund
    examples: [I want my money back, can I get a refund, refund my order, refund please, money back]
  "yes":
    examples: [yes that worked, it works now, that solved it, perfect thanks, all good now]
entities:
  plan:
    values:
      business: [firm, company]
      personal:
dialogs:
  refund:
    starters: [{intent: refund}]
    steps: [{say: "${intent.name} ${intent.confidence} ${entities.plan} ${vars.v}"}]
  thanks:
    starters: [{intent: yes}]
    steps: [{say: ok}]
`

func TestNLUChecks(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{name: "clean", src: ``},
		{name: "unknown intent in a starter", src: `  other:
    starters: [{intent: refnud}]
    steps: [end]
`, want: "bot.yaml:25:25: error[unknown-intent]: dialog other: starter names intent `refnud`, which is not declared under `intents:` (did you mean `refund`?)\n"},
		{name: "few examples, unused intent, shared example", src: `intents:
  billing:
    examples: [can I get a refund, my bill]
`, want: "bot.yaml:25:3: warning[few-examples]: intent billing: only 2 examples; give at least 5 varied sentences, so that messages worded differently are recognised\n" +
			"bot.yaml:25:3: warning[unused-intent]: intent `billing` starts no dialog: add `- intent: billing` to a dialog's starters, or remove it (a message recognised as it goes to the fallback)\n" +
			"bot.yaml:26:16: warning[ambiguous-example]: intent billing: example \"can I get a refund\" is also an example of intent refund, at bot.yaml:9:38: the classifier cannot tell them apart by it; keep it in one of them\n"},
		{name: "out of scope example equal to an intent example", src: `nlu:
  out_of_scope: [tell me a joke, Refund   please]
`, want: "bot.yaml:25:34: warning[ambiguous-example]: nlu: out_of_scope example \"Refund   please\" is also an example of intent refund, at bot.yaml:9:75; keep it in one place\n"},
		{name: "unknown entity type", src: `  other:
    starters: [o]
    steps: [{say: "${entities.plna}"}]
`, want: "bot.yaml:26:31: error[unknown-entity]: step 1 of dialog other, `say`: `entities.plna` is not an entity type: the types are `all`, `number`, `ordinal`, `amount`, `date`, `time`, `email` and `phone`, and the bot's list entities (did you mean `entities.plan`?)\n"},
		{name: "ask of an unknown entity, and with choices", src: `  other:
    starters: [o]
    steps:
      - {ask: Which one, save: v, entity: plans}
      - {ask: Which one, save: v, entity: plan, choices: [a]}
      - {ask: Which one, save: v, entity: plan, type: number}
`, want: "bot.yaml:27:43: error[unknown-entity]: step 1 of dialog other: `entity` names list entity `plans`, which is not declared under `entities:` (did you mean `plan`?)\n" +
			"bot.yaml:28:59: error[entity-and-choices]: step 2 of dialog other: `entity` and `choices` both give the question's choices; keep one of them\n" +
			"bot.yaml:29:55: error[entity-type]: step 3 of dialog other: `entity` gives the choices of a question of type choice, not number; remove `type: number`\n"},
		{name: "reserved entity names", src: `entities:
  all: {values: {a: [b]}}
  number: {values: {a: [b]}}
`, want: "bot.yaml:25:3: error[reserved-entity]: entity all: `all` is reserved (entities.all is the list of every entity of the message); give the list another name\n" +
			"bot.yaml:26:3: error[reserved-entity]: entity number: `number` is reserved (entities.number is a built-in entity); give the list another name\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := compileSrc(t, nluBase+tt.src)
			if got := diagLines(withoutLints(diags)); got != tt.want {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestNLUGraph(t *testing.T) {
	bot, diags := compileSrc(t, nluBase+`  truth:
    starters: [{intent: true}]
    steps: [end]
intents:
  true:
    examples: [it is true, that is right, correct, exactly, so true]
nlu:
  threshold: 0.4
  disambiguate: {text: "Did you mean one of these?", margin: 0.2}
`)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if bot.NLU == nil {
		t.Fatal("NLU is nil for a bot with intents")
	}
	if got := bot.NLU.Intents(); len(got) != 3 || got[0] != "refund" || got[1] != "yes" || got[2] != "true" {
		t.Errorf("model intents = %q, want refund, yes, true", got)
	}
	if bot.NLU.Threshold() != 0.4 {
		t.Errorf("threshold = %v, want 0.4", bot.NLU.Threshold())
	}
	for _, name := range []string{"yes", "true"} {
		if s := bot.Starters.MatchIntent(name, false); s == nil {
			t.Errorf("no starter for intent %q: the name must stay text", name)
		}
	}
	if in := bot.Intent("refund"); in == nil || in.Label != "Get a refund" {
		t.Errorf("intent refund = %+v, want label Get a refund", in)
	}
	if in := bot.Intent("yes"); in == nil || in.Label != "yes" {
		t.Errorf("intent yes = %+v, want its name as label", in)
	}
	if d := bot.Disambiguate; d == nil || d.Margin != 0.2 {
		t.Errorf("disambiguate = %+v, want margin 0.2", d)
	}
	if !bot.ReadsIntent || !bot.ReadsEntities || bot.Entities == nil || bot.List("plan") == nil {
		t.Errorf("ReadsIntent %v, ReadsEntities %v, Entities %v, list plan %v; want all set",
			bot.ReadsIntent, bot.ReadsEntities, bot.Entities, bot.List("plan"))
	}
}

func TestNoIntents(t *testing.T) {
	bot, diags := compileSrc(t, base)
	if diags.HasErrors() || bot.NLU != nil || bot.ReadsIntent || bot.Starters.Intents != nil {
		t.Errorf("a bot without intents: NLU %v, ReadsIntent %v, intent starters %v (%v)", bot.NLU, bot.ReadsIntent, bot.Starters.Intents, diags)
	}
	_, diags = compileSrc(t, base+`  a:
    starters: [a]
    steps: [{say: "${intent.name}"}]
`)
	want := "bot.yaml:20:22: error[no-intents]: step 1 of dialog a, `say`: `intent` is always empty: the bot declares no `intents:`\n"
	if got := diagLines(diags); got != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
	}
}
