package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/botctl/botctl/engine/scaffold"
)

const initLong = `Init creates a new bot called NAME in the directory NAME (or --dir DIR):

  bot.yaml                    the bot: a welcome, a question with validation
                              and retries, an HTTP integration and a branch
  mocks/offline.yaml          canned integration responses, for run and serve --mock
  tests/*.transcript          transcripts covering every step and rule
  README.md                   how to run, test and serve it
  .github/workflows/botctl.yml  CI: validate --strict and test --cover

The new bot passes 'botctl test' and 'botctl validate --strict' as it is.
NAME is the bot's name: lower-case letters, digits, - and _. A directory
that exists and is not empty is left alone.`

const initExample = `  botctl init support-bot
  botctl init support-bot --dir bots/support
  cd support-bot && botctl test .`

func (a *app) initCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:     "init NAME",
		Short:   "Create a new bot with tests, mocks and a CI workflow",
		Long:    initLong,
		Example: initExample,
		Args: func(cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 0:
				return usagef("init: missing NAME, the new bot's name")
			case 1:
				return nil
			}
			return usagef("init takes one NAME, got %d: %s", len(args), strings.Join(args, " "))
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := scaffold.CheckName(name); err != nil {
				return usageError{err}
			}
			if dir == "" {
				dir = name
			}
			files, err := scaffold.Create(dir, name)
			if err != nil {
				return err
			}
			for _, f := range files {
				fmt.Fprintf(a.stdout, "created %s\n", displayPath(dir+"/"+f))
			}
			fmt.Fprintf(a.stdout, "bot %s is ready: botctl test %s\n", name, displayPath(dir))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory to create the bot in (default: NAME)")
	return cmd
}
