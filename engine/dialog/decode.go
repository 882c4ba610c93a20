package dialog

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/botctl/botctl/schema"
)

// Decode builds the tree of one file. It never fails: values of the wrong
// shape are skipped, and the schema check reports them.
func Decode(f *File) *Bot {
	b := &Bot{Files: []*File{f}}
	if f.Root == nil || f.Root.Kind != yaml.MappingNode {
		return b
	}
	d := decoder{f: f}
	fill(d, f.Root, fileKeys, b)
	return b
}

// The keys of each part of a bot file, and how each key's value is decoded.
// Each table is bound to the properties of one object of the JSON Schema
// (package schema), which is the one list of the language's keys: when the
// schema and a table disagree, the program stops at start-up, naming the
// key, so a key is decoded if and only if the schema has it. To add a key,
// add it to schema/bot.schema.json and to the table here.
var (
	fileKeys = bind("", keys[Bot]{
		"botctl": func(d decoder, b *Bot, _, v *yaml.Node) { b.Format = d.scalar(v) },
		"bot":    func(d decoder, b *Bot, k, v *yaml.Node) { b.Header = d.header(k, v) },
		"variables": func(d decoder, b *Bot, _, v *yaml.Node) {
			d.pairs(v, func(k, v *yaml.Node) { b.Variables = append(b.Variables, d.variable(k, v)) })
		},
		"integrations": func(d decoder, b *Bot, _, v *yaml.Node) {
			d.pairs(v, func(k, v *yaml.Node) {
				in := &Integration{Name: d.scalar(k)}
				fill(d, v, integrationKeys, in)
				b.Integrations = append(b.Integrations, in)
			})
		},
		"llm": func(d decoder, b *Bot, _, v *yaml.Node) {
			d.pairs(v, func(k, v *yaml.Node) {
				l := &LLM{Name: d.scalar(k)}
				fill(d, v, llmKeys, l)
				b.LLMs = append(b.LLMs, l)
			})
		},
		"interactions": func(d decoder, b *Bot, _, v *yaml.Node) {
			d.items(v, func(n *yaml.Node) {
				if n.Kind == yaml.MappingNode {
					in := &Interaction{File: d.f, Node: n}
					fill(d, n, interactionKeys, in)
					b.Interactions = append(b.Interactions, in)
				}
			})
		},
		"nlu": func(d decoder, b *Bot, k, v *yaml.Node) {
			b.NLU = &NLU{File: d.f, Node: k}
			fill(d, v, nluKeys, b.NLU)
		},
		"intents": func(d decoder, b *Bot, _, v *yaml.Node) {
			d.pairs(v, func(k, v *yaml.Node) {
				in := &Intent{Name: d.scalar(k)}
				fill(d, v, intentKeys, in)
				b.Intents = append(b.Intents, in)
			})
		},
		"entities": func(d decoder, b *Bot, _, v *yaml.Node) {
			d.pairs(v, func(k, v *yaml.Node) {
				e := &Entity{Name: d.scalar(k)}
				fill(d, v, entityKeys, e)
				b.Entities = append(b.Entities, e)
			})
		},
		"dialogs": func(d decoder, b *Bot, _, v *yaml.Node) {
			d.pairs(v, func(k, v *yaml.Node) {
				dl := &Dialog{Name: d.scalar(k)}
				fill(d, v, dialogKeys, dl)
				b.Dialogs = append(b.Dialogs, dl)
			})
		},
	})

	headerKeys = bind("header", keys[Header]{
		"name":                    func(d decoder, h *Header, _, v *yaml.Node) { h.Name = d.scalar(v) },
		"description":             func(d decoder, h *Header, _, v *yaml.Node) { h.Description = d.scalar(v) },
		"welcome":                 func(d decoder, h *Header, _, v *yaml.Node) { h.Welcome = d.scalar(v) },
		"fallback":                func(d decoder, h *Header, _, v *yaml.Node) { h.Fallback = d.scalar(v) },
		"error_message":           func(d decoder, h *Header, _, v *yaml.Node) { h.ErrorMessage = d.scalar(v) },
		"max_transfer_attempts":   func(d decoder, h *Header, _, v *yaml.Node) { h.MaxTransferAttempts = d.scalar(v) },
		"transfer_failed_message": func(d decoder, h *Header, _, v *yaml.Node) { h.TransferFailedMessage = d.scalar(v) },
		"env":                     func(d decoder, h *Header, _, v *yaml.Node) { h.Env = d.scalars(v) },
		"secrets":                 func(d decoder, h *Header, _, v *yaml.Node) { h.Secrets = d.scalars(v) },
		"inactivity":              func(d decoder, h *Header, _, v *yaml.Node) { h.Inactivity = d.scalars(v) },
		"channels":                func(d decoder, h *Header, _, v *yaml.Node) { fill(d, v, channelKeys, h) },
	})

	// The platforms of `channels:`, each with the table of its settings.
	channelKeys = bind("channels", keys[Header]{
		"directline": channel(bind("channelDirectline", keys[Channel]{"secret": setting})),
		"slack":      channel(bind("channelSlack", keys[Channel]{"signing_secret": setting, "bot_token": setting})),
		"telegram":   channel(bind("channelTelegram", keys[Channel]{"bot_token": setting, "secret_token": setting})),
		"twilio":     channel(bind("channelTwilio", keys[Channel]{"auth_token": setting})),
	})

	// The long form of a variable, {default: VALUE, sensitive: true}.
	variableKeys = bind("variable", keys[Variable]{
		"default":   func(_ decoder, vr *Variable, _, v *yaml.Node) { vr.Value, vr.Node = Value(v), v },
		"sensitive": func(d decoder, vr *Variable, _, v *yaml.Node) { vr.Sensitive = d.scalar(v) },
	})

	llmKeys = bind("llm", keys[LLM]{
		"url":        func(d decoder, l *LLM, _, v *yaml.Node) { l.URL = d.scalar(v) },
		"model":      func(d decoder, l *LLM, _, v *yaml.Node) { l.Model = d.scalar(v) },
		"api_key":    func(d decoder, l *LLM, _, v *yaml.Node) { l.APIKey = d.scalar(v) },
		"timeout":    func(d decoder, l *LLM, _, v *yaml.Node) { l.Timeout = d.scalar(v) },
		"retries":    func(d decoder, l *LLM, _, v *yaml.Node) { l.Retries = d.scalar(v) },
		"max_tokens": func(d decoder, l *LLM, _, v *yaml.Node) { l.MaxTokens = d.scalar(v) },
		"budget":     func(d decoder, l *LLM, _, v *yaml.Node) { l.Budget = d.scalar(v) },
	})

	integrationKeys = bind("integration", keys[Integration]{
		"method":  func(d decoder, in *Integration, _, v *yaml.Node) { in.Method = d.scalar(v) },
		"url":     func(d decoder, in *Integration, _, v *yaml.Node) { in.URL = d.scalar(v) },
		"headers": func(d decoder, in *Integration, _, v *yaml.Node) { in.Headers = d.kvs(v) },
		"query":   func(d decoder, in *Integration, _, v *yaml.Node) { in.Query = d.kvs(v) },
		"body":    func(d decoder, in *Integration, _, v *yaml.Node) { in.Body = v },
		"timeout": func(d decoder, in *Integration, _, v *yaml.Node) { in.Timeout = d.scalar(v) },
		"retries": func(d decoder, in *Integration, _, v *yaml.Node) { in.Retries = d.scalar(v) },
		"pre":     func(d decoder, in *Integration, _, v *yaml.Node) { in.Pre = d.kvs(v) },
		"success": func(d decoder, in *Integration, _, v *yaml.Node) { in.Success = d.scalar(v) },
		"post":    func(d decoder, in *Integration, _, v *yaml.Node) { in.Post = d.kvs(v) },
	})

	interactionKeys = bind("interaction", keys[Interaction]{
		"id":     func(d decoder, in *Interaction, _, v *yaml.Node) { in.ID = d.scalar(v) },
		"point":  func(d decoder, in *Interaction, _, v *yaml.Node) { in.Point = d.scalar(v) },
		"label":  func(d decoder, in *Interaction, _, v *yaml.Node) { in.Label = d.scalar(v) },
		"when":   func(d decoder, in *Interaction, _, v *yaml.Node) { in.When = d.scalar(v) },
		"dialog": func(d decoder, in *Interaction, _, v *yaml.Node) { in.Dialog = d.scalar(v) },
		"params": func(d decoder, in *Interaction, _, v *yaml.Node) { in.Params = d.kvs(v) },
	})

	nluKeys = bind("nlu", keys[NLU]{
		"threshold":    func(d decoder, n *NLU, _, v *yaml.Node) { n.Threshold = d.scalar(v) },
		"out_of_scope": func(d decoder, n *NLU, _, v *yaml.Node) { n.OutOfScope = d.scalars(v) },
		"disambiguate": func(d decoder, n *NLU, _, v *yaml.Node) {
			if v.Kind == yaml.MappingNode {
				// The mapping form asks for disambiguation.
				n.Disambiguate = Scalar{Value: "true", Node: v, File: d.f}
				fill(d, v, disambiguateKeys, n)
				return
			}
			n.Disambiguate = d.scalar(v)
		},
	})

	disambiguateKeys = bind("disambiguate", keys[NLU]{
		"text":   func(d decoder, n *NLU, _, v *yaml.Node) { n.DisambiguateText = d.scalar(v) },
		"margin": func(d decoder, n *NLU, _, v *yaml.Node) { n.Margin = d.scalar(v) },
	})

	intentKeys = bind("intent", keys[Intent]{
		"examples":    func(d decoder, in *Intent, _, v *yaml.Node) { in.Examples = d.scalars(v) },
		"label":       func(d decoder, in *Intent, _, v *yaml.Node) { in.Label = d.scalar(v) },
		"description": func(d decoder, in *Intent, _, v *yaml.Node) { in.Description = d.scalar(v) },
	})

	entityKeys = bind("entity", keys[Entity]{
		"values": func(d decoder, e *Entity, _, v *yaml.Node) {
			d.pairs(v, func(k, v *yaml.Node) {
				// `business: [firm]`, or `personal:` with no synonyms.
				ev := &EntityValue{Value: d.scalar(k)}
				if v.Kind == yaml.SequenceNode {
					ev.Synonyms = d.scalars(v)
				}
				e.Values = append(e.Values, ev)
			})
		},
	})

	dialogKeys = bind("dialog", keys[Dialog]{
		"description": func(d decoder, dl *Dialog, _, v *yaml.Node) { dl.Description = d.scalar(v) },
		"interrupt":   func(d decoder, dl *Dialog, _, v *yaml.Node) { dl.Interrupt = d.scalar(v) },
		"starters": func(d decoder, dl *Dialog, _, v *yaml.Node) {
			d.items(v, func(c *yaml.Node) {
				if s := d.starter(c); s != nil {
					dl.Starters = append(dl.Starters, s)
				}
			})
		},
		"steps": func(d decoder, dl *Dialog, _, v *yaml.Node) {
			d.items(v, func(c *yaml.Node) {
				dl.Steps = append(dl.Steps, d.step(c, len(dl.Steps)))
			})
		},
	})

	// The mapping form of a starter; the last key written wins.
	starterKeys = bind("starter", keys[Starter]{
		"pattern": func(d decoder, s *Starter, _, v *yaml.Node) { *s = Starter{Kind: Pattern, Text: d.scalar(v)} },
		"regex":   func(d decoder, s *Starter, _, v *yaml.Node) { *s = Starter{Kind: Regex, Text: d.scalar(v)} },
		"event":   func(d decoder, s *Starter, _, v *yaml.Node) { *s = Starter{Kind: Event, Text: d.scalar(v)} },
		// yaml.v3 resolves `intent: true` as a boolean; the name is its
		// text as written, like the keys of `intents:`.
		"intent": func(d decoder, s *Starter, _, v *yaml.Node) { *s = Starter{Kind: IntentStarter, Text: d.scalar(v)} },
	})

	// Action keys are also recorded in Step.Actions, by step.
	stepKeys = bind("step", keys[Step]{
		"id":           func(d decoder, s *Step, _, v *yaml.Node) { s.ID = d.scalar(v) },
		"next":         func(d decoder, s *Step, _, v *yaml.Node) { s.Next = d.scalar(v) },
		"delay":        func(d decoder, s *Step, _, v *yaml.Node) { s.Delay = d.scalar(v) },
		ActSay:         func(d decoder, s *Step, _, v *yaml.Node) { s.Say = d.scalars(v) },
		"buttons":      func(d decoder, s *Step, _, v *yaml.Node) { s.Buttons = d.scalars(v) },
		ActAsk:         func(d decoder, s *Step, _, v *yaml.Node) { s.Ask = d.scalar(v) },
		"sensitive":    func(d decoder, s *Step, _, v *yaml.Node) { s.Sensitive = d.scalar(v) },
		"save":         func(d decoder, s *Step, _, v *yaml.Node) { s.Save = d.scalar(v) },
		"type":         func(d decoder, s *Step, _, v *yaml.Node) { s.Type = d.scalar(v) },
		"pattern":      func(d decoder, s *Step, _, v *yaml.Node) { s.Pattern = d.scalar(v) },
		"choices":      func(d decoder, s *Step, _, v *yaml.Node) { s.Choices = d.scalars(v) },
		"entity":       func(d decoder, s *Step, _, v *yaml.Node) { s.Entity = d.scalar(v) },
		"validate":     func(d decoder, s *Step, _, v *yaml.Node) { s.Validate = d.scalar(v) },
		"extract":      func(d decoder, s *Step, _, v *yaml.Node) { s.Extract = d.scalar(v) },
		"retry":        func(d decoder, s *Step, _, v *yaml.Node) { s.Retry = d.scalar(v) },
		"max_attempts": func(d decoder, s *Step, _, v *yaml.Node) { s.MaxAttempts = d.scalar(v) },
		"on_fail":      func(d decoder, s *Step, _, v *yaml.Node) { s.OnFail = d.scalar(v) },
		"accept":       func(d decoder, s *Step, _, v *yaml.Node) { s.Accept = d.scalars(v) },
		"max_size":     func(d decoder, s *Step, _, v *yaml.Node) { s.MaxSize = d.scalar(v) },
		"uploading":    func(d decoder, s *Step, _, v *yaml.Node) { s.Uploading = d.scalar(v) },
		"success":      func(d decoder, s *Step, _, v *yaml.Node) { s.Success = d.scalar(v) },
		"failure":      func(d decoder, s *Step, _, v *yaml.Node) { s.Failure = d.scalar(v) },
		"invalid":      func(d decoder, s *Step, _, v *yaml.Node) { s.Invalid = d.scalar(v) },
		ActSet:         func(d decoder, s *Step, _, v *yaml.Node) { s.Set = d.kvs(v) },
		ActBranch:      func(d decoder, s *Step, _, v *yaml.Node) { s.Branch = d.rules(v) },
		ActCall:        func(d decoder, s *Step, _, v *yaml.Node) { s.Call = d.scalar(v) },
		ActGenerate:    func(d decoder, s *Step, _, v *yaml.Node) { s.Generate = d.scalar(v) },
		"llm":          func(d decoder, s *Step, _, v *yaml.Node) { s.LLM = d.scalar(v) },
		"knowledge":    func(d decoder, s *Step, _, v *yaml.Node) { s.Knowledge = d.scalars(v) },
		"max_length":   func(d decoder, s *Step, _, v *yaml.Node) { s.MaxLength = d.scalar(v) },
		ActTransfer:    func(d decoder, s *Step, _, v *yaml.Node) { s.Transfer = d.transfer(v) },
		ActGoto:        func(d decoder, s *Step, _, v *yaml.Node) { s.Goto = d.scalar(v) },
		ActSchedule:    func(d decoder, s *Step, _, v *yaml.Node) { s.Schedule = d.schedule(v) },
		"rules":        func(d decoder, s *Step, _, v *yaml.Node) { s.Rules = d.rules(v) },
		"on_failure":   func(d decoder, s *Step, _, v *yaml.Node) { s.OnFailure = d.scalar(v) },
		ActEnd:         noValue[Step], // the key is the whole action
		ActClose:       noValue[Step],
	})

	ruleKeys = bind("rule", keys[Rule]{
		"when": func(d decoder, r *Rule, _, v *yaml.Node) { r.When = d.scalar(v) },
		"goto": func(d decoder, r *Rule, _, v *yaml.Node) { r.Goto = d.scalar(v) },
		"else": func(d decoder, r *Rule, _, v *yaml.Node) { r.Else, r.Goto = true, d.scalar(v) },
	})

	scheduleKeys = bind("schedule", keys[Schedule]{
		"after":  func(d decoder, sc *Schedule, _, v *yaml.Node) { sc.After = d.scalar(v) },
		"dialog": func(d decoder, sc *Schedule, _, v *yaml.Node) { sc.Dialog = d.scalar(v) },
	})

	transferKeys = bind("transfer", keys[Transfer]{
		"to":      func(d decoder, t *Transfer, _, v *yaml.Node) { t.To = d.scalar(v) },
		"message": func(d decoder, t *Transfer, _, v *yaml.Node) { t.Message = d.scalar(v) },
		"skill":   func(d decoder, t *Transfer, _, v *yaml.Node) { t.Skill = d.scalar(v) },
		"agent":   func(d decoder, t *Transfer, _, v *yaml.Node) { t.Agent = d.scalar(v) },
		"bot":     func(d decoder, t *Transfer, _, v *yaml.Node) { t.Bot = d.scalar(v) },
		"context": func(d decoder, t *Transfer, _, v *yaml.Node) { t.Context = d.scalar(v) },
		"tags":    func(d decoder, t *Transfer, _, v *yaml.Node) { t.Tags = d.scalars(v) },
	})
)

// Every action is a step key, so the action keys too are the schema's.
func init() {
	for _, a := range Actions {
		if stepKeys.lookup(a) == nil {
			panic(fmt.Sprintf("dialog: action %q is not a key of $defs/step in schema/bot.schema.json", a))
		}
	}
}

// keys maps each key of one part of a bot file (of Go type T) to the
// function that decodes the key node k and its value v into the part.
type keys[T any] map[string]func(d decoder, part *T, k, v *yaml.Node)

// noValue decodes a key whose value carries nothing.
func noValue[T any](decoder, *T, *yaml.Node, *yaml.Node) {}

// table is a part's keys as bind leaves them, for lookup while decoding:
// bucketed by first byte, which leaves a few short strings to compare and
// beats hashing the key (Decode runs for every file of every load).
type table[T any] struct {
	byFirst [128][]entry[T] // the keys are ASCII; other bytes are masked, and fail the comparison
}

type entry[T any] struct {
	key    string
	decode func(d decoder, part *T, k, v *yaml.Node)
}

// lookup returns the function that decodes key, or nil for a key the
// language does not have.
func (t *table[T]) lookup(key string) func(d decoder, part *T, k, v *yaml.Node) {
	if key == "" {
		return nil
	}
	for _, e := range t.byFirst[key[0]&127] {
		if e.key == key {
			return e.decode
		}
	}
	return nil
}

// bind makes the table of the properties the schema gives def ("" for the
// top level of a file), each decoded by its function in ks. It panics when
// ks has a key the schema lacks or lacks one it has, naming each: the schema
// is embedded, so that is a mistake of the build, which every test of every
// package that decodes a bot reports at once.
func bind[T any](def string, ks keys[T]) *table[T] {
	names := make([]string, 0, len(ks))
	for k := range ks {
		names = append(names, k)
	}
	props := schema.Properties(def)
	if err := sameKeys(def, props, names); err != nil {
		panic(err)
	}
	t := new(table[T])
	for _, k := range props {
		b := &t.byFirst[k[0]&127]
		*b = append(*b, entry[T]{k, ks[k]})
	}
	return t
}

// sameKeys reports the keys in which the schema's properties of def and the
// decoder's keys differ.
func sameKeys(def string, inSchema, decoded []string) error {
	where := "$defs/" + def
	if def == "" {
		where = "the top level"
	}
	var msgs []string
	for _, k := range inSchema {
		if !slices.Contains(decoded, k) {
			msgs = append(msgs, fmt.Sprintf("schema/bot.schema.json allows key %q in %s, but engine/dialog/decode.go does not decode it", k, where))
		}
	}
	for _, k := range decoded {
		if !slices.Contains(inSchema, k) {
			msgs = append(msgs, fmt.Sprintf("engine/dialog/decode.go decodes key %q in %s, but schema/bot.schema.json does not allow it", k, where))
		}
	}
	if msgs == nil {
		return nil
	}
	slices.Sort(msgs)
	return errors.New("dialog: " + strings.Join(msgs, "\ndialog: "))
}

// fill decodes every known key of mapping n into part. Unknown keys are
// skipped: the schema check reports them.
func fill[T any](d decoder, n *yaml.Node, t *table[T], part *T) {
	d.pairs(n, func(k, v *yaml.Node) {
		if f := t.lookup(k.Value); f != nil {
			f(d, part, k, v)
		}
	})
}

type decoder struct{ f *File }

// pairs calls fn for each key/value of a mapping node, resolving aliases.
func (d decoder) pairs(n *yaml.Node, fn func(k, v *yaml.Node)) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i], resolve(n.Content[i+1]))
	}
}

// items calls fn for each element of a sequence node.
func (d decoder) items(n *yaml.Node, fn func(n *yaml.Node)) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return
	}
	for _, c := range n.Content {
		fn(resolve(c))
	}
}

func resolve(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode && depth < 100; depth++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		return resolve(n.Content[0])
	}
	return n
}

// scalar returns n as a Scalar, or the zero Scalar when n is not a scalar.
// A YAML null (`key:` with nothing after it) counts as written, with value "".
func (d decoder) scalar(n *yaml.Node) Scalar {
	if n == nil || n.Kind != yaml.ScalarNode {
		return Scalar{}
	}
	v := n.Value
	if n.Tag == "!!null" {
		v = ""
	}
	return Scalar{Value: v, Node: n, File: d.f}
}

// scalars accepts one scalar or a sequence of scalars.
func (d decoder) scalars(n *yaml.Node) []Scalar {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []Scalar{d.scalar(n)}
	}
	var out []Scalar
	d.items(n, func(c *yaml.Node) {
		if s := d.scalar(c); s.IsSet() {
			out = append(out, s)
		}
	})
	return out
}

func (d decoder) kvs(n *yaml.Node) []KV {
	var out []KV
	d.pairs(n, func(k, v *yaml.Node) {
		out = append(out, KV{Key: d.scalar(k), Value: d.scalar(v)})
	})
	return out
}

// variable decodes one entry of `variables:`. A mapping with the key
// sensitive is the long form; any other value is the initial value itself
// (so a mapping without that key stays an ordinary initial value).
func (d decoder) variable(k, v *yaml.Node) *Variable {
	vr := &Variable{Name: d.scalar(k)}
	if v != nil && v.Kind == yaml.MappingNode && hasKey(v, "sensitive") {
		fill(d, v, variableKeys, vr)
		return vr
	}
	vr.Value, vr.Node = Value(v), v
	return vr
}

// hasKey reports whether mapping n has the key.
func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

func (d decoder) header(key, n *yaml.Node) *Header {
	h := &Header{File: d.f, Node: key}
	fill(d, n, headerKeys, h)
	return h
}

func (d decoder) starter(n *yaml.Node) *Starter {
	switch n.Kind {
	case yaml.ScalarNode:
		return &Starter{Kind: Pattern, Text: d.scalar(n)}
	case yaml.MappingNode:
		s := &Starter{}
		fill(d, n, starterKeys, s)
		if !s.Text.IsSet() {
			return nil // no starter key, or not a scalar after it
		}
		return s
	}
	return nil
}

func isAction(k string) bool {
	for _, a := range Actions {
		if a == k {
			return true
		}
	}
	return false
}

func (d decoder) step(n *yaml.Node, index int) *Step {
	s := &Step{File: d.f, Node: n, Index: index}
	if n.Kind == yaml.ScalarNode {
		// `- end` and `- close` may be written bare.
		if n.Value == ActEnd || n.Value == ActClose {
			s.Actions = []Scalar{d.scalar(n)}
			s.Action = n.Value
		}
		return s
	}
	d.pairs(n, func(k, v *yaml.Node) {
		f := stepKeys.lookup(k.Value)
		if f == nil {
			return
		}
		if isAction(k.Value) {
			s.Actions = append(s.Actions, d.scalar(k))
			if s.Action == "" {
				s.Action = k.Value
			}
		}
		f(d, s, k, v)
	})
	return s
}

func (d decoder) rules(n *yaml.Node) []*Rule {
	var out []*Rule
	d.items(n, func(c *yaml.Node) {
		if c.Kind != yaml.MappingNode {
			return
		}
		r := &Rule{File: d.f, Node: c}
		fill(d, c, ruleKeys, r)
		out = append(out, r)
	})
	return out
}

func (d decoder) schedule(n *yaml.Node) *Schedule {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	sc := &Schedule{File: d.f, Node: n}
	fill(d, n, scheduleKeys, sc)
	return sc
}

func (d decoder) transfer(n *yaml.Node) *Transfer {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	t := &Transfer{File: d.f, Node: n}
	fill(d, n, transferKeys, t)
	return t
}

// Value converts a YAML node into plain Go values: string, int, float64, bool,
// nil, []any and map[string]any. Anchors and aliases are followed with a depth
// limit, so hostile documents ("billion laughs") cannot blow up.
func Value(n *yaml.Node) any {
	budget := 100000
	return value(n, 0, &budget)
}

func value(n *yaml.Node, depth int, budget *int) any {
	*budget--
	if n == nil || depth > 64 || *budget < 0 {
		return nil
	}
	n = resolve(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return ScalarValue(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, value(c, depth+1, budget))
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = value(n.Content[i+1], depth+1, budget)
		}
		return out
	}
	return nil
}

// ScalarValue decodes a scalar node by its resolved tag.
func ScalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return int(i)
		}
		var i int
		if n.Decode(&i) == nil {
			return i
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil {
			return f
		}
	}
	return n.Value
}

// channel decodes one platform of `channels:` with its settings' table.
func channel(t *table[Channel]) func(decoder, *Header, *yaml.Node, *yaml.Node) {
	return func(d decoder, h *Header, k, v *yaml.Node) {
		c := &Channel{Name: d.scalar(k)}
		fill(d, v, t, c)
		h.Channels = append(h.Channels, c)
	}
}

// setting decodes a channel setting: the name of the secret holding it.
func setting(d decoder, c *Channel, k, v *yaml.Node) {
	c.Settings = append(c.Settings, KV{Key: d.scalar(k), Value: d.scalar(v)})
}
