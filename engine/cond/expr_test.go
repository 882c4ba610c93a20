package cond

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func testEnv() *Env {
	return &Env{
		Vars: map[string]any{
			"order_number": "12345",
			"tries":        2,
			"price":        1520.5,
			"items":        []any{"a", "b"},
			"nested":       map[string]any{"k": map[string]any{"v": 7}},
		},
		Params: map[string]any{"status": "open"},
		User:   map[string]any{"name": "Ann"},
		Input:  "héllo",
		Answer: 90001,
		Result: Result{OK: true, Status: 200, Body: map[string]any{"status": "shipped"},
			Headers: map[string]string{"Content-Type": "application/json"}},
		Env:          map[string]string{"ORDERS_API": "http://orders.test"},
		Secret:       map[string]string{"TOKEN": "s3cret"},
		Conversation: Conversation{ID: "c1", Turn: 3, Owner: "bot", Tags: []string{"vip"}},
		Now:          func() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC) },
	}
}

func TestEval(t *testing.T) {
	tests := []struct {
		src  string
		want string // fmt %#v of the value
	}{
		{`vars.tries + 1`, `3`},
		{`vars.order_number`, `"12345"`},
		{`vars["order_number"]`, `"12345"`},
		{`vars.nested.k.v * 2`, `14`},
		{`len(vars.items)`, `2`},
		{`upper(user.name)`, `"ANN"`},
		{`params.status == "open"`, `true`},
		{`input`, `"héllo"`},
		{`answer > 90000`, `true`},
		{`result.ok && result.status < 300`, `true`},
		{`result.body.status`, `"shipped"`},
		{`result.headers["Content-Type"]`, `"application/json"`},
		{`env.ORDERS_API + "/orders"`, `"http://orders.test/orders"`},
		{`secret.TOKEN`, `"s3cret"`},
		{`conversation.turn`, `3`},
		{`conversation.owner`, `"bot"`},
		{`"vip" in conversation.tags`, `true`},
		{`now().Year()`, `2024`},
		{`let t = vars.tries; t * t`, `4`},
		{`filter(vars.items, # != "a")`, `[]interface {}{"b"}`},
		{`vars.missing ?? "none"`, `"none"`},
		{`vars.missing == nil`, `true`},
		{`true`, `true`},
		{`42`, `42`},
	}
	env := testEnv()
	for _, tt := range tests {
		e, cerr := Compile(tt.src)
		if cerr != nil {
			t.Errorf("Compile(%q): %v", tt.src, cerr)
			continue
		}
		got, err := e.Eval(env)
		if err != nil {
			t.Errorf("Eval(%q): %v", tt.src, err)
			continue
		}
		if s := fmt.Sprintf("%#v", got); s != tt.want {
			t.Errorf("Eval(%q) = %s, want %s", tt.src, s, tt.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		src  string
		bool bool
		want string // offset: code: message (suggestion)
	}{
		{`1 +`, false, `2: invalid-expression: unexpected token EOF`},
		{`vars.x ==`, false, `8: invalid-expression: unexpected token EOF`},
		{`foo`, false, "0: unknown-root: unknown name `foo`: an expression can read vars, params, user, input, answer, result, env, secret, conversation, intent, entities, event and now() (did you mean `now`?)"},
		{`var.x == 1`, false, "0: unknown-root: unknown name `var`: an expression can read vars, params, user, input, answer, result, env, secret, conversation, intent, entities, event and now() (did you mean `vars`?)"},
		{`vars.a && inptu == "x"`, false, "10: unknown-root: unknown name `inptu`: an expression can read vars, params, user, input, answer, result, env, secret, conversation, intent, entities, event and now() (did you mean `input`?)"},
		{`"é" + foo`, false, "7: unknown-root: unknown name `foo`: an expression can read vars, params, user, input, answer, result, env, secret, conversation, intent, entities, event and now() (did you mean `now`?)"},
		{`result.stauts < 300`, false, "7: unknown-field: `result` has no field `stauts`; its fields are ok, status, body, headers and error (did you mean `status`?)"},
		{`conversation.owners`, false, "13: unknown-field: `conversation` has no field `owners`; its fields are id, started_at, turn, owner and tags (did you mean `owner`?)"},
		{`result.status == "a"`, false, `14: invalid-expression: invalid operation: == (mismatched types int and string)`},
		{`result + 1`, false, `7: invalid-expression: invalid operation: + (mismatched types result and int)`},
		{`$env.vars`, false, "0: unknown-root: `$env` is not available; read vars, params, user, input, answer, result, env, secret, conversation, intent, entities, event and now() directly"},
		{`now`, false, "0: invalid-expression: `now` is a function: write now()"},
		{`vars()`, false, "0: invalid-expression: `vars` is not a function"},
		{`lenn(vars.items)`, false, "0: unknown-root: unknown function `lenn()` (did you mean `len`?)"},
		{`let x = 1; x + y`, false, "15: unknown-root: unknown name `y`: an expression can read vars, params, user, input, answer, result, env, secret, conversation, intent, entities, event and now()"},
		{``, false, `0: invalid-expression: the expression is empty`},
		{`   `, false, `0: invalid-expression: the expression is empty`},
		{`result.status`, true, `0: not-boolean: a condition must be true or false, but this expression gives a number`},
		{`input + "x"`, true, `0: not-boolean: a condition must be true or false, but this expression gives a text`},
		{`"a" 'b'`, false, `4: invalid-expression: unexpected token String("b")`},
	}
	for _, tt := range tests {
		compile := Compile
		if tt.bool {
			compile = CompileBool
		}
		_, cerr := compile(tt.src)
		var err *Error
		if !errors.As(cerr, &err) {
			t.Errorf("Compile(%q) = %v, want an *Error %s", tt.src, cerr, tt.want)
			continue
		}
		got := fmt.Sprintf("%d: %s: %s", err.Offset, err.Code, err.Error())
		if got != tt.want {
			t.Errorf("Compile(%q)\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

// TestCompileNilError: an expression that compiles gives an error that is
// nil as an error, so that a caller may return it or keep it as one.
func TestCompileNilError(t *testing.T) {
	for name, compile := range map[string]func(string) (*Expr, error){"Compile": Compile, "CompileBool": CompileBool} {
		e, err := compile("vars.n > 1")
		if err != nil || e == nil {
			t.Errorf("%s = %v, %#v; want an expression and a nil error", name, e, err)
		}
		if e, err = compile("vars.n >"); e != nil || err == nil {
			t.Errorf("%s of a broken expression = %v, %v; want no expression and an error", name, e, err)
		}
	}
}

func TestCompileBoolAcceptsUnknownTypes(t *testing.T) {
	for _, src := range []string{`vars.flag`, `answer`, `result.ok`, `vars.a > 1 || input == ""`} {
		if _, err := CompileBool(src); err != nil {
			t.Errorf("CompileBool(%q): %v", src, err)
		}
	}
}

func TestBool(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{`vars.tries >= 2`, `true`},
		{`vars.order_number`, "error: the condition `vars.order_number` gave the text \"12345\", not true or false"},
		{`vars.missing`, "error: the condition `vars.missing` gave nothing (nil), not true or false"},
		{`vars.tries`, "error: the condition `vars.tries` gave a number (2), not true or false"},
		{`vars.items`, "error: the condition `vars.items` gave a list ([\"a\",\"b\"]), not true or false"},
	}
	env := testEnv()
	for _, tt := range tests {
		e, cerr := Compile(tt.src)
		if cerr != nil {
			t.Fatalf("Compile(%q): %v", tt.src, cerr)
		}
		b, err := e.Bool(env)
		got := fmt.Sprint(b)
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != tt.want {
			t.Errorf("Bool(%q)\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	tests := []struct {
		src  string
		env  *Env
		want string
	}{
		{`now().Year() > 2000`, &Env{}, "0: runtime: now() is not available: the host set no clock"},
		{`vars.a.b`, nil, "7: runtime: cannot fetch b from <nil>"},
		{`vars.x + 1`, &Env{Vars: map[string]any{"x": "a"}}, `7: runtime: invalid operation: string + int`},
	}
	for _, tt := range tests {
		e, cerr := Compile(tt.src)
		if cerr != nil {
			t.Fatalf("Compile(%q): %v", tt.src, cerr)
		}
		_, err := e.Eval(tt.env)
		if err == nil {
			t.Errorf("Eval(%q): no error", tt.src)
			continue
		}
		ce := err.(*Error)
		if got := fmt.Sprintf("%d: %s: %s", ce.Offset, ce.Code, ce.Msg); got != tt.want {
			t.Errorf("Eval(%q)\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

func TestRefs(t *testing.T) {
	tests := []struct {
		src  string
		want string // root name path offset nameOffset; ...
	}{
		{`vars.order_number`, `vars order_number vars.order_number 0 5`},
		{`env.ORDERS_API + "/" + secret.TOKEN`, `env ORDERS_API env.ORDERS_API 0 4; secret TOKEN secret.TOKEN 23 30`},
		{`answer > 9 && result.body.status == "x"`, `answer - answer 0 0; result body result.body.status 14 21`},
		{`vars["a b"].c`, `vars a b vars.a b.c 0 5`},
		{`vars[input]`, `input - input 5 5; vars - vars 0 0`},
		{`let x = vars.a; x + now().Day()`, `vars a vars.a 8 13; now - now 20 20`},
		{`"é" + user.name`, `user name user.name 7 12`},
		{`filter(vars.items, .price > params.min)`, `vars items vars.items 7 12; params min params.min 28 35`},
		{`conversation.tags[0]`, `conversation tags conversation.tags 0 13`},
		{`upper(input)`, `input - input 6 6`},
	}
	for _, tt := range tests {
		e, cerr := Compile(tt.src)
		if cerr != nil {
			t.Fatalf("Compile(%q): %v", tt.src, cerr)
		}
		var parts []string
		for _, r := range e.Refs() {
			name := r.Name
			if name == "" {
				name = "-"
			}
			parts = append(parts, fmt.Sprintf("%s %s %s %d %d", r.Root, name, r.Path, r.Offset, r.NameOffset))
		}
		if got := strings.Join(parts, "; "); got != tt.want {
			t.Errorf("Refs(%q)\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

func TestExprConcurrent(t *testing.T) {
	e, cerr := Compile(`vars.n * 2`)
	if cerr != nil {
		t.Fatal(cerr)
	}
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func(g int) {
			env := &Env{Vars: map[string]any{"n": g}}
			for i := 0; i < 1000; i++ {
				v, err := e.Eval(env)
				if err != nil || v != g*2 {
					done <- fmt.Errorf("goroutine %d: got %v, %v", g, v, err)
					return
				}
			}
			done <- nil
		}(g)
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
