package cond

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"

	"github.com/botctl/botctl/engine/diag"
)

// Ref is one read of the environment by an expression: a root, and the
// member path read from it when the path is written literally. The compiler
// uses refs to check declared variables, env and secret names, and which
// roots a place may read.
//
// For `vars.order_number` Root is "vars", Name "order_number" and Path
// "vars.order_number"; for `result.body.status` Name is "body" and Path
// "result.body.status"; for `vars[key]` or a bare `vars` Name is "" and Path
// "vars". Offsets are byte offsets in the source of the expression or, for
// a template's Refs, of the template.
type Ref struct {
	Root       string
	Name       string
	Path       string
	Offset     int // where the root is written
	NameOffset int // where Name is written (a quoted name: its opening quote); Offset when Name is ""
}

// rootList is the list of roots as an error message gives it.
var rootList = strings.Join(Roots[:len(Roots)-1], ", ") + " and now()"

// walker collects the refs of a parsed expression and reports names that
// are not roots. It keeps track of `let` names, which shadow nothing (a let
// may not reuse a root's name: expr reports that) but are not roots either.
type walker struct {
	src  string
	lets []string
	refs []Ref
	err  *Error
}

func (w *walker) fail(runeOff int, code, sugg, format string, args ...any) {
	off := byteOffset(w.src, runeOff)
	if w.err == nil || off < w.err.Offset {
		w.err = &Error{Offset: off, Code: code, Msg: fmt.Sprintf(format, args...), Suggestion: sugg}
	}
}

func (w *walker) isLet(name string) bool {
	for i := len(w.lets) - 1; i >= 0; i-- {
		if w.lets[i] == name {
			return true
		}
	}
	return false
}

// walk visits n; callee tells whether n is the function of a call.
func (w *walker) walk(n ast.Node, callee bool) {
	switch n := n.(type) {
	case nil:
	case *ast.IdentifierNode:
		w.ident(n, callee, nil)
	case *ast.MemberNode:
		w.member(n)
	case *ast.ChainNode:
		w.walk(n.Node, false)
	case *ast.UnaryNode:
		w.walk(n.Node, false)
	case *ast.BinaryNode:
		w.walk(n.Left, false)
		w.walk(n.Right, false)
	case *ast.SliceNode:
		w.walk(n.Node, false)
		w.walk(n.From, false)
		w.walk(n.To, false)
	case *ast.CallNode:
		w.walk(n.Callee, true)
		for _, a := range n.Arguments {
			w.walk(a, false)
		}
	case *ast.BuiltinNode:
		for _, a := range n.Arguments {
			w.walk(a, false)
		}
	case *ast.PredicateNode:
		w.walk(n.Node, false)
	case *ast.VariableDeclaratorNode:
		w.walk(n.Value, false)
		w.lets = append(w.lets, n.Name)
		w.walk(n.Expr, false)
		w.lets = w.lets[:len(w.lets)-1]
	case *ast.SequenceNode:
		for _, c := range n.Nodes {
			w.walk(c, false)
		}
	case *ast.ConditionalNode:
		w.walk(n.Cond, false)
		w.walk(n.Exp1, false)
		w.walk(n.Exp2, false)
	case *ast.ArrayNode:
		for _, c := range n.Nodes {
			w.walk(c, false)
		}
	case *ast.MapNode:
		for _, c := range n.Pairs {
			w.walk(c, false)
		}
	case *ast.PairNode:
		w.walk(n.Key, false)
		w.walk(n.Value, false)
	}
}

// ident handles a name: a let, a root (with the member path props read from
// it), a builtin function, or an error.
func (w *walker) ident(n *ast.IdentifierNode, callee bool, props []*ast.StringNode) {
	name := n.Value
	loc := n.Location().From
	switch {
	case w.isLet(name):
		return
	case name == "$env":
		w.fail(loc, CodeUnknownRoot, "", "`$env` is not available; read %s directly", rootList)
		return
	case isRoot(name):
		if name == RootNow && !callee {
			w.fail(loc, CodeInvalidExpression, "", "`now` is a function: write now()")
			return
		}
		if name != RootNow && callee {
			w.fail(loc, CodeInvalidExpression, "", "`%s` is not a function", name)
			return
		}
	case callee:
		if _, ok := builtin.Index[name]; ok && name != RootNow {
			return
		}
		w.fail(loc, CodeUnknownRoot, diag.DidYouMean(name, builtin.Names),
			"unknown function `%s()`", name)
		return
	default:
		w.fail(loc, CodeUnknownRoot, diag.DidYouMean(name, Roots),
			"unknown name `%s`: an expression can read %s", name, rootList)
		return
	}
	off := byteOffset(w.src, loc)
	r := Ref{Root: name, Path: name, Offset: off, NameOffset: off}
	if len(props) > 0 {
		r.Name = props[0].Value
		r.NameOffset = byteOffset(w.src, props[0].Location().From)
		var b strings.Builder
		b.WriteString(name)
		for _, p := range props {
			b.WriteByte('.')
			b.WriteString(p.Value)
		}
		r.Path = b.String()
		var fields []string
		switch name {
		case RootResult:
			fields = ResultFields
		case RootConversation:
			fields = ConversationFields
		case RootIntent:
			fields = IntentFields
		}
		if fields != nil && !contains(fields, r.Name) {
			w.fail(props[0].Location().From, CodeUnknownField, diag.DidYouMean(r.Name, fields),
				"`%s` has no field `%s`; its fields are %s", name, r.Name, andList(fields))
			return
		}
	}
	w.refs = append(w.refs, r)
}

// member handles a chain like vars.a.b["c"][i]: the literal properties
// nearest the root make the ref's path; computed properties are walked as
// expressions of their own.
func (w *walker) member(n *ast.MemberNode) {
	var chain []*ast.MemberNode
	var base ast.Node = n
	for {
		m, ok := base.(*ast.MemberNode)
		if !ok {
			break
		}
		chain = append(chain, m)
		base = m.Node
	}
	// chain[len-1] is nearest the base.
	var props []*ast.StringNode
	literal := true
	for i := len(chain) - 1; i >= 0; i-- {
		m := chain[i]
		s, ok := m.Property.(*ast.StringNode)
		if literal && ok && !m.Method {
			props = append(props, s)
			continue
		}
		literal = false
		if !ok {
			w.walk(m.Property, false)
		}
	}
	if id, ok := base.(*ast.IdentifierNode); ok {
		w.ident(id, false, props)
		return
	}
	w.walk(base, false)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// andList formats [a b c] as "a, b and c".
func andList(list []string) string {
	if len(list) < 2 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
}
