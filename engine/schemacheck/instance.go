package schemacheck

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"net/url"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/botctl/botctl/engine/load"
)

// Limits on the instance built from a file. Aliases can make a small
// document expand enormously ("billion laughs"): many values, or a few
// long texts repeated; past these limits the file is reported once
// instead of validated. A file without aliases stays under maxBytes, as
// no file read is larger, so only aliases can cross it.
const (
	maxDepth = 64
	maxNodes = 200000
	maxBytes = load.MaxFileSize
)

var (
	errTooDeep  = errors.New("too deep")
	errTooLarge = errors.New("too large")
	errTooLong  = errors.New("too long")
)

// duplicate is a key written twice in one mapping.
type duplicate struct {
	path  []string   // the mapping's location
	key   *yaml.Node // the later key
	first *yaml.Node // the earlier one
}

// converter turns yaml nodes into the values encoding/json produces
// (json.Number, string, bool, nil, []any, map[string]any), which is all the
// validator accepts.
type converter struct {
	nodes int
	bytes int // of scalars and keys, each alias counted again
	dups  []duplicate
	seen  map[*yaml.Node]bool // key nodes already reported as duplicates
}

func (c *converter) value(n *yaml.Node, path []string) (any, error) {
	c.nodes++
	if c.nodes > maxNodes {
		return nil, errTooLarge
	}
	if len(path) > maxDepth {
		return nil, errTooDeep
	}
	n = resolve(n)
	if n == nil {
		return nil, nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if c.bytes += len(n.Value); c.bytes > maxBytes {
			return nil, errTooLong
		}
		return scalar(n), nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			v, err := c.value(item, append(path, strconv.Itoa(i)))
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		firsts := make(map[string]*yaml.Node, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := keyString(n.Content[i])
			if c.bytes += len(k); c.bytes > maxBytes {
				return nil, errTooLong
			}
			if first, ok := firsts[k]; ok {
				c.duplicate(path, n.Content[i], first)
			} else {
				firsts[k] = n.Content[i]
			}
			v, err := c.value(n.Content[i+1], append(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	return nil, nil
}

func (c *converter) duplicate(path []string, key, first *yaml.Node) {
	if c.seen == nil {
		c.seen = map[*yaml.Node]bool{}
	}
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	c.dups = append(c.dups, duplicate{path: append([]string(nil), path...), key: key, first: first})
}

// resolve follows aliases (with a bound, though yaml.v3 rejects cycles) and
// unwraps a document node.
func resolve(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && depth < 100; depth++ {
		switch {
		case n.Kind == yaml.AliasNode:
			n = n.Alias
		case n.Kind == yaml.DocumentNode && len(n.Content) == 1:
			n = n.Content[0]
		default:
			return n
		}
	}
	if n != nil && (n.Kind == yaml.AliasNode || n.Kind == yaml.DocumentNode) {
		return nil
	}
	return n
}

// keyString is the property name a mapping key becomes. Keys that are not
// scalars (`? [a, b]`) get a stand-in that cannot be a valid name.
func keyString(k *yaml.Node) string {
	k = resolve(k)
	switch {
	case k == nil:
		return ""
	case k.Kind == yaml.ScalarNode:
		return k.Value
	case k.Kind == yaml.SequenceNode:
		return "[...]"
	case k.Kind == yaml.MappingNode:
		return "{...}"
	}
	return ""
}

// scalar converts a scalar by its resolved tag, as dialog.ScalarValue does,
// but with numbers as json.Number. Numbers JSON cannot hold (.inf, .nan)
// stay strings.
func scalar(n *yaml.Node) any {
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
			return json.Number(strconv.FormatInt(i, 10))
		}
		if i, ok := new(big.Int).SetString(n.Value, 0); ok {
			return json.Number(i.String())
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
	}
	return n.Value
}

// splitPointer splits a JSON pointer as the validator writes instance
// locations (each token path-escaped after ~0/~1 escaping).
func splitPointer(ptr string) []string {
	if ptr == "" || ptr == "/" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, p := range parts {
		if u, err := url.PathUnescape(p); err == nil {
			p = u
		}
		p = strings.ReplaceAll(p, "~1", "/")
		parts[i] = strings.ReplaceAll(p, "~0", "~")
	}
	return parts
}

// located is what an instance location points at in the YAML.
type located struct {
	node   *yaml.Node // the value as written (an alias node stays an alias)
	key    *yaml.Node // its key, when its parent is a mapping
	inList bool       // its parent is a sequence (the last token is an index)
}

// value is the node with aliases resolved.
func (l located) value() *yaml.Node { return resolve(l.node) }

// locate walks from root along path. It returns the zero located when the
// path does not exist (which cannot happen for paths the validator reports,
// but the walk must not trust that).
func locate(root *yaml.Node, path []string) located {
	cur := located{node: root}
	for _, tok := range path {
		n := resolve(cur.node)
		if n == nil {
			return located{}
		}
		next := located{}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if keyString(n.Content[i]) == tok {
					next = located{node: n.Content[i+1], key: n.Content[i]} // the last one wins, as in the instance
				}
			}
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err == nil && i >= 0 && i < len(n.Content) && strconv.Itoa(i) == tok {
				next = located{node: n.Content[i], inList: true}
			}
		}
		if next.node == nil {
			return located{}
		}
		cur = next
	}
	return cur
}
