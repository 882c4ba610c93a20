package main

import (
	"bytes"
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/nlu"
	"github.com/botctl/botctl/engine/nlutest"
)

const nluLong = `Nlu measures how well the intents of the bot at PATH are recognised.

'nlu test' trains the bot's classifier and scores it on labelled messages:
JSON Lines files, one {"text": "...", "intent": "name"} a line, with
"intent": null for a message the bot should find out of scope. It reports
in_scope_accuracy (the share of in-scope messages given their intent),
out_of_scope_recall (the share of out-of-scope messages found so), each
intent's precision, recall and F1, the most confused pairs, train_seconds
and the classification latency (p50, p99).

'nlu cross-validate' splits the bot's own examples into k folds, trains on
all but one and scores on that one, k times, and reports the same figures.`

func (a *app) nluCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "nlu",
		Short: "Measure how well a bot recognises its intents",
		Long:  nluLong,
		Args:  noArgs,
	}
	var data []string
	testFormat := newEnum("text", "text", "json")
	test := &cobra.Command{
		Use:     "test PATH --data FILE",
		Short:   "Score the bot's intent classifier on labelled messages",
		Long:    nluLong,
		Example: "  botctl nlu test dialogs/acme-support --data testdata/nlu/acme.jsonl\n  botctl nlu test bot/ --data val.jsonl --data val_oos.jsonl --format json",
		Args:    pathArgs(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(data) == 0 {
				return usagef("nlu test needs --data FILE: labelled messages, one JSON object a line")
			}
			return a.nlu(displayPath(args[0]), testFormat.value, func(l *graph.Bot) (nlu.Report, error) {
				return nlutest.Test(l, data...)
			})
		},
	}
	test.Flags().StringArrayVar(&data, "data", nil, "a JSON Lines file of labelled messages (repeatable)")
	test.Flags().Var(testFormat, "format", "output format")
	_ = test.RegisterFlagCompletionFunc("format", completeWords(testFormat.words...))

	var folds int
	cvFormat := newEnum("text", "text", "json")
	cv := &cobra.Command{
		Use:     "cross-validate PATH",
		Short:   "Score the bot's intent classifier by k-fold cross-validation on its own examples",
		Long:    nluLong,
		Example: "  botctl nlu cross-validate dialogs/acme-support --folds 5",
		Args:    pathArgs(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			if folds < 2 {
				return usagef("--folds %d: cross-validation needs at least 2 folds", folds)
			}
			return a.nlu(displayPath(args[0]), cvFormat.value, func(l *graph.Bot) (nlu.Report, error) {
				return nlutest.CrossValidate(l, folds)
			})
		},
	}
	cv.Flags().IntVar(&folds, "folds", 5, "number of folds")
	cv.Flags().Var(cvFormat, "format", "output format")
	_ = cv.RegisterFlagCompletionFunc("format", completeWords(cvFormat.words...))
	cmd.AddCommand(test, cv)
	return cmd
}

func (a *app) nlu(path, format string, measure func(*graph.Bot) (nlu.Report, error)) error {
	bot, diags := engine.Load(path)
	if diags.HasErrors() {
		if err := a.printDiagnostics(a.stderr, diags, true); err != nil {
			return err
		}
		return exitError{exitFailure}
	}
	r, err := measure(bot)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if format == "json" {
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		err = enc.Encode(r)
	} else {
		err = r.WriteText(&buf)
	}
	if err != nil {
		return err
	}
	_, err = a.stdout.Write(buf.Bytes())
	return err
}
