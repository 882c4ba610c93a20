package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/botctl/botctl/engine/compile"
	"github.com/botctl/botctl/engine/terminal"
)

const runLong = `Run chats with the bot at PATH in the terminal.

On a terminal it is an interactive chat: the bot's messages in colour, buttons
as numbered choices (type the number to pick one), line editing and history.
Lines starting with / are commands:

  /vars               the conversation's variables, owner and tags
  /event NAME [k=v]   deliver a host event (agent_done, agent_escalation_failed, ...)
  /upload PATH        upload a file to a waiting file question
  /agent              type as the agent, to try a handoff in one terminal
  /restart            start a new conversation
  /quit               leave (also Ctrl-D)

With standard input from a pipe or a file, each line is one message (or
command) and the conversation is printed in the transcript line format:
"> " for the user, "< " for bot messages, "<< " for actions, ">> " for events.
So 'botctl run bot/ < script.txt' is a scriptable, deterministic run.

Integration calls go to the real services, unless --mock FILE answers them
offline: a YAML file mapping each integration's name to a list of responses
used in order (the last repeats), as in a transcript header:

  order_lookup:
    - {status: 200, body: {status: shipped}}
    - {error: timeout after 5s}

--allow-host limits real calls to the hosts listed (host, host:port,
*.domain, an address or a CIDR; repeatable), and --max-response-size caps a
response body. Calls may reach this machine (loopback) but not private,
link-local or cloud metadata addresses, unless --allow-host names them or
--allow-private-networks is given.

Declared env and secrets are read from the process environment.`

const runExample = `  botctl run dialogs/acme-support --mock dialogs/acme-support/mocks/offline.yaml
  printf 'order status\n12345\n' | botctl run dialogs/acme-support --user name=Ann`

func (a *app) runCommand() *cobra.Command {
	var (
		cfg     terminal.Config
		user    []string
		params  []string
		maxBody string
	)
	cmd := &cobra.Command{
		Use:     "run PATH",
		Short:   "Chat with a bot in the terminal",
		Long:    runLong,
		Example: runExample,
		Args:    pathArgs(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if cfg.User, err = keyValues("--user", user); err != nil {
				return usageError{err}
			}
			if cfg.Params, err = keyValues("--param", params); err != nil {
				return usageError{err}
			}
			size, ok := compile.ParseSize(maxBody)
			if !ok || size <= 0 {
				return usageError{fmt.Errorf("--max-response-size takes a size such as 1MiB or 512KB, not %q", maxBody)}
			}
			cfg.MaxResponseSize = size
			cfg.Path = displayPath(args[0])
			return a.run(cfg)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&cfg.Trace, "trace", false, "show each state transition: dialog, step, rule taken")
	f.StringVar(&cfg.Dialog, "dialog", "", "start this dialog instead of the welcome dialog")
	f.StringVar(&cfg.Mock, "mock", "", "answer integration calls from this mock `FILE`")
	f.StringArrayVar(&user, "user", nil, "a user profile field as `key=value` (repeatable)")
	f.StringArrayVar(&params, "param", nil, "a start parameter as `key=value` (repeatable)")
	f.StringArrayVar(&cfg.AllowHosts, "allow-host", nil, "allow real integration calls only to this `HOST`, address or CIDR, even if private (repeatable)")
	f.BoolVar(&cfg.AllowPrivateNetworks, "allow-private-networks", false, "let real integration calls reach private and link-local addresses, not only loopback")
	f.StringVar(&maxBody, "max-response-size", "1MiB", "the largest integration response body to accept")
	return cmd
}

func keyValues(flag string, list []string) (map[string]any, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := make(map[string]any, len(list))
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s takes key=value, not %q", flag, kv)
		}
		out[k] = v
	}
	return out, nil
}

// run chats on the terminal when both ends are one, and runs stdin as a
// script otherwise.
func (a *app) run(cfg terminal.Config) error {
	cfg.LookupEnv = os.LookupEnv
	cfg.Warn = func(msg string) { fmt.Fprintf(a.stderr, "botctl: warning: %s\n", msg) }
	cfg.Stdin, cfg.Stdout = a.stdin, a.stdout
	if in, ok := a.stdin.(*os.File); ok && term.IsTerminal(int(in.Fd())) && a.isTerminal(a.stdout) {
		cfg.Terminal, cfg.Color = in, a.useColor(a.stdout)
	}
	return a.engineError(terminal.Run(context.Background(), cfg))
}
