package dialog

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"gopkg.in/yaml.v3"
)

func TestSameKeys(t *testing.T) {
	tests := []struct {
		def              string
		inSchema, decode []string
		want             string
	}{
		{"step", []string{"a", "b"}, []string{"b", "a"}, ""},
		{"step", []string{"a", "b"}, []string{"a"},
			`dialog: schema/bot.schema.json allows key "b" in $defs/step, but engine/dialog/decode.go does not decode it`},
		{"", []string{"a"}, []string{"a", "z"},
			`dialog: engine/dialog/decode.go decodes key "z" in the top level, but schema/bot.schema.json does not allow it`},
		{"rule", nil, []string{"x"},
			`dialog: engine/dialog/decode.go decodes key "x" in $defs/rule, but schema/bot.schema.json does not allow it`},
		{"rule", []string{"b"}, []string{"a"},
			`dialog: engine/dialog/decode.go decodes key "a" in $defs/rule, but schema/bot.schema.json does not allow it` + "\n" +
				`dialog: schema/bot.schema.json allows key "b" in $defs/rule, but engine/dialog/decode.go does not decode it`},
	}
	for _, tt := range tests {
		err := sameKeys(tt.def, tt.inSchema, tt.decode)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("sameKeys(%q, %q, %q):\n%s\nwant:\n%s", tt.def, tt.inSchema, tt.decode, got, tt.want)
		}
	}
}

// everyKey writes every key of every part; each scalar value (or the first
// entry of a list or mapping) names the part and the Go field it must land
// in, so a key decoded into the wrong field, or not at all, fails.
const everyKey = `
botctl: 1
bot:
  name: header.name
  description: header.description
  welcome: header.welcome
  fallback: header.fallback
  error_message: header.error_message
  max_transfer_attempts: header.max_transfer_attempts
  transfer_failed_message: header.transfer_failed_message
  env: [header.env]
  secrets: header.secrets
  inactivity: [header.inactivity]
variables:
  v: 1
  long: {default: variable.default, sensitive: variable.sensitive}
  plain: {default: 2}
integrations:
  integration.name:
    method: integration.method
    url: integration.url
    headers: {integration.headers: x}
    query: {integration.query: x}
    body: integration.body
    timeout: integration.timeout
    retries: integration.retries
    pre: {integration.pre: x}
    success: integration.success
    post: {integration.post: x}
interactions:
  - id: interaction.id
    point: interaction.point
    label: interaction.label
    when: interaction.when
    dialog: interaction.dialog
    params: {interaction.params: x}
nlu:
  threshold: nlu.threshold
  out_of_scope: [nlu.out_of_scope]
  disambiguate: {text: nlu.disambiguate_text, margin: nlu.margin}
intents:
  intent.name:
    examples: [intent.examples]
    label: intent.label
    description: intent.description
  "yes": {examples: ["yes please"]}
entities:
  entity.name:
    values:
      v1: [s1, s2]
      v2:
dialogs:
  dialog.name:
    description: dialog.description
    interrupt: dialog.interrupt
    starters: [p, {pattern: q}, {regex: r}, {event: e}, {regex: x, event: last}, {intent: true}, {intent: "yes"}, {regex: [no]}, {other: x}]
    steps:
      - id: step.id
        next: step.next
        delay: step.delay
        say: [step.say]
        buttons: [step.buttons]
        ask: step.ask
        sensitive: step.sensitive
        save: step.save
        type: step.type
        pattern: step.pattern
        choices: [step.choices]
        entity: step.entity
        validate: step.validate
        extract: step.extract
        retry: step.retry
        max_attempts: step.max_attempts
        on_fail: step.on_fail
        accept: [step.accept]
        max_size: step.max_size
        uploading: step.uploading
        success: step.success
        failure: step.failure
        invalid: step.invalid
        set: {step.set: x}
        branch: [{when: rule.when, goto: rule.goto}]
        call: step.call
        generate: step.generate
        llm: step.llm
        knowledge: [step.knowledge]
        max_length: step.max_length
        transfer:
          to: transfer.to
          message: transfer.message
          skill: transfer.skill
          agent: transfer.agent
          bot: transfer.bot
          context: transfer.context
          tags: [transfer.tags]
        goto: step.goto
        schedule: {after: schedule.after, dialog: schedule.dialog}
        rules: [{when: rule.when, else: rule.goto}]
        on_failure: step.on_failure
        end:
        close: true
        unknown: ignored
      - close
`

func TestDecodeEveryKey(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(everyKey), &root); err != nil {
		t.Fatal(err)
	}
	b := Decode(&File{Path: "bot.yaml", Root: root.Content[0]})

	if b.Format.Value != "1" {
		t.Errorf("Format = %q, want 1", b.Format.Value)
	}
	if len(b.Variables) != 3 || b.Variables[0].Name.Value != "v" || b.Variables[0].Value != 1 {
		t.Fatalf("Variables = %+v, want v: 1, long and plain", b.Variables)
	}
	// The long form is a mapping with the key sensitive; a mapping
	// without it is an initial value, whatever its keys.
	if long := b.Variables[1]; long.Value != "variable.default" || long.Sensitive.Value != "variable.sensitive" {
		t.Errorf("long form = %+v, want default variable.default, sensitive variable.sensitive", long)
	}
	if plain := b.Variables[2]; !reflect.DeepEqual(plain.Value, map[string]any{"default": 2}) || plain.Sensitive.IsSet() {
		t.Errorf("a mapping without sensitive = %+v, want the initial value {default: 2}", plain)
	}
	if len(b.Integrations) != 1 || len(b.Interactions) != 1 || len(b.Dialogs) != 1 {
		t.Fatalf("decoded %d integrations, %d interactions, %d dialogs; want 1 each",
			len(b.Integrations), len(b.Interactions), len(b.Dialogs))
	}
	checkFields(t, "header", b.Header)
	if b.NLU == nil {
		t.Fatal("nlu: not decoded")
	}
	b.NLU.Disambiguate.Value = "nlu.disambiguate" // the mapping form sets it to true
	checkFields(t, "nlu", b.NLU)
	if len(b.Intents) != 2 || b.Intents[1].Name.Value != "yes" {
		t.Fatalf("intents = %+v, want intent.name and yes", b.Intents)
	}
	checkFields(t, "intent", b.Intents[0])
	if len(b.Entities) != 1 || len(b.Entities[0].Values) != 2 {
		t.Fatalf("entities = %+v, want one with two values", b.Entities)
	}
	if e := b.Entities[0]; e.Name.Value != "entity.name" || e.Values[0].Value.Value != "v1" ||
		len(e.Values[0].Synonyms) != 2 || e.Values[1].Value.Value != "v2" || e.Values[1].Synonyms != nil {
		t.Errorf("entity = %+v, want v1 [s1 s2] and v2 with no synonyms", e)
	}
	checkFields(t, "integration", b.Integrations[0])
	checkFields(t, "interaction", b.Interactions[0])
	dl := b.Dialogs[0]
	checkFields(t, "dialog", dl)

	var starters []string
	for _, s := range dl.Starters {
		starters = append(starters, s.Kind.String()+":"+s.Text.Value)
	}
	if want := []string{"pattern:p", "pattern:q", "regex:r", "event:e", "event:last", "intent:true", "intent:yes"}; !slices.Equal(starters, want) {
		t.Errorf("starters = %q, want %q", starters, want)
	}

	if len(dl.Steps) != 2 {
		t.Fatalf("decoded %d steps, want 2", len(dl.Steps))
	}
	s := dl.Steps[0]
	checkFields(t, "step", s)
	var acts []string
	for _, a := range s.Actions {
		acts = append(acts, a.Value)
	}
	if !slices.Equal(acts, Actions) || s.Action != ActSay {
		t.Errorf("Actions = %q (Action %q), want %q (say)", acts, s.Action, Actions)
	}
	if s.Branch[0].Else || !s.Rules[0].Else {
		t.Errorf("Else = %v in branch, %v in rules; want false, true", s.Branch[0].Else, s.Rules[0].Else)
	}
	if bare := dl.Steps[1]; bare.Action != ActClose || len(bare.Actions) != 1 {
		t.Errorf("bare close: Action %q, Actions %d", bare.Action, len(bare.Actions))
	}
}

// checkFields checks that every value field of the struct v points to holds
// part.field_name, and descends into rules and transfers.
func checkFields(t *testing.T, part string, v any) {
	t.Helper()
	rv := reflect.ValueOf(v).Elem()
	for i := range rv.NumField() {
		name, f := rv.Type().Field(i).Name, rv.Field(i)
		if name == "Actions" {
			continue // checked on its own
		}
		want := part + "." + snake(name)
		var got string
		switch x := f.Interface().(type) {
		case Scalar:
			got = x.Value
		case []Scalar:
			if len(x) > 0 {
				got = x[0].Value
			}
		case []KV:
			if len(x) > 0 {
				got = x[0].Key.Value
			}
		case []*Rule:
			if len(x) != 1 {
				t.Errorf("%s: %d rules, want 1", want, len(x))
				continue
			}
			checkFields(t, "rule", x[0])
			continue
		case *Transfer:
			if x == nil {
				t.Errorf("%s: not decoded", want)
				continue
			}
			checkFields(t, "transfer", x)
			continue
		case *Schedule:
			if x == nil {
				t.Errorf("%s: not decoded", want)
				continue
			}
			checkFields(t, "schedule", x)
			continue
		case *yaml.Node:
			if name != "Body" {
				continue
			}
			got = x.Value
		default:
			continue // File, Node, Index, Actions and the like
		}
		if got != want {
			t.Errorf("%s.%s = %q, want %q", part, name, got, want)
		}
	}
}

// snake turns a Go field name into its key: MaxAttempts -> max_attempts.
func snake(name string) string {
	var b strings.Builder
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) && unicode.IsLower(rune(name[i-1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
