package turn

import "testing"

func TestRedactorForms(t *testing.T) {
	r := NewRedactor("a b&c", "", "a b&c", "xyz")
	got := r.Redact(`raw a b&c, query a+b%26c, path a%20b&c, quoted "a b&c", xyz, none`)
	want := `raw [redacted], query [redacted], path [redacted], quoted "[redacted]", [redacted], none`
	if got != want {
		t.Errorf("Redact = %q\nwant %q", got, want)
	}
	if NewRedactor("", "") != nil {
		t.Error("NewRedactor with only empty values is not nil")
	}
	var none *Redactor
	if none.Redact("x") != "x" || none.Value(map[string]any{"a": 1}) == nil {
		t.Error("a nil Redactor changed something")
	}
	v := r.Value(map[string]any{"xyz": []any{"token xyz", 3}})
	if m, ok := v.(map[string]any); !ok || len(m) != 1 || m["[redacted]"].([]any)[0] != "token [redacted]" {
		t.Errorf("Value = %#v", v)
	}
}

func TestRedactorResult(t *testing.T) {
	r := NewRedactor("tok")
	in := CallResult{Status: 200, Error: "bad tok", Body: map[string]any{"t": "tok"}, Headers: map[string]string{"X-Echo": "Bearer tok"}}
	got := r.Result(in)
	if got.Error != "bad [redacted]" || got.Body.(map[string]any)["t"] != "[redacted]" || got.Headers["X-Echo"] != "Bearer [redacted]" || got.Status != 200 {
		t.Errorf("Result = %+v", got)
	}
	if in.Headers["X-Echo"] != "Bearer tok" || in.Body.(map[string]any)["t"] != "tok" {
		t.Errorf("Result changed its argument: %+v", in)
	}
}

func TestRedactTwice(t *testing.T) {
	r := NewRedactor("act", "tok")
	once := r.Redact("act tok")
	if once != "[redacted] [redacted]" || r.Redact(once) != once {
		t.Errorf("Redact = %q, then %q", once, r.Redact(once))
	}
}
