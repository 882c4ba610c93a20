package schema

import (
	"bytes"
	_ "embed"
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
