package cond

import "testing"

func benchEnv() *Env {
	return &Env{
		Vars:   map[string]any{"tries": 2, "order_number": "12345", "price": 1520.5},
		User:   map[string]any{"name": "Ann"},
		Result: Result{OK: true, Status: 200},
	}
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Compile(`vars.tries + 1 > 3 && result.status < 300`); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalBool(b *testing.B) {
	e, _ := CompileBool(`vars.tries < 3 && result.status < 300`)
	env := benchEnv()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if ok, err := e.Bool(env); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkEvalString(b *testing.B) {
	e, _ := Compile(`vars.order_number`)
	env := benchEnv()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Eval(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderPlain(b *testing.B) {
	t := MustTemplate("What is your order number?")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := t.Render(nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	t := MustTemplate("Hi ${user.name}, order ${vars.order_number} costs ${vars.price} (try ${vars.tries}).")
	env := benchEnv()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := t.Render(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderParallel(b *testing.B) {
	t := MustTemplate("Hi ${user.name}, order ${vars.order_number}.")
	env := benchEnv()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := t.Render(env); err != nil {
				b.Fatal(err)
			}
		}
	})
}
