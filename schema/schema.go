package schema

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"sort"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// ID is the schema's $id, the URL editors and validators know it by.
const ID = "https://botctl.dev/schema/bot.schema.json"

// JSON is the schema's source, as `botctl schema` prints it. It must not be
// modified.
//
//go:embed bot.schema.json
var JSON []byte

var compiled struct {
	once   sync.Once
	schema *jsonschema.Schema
	err    error
}

// Compiled returns the schema compiled for validation. It is compiled once,
// on first use; the result is safe for concurrent use.
func Compiled() (*jsonschema.Schema, error) {
	compiled.once.Do(func() {
		c := jsonschema.NewCompiler()
		c.Draft = jsonschema.Draft2020
		if err := c.AddResource(ID, bytes.NewReader(JSON)); err != nil {
			compiled.err = err
			return
		}
		compiled.schema, compiled.err = c.Compile(ID)
	})
	return compiled.schema, compiled.err
}

type object struct {
	Properties map[string]json.RawMessage `json:"properties"`
}

var parsed = sync.OnceValue(func() (doc struct {
	object
	Defs map[string]object `json:"$defs"`
}) {
	if err := json.Unmarshal(JSON, &doc); err != nil {
		panic("schema: bot.schema.json is not JSON: " + err.Error())
	}
	return doc
})

// Properties returns, sorted, the keys the schema allows in the object
// definition $defs/def, or at the top level of a bot file when def is "".
// It returns nil when the definition does not exist or has no properties.
//
// The schema is the one list of the keys of the bot language: the decoder
// in package dialog reads each part's keys from here, so a key is decoded
// if and only if the schema has it.
func Properties(def string) []string {
	doc := parsed()
	obj := doc.object
	if def != "" {
		obj = doc.Defs[def]
	}
	if len(obj.Properties) == 0 {
		return nil
	}
	keys := make([]string, 0, len(obj.Properties))
	for k := range obj.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
