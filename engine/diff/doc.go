// Package diff compares two compiled versions of a bot, step by step, and
// says which conversations a deployment of the new version could carry
// over. `botctl diff` prints its Report; the server applies its Migratable
// rule when it is told to move waiting conversations to a new version
// (`botctl serve --on-new-version=migrate`), so the two always agree.
//
// Steps are matched by dialog name and graph.Step.Key — a step's id, or for
// a step without one a hash of its content — never by their position, which
// inserting a step elsewhere changes:
//
//	old, diags := engine.Load("deployed/acme")
//	...
//	new, diags := engine.Load("dialogs/acme")
//	...
//	r := diff.Compare(old, new)
//	diff.Text(os.Stdout, r)
//	if !r.Compatible() {
//		// some conversations will finish on the deployed version
//	}
//
// A Report is plain data: Text renders it for people and JSON for tools.
package diff
