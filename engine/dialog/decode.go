package dialog

import (
	"strconv"

	"gopkg.in/yaml.v3"
)

// Decode builds the tree of one file. It never fails: values of the wrong
// shape are skipped, and the schema check reports them.
func Decode(f *File) *Bot {
	b := &Bot{Files: []*File{f}}
	root := f.Root
	if root == nil || root.Kind != yaml.MappingNode {
		return b
	}
	d := decoder{f: f}
	d.pairs(root, func(k, v *yaml.Node) {
		switch k.Value {
		case "botctl":
			b.Format = d.scalar(v)
		case "bot":
			b.Header = d.header(k, v)
		case "variables":
			d.pairs(v, func(k, v *yaml.Node) {
				b.Variables = append(b.Variables, &Variable{Name: d.scalar(k), Value: Value(v), Node: v})
			})
		case "integrations":
			d.pairs(v, func(k, v *yaml.Node) {
				b.Integrations = append(b.Integrations, d.integration(k, v))
			})
		case "interactions":
			d.items(v, func(n *yaml.Node) {
				if n.Kind == yaml.MappingNode {
					b.Interactions = append(b.Interactions, d.interaction(n))
				}
			})
		case "dialogs":
			d.pairs(v, func(k, v *yaml.Node) {
				b.Dialogs = append(b.Dialogs, d.dialog(k, v))
			})
		}
	})
	return b
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

func (d decoder) header(key, n *yaml.Node) *Header {
	h := &Header{File: d.f, Node: key}
	d.pairs(n, func(k, v *yaml.Node) {
		switch k.Value {
		case "name":
			h.Name = d.scalar(v)
		case "description":
			h.Description = d.scalar(v)
		case "welcome":
			h.Welcome = d.scalar(v)
		case "fallback":
			h.Fallback = d.scalar(v)
		case "error_message":
			h.ErrorMessage = d.scalar(v)
		case "max_transfer_attempts":
			h.MaxTransferAttempts = d.scalar(v)
		case "transfer_failed_message":
			h.TransferFailedMessage = d.scalar(v)
		case "env":
			h.Env = d.scalars(v)
		case "secrets":
			h.Secrets = d.scalars(v)
		}
	})
	return h
}

func (d decoder) integration(key, n *yaml.Node) *Integration {
	in := &Integration{Name: d.scalar(key)}
	d.pairs(n, func(k, v *yaml.Node) {
		switch k.Value {
		case "method":
			in.Method = d.scalar(v)
		case "url":
			in.URL = d.scalar(v)
		case "headers":
			in.Headers = d.kvs(v)
		case "query":
			in.Query = d.kvs(v)
		case "body":
			in.Body = v
		case "timeout":
			in.Timeout = d.scalar(v)
		case "retries":
			in.Retries = d.scalar(v)
		case "pre":
			in.Pre = d.kvs(v)
		case "success":
			in.Success = d.scalar(v)
		case "post":
			in.Post = d.kvs(v)
		}
	})
	return in
}

func (d decoder) interaction(n *yaml.Node) *Interaction {
	in := &Interaction{File: d.f, Node: n}
	d.pairs(n, func(k, v *yaml.Node) {
		switch k.Value {
		case "id":
			in.ID = d.scalar(v)
		case "point":
			in.Point = d.scalar(v)
		case "label":
			in.Label = d.scalar(v)
		case "when":
			in.When = d.scalar(v)
		case "dialog":
			in.Dialog = d.scalar(v)
		case "params":
			in.Params = d.kvs(v)
		}
	})
	return in
}

func (d decoder) dialog(key, n *yaml.Node) *Dialog {
	dl := &Dialog{Name: d.scalar(key)}
	d.pairs(n, func(k, v *yaml.Node) {
		switch k.Value {
		case "description":
			dl.Description = d.scalar(v)
		case "interrupt":
			dl.Interrupt = d.scalar(v)
		case "starters":
			d.items(v, func(c *yaml.Node) {
				if s := d.starter(c); s != nil {
					dl.Starters = append(dl.Starters, s)
				}
			})
		case "steps":
			d.items(v, func(c *yaml.Node) {
				dl.Steps = append(dl.Steps, d.step(c, len(dl.Steps)))
			})
		}
	})
	return dl
}

func (d decoder) starter(n *yaml.Node) *Starter {
	switch n.Kind {
	case yaml.ScalarNode:
		return &Starter{Kind: Pattern, Text: d.scalar(n)}
	case yaml.MappingNode:
		var s *Starter
		d.pairs(n, func(k, v *yaml.Node) {
			switch k.Value {
			case "regex":
				s = &Starter{Kind: Regex, Text: d.scalar(v)}
			case "event":
				s = &Starter{Kind: Event, Text: d.scalar(v)}
			case "pattern":
				s = &Starter{Kind: Pattern, Text: d.scalar(v)}
			}
		})
		if s != nil && !s.Text.IsSet() {
			return nil
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
		if isAction(k.Value) {
			s.Actions = append(s.Actions, d.scalar(k))
			if s.Action == "" {
				s.Action = k.Value
			}
		}
		switch k.Value {
		case "id":
			s.ID = d.scalar(v)
		case "next":
			s.Next = d.scalar(v)
		case "delay":
			s.Delay = d.scalar(v)
		case ActSay:
			s.Say = d.scalars(v)
		case "buttons":
			s.Buttons = d.scalars(v)
		case ActAsk:
			s.Ask = d.scalar(v)
		case "save":
			s.Save = d.scalar(v)
		case "type":
			s.Type = d.scalar(v)
		case "pattern":
			s.Pattern = d.scalar(v)
		case "choices":
			s.Choices = d.scalars(v)
		case "validate":
			s.Validate = d.scalar(v)
		case "retry":
			s.Retry = d.scalar(v)
		case "max_attempts":
			s.MaxAttempts = d.scalar(v)
		case "on_fail":
			s.OnFail = d.scalar(v)
		case "accept":
			s.Accept = d.scalars(v)
		case "max_size":
			s.MaxSize = d.scalar(v)
		case "uploading":
			s.Uploading = d.scalar(v)
		case "success":
			s.Success = d.scalar(v)
		case "failure":
			s.Failure = d.scalar(v)
		case "invalid":
			s.Invalid = d.scalar(v)
		case ActSet:
			s.Set = d.kvs(v)
		case ActBranch:
			s.Branch = d.rules(v)
		case ActCall:
			s.Call = d.scalar(v)
		case ActTransfer:
			s.Transfer = d.transfer(v)
		case ActGoto:
			s.Goto = d.scalar(v)
		case "rules":
			s.Rules = d.rules(v)
		case "on_failure":
			s.OnFailure = d.scalar(v)
		}
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
		d.pairs(c, func(k, v *yaml.Node) {
			switch k.Value {
			case "when":
				r.When = d.scalar(v)
			case "goto":
				r.Goto = d.scalar(v)
			case "else":
				r.Else = true
				r.Goto = d.scalar(v)
			}
		})
		out = append(out, r)
	})
	return out
}

func (d decoder) transfer(n *yaml.Node) *Transfer {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	t := &Transfer{File: d.f, Node: n}
	d.pairs(n, func(k, v *yaml.Node) {
		switch k.Value {
		case "to":
			t.To = d.scalar(v)
		case "message":
			t.Message = d.scalar(v)
		case "skill":
			t.Skill = d.scalar(v)
		case "agent":
			t.Agent = d.scalar(v)
		case "bot":
			t.Bot = d.scalar(v)
		case "context":
			t.Context = d.scalar(v)
		case "tags":
			t.Tags = d.scalars(v)
		}
	})
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
