// Package schemacheck validates a bot file against the JSON Schema (package
// schema) and reports each violation at the YAML node it is about, in the
// author's terms:
//
//	dialogs/acme.yaml:14:7: error[unknown-key]: step 3 of dialog order_status: unknown key "sav" (did you mean `save`?)
//
// The validator's raw output is a tree of causes located by JSON pointers.
// Check walks it, keeps one diagnostic per real problem (for a oneOf or
// anyOf, only the alternative whose type matches what was written), maps
// each pointer back to its yaml.Node (the key node for an unknown key or a
// bad name, the mapping for a missing key) and rewrites the message.
//
// Usage, per parsed file, before compiling:
//
//	f, diags := load.Parse(name, src)
//	diags.Append(schemacheck.Check(f))
//
// The schema checks shapes only. Rules that relate several keys or refer to
// other parts of the bot are package compile's, which must not report a
// shape problem again.
package schemacheck
