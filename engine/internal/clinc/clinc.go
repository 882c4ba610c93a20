// Package clinc turns the CLINC150 intent data set (Larson et al., EMNLP
// 2019) into a bot: one intent and one dialog per CLINC intent, the
// out-of-scope training messages as nlu.out_of_scope, threshold auto. The
// bot is what `botctl nlu test` measures on the validation split.
package clinc

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/botctl/botctl/engine/nlu"
)

// Files of the data set that WriteBot reads and that a test scores.
const (
	Train    = "train.jsonl"
	TrainOOS = "train_oos.jsonl"
	Val      = "val.jsonl"
	ValOOS   = "val_oos.jsonl"
)

// WriteBot writes the bot made of the training files in dataDir to
// outDir/bot.yaml.
func WriteBot(dataDir, outDir string) error {
	train, err := read(filepath.Join(dataDir, Train))
	if err != nil {
		return err
	}
	oos, err := read(filepath.Join(dataDir, TrainOOS))
	if err != nil {
		return err
	}
	examples := map[string][]string{}
	for _, l := range train {
		if l.Intent == "" {
			return fmt.Errorf("%s: %q has no intent", Train, l.Text)
		}
		examples[l.Intent] = append(examples[l.Intent], l.Text)
	}
	names := make([]string, 0, len(examples))
	for n := range examples {
		names = append(names, n)
	}
	sort.Strings(names)

	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(outDir, "bot.yaml"))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "# Generated from CLINC150 (CC BY 3.0) by engine/internal/tools/clincbot.\n")
	fmt.Fprintf(w, "botctl: 1\nbot:\n  name: clinc150\n  fallback: out_of_scope\nnlu:\n  threshold: auto\n  out_of_scope:\n")
	for _, l := range oos {
		fmt.Fprintf(w, "    - %s\n", strconv.Quote(l.Text))
	}
	fmt.Fprintf(w, "intents:\n")
	for _, n := range names {
		fmt.Fprintf(w, "  %s:\n    examples:\n", strconv.Quote(n))
		for _, e := range examples[n] {
			fmt.Fprintf(w, "      - %s\n", strconv.Quote(e))
		}
	}
	fmt.Fprintf(w, "dialogs:\n  out_of_scope:\n    steps:\n      - say: \"Sorry, I can't help with that.\"\n")
	for _, n := range names {
		fmt.Fprintf(w, "  %s:\n    starters: [{intent: %s}]\n    steps:\n      - say: %s\n",
			strconv.Quote(n), strconv.Quote(n), strconv.Quote("Intent "+n+"."))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func read(path string) ([]nlu.Labeled, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	l, err := nlu.ReadJSONL(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}
