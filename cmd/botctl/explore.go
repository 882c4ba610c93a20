package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/explore"
)

const exploreLong = `Explore walks the compiled state graph of the bot at PATH and writes
transcripts into --out that between them reach every step and edge they can.

It tries, for each question, answers that pass and answers that fail (from
the question's type, its choices or pattern, and the values its validate and
rules compare the answer with), and enough wrong ones to use up its
attempts; for each integration call, a mock response that succeeds, ones
that carry the values the bot's rules compare the response with, and a
failure; transfers that go through and that cannot be requested, followed
by the host's agent_done and agent_escalation_failed; uploads of accepted,
refused and too large files; and a message for each dialog's starters.

Each conversation runs through the engine: the bot's lines in the files are
what it did, recorded as 'botctl test --update' records them, and every
file is run again to check that it passes as written. The files are the
same on every run for the same bot: commit them, review them as you would a
hand-written transcript, and keep, rename or delete them as you like. Each
starts with a comment saying what it reaches.

The summary counts the bot's steps and the edges out of them (next, goto,
rules, branch entries, on_fail, on_failure) that the files reach, and lists
those they miss.

Existing files in --out are not overwritten unless --force is given.

Exit status: 0 when the files were written, 1 when the bot does not compile
or a file cannot be written, 2 when the command line is wrong.`

const exploreExample = `  botctl explore dialogs/acme-support --out dialogs/acme-support/tests/explored
  botctl test dialogs/acme-support/tests/explored`

func (a *app) exploreCommand() *cobra.Command {
	var out string
	var force bool
	var opts explore.Options
	cmd := &cobra.Command{
		Use:     "explore PATH --out DIR",
		Short:   "Write transcripts that reach every step and edge of a bot",
		Long:    exploreLong,
		Example: exploreExample,
		Args:    pathArgs(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("explore needs --out DIR, the directory to write transcripts into")
			}
			return a.explore(displayPath(args[0]), displayPath(out), force, opts)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory to write the transcripts into")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite existing files")
	cmd.Flags().IntVar(&opts.MaxDepth, "max-inputs", 0, "most inputs in one transcript (default 20)")
	cmd.Flags().IntVar(&opts.MaxRuns, "max-turns", 0, "most turns the search may run (default 5000)")
	return cmd
}

func (a *app) explore(path, out string, force bool, opts explore.Options) error {
	bot, diags := engine.Load(path)
	if diags.HasErrors() {
		if err := a.printDiagnostics(a.stderr, diags, true); err != nil {
			return err
		}
		return exitError{exitFailure}
	}
	rep, err := explore.Explore(bot, path, out, opts)
	if err != nil {
		return err
	}
	if err := explore.Write(out, rep.Files, force); err != nil {
		return err
	}
	for _, f := range rep.Files {
		fmt.Fprintf(a.stdout, "wrote %s\n", displayPath(out+"/"+f.Name))
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(a.stdout, "note: %s\n", n)
	}
	fmt.Fprintf(a.stdout, "explored bot %s: %d transcripts, %d/%d steps, %d/%d edges (%.1f%%)\n",
		bot.Name, len(rep.Files), rep.StepsHit, rep.Steps, rep.EdgesHit, rep.Edges, rep.Percent())
	if len(rep.Missed) > 0 {
		fmt.Fprintf(a.stdout, "not reached:\n")
		for _, m := range rep.Missed {
			fmt.Fprintf(a.stdout, "  %s\n", m)
		}
	}
	return nil
}
