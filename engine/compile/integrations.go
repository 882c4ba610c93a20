package compile

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/graph"
)

// compileIntegrations compiles every integration: its request templates
// (which alone may read secrets), pre/post assignments and success
// condition.
func (c *compiler) compileIntegrations() {
	for _, in := range c.tree.Integrations {
		if !in.Name.IsSet() {
			continue // a key that is not a name: the schema reports it
		}
		name := in.Name.Value
		pl := place{kind: integrationPlace, name: name}
		g := &graph.Integration{
			Name:    name,
			Method:  DefaultMethod,
			Timeout: DefaultTimeout,
			Pos:     in.Pos(),
		}
		x := &integ{src: in, g: g}
		if c.integs[name] == nil {
			c.integs[name] = x // load.Merge reports a name defined twice
		}
		c.integList = append(c.integList, x)
		c.bot.Integrations = append(c.bot.Integrations, g)

		if m := strings.ToUpper(strings.TrimSpace(in.Method.Value)); m != "" {
			g.Method = m
		}
		req := scope{pl: pl, secret: true}
		g.URL = c.template(in.URL, "url", req)
		if g.URL != nil {
			c.checkURLHost(in.URL, g.URL, pl)
		}
		g.Headers = c.params(in.Headers, "headers", req)
		g.Query = c.params(in.Query, "query", req)
		if in.Body != nil {
			budget := 100000
			g.Body = c.body(in.Body, in.Name.File, req, 0, &budget)
		}
		if d, ok := c.duration(in.Timeout, "timeout", pl, true); ok {
			g.Timeout = d
		}
		if in.Retries.IsSet() && in.Retries.Node.Tag == "!!int" {
			if n, err := strconv.Atoi(in.Retries.Value); err == nil && n >= 0 {
				g.Retries = n
			}
		}
		sc := scope{pl: pl}
		g.Pre = c.assigns(in.Pre, "pre", sc)
		g.Success = c.expr(in.Success, "success", sc, true)
		g.Post = c.assigns(in.Post, "post", sc)
	}
}

// params compiles a mapping of names to templates.
func (c *compiler) params(kvs []dialog.KV, key string, sc scope) []graph.Param {
	var out []graph.Param
	for _, kv := range kvs {
		if t := c.template(kv.Value, key+"."+kv.Key.Value, sc); t != nil {
			out = append(out, graph.Param{Name: kv.Key.Value, Value: t})
		}
	}
	return out
}

// body converts a request body into plain values whose string leaves are
// templates. Aliases are followed within a node budget, so hostile
// documents cannot blow up.
func (c *compiler) body(n *yaml.Node, f *dialog.File, sc scope, depth int, budget *int) any {
	*budget--
	n = resolve(n)
	if n == nil || depth > 64 || *budget < 0 {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!str" {
			return c.template(dialog.Scalar{Value: n.Value, Node: n, File: f}, "body", sc)
		}
		return dialog.ScalarValue(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			out = append(out, c.body(e, f, sc, depth+1, budget))
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = c.body(n.Content[i+1], f, sc, depth+1, budget)
		}
		return out
	}
	return nil
}

// checkURLHost enforces docs/language.md §12: `${}` in the scheme and host part of a
// URL may read only env, so that a conversation cannot send a request (and
// its secrets) to a host of its choosing. That part is everything before
// the first '/', '?' or '#' after "://", or before the first of them at all
// when the URL's literal text does not start its path with "://" (the
// scheme itself is templated).
func (c *compiler) checkURLHost(s dialog.Scalar, t *cond.Template, pl place) {
	segs := t.Segments()
	if segs == nil {
		return
	}
	// Lay the literal text out with one NUL per expression, and find where
	// the host part ends in it.
	var flat []byte
	at := make([]int, len(segs)) // index in flat of each segment
	for i, seg := range segs {
		at[i] = len(flat)
		if seg.Expr != nil {
			flat = append(flat, 0)
		} else {
			flat = append(flat, seg.Text...)
		}
	}
	text := string(flat)
	end := len(text)
	if j := strings.IndexAny(text, "/?#"); j >= 0 {
		end = j
		if j >= 1 && strings.HasPrefix(text[j-1:], "://") {
			start := j + 2
			end = len(text)
			if k := strings.IndexAny(text[start:], "/?#"); k >= 0 {
				end = start + k
			}
		}
	}
	for i, seg := range segs {
		if seg.Expr == nil || at[i] >= end {
			continue
		}
		for _, r := range seg.Expr.Refs() {
			if r.Root == cond.RootEnv {
				continue
			}
			c.errorf(s.PosAt(seg.Offset+2+r.Offset), "url-host-not-env", pl,
				"`url` reads `%s` in its scheme or host, where only env may be read; put values from the conversation in the path or query",
				r.Path)
		}
	}
}
