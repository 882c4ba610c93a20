// Package cond compiles and evaluates the expressions and `${ expr }`
// templates of the bot language (expr-lang), against the environment of
// docs/language.md#152-the-environment (type Env).
//
// Everything is compiled once, when a bot is compiled; a compiled *Expr or
// *Template is immutable and safe for concurrent use. Evaluation reuses
// pooled virtual machines and buffers, so a turn does not pay for them.
//
//	e, err := cond.CompileBool(`vars.tries >= 3`)
//	if err != nil { ... }              // an *Error: its Offset is a byte offset in the source
//	ok, _ := e.Bool(&cond.Env{Vars: map[string]any{"tries": 3}})
//
//	t, errs := cond.ParseTemplate("Hi ${user.name}!")
//	text, _ := t.Render(&cond.Env{User: map[string]any{"name": "Ann"}})
//
// The compiler uses Refs to check what an expression reads (declared
// variables, env and secret names, which roots a place may use).
package cond
