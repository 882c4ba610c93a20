package main

import (
	"bytes"

	"github.com/spf13/cobra"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/graph"
)

const graphLong = `Graph prints the compiled state graph of the bot at PATH (a YAML file or a
directory of them), in Graphviz DOT (the default) or as a Mermaid flowchart.

Each dialog is a cluster. Its entry node lists what starts it (starters,
welcome, fallback, interactions); each step is a node labelled with its kind,
its id or number, and a short text (the message, the integration called, the
transfer's target); end and close are terminal nodes. Edges follow next,
goto, rules (labelled with their condition), on_fail and on_failure.

--dialog draws one dialog; steps of other dialogs it jumps to appear as
dashed nodes outside its cluster.

A bot with errors is not drawn: its diagnostics go to stderr and the exit
status is 1. Validate it first with 'botctl validate'.`

const graphExample = `  botctl graph dialogs/acme-support | dot -Tsvg > acme.svg
  botctl graph --format mermaid --dialog order_status dialogs/acme-support`

func (a *app) graphCommand() *cobra.Command {
	format := newEnum("dot", "dot", "mermaid")
	var dialog string
	cmd := &cobra.Command{
		Use:     "graph PATH",
		Short:   "Print a bot's state graph as Graphviz DOT or Mermaid",
		Long:    graphLong,
		Example: graphExample,
		Args:    pathArgs(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.graph(displayPath(args[0]), dialog, format.value)
		},
	}
	cmd.Flags().StringVar(&dialog, "dialog", "", "draw only this dialog")
	cmd.Flags().Var(format, "format", "output format")
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords(format.words...))
	return cmd
}

func (a *app) graph(path, dialog, format string) error {
	bot, diags := engine.Load(path)
	if diags.HasErrors() {
		if err := a.printDiagnostics(a.stderr, diags, true); err != nil {
			return err
		}
		return exitError{exitFailure}
	}
	render := graph.DOT
	if format == "mermaid" {
		render = graph.Mermaid
	}
	// Render in full before writing, so a failure leaves no partial graph.
	var buf bytes.Buffer
	if err := render(&buf, bot, dialog); err != nil {
		return err
	}
	_, err := a.stdout.Write(buf.Bytes())
	return err
}
