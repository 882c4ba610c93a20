package turn

import (
	"regexp"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/nlu"
)

// nluBot has intents worded so that any reasonable classifier tells them
// apart, patterns that must win over them, and a list entity.
const nluBot = header + `  fallback: fb
  env: [API]
variables: {plan: "", said: "", n: 0}
nlu:
  out_of_scope: [how are my sports teams doing, tell me a joke, what is the weather like]
intents:
  refund:
    examples: [I want my money back, can I get a refund, please refund my order, refund me, I would like a refund for my purchase]
  delivery:
    examples: [where is my parcel, when will my package arrive, track my delivery, my parcel has not arrived, delivery status of my package]
  plan:
    examples: [I want to change my plan, switch my subscription plan, upgrade my plan, change to another plan, downgrade my subscription]
entities:
  plan:
    values: {business: [firm, company], personal: [private]}
integrations:
  api: {url: "${env.API}/x"}
dialogs:
  fb:
    steps: [{say: "Pardon?"}]
  exact:
    starters: ["can I get a refund"]
    steps: [{say: "Exact pattern."}]
  refund:
    starters: [{intent: refund}]
    steps:
      - say: "Refund (${intent.name})."
      - call: api
      - say: "After the call: ${intent.name}, ${entities.number ?? 'no number'}."
  delivery:
    interrupt: true
    starters: [{intent: delivery}]
    steps: [{say: "On its way."}]
  plan:
    starters: [{intent: plan}]
    steps:
      - {ask: "Which plan?", save: plan, entity: plan}
      - say: "Plan ${vars.plan}."
`

func TestIntentStarters(t *testing.T) {
	bot := compileBot(t, nluBot)
	p := &mocks{calls: map[string][]CallResult{"api": {{OK: true, Status: 200}}}}
	check(t, bot, p, `
> can I get a refund
< Exact pattern.
> I want my money back for order 42
< Refund (refund).
< After the call: refund, 42.
> where is my parcel
< On its way.
> tell me a joke
< Pardon?
> I want to change my plan
< Which plan?
<< buttons business | personal
> please refund my order
< Please choose one of: business, personal.
<< buttons business | personal
> when will my package arrive
< On its way.
> upgrade my plan
< Which plan?
<< buttons business | personal
> bussiness
< Plan business.
> switch my subscription plan
< Which plan?
<< buttons business | personal
> private
< Plan personal.
`)
}

// The trace names the intent, its confidence and the runner-up; a bot
// without intents never has an intent line.
func TestIntentTrace(t *testing.T) {
	got, _ := converseTraced(t, compileBot(t, nluBot), nil, "> where is my parcel\n> tell me a joke", true)
	for _, re := range []string{
		`(?m)^~ intent: delivery \d\.\d\d; runner-up \w+ \d\.\d\d$\n~ start dialog delivery \(intent delivery\)$`,
		`(?m)^~ intent: out of scope \(best: \w+ \d\.\d\d, threshold \d\.\d\d\); runner-up \w+ \d\.\d\d$\n~ start dialog fb \(fallback\)$`,
	} {
		if !regexp.MustCompile(re).MatchString(got) {
			t.Errorf("trace does not match %s:\n%s", re, got)
		}
	}
	got, _ = converseTraced(t, compileBot(t, traceBot), nil, "> count\n> 3\n> nothing matches this", true)
	if strings.Contains(got, "~ intent") {
		t.Errorf("a bot without intents traced a prediction:\n%s", got)
	}
}

func TestPredictionNote(t *testing.T) {
	in := nlu.Prediction{Intent: "refund", Confidence: 0.824, Ranking: []nlu.Scored{{Intent: "refund", Confidence: 0.824}, {Intent: "billing", Confidence: 0.4}}}
	if got, want := PredictionNote(in, 0.3), "refund 0.82; runner-up billing 0.40"; got != want {
		t.Errorf("note = %q, want %q", got, want)
	}
	out := nlu.Prediction{Confidence: 0.2, Ranking: []nlu.Scored{{Intent: "refund", Confidence: 0.2}}}
	if got, want := PredictionNote(out, 0.3), "out of scope (best: refund 0.20, threshold 0.30)"; got != want {
		t.Errorf("note = %q, want %q", got, want)
	}
	if got := IntentOf(in); got.Name != "refund" || got.Confidence != 0.824 || got.RunnerUp != "billing" || got.RunnerUpConfidence != 0.4 {
		t.Errorf("IntentOf = %+v", got)
	}
	if got := IntentOf(out); got.Name != "" || got.RunnerUp != "" {
		t.Errorf("IntentOf(out of scope) = %+v, want no name and no runner-up", got)
	}
}

// A choice question takes a synonym or a near miss of one of its choices
// (entity.MatchChoice decides which); the trace says why.
func TestFuzzyChoice(t *testing.T) {
	a := &graph.Ask{Choices: []string{"business", "personal", "basic"}, Synonyms: [][]string{{"firm", "company"}, {"private"}}}
	for _, tt := range []struct {
		answer string
		want   any
	}{
		{"Firm", "business"}, {"bussiness", "business"}, {"privat", "personal"}, {"basci", "basic"},
		{"xyz", nil}, {"frm", nil}, {"  ", nil},
	} {
		v, why, ok := fuzzyChoice(a, tt.answer)
		if ok != (tt.want != nil) || (ok && v != tt.want) {
			t.Errorf("fuzzyChoice(%q) = %v, %v; want %v", tt.answer, v, ok, tt.want)
		}
		if why == "" {
			t.Errorf("fuzzyChoice(%q) gives no reason", tt.answer)
		}
	}
}

// With threshold 0 and margin 1 every message with two intents is "close",
// whatever the classifier: the test depends only on which intent is best.
const disambiguateBot = header + `  fallback: fb
nlu:
  threshold: 0
  disambiguate: {text: "Did you mean one of these?", margin: 1}
intents:
  refund:
    label: Get a refund
    examples: [I want my money back, can I get a refund, please refund my order, refund me, I would like a refund]
  cancel:
    label: Cancel an order
    examples: [cancel my order, I want to cancel, please cancel it, stop my order, cancel the purchase]
dialogs:
  fb:
    steps: [{say: "Pardon?"}]
  help:
    starters: [help]
    steps: [{say: "Help."}]
  refund:
    starters: [{intent: refund}]
    steps: [{say: "Refund."}]
  cancel:
    starters: [{intent: cancel}]
    steps: [{say: "Cancel."}]
`

func TestDisambiguate(t *testing.T) {
	bot := compileBot(t, disambiguateBot)
	st := check(t, bot, nil, `
> can I get a refund
< Did you mean one of these?
<< buttons Get a refund | Cancel an order
> cancel an order
< Cancel.
> cancel my order
< Did you mean one of these?
<< buttons Cancel an order | Get a refund
> 2
< Refund.
> I want my money back
< Did you mean one of these?
<< buttons Get a refund | Cancel an order
> help
< Help.
> cancel the purchase
< Did you mean one of these?
<< buttons Cancel an order | Get a refund
`)
	if st.Wait != WaitIntent || len(st.Intents) != 2 || st.Intents[0] != "cancel" || st.Intents[1] != "refund" {
		t.Errorf("state waits %q for intents %q; want intent, [cancel refund]", st.Wait, st.Intents)
	}
	// The pending question is stored by intent names, and survives a store.
	data, err := Marshal(st)
	if err != nil || !strings.Contains(string(data), `"wait":"intent","intents":["cancel","refund"]`) {
		t.Errorf("stored state %s (%v); want the intents by name", data, err)
	}
}
