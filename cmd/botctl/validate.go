package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/fatih/color"
	"github.com/spf13/cobra"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/graph"
)

const validateLong = `Validate checks each bot named on the command line: its YAML, the JSON
Schema of the language, and its meaning (targets, expressions, templates,
variables, integrations, reachability). Each PATH is a bot: one YAML file, or
a directory whose *.yaml and *.yml files are merged.

Every problem is reported with its place, followed by the source line and a
caret under the column:

  dialogs/acme/order.yaml:14:15: error: step 2 of dialog order_status: no step or dialog named ` + "`confrim`" + `
    14 |       - goto: confrim
       |               ^
    help: did you mean ` + "`confirm`" + `?

A bot without errors is reported as ok with its size, and the report ends
with a count of all errors and warnings. Warnings (unreachable steps, unused
variables and integrations, dialogs nothing starts) do not fail validation
unless --strict is given.

With --format json the report is one JSON document instead:

  {"diagnostics": [{"file": "bot.yaml", "line": 14, "col": 15,
    "severity": "error", "code": "unknown-target", "message": "...",
    "suggestion": "did you mean ` + "`confirm`" + `?"}], "errors": 1, "warnings": 0}

Every field is always present; an unknown line or column is 0.

Exit status: 0 when every bot is valid, 1 when any has errors (or warnings,
with --strict), 2 when the command line is wrong.`

const validateExample = `  botctl validate dialogs/acme-support
  botctl validate dialogs/*
  botctl validate --strict --format json bot.yaml`

func (a *app) validateCommand() *cobra.Command {
	format := newEnum("text", "text", "json")
	var strict bool
	cmd := &cobra.Command{
		Use:     "validate PATH...",
		Short:   "Check bots for errors and warnings",
		Long:    validateLong,
		Example: validateExample,
		Args:    pathArgs(true),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.validate(args, format.value, strict)
		},
	}
	cmd.Flags().Var(format, "format", "output format")
	cmd.Flags().BoolVar(&strict, "strict", false, "fail on warnings too")
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords(format.words...))
	return cmd
}

// loaded is one bot of a validate run.
type loaded struct {
	path  string
	bot   *graph.Bot
	diags diag.List
}

func (a *app) validate(paths []string, format string, strict bool) error {
	var bots []loaded
	var all diag.List
	for _, p := range paths {
		p = displayPath(p)
		bot, diags := engine.Load(p)
		bots = append(bots, loaded{path: p, bot: bot, diags: diags})
		all.Append(diags)
	}
	failed := all.HasErrors() || strict && all.Count(diag.Warning) > 0

	var err error
	if format == "json" {
		err = diag.JSON(a.stdout, all)
	} else {
		err = a.validateText(a.stdout, bots, all, strict)
	}
	if err != nil {
		return err
	}
	if failed {
		return exitError{exitFailure}
	}
	return nil
}

// validateText writes each bot's diagnostics followed, for a bot that
// passed, by a line such as "dialogs/acme: ok (4 dialogs, 23 steps)"; then
// the count of everything.
func (a *app) validateText(w io.Writer, bots []loaded, all diag.List, strict bool) error {
	on := a.useColor(w)
	w = colorWriter(w, on)
	ok := paint(on, color.FgGreen, color.Bold)
	opts := diag.TextOptions{Color: on, Sources: sources()}
	for _, b := range bots {
		if err := diag.Text(w, b.diags, opts); err != nil {
			return err
		}
		if b.diags.HasErrors() || strict && b.diags.Count(diag.Warning) > 0 {
			continue
		}
		if _, err := fmt.Fprintf(w, "%s: %s%s\n", b.path, ok("ok"), size(b.bot)); err != nil {
			return err
		}
	}
	summary := diag.Summary(all)
	if strict && !all.HasErrors() && all.Count(diag.Warning) > 0 {
		summary += " (--strict: warnings fail)"
	}
	_, err := fmt.Fprintln(w, summary)
	return err
}

// size describes a compiled bot as " (4 dialogs, 23 steps)".
func size(b *graph.Bot) string {
	if b == nil {
		return ""
	}
	steps := 0
	for _, d := range b.Dialogs {
		steps += len(d.Steps)
	}
	return " (" + count(len(b.Dialogs), "dialog") + ", " + count(steps, "step") + ")"
}

func count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
