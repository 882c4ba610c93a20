package mock

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/turn"
)

func TestParse(t *testing.T) {
	set, err := Parse([]byte(`
order_lookup:
  - {status: 200, body: {status: shipped, eta: 3}}
  - {error: timeout}
callback: {status: 503, headers: {Retry-After: "5"}}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := Set{
		"order_lookup": {
			{Status: 200, Body: map[string]any{"status": "shipped", "eta": 3}},
			{Error: "timeout"},
		},
		"callback": {{Status: 503, Headers: map[string]string{"Retry-After": "5"}}},
	}
	if !reflect.DeepEqual(set, want) {
		t.Errorf("Parse = %#v\nwant %#v", set, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"a: [", "invalid YAML: line 1: did not find expected node content"},
		{"- 1", "line 1: mocks must map integration names to lists of responses"},
		{"a: 3", `line 1: mocks for "a" must be a list of responses like {status: 200, body: {...}}`},
		{"a: []", `line 1: mocks for "a": the list is empty`},
		{"a: [{status: 99}]", `line 1: mocks for "a": status must be an HTTP status code (100-599), not "99"`},
		{"a: [{satus: 200}]", `line 1: mocks for "a": unknown key "satus" (a response has status, body, headers and error)`},
		{"a: [5]", `line 1: mocks for "a": a response is a mapping like {status: 200, body: {...}} or {error: timeout}`},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.src))
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q) error = %v, want %s", tt.src, err, tt.want)
		}
	}
}

func TestPerformerOrderAndRepeat(t *testing.T) {
	p := NewPerformer(Set{"a": {{Status: 200}, {Status: 404}}})
	req := &turn.Request{Integration: &graph.Integration{Name: "a"}}
	var got []int
	for range 4 {
		got = append(got, p.Call(context.Background(), req).Status)
	}
	if !reflect.DeepEqual(got, []int{200, 404, 404, 404}) {
		t.Errorf("statuses = %v", got)
	}
	r := p.Call(context.Background(), &turn.Request{Integration: &graph.Integration{Name: "b"}})
	if !strings.Contains(r.Error, `no mock for integration "b"; mocks are given for: a`) || !p.Calls[len(p.Calls)-1].Missing() {
		t.Errorf("missing mock: %+v", r)
	}
	if id, _ := p.Store(context.Background(), &turn.File{}); id != "upload-1" {
		t.Errorf("id = %q", id)
	}
}

// TestSetAnswer checks the answer to each call by its number: the mocks in
// order, the last repeating, and a failed call for an integration with none.
func TestSetAnswer(t *testing.T) {
	set := Set{"a": {{Status: 201, Body: "first"}, {Error: "timeout"}}, "c": {{Body: "ok"}}}
	tests := []struct {
		name string
		n    int
		want turn.CallResult
	}{
		{"a", 0, turn.CallResult{Status: 201, Body: "first"}},
		{"a", 1, turn.CallResult{Error: "timeout"}},
		{"a", 2, turn.CallResult{Error: "timeout"}},
		{"a", 99, turn.CallResult{Error: "timeout"}},
		{"a", -1, turn.CallResult{Status: 201, Body: "first"}},
		{"c", 3, turn.CallResult{Status: 200, Body: "ok"}},
		{"b", 0, turn.CallResult{Error: `no mock for integration "b"; mocks are given for: a, c`}},
	}
	for _, tt := range tests {
		if got := set.Answer(tt.name, tt.n); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Answer(%q, %d) = %+v, want %+v", tt.name, tt.n, got, tt.want)
		}
	}
	empty := Set{}
	if got, want := empty.Answer("b", 0).Error, `no mock for integration "b"; mocks are given for: none`; got != want {
		t.Errorf("empty set: %q, want %q", got, want)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("a: [{status: 200, body: {x: [1, 2]}}]"))
	f.Add([]byte("a: &x [*x]"))
	f.Fuzz(func(t *testing.T, src []byte) {
		Parse(src)
	})
}
