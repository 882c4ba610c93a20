// Package schema holds the JSON Schema (draft 2020-12) of a bot file.
//
// Editors use it for completion, hover help and checks (see docs/editors.md;
// `botctl schema` prints it); package schemacheck validates every bot file
// against it before compiling:
//
//	sch, err := schema.Compiled()
//	if err != nil { ... }
//	err = sch.Validate(instance) // instance as encoding/json decodes it
//
// The schema checks shapes, types, enums, name patterns, unknown keys and
// required keys. Rules that relate several keys (one action per step, ask
// needs save, targets that exist) are checked by package compile.
//
// The schema is also the one list of the language's keys: Properties gives
// the keys of each part of a bot file, and package dialog decodes exactly
// those, refusing to start when its decoder table and the schema differ.
// A new key is added to bot.schema.json and to that table.
package schema
