package explore

import (
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
)

// matching returns strings re matches, built from its syntax tree: each
// character class gives successive characters of its first range, so a
// pattern like `^\d{5}$` gives "01234" and "12345" (two answers that differ,
// for a question whose `validate` refuses one particular value). It returns
// none when the pattern is beyond this simple construction (lookarounds do
// not exist in RE2, but a class of only unprintable characters, say, may).
func matching(re *regexp.Regexp) []string {
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return nil
	}
	var out []string
	for off := 0; off < 2; off++ {
		g := &regexGen{off: off}
		s := g.gen(tree.Simplify())
		if lower := strings.ToLower(s); re.MatchString(lower) {
			s = lower // (?i)track gives "TRACK" otherwise
		}
		if re.MatchString(s) && !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

type regexGen struct{ off, n int }

// maxGen bounds the text built for a repetition (`a{1000}{1000}` is a
// valid pattern); longer texts do not match, and are dropped.
const maxGen = 1000

func (g *regexGen) gen(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		return string(re.Rune)
	case syntax.OpCharClass:
		return string(g.class(re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return "a"
	case syntax.OpCapture:
		return g.gen(re.Sub[0])
	case syntax.OpPlus:
		return g.gen(re.Sub[0])
	case syntax.OpRepeat:
		var b strings.Builder
		for i := 0; i < re.Min && b.Len() < maxGen; i++ {
			b.WriteString(g.gen(re.Sub[0]))
		}
		return b.String()
	case syntax.OpConcat:
		var b strings.Builder
		for _, s := range re.Sub {
			b.WriteString(g.gen(s))
		}
		return b.String()
	case syntax.OpAlternate:
		return g.gen(re.Sub[0])
	}
	// Star, quest, anchors, boundaries, empty: nothing.
	return ""
}

// class picks a character of a class given as ranges: a printable one,
// moving on by one at each use so that repeated classes give varied text.
func (g *regexGen) class(ranges []rune) rune {
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		if lo < ' ' {
			lo = ' '
		}
		if lo > hi || !unicode.IsPrint(lo) {
			continue
		}
		if lo == ' ' && hi > ' ' {
			lo++ // a space is a poor answer: it is trimmed
		}
		width := int(min(hi-lo, 25)) + 1
		r := lo + rune((g.off+g.n)%width)
		g.n++
		return r
	}
	return 'a'
}

// notMatching returns a short string re does not match, or "" when every
// candidate matches.
func notMatching(re *regexp.Regexp) string {
	for _, s := range []string{"abc", "x", "0", "!?", "hello there"} {
		if !re.MatchString(s) {
			return s
		}
	}
	return ""
}

// literals returns the literal values written in an expression, as texts
// an answer or a mock could hold: strings as written, numbers with their
// neighbours (for comparisons such as `answer > 90000`).
func literals(e *cond.Expr) []string {
	if e == nil {
		return nil
	}
	tree, err := parser.Parse(e.Source)
	if err != nil {
		return nil
	}
	// The names of members (vars.x) are string nodes too: not literals.
	v := &litVisitor{names: map[ast.Node]bool{}}
	ast.Find(tree.Node, func(n ast.Node) bool {
		if m, ok := n.(*ast.MemberNode); ok {
			v.names[m.Property] = true
		}
		return false
	})
	ast.Walk(&tree.Node, v)
	return v.out
}

type litVisitor struct {
	names map[ast.Node]bool
	out   []string
}

func (v *litVisitor) add(s string) {
	if !contains(v.out, s) {
		v.out = append(v.out, s)
	}
}

func (v *litVisitor) Visit(n *ast.Node) {
	if v.names[*n] {
		return
	}
	switch n := (*n).(type) {
	case *ast.StringNode:
		v.add(n.Value)
	case *ast.IntegerNode:
		v.add(strconv.Itoa(n.Value))
		v.add(strconv.Itoa(n.Value + 1))
		v.add(strconv.Itoa(n.Value - 1))
	case *ast.FloatNode:
		v.add(strconv.FormatFloat(n.Value, 'f', -1, 64))
		v.add(strconv.FormatFloat(n.Value+1, 'f', -1, 64))
	}
}

// ints returns the integer literals written in an expression.
func ints(e *cond.Expr) []int {
	var out []int
	tree, err := parser.Parse(e.Source)
	if err != nil {
		return nil
	}
	ast.Find(tree.Node, func(n ast.Node) bool {
		if i, ok := n.(*ast.IntegerNode); ok {
			out = append(out, i.Value)
		}
		return false
	})
	return out
}

// typed returns a literal values typed for a mock body: numbers stay numbers.
func typed(s string) any {
	if i, err := strconv.Atoi(s); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && strings.ContainsAny(s, ".") {
		return f
	}
	return s
}

// answers lists the answers to try for a question: for its type one that
// passes and one that fails, then the literals its validation and rules
// compare the answer with, then the buttons the bot just offered.
func answers(a *graph.Ask, rules []graph.Rule, buttons []string) []string {
	var out []string
	add := func(ss ...string) {
		for _, s := range ss {
			if strings.TrimSpace(s) != "" && !contains(out, s) {
				out = append(out, s)
			}
		}
	}
	switch a.Type {
	case graph.Text:
		add("hello")
	case graph.Number:
		add("42", "abc")
	case graph.Integer:
		add("42", "4.5", "abc")
	case graph.Email:
		add("ann@example.com", "ann.example.com")
	case graph.Phone:
		add("+1 555 010 0199", "call me")
	case graph.Date:
		add("2025-06-10", "tomorrow", "someday")
	case graph.YesNo:
		add("yes", "no", "maybe")
	case graph.Choice:
		add(a.Choices...)
		add("none of these")
	case graph.RegexAnswer:
		if a.Pattern != nil {
			add(matching(a.Pattern)...)
			add(notMatching(a.Pattern))
		}
	case graph.File:
		add("hello") // a text message where a file is asked for
	}
	add(literals(a.Validate)...)
	for _, r := range rules {
		add(literals(r.When)...)
	}
	add(buttons...)
	return out
}

// starterText returns a message that starts d through starter s, checked
// against the bot's starters (a message that an earlier starter takes is no
// use), or "" when none could be made.
func starterText(b *graph.Bot, s *graph.Starter, interrupt bool) string {
	var cands []string
	switch s.Kind {
	case graph.Exact:
		cands = []string{s.Text}
	case graph.Wildcard:
		var parts []string
		for _, p := range s.Parts {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		cands = []string{strings.Join(parts, " "), strings.Join(parts, " x ")}
	case graph.Regex:
		if s.Re != nil {
			cands = matching(s.Re)
		}
	}
	for _, c := range cands {
		if c == "" {
			continue
		}
		var got *graph.Starter
		if interrupt {
			got = b.Starters.MatchInterrupt(c)
		} else {
			got = b.Starters.Match(c)
		}
		if got != nil && got.Dialog == s.Dialog {
			return c
		}
	}
	return ""
}

// nonsense returns a message no starter matches, for the fallback.
func nonsense(b *graph.Bot) string {
	for _, s := range []string{"xyzzy", "plugh quux", "zq zq zq"} {
		if b.Starters.Match(s) == nil {
			return s
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
