package cond

import (
	"sort"
	"sync"
)

// Template is a compiled string with embedded `${ expr }` parts. It is
// immutable and safe for concurrent use. `$${` stands for a literal `${`.
type Template struct {
	Source string
	text   string    // the whole text when there are no expressions
	segs   []Segment // nil when there are no expressions
	size   int       // literal bytes, to size the output buffer
}

// Segment is one piece of a template: literal text, or an expression.
type Segment struct {
	Text   string // literal text (with `$${` already turned into `${`)
	Expr   *Expr  // nil for literal text
	Offset int    // byte offset in the template's source: of the text, or of the `${`
	End    int    // byte offset just past the piece (past the `}` of an expression)
}

// ParseTemplate finds the `${ expr }` parts of src and compiles each once.
// The end of a part is found by counting braces outside string literals, so
// `${ {"a": "}"}.a }` is one part. It returns every error found, with
// offsets in src; the template is nil when there are errors.
func ParseTemplate(src string) (*Template, []*Error) {
	if indexDollar(src, 0) < 0 {
		return &Template{Source: src, text: src}, nil
	}
	t := &Template{Source: src}
	var errs []*Error
	var lit []byte // pending literal text, when it differs from src
	litStart, i := 0, 0
	flush := func(end int) {
		if lit != nil {
			t.segs = append(t.segs, Segment{Text: string(lit), Offset: litStart, End: end})
			t.size += len(lit)
		} else if end > litStart {
			t.segs = append(t.segs, Segment{Text: src[litStart:end], Offset: litStart, End: end})
			t.size += end - litStart
		}
		lit = nil
	}
	hasExpr := false
	for i < len(src) {
		j := indexDollar(src, i)
		if j < 0 {
			break
		}
		if j+2 < len(src) && src[j+1] == '$' && src[j+2] == '{' {
			// `$${`: a literal `${`.
			if lit == nil {
				lit = append([]byte(nil), src[litStart:j]...)
			} else {
				lit = append(lit, src[i:j]...)
			}
			lit = append(lit, "${"...)
			i = j + 3
			continue
		}
		if j+1 >= len(src) || src[j+1] != '{' {
			if lit != nil {
				lit = append(lit, src[i:j+1]...)
			}
			i = j + 1
			continue
		}
		// `${`: an expression up to the matching `}`.
		if lit != nil {
			lit = append(lit, src[i:j]...)
		}
		flush(j)
		end := closing(src, j+2)
		if end < 0 {
			errs = append(errs, &Error{Offset: j, Code: CodeInvalidTemplate,
				Msg: "`${` is not closed: end the expression with `}` (write `$${` for a literal `${`)"})
			litStart, i = len(src), len(src)
			break
		}
		hasExpr = true
		body := src[j+2 : end]
		if isBlank(body) {
			errs = append(errs, &Error{Offset: j, Code: CodeInvalidTemplate,
				Msg: "`${}` holds no expression (write `$${` for a literal `${`)"})
		} else {
			e, err := compile(body, false)
			if err != nil {
				err.Offset += j + 2
				errs = append(errs, err)
			}
			t.segs = append(t.segs, Segment{Expr: e, Offset: j, End: end + 1})
		}
		litStart, i = end+1, end+1
	}
	if lit != nil {
		lit = append(lit, src[i:]...)
	}
	flush(len(src))
	if len(errs) > 0 {
		sort.SliceStable(errs, func(a, b int) bool { return errs[a].Offset < errs[b].Offset })
		return nil, errs
	}
	if !hasExpr {
		for _, s := range t.segs {
			t.text += s.Text
		}
		t.segs = nil
	}
	return t, nil
}

// MustTemplate is ParseTemplate for sources known to be valid, such as the
// language's default messages; it panics on an error.
func MustTemplate(src string) *Template {
	t, errs := ParseTemplate(src)
	if errs != nil {
		panic("cond: invalid template " + src + ": " + errs[0].Error())
	}
	return t
}

func indexDollar(s string, from int) int {
	for i := from; i < len(s); i++ {
		if s[i] == '$' {
			return i
		}
	}
	return -1
}

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return true
}

// closing returns the offset of the `}` that closes an expression starting
// at from, or -1. Braces inside string literals ('...', "...", `...`) do
// not count.
func closing(s string, from int) int {
	depth := 0
	for i := from; i < len(s); i++ {
		switch c := s[i]; c {
		case '{':
			depth++
		case '}':
			if depth == 0 {
				return i
			}
			depth--
		case '"', '\'':
			for i++; i < len(s) && s[i] != c; i++ {
				if s[i] == '\\' {
					i++
				}
			}
			if i >= len(s) {
				return -1
			}
		case '`':
			for i++; i < len(s) && s[i] != '`'; i++ {
			}
			if i >= len(s) {
				return -1
			}
		}
	}
	return -1
}

// String returns the template's source.
func (t *Template) String() string { return t.Source }

// Plain returns the template's text and true when it has no expressions.
func (t *Template) Plain() (string, bool) { return t.text, t.segs == nil }

// Segments returns the template's pieces in order; nil when the template
// is plain text. The slice is shared: do not modify it.
func (t *Template) Segments() []Segment { return t.segs }

// Refs returns what the template's expressions read, with offsets in the
// template's source.
func (t *Template) Refs() []Ref {
	var out []Ref
	for _, s := range t.segs {
		if s.Expr == nil {
			continue
		}
		base := s.Offset + 2
		for _, r := range s.Expr.refs {
			r.Offset += base
			r.NameOffset += base
			out = append(out, r)
		}
	}
	return out
}

// buffers pools output buffers for Render.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// Render evaluates the template's expressions in env (nil means the zero
// Env) and returns the text. Values print as docs/language.md#151-templates says (see
// AppendValue). A plain template returns its text without allocating.
func (t *Template) Render(env *Env) (string, error) {
	if t.segs == nil {
		return t.text, nil
	}
	bp := buffers.Get().(*[]byte)
	b := (*bp)[:0]
	for _, s := range t.segs {
		if s.Expr == nil {
			b = append(b, s.Text...)
			continue
		}
		v, err := s.Expr.Eval(env)
		if err != nil {
			if e, ok := err.(*Error); ok {
				e.Offset += s.Offset + 2
			}
			*bp = b
			buffers.Put(bp)
			return "", err
		}
		b = AppendValue(b, v)
	}
	out := string(b)
	if cap(b) <= 64<<10 {
		*bp = b
		buffers.Put(bp)
	}
	return out, nil
}
