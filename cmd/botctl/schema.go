package main

import (
	"bytes"

	"github.com/spf13/cobra"

	"github.com/botctl/botctl/schema"
)

const schemaLong = `Schema prints the JSON Schema (draft 2020-12) of a bot file, for editors
that complete and check YAML as it is typed.

With the YAML language server (VS Code's YAML extension, Neovim, Helix and
others), save it and point bot files at it with a first line such as:

  # yaml-language-server: $schema=./bot.schema.json

botctl validate checks the same schema, and much more, without it.`

const schemaExample = `  botctl schema > bot.schema.json`

func (a *app) schemaCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "schema",
		Short:   "Print the JSON Schema of bot files",
		Long:    schemaLong,
		Example: schemaExample,
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			out := schema.JSON
			if !bytes.HasSuffix(out, []byte("\n")) {
				out = append(out[:len(out):len(out)], '\n')
			}
			_, err := a.stdout.Write(out)
			return err
		},
	}
}
