// Package mock answers a bot's integration calls, transfers and uploads
// offline, from canned responses: the `mocks:` of a transcript header, or
// the file given to `botctl run --mock` and `botctl serve --mock`.
//
// The format maps an integration's name to a list of responses, used in
// order; the last one repeats:
//
//	order_lookup:
//	  - {status: 200, body: {status: shipped}}
//	  - {error: timeout}
package mock

import (
	"context"
	"fmt"
	"maps"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/internal/yamlpos"
	"github.com/botctl/botctl/engine/turn"
)

// Response is one canned integration response. With Error set, the call
// failed before a response (a timeout, a refused connection) and Status is
// ignored.
type Response struct {
	Status  int               `yaml:"status" json:"status,omitempty"`
	Body    any               `yaml:"body" json:"body,omitempty"`
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`
	Error   string            `yaml:"error" json:"error,omitempty"`
}

// Result converts r into the result a call gives the engine.
func (r Response) Result() turn.CallResult {
	if r.Error != "" {
		return turn.CallResult{Error: r.Error}
	}
	status := r.Status
	if status == 0 {
		status = 200
	}
	return turn.CallResult{Status: status, Body: r.Body, Headers: r.Headers}
}

// Set maps integration names to their responses.
type Set map[string][]Response

// Parse decodes a mock set from YAML (or JSON) source. Errors name the
// line of the problem.
func Parse(src []byte) (Set, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		e := yamlpos.Locate(src, err)
		return nil, fmt.Errorf("invalid YAML: line %d: %s", e.Line, e.Msg)
	}
	if len(root.Content) == 0 {
		return Set{}, nil
	}
	return FromNode(root.Content[0])
}

// Error is a mock set that does not decode, with the line of the problem.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

func errorf(line int, format string, args ...any) *Error {
	return &Error{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// FromNode decodes a mock set from a YAML node, as found in a transcript
// header. Its errors are *Error.
func FromNode(n *yaml.Node) (Set, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return Set{}, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, errorf(n.Line, "mocks must map integration names to lists of responses")
	}
	set := Set{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == LLM {
			if err := set.addLLM(v); err != nil {
				return nil, err
			}
			continue
		}
		var items []*yaml.Node
		switch v.Kind {
		case yaml.SequenceNode:
			items = v.Content
		case yaml.MappingNode:
			items = []*yaml.Node{v} // one response, written without a list
		default:
			return nil, errorf(v.Line, "mocks for %q must be a list of responses like {status: 200, body: {...}}", k.Value)
		}
		if len(items) == 0 {
			return nil, errorf(v.Line, "mocks for %q: the list is empty", k.Value)
		}
		for _, item := range items {
			r, err := response(item)
			if err != nil {
				return nil, errorf(item.Line, "mocks for %q: %v", k.Value, err)
			}
			set[k.Value] = append(set[k.Value], r)
		}
	}
	return set, nil
}

func response(n *yaml.Node) (Response, error) {
	var r Response
	if n.Kind != yaml.MappingNode {
		return r, fmt.Errorf("a response is a mapping like {status: 200, body: {...}} or {error: timeout}")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "status":
			s, err := strconv.Atoi(v.Value)
			if err != nil || v.Kind != yaml.ScalarNode || s < 100 || s > 599 {
				return r, fmt.Errorf("status must be an HTTP status code (100-599), not %q", v.Value)
			}
			r.Status = s
		case "body":
			r.Body = dialog.Value(v)
		case "headers":
			if err := v.Decode(&r.Headers); err != nil {
				return r, fmt.Errorf("headers must map names to text")
			}
		case "error":
			if v.Kind != yaml.ScalarNode || v.Value == "" {
				return r, fmt.Errorf("error must be a text such as timeout")
			}
			r.Error = v.Value
		default:
			return r, fmt.Errorf("unknown key %q (a response has status, body, headers and error)", k.Value)
		}
	}
	return r, nil
}

// Load reads a mock file.
func Load(path string) (Set, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	set, err := Parse(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return set, nil
}

// Answer returns the result of call number n (0 for the first) to the
// integration name: its n-th mock, or the last one when there are fewer.
// A call with no mock is a failed call whose error names the integration.
// It only reads s: a host that keeps its own count of calls — per
// conversation, as `botctl serve --mock` does — answers from one Set
// without a Performer.
func (s Set) Answer(name string, n int) turn.CallResult {
	list := s[name]
	if len(list) == 0 {
		return turn.CallResult{Error: fmt.Sprintf("no mock for integration %q; mocks are given for: %s", name, s.names())}
	}
	return list[min(max(n, 0), len(list)-1)].Result()
}

// Performer performs effects from a Set: calls get their mocks in order
// (the last repeats), transfers are always requested, and uploads are
// stored under ids upload-1, upload-2, ... It counts calls across
// everything it answers, so it is for one conversation (a transcript,
// `botctl run --mock`), and it records every call in Calls. It is safe
// for concurrent use.
type Performer struct {
	mu      sync.Mutex
	set     Set
	used    map[string]int
	uploads int
	// Calls records every call made, in order, with the response given.
	Calls []Call
}

// Call is one call a Performer answered.
type Call struct {
	Integration string
	Request     *turn.Request
	Response    turn.CallResult
}

// NewPerformer returns a Performer answering from set.
func NewPerformer(set Set) *Performer {
	return &Performer{set: set, used: map[string]int{}}
}

// Call answers req with the integration's next mock. A call with no mock is
// a failed call whose error names the integration.
func (p *Performer) Call(_ context.Context, req *turn.Request) turn.CallResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	name := req.Integration.Name
	if req.Integration.LLM != nil && len(p.set[name]) == 0 {
		name = LLM // the answers every model shares
	}
	res := p.set.Answer(name, p.used[name])
	if len(p.set[name]) > 0 {
		p.used[name]++
	}
	p.Calls = append(p.Calls, Call{Integration: name, Request: req, Response: res})
	return res
}

func (s Set) names() string {
	names := sorted(maps.Keys(s))
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func sorted(seq func(func(string) bool)) []string {
	var out []string
	seq(func(s string) bool { out = append(out, s); return true })
	sort.Strings(out)
	return out
}

// Missing reports whether the call to integration name had no mock.
func (c Call) Missing() bool { return strings.HasPrefix(c.Response.Error, "no mock for integration") }

// Transfer accepts every transfer request.
func (p *Performer) Transfer(context.Context, *turn.Transfer) error { return nil }

// Store accepts every file and names it upload-N.
func (p *Performer) Store(context.Context, *turn.File) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.uploads++
	return "upload-" + strconv.Itoa(p.uploads), nil
}
