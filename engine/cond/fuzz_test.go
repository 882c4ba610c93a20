package cond

import (
	"errors"
	"testing"
)

var fuzzSeeds = []string{
	``, `plain`, `Hi ${user.name}!`, `${ {"a": "}"}.a }`, `$${x}`, `${`, `${}`, `${"}`,
	"${`x`}", `${vars.a ?? 1} and ${result.body.status}`, `${let x = 1; x}`,
	`${filter(vars.items, # > 1)}`, `${now()}`, `${$env}`, `${é}`, "\xff${\xfe}",
}

// FuzzParseTemplate checks that no template source makes ParseTemplate or
// Render panic, and that error offsets stay inside the source.
func FuzzParseTemplate(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	env := testEnv()
	f.Fuzz(func(t *testing.T, src string) {
		tpl, errs := ParseTemplate(src)
		for _, e := range errs {
			if e.Offset < 0 || e.Offset > len(src) {
				t.Fatalf("error offset %d outside %q", e.Offset, src)
			}
		}
		if tpl == nil {
			return
		}
		for _, r := range tpl.Refs() {
			if r.Offset < 0 || r.Offset > len(src) || r.NameOffset < r.Offset || r.NameOffset > len(src) {
				t.Fatalf("ref %+v outside %q", r, src)
			}
		}
		_, _ = tpl.Render(env)
	})
}

// FuzzCompile checks that no expression makes Compile or Eval panic.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{`1 +`, `vars.x == 1`, `result.stauts`, `let a = 1; a`, `now()`, `$env`,
		`map(vars.items, #index)`, `{"a": [1, 2]}.a[1:]`, `input matches "^a"`, `vars?.a?.b`, `"é" + foo`} {
		f.Add(s)
	}
	env := testEnv()
	f.Fuzz(func(t *testing.T, src string) {
		e, cerr := Compile(src)
		if cerr != nil {
			var err *Error
			if !errors.As(cerr, &err) {
				t.Fatalf("Compile(%q) = %T, want an *Error", src, cerr)
			}
			if err.Offset < 0 || err.Offset > len(src) {
				t.Fatalf("error offset %d outside %q", err.Offset, src)
			}
			return
		}
		_, _ = e.Eval(env)
		_, _ = e.Bool(env)
	})
}
