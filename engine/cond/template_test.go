package cond

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func TestRender(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{``, ``},
		{`plain text`, `plain text`},
		{`Hi ${user.name}!`, `Hi Ann!`},
		{`${ user.name }`, `Ann`},
		{`${vars.tries}/${vars.price}`, `2/1520.5`},
		{`Order ${vars.order_number}: ${result.body.status}.`, `Order 12345: shipped.`},
		{`${ {"a": "}"}.a }`, `}`},
		{`${ "{" + '}' + "\"}" }`, `{}"}`},
		{"${ `}` }", `}`},
		{`cost: $5`, `cost: $5`},
		{`$`, `$`},
		{`$$`, `$$`},
		{`$${literal}`, `${literal}`},
		{`a $${x} b ${user.name}`, `a ${x} b Ann`},
		{`$$${user.name}`, `$${user.name}`},
		{`${vars.missing}|`, `|`},
		{`${vars.items}`, `["a","b"]`},
		{`${vars.nested}`, `{"k":{"v":7}}`},
		{`${result.ok} ${!result.ok}`, `true false`},
		{`${now()}`, `2024-05-06T07:08:09Z`},
		{`${conversation.tags}`, `["vip"]`},
		{`${1e21} ${0.0001} ${20.0} ${-0.0} ${1/3}`, `1000000000000000000000 0.0001 20 0 0.3333333333333333`},
		{`${result.headers}`, `{"Content-Type":"application/json"}`},
	}
	env := testEnv()
	for _, tt := range tests {
		tpl, errs := ParseTemplate(tt.src)
		if errs != nil {
			t.Errorf("ParseTemplate(%q): %v", tt.src, errs)
			continue
		}
		got, err := tpl.Render(env)
		if err != nil {
			t.Errorf("Render(%q): %v", tt.src, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Render(%q) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestTemplateErrors(t *testing.T) {
	tests := []struct {
		src  string
		want string // offset: code: message; ...
	}{
		{`Hi ${user.name`, "3: invalid-template: `${` is not closed: end the expression with `}` (write `$${` for a literal `${`)"},
		{`Hi ${ "}`, "3: invalid-template: `${` is not closed: end the expression with `}` (write `$${` for a literal `${`)"},
		{`${}`, "0: invalid-template: `${}` holds no expression (write `$${` for a literal `${`)"},
		{`a ${ } b`, "2: invalid-template: `${}` holds no expression (write `$${` for a literal `${`)"},
		{`Hi ${usr.name}`, "5: unknown-root: unknown name `usr`: an expression can read vars, params, user, input, answer, result, env, secret, conversation, intent, entities, event and now() (did you mean `user`?)"},
		{`${vars.a} and ${1 +}`, "18: invalid-expression: unexpected token EOF"},
		{`${foo} ${bar}`, "2: unknown-root: unknown name `foo`: an expression can read vars, params, user, input, answer, result, env, secret, conversation, intent, entities, event and now() (did you mean `now`?); " +
			"9: unknown-root: unknown name `bar`: an expression can read vars, params, user, input, answer, result, env, secret, conversation, intent, entities, event and now() (did you mean `vars`?)"},
		{`é ${result.stauts}`, "12: unknown-field: `result` has no field `stauts`; its fields are ok, status, body, headers and error (did you mean `status`?)"},
	}
	for _, tt := range tests {
		tpl, errs := ParseTemplate(tt.src)
		if tpl != nil {
			t.Errorf("ParseTemplate(%q): got a template despite errors", tt.src)
		}
		var parts []string
		for _, e := range errs {
			parts = append(parts, fmt.Sprintf("%d: %s: %s", e.Offset, e.Code, e.Error()))
		}
		if got := strings.Join(parts, "; "); got != tt.want {
			t.Errorf("ParseTemplate(%q)\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

func TestTemplateRefsAndSegments(t *testing.T) {
	src := `${env.API}/orders/${vars.order_number}?t=${secret.TOKEN}`
	tpl, errs := ParseTemplate(src)
	if errs != nil {
		t.Fatal(errs)
	}
	var refs []string
	for _, r := range tpl.Refs() {
		refs = append(refs, fmt.Sprintf("%s@%d/%d", r.Path, r.Offset, r.NameOffset))
		if !strings.HasPrefix(src[r.Offset:], r.Root) || !strings.HasPrefix(src[r.NameOffset:], r.Name) {
			t.Errorf("ref %+v does not point at its text", r)
		}
	}
	if got, want := strings.Join(refs, " "), "env.API@2/6 vars.order_number@20/25 secret.TOKEN@43/50"; got != want {
		t.Errorf("Refs = %s, want %s", got, want)
	}
	var segs []string
	for _, s := range tpl.Segments() {
		if s.Expr != nil {
			segs = append(segs, fmt.Sprintf("expr(%s)[%d:%d]", s.Expr.Source, s.Offset, s.End))
		} else {
			segs = append(segs, fmt.Sprintf("text(%s)[%d:%d]", s.Text, s.Offset, s.End))
		}
	}
	want := "expr(env.API)[0:10] text(/orders/)[10:18] expr(vars.order_number)[18:38] text(?t=)[38:41] expr(secret.TOKEN)[41:56]"
	if got := strings.Join(segs, " "); got != want {
		t.Errorf("Segments =\n %s\nwant\n %s", got, want)
	}
	if _, plain := tpl.Plain(); plain {
		t.Error("Plain() = true for a template with expressions")
	}
	p, _ := ParseTemplate("a $${b}")
	if text, plain := p.Plain(); !plain || text != "a ${b}" {
		t.Errorf("Plain() = %q, %v", text, plain)
	}
}

func TestRenderError(t *testing.T) {
	tpl, errs := ParseTemplate(`ab ${vars.a.b}`)
	if errs != nil {
		t.Fatal(errs)
	}
	_, err := tpl.Render(&Env{})
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("Render error %v is not an *Error", err)
	}
	if got, want := fmt.Sprintf("%d: %s", e.Offset, e.Msg), "12: cannot fetch b from <nil>"; got != want {
		t.Errorf("Render error = %s, want %s", got, want)
	}
}

func TestPlainRenderDoesNotAllocate(t *testing.T) {
	tpl := MustTemplate("Hello there, a plain message.")
	allocs := testing.AllocsPerRun(100, func() {
		if s, _ := tpl.Render(nil); s == "" {
			t.Fatal("empty")
		}
	})
	if allocs != 0 {
		t.Errorf("plain Render allocates %v times", allocs)
	}
}

func TestFormat(t *testing.T) {
	type named int
	tests := []struct {
		v    any
		want string
	}{
		{nil, ``},
		{"text", `text`},
		{true, `true`},
		{false, `false`},
		{20, `20`},
		{int64(-7), `-7`},
		{uint8(255), `255`},
		{20.0, `20`},
		{1520.5, `1520.5`},
		{0.0001, `0.0001`},
		{1e21, `1000000000000000000000`},
		{1e-7, `0.0000001`},
		{float32(0.1), `0.1`},
		{math.Copysign(0, -1), `0`},
		{math.NaN(), `NaN`},
		{math.Inf(1), `Infinity`},
		{math.Inf(-1), `-Infinity`},
		{named(3), `3`},
		{[]any{1, 2.5, "x", nil, true}, `[1,2.5,"x",null,true]`},
		{[]string{"a<b>", "q\"\n"}, `["a<b>","q\"\n"]`},
		{map[string]any{"b": 1e21, "a": []any{}}, `{"a":[],"b":1000000000000000000000}`},
		{map[string]string{}, `{}`},
		{[]any{math.NaN()}, `[null]`},
		{[]byte("raw"), `raw`},
		{time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), `2024-01-02T03:04:05Z`},
		{90 * time.Second, `1m30s`},
		{Result{OK: true, Status: 200}, `{"ok":true,"status":200}`},
		{map[int]string{1: "a"}, `{"1":"a"}`},
		{[]any{"\x01\xff"}, `["\u0001\ufffd"]`},
	}
	for _, tt := range tests {
		if got := Format(tt.v); got != tt.want {
			t.Errorf("Format(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
