package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// openAPIDoc is the part of the OpenAPI document the tests read.
type openAPIDoc struct {
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

type operation struct {
	OperationID string `json:"operationId"`
	RequestBody *struct {
		Content map[string]mediaType `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]mediaType `json:"content"`
	} `json:"responses"`
}

type mediaType struct {
	Schema  map[string]any  `json:"schema"`
	Example json.RawMessage `json:"example"`
}

func readOpenAPI(t *testing.T) (openAPIDoc, map[string]operation) {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	ops := map[string]operation{} // "METHOD /path"
	for path, item := range doc.Paths {
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			var op operation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return doc, ops
}

// docs/openapi.json is the document the server embeds.
func TestOpenAPIInDocs(t *testing.T) {
	docs, err := os.ReadFile("../../docs/openapi.json")
	if *update {
		if err := os.WriteFile("../../docs/openapi.json", OpenAPI, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err != nil || !bytes.Equal(docs, OpenAPI) {
		t.Errorf("docs/openapi.json differs from engine/server/openapi.json (%v); go test ./engine/server -update copies it", err)
	}
	e := newEnv(t)
	r := e.do("GET", "/v1/openapi.json", "", nil).want(t, 200)
	if !bytes.Equal(r.body, OpenAPI) {
		t.Errorf("/v1/openapi.json is not the embedded document")
	}
}

// Every route of the server is documented, and every documented route
// exists.
func TestOpenAPIRoutes(t *testing.T) {
	_, ops := readOpenAPI(t)
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for k := range ops {
		documented = append(documented, k)
	}
	sort.Strings(documented)
	routes := s.Routes()
	sort.Strings(routes)
	if !slices.Equal(documented, routes) {
		t.Errorf("documented routes:\n%s\nserved routes:\n%s", strings.Join(documented, "\n"), strings.Join(routes, "\n"))
	}
	names := map[string]string{}
	for _, rt := range s.routes {
		names[rt.pattern()] = rt.name
	}
	for k, op := range ops {
		if names[k] != "" && op.OperationID != names[k] {
			t.Errorf("%s: operationId %q, the route is %q", k, op.OperationID, names[k])
		}
	}
}

// requestTypes and responseTypes are the Go types of the JSON bodies, by
// operationId.
var requestTypes = map[string]func() any{
	"create":   func() any { return new(CreateRequest) },
	"complete": func() any { return new(TextRequest) },
	"send":     func() any { return new(TextRequest) },
	"receive":  func() any { return new(ReceiveRequest) },
	"events":   func() any { return new(EventRequest) },
	"token":    func() any { return new(TokenRequest) },
	"start":    func() any { return new(StartRequest) },
}

var responseTypes = map[string]func() any{
	"create":       func() any { return new(CreateResponse) },
	"get":          func() any { return new(ConversationResponse) },
	"complete":     func() any { return new(TurnResponse) },
	"send":         func() any { return new(SendResponse) },
	"receive":      func() any { return new(ReceiveResponse) },
	"events":       func() any { return new(TurnResponse) },
	"token":        func() any { return new(TokenResponse) },
	"interactions": func() any { return new(InteractionsResponse) },
	"start":        func() any { return new(CreateResponse) },
	"healthz":      func() any { return new(map[string]string) },
	"readyz":       func() any { return new(map[string]string) },
	"list":         func() any { return new(ListResponse) },
	"erase_user":   func() any { return new(EraseResponse) },
}

func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// schemas compiles the document's schemas for validating bodies.
func schemas(t *testing.T) *jsonschema.Compiler {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource("openapi.json", bytes.NewReader(OpenAPI)); err != nil {
		t.Fatal(err)
	}
	return c
}

// validate checks data against a media type's schema.
func validate(t *testing.T, c *jsonschema.Compiler, what string, mt mediaType, data []byte) {
	t.Helper()
	ref, _ := mt.Schema["$ref"].(string)
	if ref == "" {
		return
	}
	sch, err := c.Compile("openapi.json" + ref)
	if err != nil {
		t.Fatalf("%s: compiling %s: %v", what, ref, err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s does not fit its schema %s: %v\n%s", what, ref, err, data)
	}
}

// Every example in the document is a body the server takes or gives: it
// decodes into the Go type (no unknown field) and fits its schema.
func TestOpenAPIExamples(t *testing.T) {
	_, ops := readOpenAPI(t)
	c := schemas(t)
	for key, op := range ops {
		if op.RequestBody != nil {
			mt, ok := op.RequestBody.Content["application/json"]
			if ok {
				if len(mt.Example) == 0 {
					t.Errorf("%s: the JSON request body has no example", key)
				} else if err := decodeJSON(mt.Example, requestTypes[op.OperationID]()); err != nil {
					t.Errorf("%s: the request example does not decode: %v", key, err)
				}
				validate(t, c, key+" request example", mt, mt.Example)
			}
		}
		for status, resp := range op.Responses {
			mt, ok := resp.Content["application/json"]
			if !ok || op.OperationID == "openapi" {
				continue
			}
			what := key + " " + status
			if len(mt.Example) == 0 {
				t.Errorf("%s: no example", what)
				continue
			}
			validate(t, c, what+" example", mt, mt.Example)
			if status[0] == '2' {
				if err := strictDecode(mt.Example, responseTypes[op.OperationID]()); err != nil {
					t.Errorf("%s: the example does not decode: %v", what, err)
				}
				continue
			}
			var eb errorBody
			if err := strictDecode(mt.Example, &eb); err != nil || eb.Error == nil {
				t.Errorf("%s: the error example does not decode: %v", what, err)
				continue
			}
			if s, ok := codeStatus[eb.Error.Code]; !ok || strings.TrimSpace(status) != itoa(s) {
				t.Errorf("%s: example code %q has status %d", what, eb.Error.Code, s)
			}
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// The Error schema lists exactly the codes the server uses.
func TestOpenAPIErrorCodes(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas struct {
				Error struct {
					Properties struct {
						Error struct {
							Properties struct {
								Code struct {
									Enum []string `json:"enum"`
								} `json:"code"`
							} `json:"properties"`
						} `json:"error"`
					} `json:"properties"`
				} `json:"Error"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Components.Schemas.Error.Properties.Error.Properties.Code.Enum
	var want []string
	for code := range codeStatus {
		want = append(want, code)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("documented codes %v\nserver codes %v", got, want)
	}
}

// Real answers fit the document: a short conversation over every route,
// each JSON answer validated against the schema of its status.
func TestOpenAPIMatchesAnswers(t *testing.T) {
	_, ops := readOpenAPI(t)
	c := schemas(t)
	e := newEnv(t)
	check := func(key string, r response) {
		t.Helper()
		op, ok := ops[key]
		if !ok {
			t.Fatalf("%s is not documented", key)
		}
		resp, ok := op.Responses[itoa(r.status)]
		if !ok {
			t.Errorf("%s answered %d, which is not documented: %s", key, r.status, r.body)
			return
		}
		if mt, ok := resp.Content["application/json"]; ok {
			validate(t, c, key+" answer", mt, r.body)
		}
	}
	var cr CreateResponse
	r := e.do("POST", "/v1/conversations", adminKey, map[string]any{"bot": "shop", "user": map[string]string{"name": "Ann"}})
	check("POST /v1/conversations", r)
	r.decode(t, &cr)
	id := "/v1/conversations/" + cr.ID
	check("POST /v1/conversations/{id}/complete", e.do("POST", id+"/complete", cr.Token, `{"text": "receipt"}`))
	check("POST /v1/conversations/{id}/events", e.upload(cr.ID, cr.Token, "r.pdf", "application/pdf", []byte("%PDF-")))
	check("POST /v1/conversations/{id}/complete", e.do("POST", id+"/complete", cr.Token, `{"text": "agent"}`))
	check("POST /v1/conversations/{id}/events", e.do("POST", id+"/events", cr.Token, `{"type": "agent_done"}`))
	check("POST /v1/conversations/{id}/events", e.do("POST", id+"/events", cr.Token, `{"type": "agent_done"}`))
	check("POST /v1/conversations/{id}/send", e.do("POST", id+"/send", cr.Token, `{"text": "order"}`))
	check("POST /v1/conversations/{id}/receive", e.do("POST", id+"/receive", cr.Token, `{"wait": 1}`))
	check("POST /v1/conversations/{id}/token", e.do("POST", id+"/token", adminKey, nil))
	check("GET /v1/conversations/{id}", e.do("GET", id, adminKey, nil))
	check("GET /v1/conversations/{id}/transcript", e.do("GET", id+"/transcript", adminKey, nil))
	var list InteractionsResponse
	r = e.do("GET", "/v1/interactions?point=record:1&p.status=open&p.record_id=1", adminKey, nil)
	check("GET /v1/interactions", r)
	r.decode(t, &list)
	check("POST /v1/interactions/{id}/start", e.do("POST", list.Interactions[0].Link, "", nil))
	check("POST /v1/interactions/{id}/start", e.do("POST", "/v1/interactions/remind_me/start", adminKey, `{"params": {"status": "no"}}`))
	check("GET /v1/conversations", e.do("GET", "/v1/conversations?limit=1", adminKey, nil))
	check("GET /v1/conversations", e.do("GET", "/v1/conversations?limit=0", adminKey, nil))
	check("GET /v1/conversations", e.do("GET", "/v1/conversations", cr.Token, nil))
	check("DELETE /v1/users/{id}", e.do("DELETE", "/v1/users/nobody", adminKey, nil))
	check("DELETE /v1/conversations/{id}", e.do("DELETE", "/v1/conversations/nope", adminKey, nil))
	check("GET /healthz", e.do("GET", "/healthz", "", nil))
	check("GET /readyz", e.do("GET", "/readyz", "", nil))
	check("GET /metrics", e.do("GET", "/metrics", "", nil))
	check("POST /v1/conversations/{id}/complete", e.do("POST", id+"/complete", "", `{"text": "hi"}`))
	check("POST /v1/conversations/{id}/complete", e.do("POST", id+"/complete", cr.Token, `{"txt": "hi"}`))
	check("GET /v1/conversations/{id}", e.do("GET", "/v1/conversations/nope", adminKey, nil))
	check("POST /v1/conversations/{id}/receive", e.do("POST", id+"/receive", cr.Token, `{"after": 1000}`))
	check("POST /v1/conversations/{id}/complete", e.do("POST", id+"/complete", cr.Token, `{"text": "a"}`, "Idempotency-Key", "k"))
	check("POST /v1/conversations/{id}/complete", e.do("POST", id+"/complete", cr.Token, `{"text": "b"}`, "Idempotency-Key", "k"))
	check("POST /v1/conversations/{id}/send", e.do("POST", id+"/send", cr.Token, `{"text": "a"}`, "Idempotency-Key", "s"))
	check("POST /v1/conversations/{id}/send", e.do("POST", id+"/send", cr.Token, `{"text": "b"}`, "Idempotency-Key", "s"))
	check("POST /v1/conversations/{id}/events", e.do("POST", id+"/events", cr.Token, `{"type": "x"}`, "Idempotency-Key", "k"))
	check("POST /v1/conversations/{id}/events", e.do("POST", id+"/events", cr.Token, `{"type": "y"}`, "Idempotency-Key", "k"))
	check("DELETE /v1/conversations/{id}", e.do("DELETE", id, cr.Token, nil))
	check("DELETE /v1/conversations/{id}", e.do("DELETE", id, adminKey, nil))
	last := e.create(nil)
	e.s.BeginDrain()
	check("GET /readyz", e.do("GET", "/readyz", "", nil))
	check("POST /v1/conversations", e.do("POST", "/v1/conversations", adminKey, `{"bot": "shop"}`))
	check("POST /v1/conversations/{id}/receive", e.do("POST", "/v1/conversations/"+last.ID+"/receive", last.Token, fmt.Sprintf(`{"wait": 1, "after": %d}`, last.Cursor)))
}
