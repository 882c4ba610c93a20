// Package explore writes transcripts for a bot by walking its compiled
// state graph: `botctl explore`.
//
// The search runs the engine itself (turn.Drive) over conversations it
// builds one input at a time, choosing the inputs (answers that pass and
// fail each question, a message for each dialog's starters, the host's
// events) and the host's answers to effects (mock responses that succeed
// and fail, transfers and uploads that work and fail). It keeps those that
// reach a step, an edge (graph.Step.Edges) or an outcome nothing reached
// before, then picks a few that together reach all it found. Each is
// recorded with the transcript runner, as `botctl test --update` records
// one, and run again to check that it passes as written.
//
//	bot, _ := engine.Load("dialogs/acme-support")
//	rep, err := explore.Explore(bot, "dialogs/acme-support", "dialogs/acme-support/tests/explored", explore.Options{})
//	if err != nil { ... }
//	err = explore.Write("dialogs/acme-support/tests/explored", rep.Files, false)
//
// The search is bounded (Options) and deterministic: the same bot gives
// the same files.
package explore
