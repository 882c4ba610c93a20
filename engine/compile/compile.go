// Package compile checks a bot's meaning and turns its syntax tree into the
// immutable graph of package graph.
package compile

import (
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/graph"
)

// Compile checks b and builds its graph. It reports every problem it finds;
// the graph is nil when there are errors.
func Compile(b *dialog.Bot) (*graph.Bot, diag.List) {
	return nil, nil // placeholder until the compiler lands
}
