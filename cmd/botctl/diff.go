package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/diff"
)

const diffLong = `Diff compares two versions of a bot, OLD (the one deployed) and NEW (the
one about to be), each a YAML file or a directory of them, and says which
waiting conversations a server could move from OLD to NEW.

Steps are matched by dialog and by key: a step's id, or for a step without
an id a hash of its content, so inserting a step does not disturb the
others, but editing a step without an id makes it another step. Every
difference is one line, placed in the version that has it:

  new/orders.yaml:23:9: step added: order_status.email (ask "What is your email?")
  new/orders.yaml:34:9: step moved: order_status.lookup: step 2 -> 4 (was old/orders.yaml:26:9)
  new/orders.yaml:49:9: step changed: sizes.size: choices (was old/orders.yaml:44:9)
  old/orders.yaml:34:3: dialog removed: returns

followed by every step of OLD where a conversation can be waiting (a
question, a call's result, a transfer) that
'botctl serve --on-new-version=migrate' would not move, with the reason,
and a summary:

  old/orders.yaml:44:9: cannot migrate: sizes.size (ask "Which size?"): choices changed
  4 changes; 1 waiting position cannot migrate

A waiting conversation is moved only when NEW has a step of the same dialog
and key, of the same kind, and for a question with the same text, the same
variable to save to (declared in NEW) and the same answer type, choices,
pattern or accepted file types; for a call the same integration, method and
URL; for a transfer the same target. Conversations that cannot be moved
finish on OLD.

With --format json the report is one JSON document:

  {"compatible": false, "old": {"bot": "shop", "version": "..."}, "new": {...},
   "changes": [{"change": "step-changed", "dialog": "sizes", "key": "size",
     "old": {"name": "sizes.size", "step": 1, "kind": "ask", "file": "...", "line": 44, "col": 9},
     "new": {...}, "fields": ["choices"]}],
   "unmigratable": [{"dialog": "sizes", "key": "size", "old": {...}, "new": {...},
     "reason": "choices changed"}]}

"change" is dialog-added, dialog-removed, step-added, step-removed,
step-moved or step-changed; "old" or "new" is null where the dialog or step
is not in that version. Every other field is always present.

Exit status: 0 when every waiting conversation can be moved to NEW (other
differences do not matter), 1 when some cannot, 2 when the command line is
wrong or OLD or NEW does not load (its diagnostics go to stderr), so that a
CI job can tell a breaking change from a broken bot.`

const diffExample = `  botctl diff deployed/acme-support dialogs/acme-support
  botctl diff --format json old.yaml new.yaml`

func (a *app) diffCommand() *cobra.Command {
	format := newEnum("text", "text", "json")
	cmd := &cobra.Command{
		Use:     "diff OLD NEW",
		Short:   "Compare two versions of a bot and check that waiting conversations can migrate",
		Long:    diffLong,
		Example: diffExample,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("diff takes two bot paths, OLD and NEW, got %d: %s", len(args), strings.Join(args, " "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.diff(displayPath(args[0]), displayPath(args[1]), format.value)
		},
	}
	cmd.Flags().Var(format, "format", "output format")
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords(format.words...))
	return cmd
}

// diff exits with status 2, not 1, for anything but an incompatible NEW,
// as diff(1) does, because 1 is the answer CI asks about.
func (a *app) diff(oldPath, newPath, format string) error {
	old, oldDiags := engine.Load(oldPath)
	new, newDiags := engine.Load(newPath)
	if oldDiags.HasErrors() || newDiags.HasErrors() {
		var failed diag.List // the warnings of a bot that loads are beside the point
		for _, l := range []diag.List{oldDiags, newDiags} {
			if l.HasErrors() {
				failed.Append(l)
			}
		}
		if err := a.printDiagnostics(a.stderr, failed, true); err != nil {
			return err
		}
		return exitError{exitUsage}
	}
	r := diff.Compare(old, new)
	var buf bytes.Buffer
	render := diff.Text
	if format == "json" {
		render = diff.JSON
	}
	if err := render(&buf, r); err != nil {
		return err
	}
	if _, err := a.stdout.Write(buf.Bytes()); err != nil {
		fmt.Fprintf(a.stderr, "botctl: %v\n", err)
		return exitError{exitUsage}
	}
	if !r.Compatible() {
		return exitError{exitFailure}
	}
	return nil
}
