// Command clincbot writes the CLINC150 data set as a bot, for `botctl nlu
// test` to score:
//
//	go run ./engine/internal/tools/clincbot -data ../shared/nlu/clinc150 -out /tmp/clinc150
//	botctl nlu test /tmp/clinc150 --data ../shared/nlu/clinc150/val.jsonl --data ../shared/nlu/clinc150/val_oos.jsonl
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/botctl/botctl/engine/internal/clinc"
)

func main() {
	data := flag.String("data", "../shared/nlu/clinc150", "directory of the CLINC150 JSON Lines files")
	out := flag.String("out", "", "directory to write bot.yaml to")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "clincbot: -out DIR is required")
		os.Exit(2)
	}
	if err := clinc.WriteBot(*data, *out); err != nil {
		fmt.Fprintln(os.Stderr, "clincbot:", err)
		os.Exit(1)
	}
}
