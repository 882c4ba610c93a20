package explore

import (
	"sort"
	"strings"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/mock"
)

// exprs lists every expression of the bot that decides something: rules,
// branches, validations, assignments and integrations' success, pre and
// post, in declaration order.
func exprs(b *graph.Bot) []*cond.Expr {
	var out []*cond.Expr
	add := func(e *cond.Expr) {
		if e != nil {
			out = append(out, e)
		}
	}
	for _, d := range b.Dialogs {
		for _, s := range d.Steps {
			for _, r := range s.Branch {
				add(r.When)
			}
			for _, r := range s.Rules {
				add(r.When)
			}
			if s.Ask != nil {
				add(s.Ask.Validate)
			}
			for _, a := range s.Set {
				add(a.Expr)
			}
		}
	}
	for _, in := range b.Integrations {
		add(in.Success)
		for _, a := range in.Pre {
			add(a.Expr)
		}
		for _, a := range in.Post {
			add(a.Expr)
		}
	}
	return out
}

// responses lists the mock responses to try for an integration, the first
// being the one used when no other is chosen: a success whose body has
// every field the bot reads, then that body with one field set to each
// value the bot compares it (or a variable saved from it) with, then each
// status the bot compares result.status with, then a failure.
//
// The body's fields are the `result.body.*` paths the integration's
// success and post and the rules of the steps that call it read; a field's
// values are the literals of the expressions that read it or a variable
// its post saves it in.
func responses(b *graph.Bot, in *graph.Integration, unknownStarter bool) []mock.Response {
	var readers []*cond.Expr // expressions that read this integration's result
	readers = append(readers, in.Success)
	for _, a := range in.Post {
		readers = append(readers, a.Expr)
	}
	for _, d := range b.Dialogs {
		for _, s := range d.Steps {
			if s.Call == in {
				for _, r := range s.Rules {
					readers = append(readers, r.When)
				}
			}
		}
	}
	fields := map[string]bool{}
	statuses := []int{}
	for _, e := range readers {
		if e == nil {
			continue
		}
		for _, r := range e.Refs() {
			if p, ok := strings.CutPrefix(r.Path, "result.body."); ok {
				fields[p] = true
			}
			if r.Path == "result.status" {
				for _, n := range ints(e) {
					if n >= 100 && n <= 599 && !containsInt(statuses, n) {
						statuses = append(statuses, n)
					}
				}
			}
		}
	}
	// A variable post saves a field in stands for the field: literals
	// compared with vars.NAME are values for the field.
	savedFrom := map[string][]string{} // "vars.NAME" -> fields
	for _, a := range in.Post {
		for _, r := range a.Expr.Refs() {
			if p, ok := strings.CutPrefix(r.Path, "result.body."); ok {
				savedFrom["vars."+a.Var] = append(savedFrom["vars."+a.Var], p)
			}
		}
	}
	// The integration's own post is left out: its literals are defaults
	// and conversions, not values the bot tells apart.
	post := map[*cond.Expr]bool{}
	for _, a := range in.Post {
		post[a.Expr] = true
	}
	values := map[string][]string{}
	for _, e := range append(readers, exprs(b)...) {
		if e == nil || post[e] {
			continue
		}
		for _, r := range e.Refs() {
			var fs []string
			if p, ok := strings.CutPrefix(r.Path, "result.body."); ok {
				fs = []string{p}
			} else {
				fs = savedFrom[r.Path]
			}
			for _, f := range fs {
				for _, l := range literals(e) {
					if !contains(values[f], l) {
						values[f] = append(values[f], l)
					}
				}
			}
		}
	}
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	body := func(set, to string) map[string]any {
		m := map[string]any{}
		for _, f := range names {
			var v any = leaf(f) + "-1"
			if f == set {
				v = typed(to)
			}
			put(m, strings.Split(f, "."), v)
		}
		return m
	}
	ok := mock.Response{Status: 200}
	if len(names) > 0 {
		ok.Body = body("", "")
	}
	out := []mock.Response{ok}
	for _, f := range names {
		for _, v := range values[f] {
			r := mock.Response{Status: 200, Body: body(f, v)}
			if !sameResponse(r, ok) {
				out = append(out, r)
			}
		}
	}
	sort.Ints(statuses)
	for _, st := range statuses {
		if st != 200 {
			out = append(out, mock.Response{Status: st, Body: ok.Body})
		}
	}
	if in.Success != nil {
		out = append(out, mock.Response{Status: 500})
	}
	out = append(out, mock.Response{Error: "timeout"})
	if unknownStarter {
		out = append(out, mock.Response{Error: "call_outcome_unknown"})
	}
	return out
}

// leaf is the last name of a dotted path.
func leaf(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// put sets the value at path in m, making the maps on the way; a path that
// runs through a value already set keeps that value.
func put(m map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			if _, set := m[k]; set {
				return
			}
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	if _, set := m[path[len(path)-1]].(map[string]any); !set {
		m[path[len(path)-1]] = v
	}
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}
