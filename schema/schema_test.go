package schema

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestJSONIsValid(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(JSON, &doc); err != nil {
		t.Fatalf("bot.schema.json is not valid JSON: %v", err)
	}
	if doc["$id"] != ID {
		t.Errorf("$id = %v, want %s", doc["$id"], ID)
	}
	if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want draft 2020-12", doc["$schema"])
	}
}

func TestCompiles(t *testing.T) {
	sch, err := Compiled()
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	again, _ := Compiled()
	if sch != again {
		t.Error("Compiled compiled the schema twice")
	}
}

// TestDescriptions asserts that every property and definition has a
// description: editors show them as hover help.
func TestDescriptions(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(JSON, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(ptr string, s map[string]any)
	walk = func(ptr string, s map[string]any) {
		props, _ := s["properties"].(map[string]any)
		for name, p := range props {
			ps, _ := p.(map[string]any)
			if d, _ := ps["description"].(string); d == "" {
				t.Errorf("%s/properties/%s has no description", ptr, name)
			}
			walk(ptr+"/properties/"+name, ps)
		}
		if ap, ok := s["additionalProperties"].(map[string]any); ok {
			if d, _ := ap["description"].(string); d == "" {
				if _, ref := ap["$ref"]; !ref {
					t.Errorf("%s/additionalProperties has no description", ptr)
				}
			}
		}
	}
	walk("#", doc)
	defs, _ := doc["$defs"].(map[string]any)
	for name, d := range defs {
		ds, _ := d.(map[string]any)
		if desc, _ := ds["description"].(string); desc == "" {
			t.Errorf("#/$defs/%s has no description", name)
		}
		walk("#/$defs/"+name, ds)
	}
}

// TestInstances validates a few instances directly, as encoding/json
// decodes them, to pin the shapes the schema accepts.
func TestInstances(t *testing.T) {
	sch, err := Compiled()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		doc   string
		valid bool
	}{
		{`{}`, true},
		{`{"botctl": 1, "bot": {"name": "acme"}}`, true},
		{`{"botctl": 2}`, false},
		{`{"bot": {}}`, false},
		{`{"dialogs": {"a": {"steps": ["end", "close", {"say": ["a", 1, true]}]}}}`, true},
		{`{"dialogs": {"a": {"steps": ["ned"]}}}`, false},
		{`{"dialogs": {"a": {"steps": [{"sya": "x"}]}}}`, false},
		{`{"dialogs": {"a": {"starters": ["x", 1, {"regex": "a"}, {"event": "e"}, {"pattern": "p*"}]}}}`, true},
		{`{"dialogs": {"a": {"starters": [{"regex": "a", "event": "e"}]}}}`, false},
		{`{"dialogs": {"a": {"steps": [{"branch": [{"when": "x", "goto": "y"}, {"else": "z"}]}]}}}`, true},
		{`{"dialogs": {"a": {"steps": [{"branch": [{"when": "x"}]}]}}}`, false},
		{`{"dialogs": {"a": {"steps": [{"end": null}, {"close": true}]}}}`, true},
		{`{"dialogs": {"a": {"steps": [{"end": false}]}}}`, false},
		{`{"dialogs": {"1a": {}}}`, false},
		{`{"variables": {"a-b": 1}}`, false},
		{`{"variables": {"a": {"deep": [1, {"x": null}]}}}`, true},
		{`{"integrations": {"x": {"url": "u", "body": {"any": ["thing", 1]}}}}`, true},
		{`{"integrations": {"x": {"method": "GET"}}}`, false},
		{`{"interactions": [{"id": "a", "point": "p", "dialog": "d"}]}`, true},
		{`{"interactions": [{"id": "a", "point": "p"}]}`, false},
		{`{"nlu": {"threshold": "auto", "disambiguate": true}}`, true},
		{`{"nlu": {"threshold": 0.5, "disambiguate": {"text": "Which?", "margin": 0.2}}}`, true},
		{`{"nlu": {"threshold": 1.5}}`, false},
		{`{"nlu": {"threshold": "high"}}`, false},
		{`{"intents": {"yes": {"examples": ["yes please"]}}}`, true},
		{`{"intents": {"refund": {}}}`, false},
		{`{"entities": {"plan": {"values": {"business": ["firm"], "personal": null}}}}`, true},
		{`{"dialogs": {"d": {"starters": [{"intent": "refund"}], "steps": ["end"]}}}`, true},
	}
	for _, tt := range tests {
		d := json.NewDecoder(strings.NewReader(tt.doc))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("%s: %v", tt.doc, err)
		}
		err := sch.Validate(v)
		if (err == nil) != tt.valid {
			t.Errorf("%s: valid = %v, want %v (%v)", tt.doc, err == nil, tt.valid, err)
		}
	}
}

func TestProperties(t *testing.T) {
	tests := []struct {
		def  string
		want []string
	}{
		{"", []string{"bot", "botctl", "dialogs", "entities", "integrations", "intents", "interactions", "llm", "nlu", "variables"}},
		{"rule", []string{"else", "goto", "when"}},
		{"starter", []string{"event", "intent", "pattern", "regex"}},
		{"nlu", []string{"disambiguate", "out_of_scope", "threshold"}},
		{"text", nil},    // not an object
		{"nothing", nil}, // no such definition
	}
	for _, tt := range tests {
		if got := Properties(tt.def); !slices.Equal(got, tt.want) {
			t.Errorf("Properties(%q) = %q, want %q", tt.def, got, tt.want)
		}
	}
}
