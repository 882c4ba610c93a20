// Package nlutest measures how well a bot's intents are recognised: on
// labelled messages the author supplies (Test), or on the bot's own
// examples by k-fold cross-validation (CrossValidate). It is what `botctl
// nlu` runs.
package nlutest

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/nlu"
)

// ErrNoIntents is returned for a bot that declares no intents.
var ErrNoIntents = errors.New("the bot declares no intents: nothing to measure")

// Test trains the bot's classifier afresh, to time it, and scores it on
// the labelled messages of the JSON Lines files in data.
func Test(bot *graph.Bot, data ...string) (nlu.Report, error) {
	if bot.NLU == nil {
		return nlu.Report{}, ErrNoIntents
	}
	if len(data) == 0 {
		return nlu.Report{}, errors.New("no data: name a JSON Lines file of labelled messages with --data")
	}
	var all []nlu.Labeled
	for _, path := range data {
		l, err := readFile(path)
		if err == nil {
			err = checkIntents(bot, l)
		}
		if err != nil {
			return nlu.Report{}, fmt.Errorf("%s: %w", path, err)
		}
		all = append(all, l...)
	}
	start := time.Now()
	m, err := nlu.Train(bot.Training.Intents, bot.Training.Options)
	if err != nil {
		return nlu.Report{}, err
	}
	secs := time.Since(start).Seconds()
	r := nlu.Evaluate(m, all)
	r.TrainSeconds = secs
	return r, nil
}

// CrossValidate scores the bot's classifier by k-fold cross-validation on
// its own examples.
func CrossValidate(bot *graph.Bot, k int) (nlu.Report, error) {
	if bot.NLU == nil {
		return nlu.Report{}, ErrNoIntents
	}
	if k < 2 {
		return nlu.Report{}, fmt.Errorf("--folds %d: cross-validation needs at least 2 folds", k)
	}
	return nlu.CrossValidate(bot.Training.Intents, bot.Training.Options, k)
}

func readFile(path string) ([]nlu.Labeled, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	l, err := nlu.ReadJSONL(f)
	if err != nil {
		return nil, err
	}
	if len(l) == 0 {
		return nil, errors.New("no labelled messages")
	}
	return l, nil
}

// checkIntents refuses data labelled with an intent the bot does not
// declare: a typo there would otherwise count as the classifier's error.
func checkIntents(bot *graph.Bot, data []nlu.Labeled) error {
	known := map[string]bool{}
	for _, in := range bot.Intents {
		known[in.Name] = true
	}
	for _, l := range data {
		if l.Intent != "" && !known[l.Intent] {
			err := fmt.Errorf("%q is labelled %q, an intent the bot does not declare", l.Text, l.Intent)
			if s := diag.Suggest(l.Intent, names(bot)); s != "" {
				err = fmt.Errorf("%w (did you mean %q?)", err, s)
			}
			return err
		}
	}
	return nil
}

func names(bot *graph.Bot) []string {
	n := make([]string, len(bot.Intents))
	for i, in := range bot.Intents {
		n[i] = in.Name
	}
	return n
}
