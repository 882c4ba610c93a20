package cond

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// Error codes, stable kebab-case identifiers the compiler turns into
// diagnostic codes.
const (
	CodeInvalidExpression = "invalid-expression" // syntax or type error
	CodeUnknownRoot       = "unknown-root"       // a name that is not one of Roots
	CodeUnknownField      = "unknown-field"      // result.X or conversation.X with no such field
	CodeNotBoolean        = "not-boolean"        // a condition that can never be true or false
	CodeInvalidTemplate   = "invalid-template"   // an unclosed or empty ${}
	CodeRuntime           = "runtime"            // an evaluation error
)

// Error is a problem with an expression or a template, at a byte offset of
// its source. Compile errors come from Compile and ParseTemplate; Eval and
// Render return *Error too, with Code CodeRuntime.
type Error struct {
	Offset     int    // byte offset in the source
	Msg        string // what is wrong, in the author's terms
	Code       string // one of the Code constants
	Suggestion string // "did you mean `vars`?", or ""
}

func (e *Error) Error() string {
	if e.Suggestion != "" {
		return e.Msg + " (" + e.Suggestion + ")"
	}
	return e.Msg
}

// Expr is a compiled expression. It is immutable and safe for concurrent use.
type Expr struct {
	Source  string
	prog    *vm.Program
	refs    []Ref
	usesNow bool
}

// String returns the expression's source.
func (e *Expr) String() string { return e.Source }

// Refs returns what the expression reads from the environment, in source
// order. The slice is shared: do not modify it.
func (e *Expr) Refs() []Ref { return e.refs }

// configs holds expr configurations built for Env. A configuration caches
// type information while checking, so it is not safe for concurrent use;
// the pool hands each compilation its own, and building one (reflection over
// Env) happens once per pooled value rather than once per expression.
var configs = sync.Pool{New: func() any {
	c := conf.CreateNew()
	c.WithEnv(Env{})
	// now() is the host's clock (Env.Now), not expr's builtin.
	c.Disabled[RootNow] = true
	delete(c.Builtins, RootNow)
	return c
}}

// Compile compiles an expression against Env. A name that is not a root,
// a misspelt field of result or conversation, and syntax and type errors
// are reported as an *Error with the byte offset of the offending text.
//
// The error is an error, not an *Error, so that it can be passed on as is:
// a nil *Error in an error would not compare equal to nil.
func Compile(src string) (*Expr, error) {
	return result(compile(src, false))
}

// CompileBool compiles a condition: like Compile, and it is also an error
// when the expression's type is known and is not bool (for example
// `result.status`).
func CompileBool(src string) (*Expr, error) {
	return result(compile(src, true))
}

// result turns compile's *Error into an error that is nil on success.
func result(e *Expr, err *Error) (*Expr, error) {
	if err != nil {
		return nil, err
	}
	return e, nil
}

func compile(src string, wantBool bool) (*Expr, *Error) {
	if strings.TrimSpace(src) == "" {
		return nil, &Error{Msg: "the expression is empty", Code: CodeInvalidExpression}
	}
	cfg := configs.Get().(*conf.Config)
	defer configs.Put(cfg)

	tree, err := parser.ParseWithConfig(src, cfg)
	if err != nil {
		return nil, convertErr(src, err, CodeInvalidExpression)
	}
	w := walker{src: src}
	w.walk(tree.Node, false)
	if w.err != nil {
		return nil, w.err
	}
	typ, err := checker.Check(tree, cfg)
	if err != nil {
		return nil, convertErr(src, err, CodeInvalidExpression)
	}
	if wantBool && typ != nil && typ.Kind() != reflect.Bool && typ.Kind() != reflect.Interface {
		return nil, &Error{Offset: 0, Code: CodeNotBoolean,
			Msg: fmt.Sprintf("a condition must be true or false, but this expression gives %s", typeWords(typ))}
	}
	if err := optimizer.Optimize(&tree.Node, cfg); err != nil {
		return nil, convertErr(src, err, CodeInvalidExpression)
	}
	prog, err := compiler.Compile(tree, cfg)
	if err != nil {
		return nil, convertErr(src, err, CodeInvalidExpression)
	}
	e := &Expr{Source: src, prog: prog, refs: w.refs}
	for _, r := range w.refs {
		if r.Root == RootNow {
			e.usesNow = true
		}
	}
	return e, nil
}

// typeWords names a Go type as an author thinks of it.
func typeWords(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a text"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map:
		return "a map"
	case reflect.Func:
		return "a function"
	}
	if t.String() == "time.Time" {
		return "a time"
	}
	return "a " + cleanTypes.Replace(t.String())
}

var cleanTypes = strings.NewReplacer(
	"cond.Result", "result",
	"cond.Conversation", "conversation",
	"cond.Env", "the environment",
	"interface {}", "any",
)

// convertErr turns an expr error into an *Error with a byte offset.
func convertErr(src string, err error, code string) *Error {
	var fe *file.Error
	if errors.As(err, &fe) {
		return &Error{Offset: byteOffset(src, fe.From), Msg: cleanTypes.Replace(fe.Message), Code: code}
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 { // compiler panics carry a stack
		msg = msg[:i]
	}
	return &Error{Msg: cleanTypes.Replace(msg), Code: code}
}

// byteOffset converts expr's rune index into a byte offset of src.
func byteOffset(src string, runes int) int {
	if runes <= 0 {
		return 0
	}
	n := 0
	for i := range src {
		if n == runes {
			return i
		}
		n++
	}
	return len(src)
}

// vms pools virtual machines: a VM keeps its stack between runs, so reusing
// one makes an evaluation allocation-free apart from what the expression
// itself produces.
var vms = sync.Pool{New: func() any { return new(vm.VM) }}

// emptyEnv stands in for a nil *Env. It is never written.
var emptyEnv Env

// Eval evaluates the expression in env (nil means the zero Env).
func (e *Expr) Eval(env *Env) (any, error) {
	if env == nil {
		env = &emptyEnv
	}
	if e.usesNow && env.Now == nil {
		return nil, &Error{Offset: 0, Code: CodeRuntime, Msg: "now() is not available: the host set no clock"}
	}
	m := vms.Get().(*vm.VM)
	out, err := m.Run(e.prog, env)
	clear(m.Stack[:cap(m.Stack)]) // don't keep the conversation's values alive in the pool
	vms.Put(m)
	if err != nil {
		return nil, convertErr(e.Source, err, CodeRuntime)
	}
	return out, nil
}

// Bool evaluates a condition. A result that is not a bool is an error that
// says what the expression gave instead.
func (e *Expr) Bool(env *Env) (bool, error) {
	v, err := e.Eval(env)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, &Error{Code: CodeRuntime,
			Msg: fmt.Sprintf("the condition `%s` gave %s, not true or false", e.Source, describe(v))}
	}
	return b, nil
}

// describe names a value for an error message.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "nothing (nil)"
	case string:
		return fmt.Sprintf("the text %q", v)
	}
	return fmt.Sprintf("%s (%s)", typeWords(reflect.TypeOf(v)), Format(v))
}
