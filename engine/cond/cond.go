// Package cond compiles and evaluates the expressions and `${...}` templates
// of the bot language (expr-lang), against the environment of SPEC §2.1.
package cond

import "github.com/expr-lang/expr/vm"

// Expr is a compiled expression. It is immutable and safe for concurrent use.
type Expr struct {
	Source string
	prog   *vm.Program
}

// Template is a compiled string with embedded `${ expr }` parts. It is
// immutable and safe for concurrent use.
type Template struct {
	Source string
}
