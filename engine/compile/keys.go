package compile

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// assignKeys gives every step its Key: the identity a conversation's
// position is stored by. A step with an id is known by it; a step without
// one by a hash of what it says ("~" and 12 hex digits; the id, next and
// delay are left out), so that inserting, removing or moving other steps
// does not change it. Identical steps of one dialog are told apart by
// their order of appearance ("~3f2a…", "~3f2a….2").
func (c *compiler) assignKeys() {
	for _, x := range c.dialogList {
		seen := map[string]int{}
		for _, st := range x.steps {
			if st.g.ID != "" {
				st.g.Key = st.g.ID
				continue
			}
			k := contentKey(st.src.Node)
			seen[k]++
			if n := seen[k]; n > 1 {
				k += "." + strconv.Itoa(n)
			}
			st.g.Key = k
		}
	}
}

// contentKey hashes a step's node in a canonical form: mapping keys
// sorted, aliases resolved, positions and styles ignored.
func contentKey(n *yaml.Node) string {
	var b strings.Builder
	budget := maxKeyNodes
	canonical(&b, n, &budget, map[string]bool{"id": true, "next": true, "delay": true})
	sum := sha256.Sum256([]byte(b.String()))
	return "~" + hex.EncodeToString(sum[:6])
}

// maxKeyNodes bounds the nodes contentKey reads, so that aliases that
// expand a step without end cannot make compiling it slow; what lies past
// the bound does not take part in the key.
const maxKeyNodes = 10000

func canonical(b *strings.Builder, n *yaml.Node, budget *int, skip map[string]bool) {
	n = resolve(n)
	*budget--
	if n == nil || *budget < 0 {
		b.WriteString("~")
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		type kv struct {
			k string
			v *yaml.Node
		}
		var kvs []kv
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if skip[k] {
				continue
			}
			kvs = append(kvs, kv{k, n.Content[i+1]})
		}
		sort.Slice(kvs, func(i, j int) bool { return kvs[i].k < kvs[j].k })
		b.WriteString("{")
		for _, e := range kvs {
			b.WriteString(strconv.Quote(e.k))
			b.WriteString(":")
			canonical(b, e.v, budget, nil)
			b.WriteString(",")
		}
		b.WriteString("}")
	case yaml.SequenceNode:
		b.WriteString("[")
		for _, e := range n.Content {
			canonical(b, e, budget, nil)
			b.WriteString(",")
		}
		b.WriteString("]")
	default:
		b.WriteString(strconv.Quote(n.Value))
	}
}
