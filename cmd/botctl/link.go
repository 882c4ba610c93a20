package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/botctl/botctl/engine/serve"
	"github.com/botctl/botctl/engine/server"
	"github.com/botctl/botctl/engine/store"
)

const linkLong = `Link prints a signed start link for an interaction point (see
docs/language.md, Interaction points): whoever holds it may start the
interaction, with exactly the params given, on the server that shares the
token secret, without an API key, until it expires. A changed or expired link is refused with 403.

  $ botctl link remind_me --param record_id=42 --param status=open
  http://127.0.0.1:8080/v1/interactions/remind_me/start?exp=1750000000&p.record_id=42&p.status=open&sig=...

Start the conversation by POSTing to the link (no body); the answer is the
new conversation's id, token and welcome messages, as for create:

  $ curl -X POST "$(botctl link remind_me --param record_id=42 --param status=open)"

The signature is an HMAC-SHA256, keyed with the server's token secret, over
the bot, the interaction, the params and the expiry. The secret is found as
serve finds it: BOTCTL_TOKEN_SECRET, --token-secret-file, or the
token-secret file next to the file store (--store, default
file:./botctl-data/botctl.db), which serve creates on its first start.

--bot names the bot when the server hosts several with this interaction.`

func (a *app) linkCommand() *cobra.Command {
	var (
		bot, base, storeSpec, secretFile string
		params                           []string
		ttl                              time.Duration
	)
	cmd := &cobra.Command{
		Use:   "link INTERACTION",
		Short: "Print a signed start link for an interaction",
		Long:  linkLong,
		Example: `  botctl link remind_me --param record_id=42 --ttl 1h
  BOTCTL_TOKEN_SECRET=... botctl link remind_me --bot acme-support --url https://bots.acme.example`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("link takes one INTERACTION id, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if ttl <= 0 {
				return usagef("--ttl must be positive, not %s", ttl)
			}
			p := map[string]string{}
			for _, kv := range params {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return usagef("--param takes key=value, not %q", kv)
				}
				p[k] = v
			}
			secret, _, err := serve.FindTokenSecret(a.getenv("BOTCTL_TOKEN_SECRET"), secretFile, storeSpec)
			if err != nil {
				return err
			}
			l := server.Link{Bot: bot, Interaction: args[0], Params: p, Expires: time.Now().Add(ttl)}
			fmt.Fprintln(a.stdout, strings.TrimRight(base, "/")+server.LinkPath(secret, l))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&bot, "bot", "", "the bot `NAME` the interaction belongs to")
	f.StringArrayVar(&params, "param", nil, "a param the interaction starts with, as `key=value` (repeatable)")
	f.DurationVar(&ttl, "ttl", server.DefaultLinkTTL, "how long the link is valid")
	f.StringVar(&base, "url", "http://127.0.0.1:8080", "the server's base `URL`")
	f.StringVar(&storeSpec, "store", "file:"+store.DefaultFilePath, "the server's --store, to find its token secret")
	f.StringVar(&secretFile, "token-secret-file", "", "read the token secret from `FILE`")
	return cmd
}
