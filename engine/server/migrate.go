package server

import (
	"slices"

	"github.com/botctl/botctl/engine/graph"
)

// Migratable reports whether a conversation waiting at step from of bot old
// may go on at step to of bot new, and if not, why.
func Migratable(old, new *graph.Bot, from, to *graph.Step) (bool, string) {
	switch {
	case from == nil:
		return false, "its step is not in its own version"
	case to == nil:
		return false, "its step " + from.Name() + " is not in the new version"
	case from.Kind != to.Kind:
		return false, "its step " + from.Name() + " is another kind of step in the new version"
	}
	if from.Ask == nil {
		return true, ""
	}
	a, b := from.Ask, to.Ask
	switch {
	case b == nil || a.Text.Source != b.Text.Source:
		return false, "the question of " + from.Name() + " changed"
	case a.Save != b.Save:
		return false, "the question " + from.Name() + " saves to another variable"
	case a.Type != b.Type || !slices.Equal(a.Choices, b.Choices):
		return false, "the answer type of " + from.Name() + " changed"
	}
	return true, ""
}
