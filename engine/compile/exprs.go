package compile

import (
	"errors"
	"strings"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/dialog"
)

// scope says what an expression or template may read where it is written.
type scope struct {
	pl          place
	answer      bool // inside an ask: validate and rules
	secret      bool // integration requests: url, headers, query, body
	interaction bool // interaction points: only params, env and now()
}

type exprKey struct {
	src     string
	boolean bool
}

type exprResult struct {
	e   *cond.Expr
	err *cond.Error
}

type tplResult struct {
	t    *cond.Template
	errs []*cond.Error
	refs []cond.Ref
}

// compiled caches: a compiled expression or template is immutable, so one
// source text is compiled once per bot however often it is written.
func (c *compiler) compiledExpr(src string, boolean bool) exprResult {
	k := exprKey{src, boolean}
	if r, ok := c.exprs[k]; ok {
		return r
	}
	compile := cond.Compile
	if boolean {
		compile = cond.CompileBool
	}
	var r exprResult
	e, err := compile(src)
	if !errors.As(err, &r.err) {
		r.e = e
	}
	c.exprs[k] = r
	return r
}

func (c *compiler) compiledTemplate(src string) tplResult {
	if r, ok := c.tpls[src]; ok {
		return r
	}
	var r tplResult
	r.t, r.errs = cond.ParseTemplate(src)
	if r.t != nil {
		r.refs = r.t.Refs()
	}
	c.tpls[src] = r
	return r
}

// expr compiles the expression written in s (the value of key). It returns
// nil when s is not written or does not compile; the problem is reported.
// boolean asks for a condition.
func (c *compiler) expr(s dialog.Scalar, key string, sc scope, boolean bool) *cond.Expr {
	if !s.IsSet() || isNull(s) {
		return nil // nothing written: the schema check reports a required value
	}
	r := c.compiledExpr(s.Value, boolean)
	if r.err != nil {
		c.condError(s, key, sc, r.err)
		return nil
	}
	c.checkRefs(s, key, sc, r.e.Refs(), nil)
	return r.e
}

// template compiles the text written in s; nil when s is not written or
// does not compile.
func (c *compiler) template(s dialog.Scalar, key string, sc scope) *cond.Template {
	if !s.IsSet() {
		return nil
	}
	r := c.compiledTemplate(s.Value)
	for _, err := range r.errs {
		c.condError(s, key, sc, err)
	}
	if r.t == nil {
		return nil
	}
	if len(r.refs) > 0 {
		c.checkRefs(s, key, sc, r.refs, r.t)
	}
	return r.t
}

// condError reports a compile error of package cond at its own column.
func (c *compiler) condError(s dialog.Scalar, key string, sc scope, err *cond.Error) {
	msg := err.Msg
	if err.Code == cond.CodeInvalidExpression {
		msg = "invalid expression: " + msg
	}
	d := c.diags.Errorf(s.PosAt(err.Offset), err.Code, "%s, `%s`: %s", sc.pl, key, msg)
	d.Suggestion = err.Suggestion
	if s.Value == "" && isString(s) {
		d.Suggestion = `to assign an empty text, write '""'`
	}
	if err.Code == cond.CodeUnknownRoot {
		name := identAt(s.Value, err.Offset)
		switch {
		case c.vars[name] != nil:
			d.Suggestion = "did you mean `vars." + name + "`?"
		case name == "message" || name == "msg" || name == "text":
			d.Suggestion = "did you mean `input`, the text of the last user message?"
		}
	}
}

// identAt returns the name written at offset off of src.
func identAt(src string, off int) string {
	if off < 0 || off > len(src) {
		return ""
	}
	end := off
	for end < len(src) {
		b := src[end]
		if b == '_' || b == '$' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' {
			end++
			continue
		}
		break
	}
	return src[off:end]
}

// interactionRoots are what an interaction's when, label and params read:
// there is no conversation yet.
func interactionRoot(root string) bool {
	return root == cond.RootParams || root == cond.RootEnv || root == cond.RootNow
}

// checkRefs checks what an expression or template reads against the place
// it is written in and against the bot's declarations. t is the template
// s holds, or nil when s is an expression.
func (c *compiler) checkRefs(s dialog.Scalar, key string, sc scope, refs []cond.Ref, t *cond.Template) {
	for _, r := range refs {
		pos := func() diag.Pos { return s.PosAt(r.Offset) } // only when reporting: PosAt scans the file
		switch {
		case sc.interaction && !interactionRoot(r.Root):
			c.diags.Errorf(pos(), "root-not-available",
				"%s, `%s`: an interaction can read only params, env and now(); `%s` does not exist before its conversation starts",
				sc.pl, key, r.Root)
			continue
		case r.Root == cond.RootAnswer && !sc.answer:
			c.diags.Errorf(pos(), "answer-outside-ask",
				"%s, `%s`: `answer` can only be read in the `validate` and `rules` of an `ask`", sc.pl, key)
			continue
		case r.Root == cond.RootSecret && !sc.secret:
			c.diags.Errorf(pos(), "secret-outside-request",
				"%s, `%s`: `secret` can only be read in an integration's url, headers, query and body, so that it never reaches a message, a variable or a log",
				sc.pl, key)
			continue
		}
		switch r.Root {
		case cond.RootVars:
			if r.Name == "" {
				c.varsWhole = true
				continue
			}
			if c.vars[r.Name] == nil {
				d := c.diags.Errorf(s.PosAt(r.NameOffset), "undeclared-variable",
					"%s, `%s`: variable `%s` is not declared under `variables:`", sc.pl, key, r.Name)
				if m := diag.Suggest(r.Name, c.varNames); m != "" {
					d.Suggestion = "did you mean `vars." + m + "`?"
				}
				continue
			}
			c.varUsed[r.Name] = true
			if c.vars[r.Name].Value == nil {
				c.nullReads = append(c.nullReads, nullRead{
					name: r.Name, pl: sc.pl, s: s, off: r.Offset,
					guarded: guarded(exprAt(s.Value, t, r.Offset)),
				})
			}
		case cond.RootEnv:
			if r.Name != "" && !c.envs[r.Name] {
				d := c.diags.Errorf(s.PosAt(r.NameOffset), "undeclared-env",
					"%s, `%s`: `env.%s` is not declared: add %s to the `env:` list of the bot header",
					sc.pl, key, r.Name, r.Name)
				if m := diag.Suggest(r.Name, c.envNames); m != "" {
					d.Suggestion = "did you mean `env." + m + "`?"
				}
			}
		case cond.RootIntent:
			c.bot.ReadsIntent = true
			if len(c.intentList) == 0 {
				c.diags.Errorf(pos(), "no-intents",
					"%s, `%s`: `intent` is always empty: the bot declares no `intents:`", sc.pl, key)
			}
		case cond.RootEntities:
			c.bot.ReadsEntities = true
			if r.Name != "" && !contains(c.entityTypes(), r.Name) {
				d := c.diags.Errorf(s.PosAt(r.NameOffset), "unknown-entity",
					"%s, `%s`: `entities.%s` is not an entity type: the types are %s, and the bot's list entities",
					sc.pl, key, r.Name, quoteList(append([]string{"all"}, builtinEntities...)))
				if m := diag.Suggest(r.Name, c.entityTypes()); m != "" {
					d.Suggestion = "did you mean `entities." + m + "`?"
				}
			}
		case cond.RootSecret:
			if r.Name != "" && !c.secrets[r.Name] {
				d := c.diags.Errorf(s.PosAt(r.NameOffset), "undeclared-secret",
					"%s, `%s`: `secret.%s` is not declared: add %s to the `secrets:` list of the bot header",
					sc.pl, key, r.Name, r.Name)
				if m := diag.Suggest(r.Name, c.secretNames); m != "" {
					d.Suggestion = "did you mean `secret." + m + "`?"
				}
			}
		}
	}
}

// assignTo checks the variable an ask saves to, or a set, pre or post
// assigns; name is the scalar that names it.
func (c *compiler) assignTo(name dialog.Scalar, key string, pl place) bool {
	if !name.IsSet() || name.Value == "" {
		return false
	}
	if c.vars[name.Value] == nil {
		d := c.errorf(name.Pos(), "undeclared-variable", pl,
			"`%s` assigns variable `%s`, which is not declared under `variables:`", key, name.Value)
		d.Suggestion = diag.DidYouMean(name.Value, c.varNames)
		return false
	}
	c.varUsed[name.Value] = true
	c.varWritten[name.Value] = true
	return true
}

// nullRead is a read of a variable declared null, kept for the lint pass
// (checkUnsetVariables), which runs once every write is known.
type nullRead struct {
	name    string
	pl      place
	s       dialog.Scalar
	off     int  // of the read's `vars`, in s
	guarded bool // the expression reading it allows for null
}

// exprAt returns the text of the expression that the read at offset off
// of src is part of: src itself, or the `${ }` part of template t.
func exprAt(src string, t *cond.Template, off int) string {
	if t == nil {
		return src
	}
	for _, seg := range t.Segments() {
		if seg.Expr != nil && seg.Offset <= off && off < seg.End {
			return src[seg.Offset+2 : seg.End-1]
		}
	}
	return src
}

// guarded reports whether an expression may be written to allow for null:
// it defaults (`??`), navigates safely (`?.`) or compares with nil. The
// test is textual and errs towards guarded, so that unset-variable never
// warns about a read its author already handles.
func guarded(expr string) bool {
	for _, s := range []string{"??", "?.", "nil", "null"} {
		if strings.Contains(expr, s) {
			return true
		}
	}
	return false
}
