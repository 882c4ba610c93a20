package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/compile"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/integration"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/terminal"
	"github.com/botctl/botctl/engine/transcript"
	"github.com/botctl/botctl/engine/turn"
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
		trace    bool
		dialog   string
		mockFile string
		user     []string
		params   []string
		allow    []string
		private  bool
		maxBody  string
	)
	cmd := &cobra.Command{
		Use:     "run PATH",
		Short:   "Chat with a bot in the terminal",
		Long:    runLong,
		Example: runExample,
		Args:    pathArgs(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := keyValues("--user", user)
			if err != nil {
				return usageError{err}
			}
			p, err := keyValues("--param", params)
			if err != nil {
				return usageError{err}
			}
			size, ok := compile.ParseSize(maxBody)
			if !ok || size <= 0 {
				return usageError{fmt.Errorf("--max-response-size takes a size such as 1MiB or 512KB, not %q", maxBody)}
			}
			return a.run(displayPath(args[0]), runOptions{trace: trace, dialog: dialog, mockFile: mockFile,
				user: u, params: p, allowHosts: allow, allowPrivate: private, maxBody: size})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&trace, "trace", false, "show each state transition: dialog, step, rule taken")
	f.StringVar(&dialog, "dialog", "", "start this dialog instead of the welcome dialog")
	f.StringVar(&mockFile, "mock", "", "answer integration calls from this mock `FILE`")
	f.StringArrayVar(&user, "user", nil, "a user profile field as `key=value` (repeatable)")
	f.StringArrayVar(&params, "param", nil, "a start parameter as `key=value` (repeatable)")
	f.StringArrayVar(&allow, "allow-host", nil, "allow real integration calls only to this `HOST`, address or CIDR, even if private (repeatable)")
	f.BoolVar(&private, "allow-private-networks", false, "let real integration calls reach private and link-local addresses, not only loopback")
	f.StringVar(&maxBody, "max-response-size", "1MiB", "the largest integration response body to accept")
	return cmd
}

type runOptions struct {
	trace        bool
	dialog       string
	mockFile     string
	user, params map[string]any
	allowHosts   []string
	allowPrivate bool
	maxBody      int64
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

func (a *app) run(path string, o runOptions) error {
	bot, diags := engine.Load(path)
	if diags.HasErrors() {
		if err := a.printDiagnostics(a.stderr, diags, true); err != nil {
			return err
		}
		return exitError{exitFailure}
	}
	if o.dialog != "" && bot.Dialog(o.dialog) == nil {
		return fmt.Errorf("the bot has no dialog %q", o.dialog)
	}
	env := map[string]string{}
	for _, name := range bot.Env {
		if v, ok := os.LookupEnv(name); ok {
			env[name] = v
		}
	}
	secrets := map[string]string{}
	for _, name := range bot.Secrets {
		if v, ok := os.LookupEnv(name); ok {
			secrets[name] = v
		}
	}
	for _, name := range bot.Env {
		if _, ok := env[name]; !ok && o.mockFile == "" {
			fmt.Fprintf(a.stderr, "botctl: warning: the bot reads env.%s, which is not set in the environment\n", name)
		}
	}
	for _, name := range bot.Secrets {
		if _, ok := secrets[name]; !ok && o.mockFile == "" {
			fmt.Fprintf(a.stderr, "botctl: warning: the bot reads secret.%s, which is not set in the environment\n", name)
		}
	}
	performer, err := a.performer(bot, o, secrets)
	if err != nil {
		return err
	}
	in, interactive := a.stdin.(*os.File)
	interactive = interactive && term.IsTerminal(int(in.Fd())) && a.isTerminal(a.stdout)
	opts := terminal.Options{
		Bot: bot, Performer: performer, Env: env, Secrets: secrets,
		User: o.user, Params: o.params, Dialog: o.dialog, Trace: o.trace,
		Interactive: interactive, Color: interactive && a.useColor(a.stdout),
		Sleep: sleepCapped,
	}
	session := terminal.New(opts)
	if interactive {
		return a.chat(in, session)
	}
	return a.script(session)
}

// performer answers integration calls from the mock file, or calls the
// real services; transfers and uploads are always accepted.
func (a *app) performer(bot *graph.Bot, o runOptions, secrets map[string]string) (turn.Performer, error) {
	if o.mockFile != "" {
		set, err := mock.Load(o.mockFile)
		if err != nil {
			return nil, err
		}
		if err := transcript.CheckMocks(bot, set); err != nil {
			return nil, fmt.Errorf("%s: %v", o.mockFile, err)
		}
		return mock.NewPerformer(set), nil
	}
	client, err := integration.New(
		integration.WithAllowedHosts(o.allowHosts...),
		integration.WithMaxBody(o.maxBody),
		integration.WithSecrets(slices.Collect(maps.Values(secrets))...),
		integration.WithLoopback(true), // a developer's own services
		integration.WithPrivateNetworks(o.allowPrivate),
	)
	if err != nil {
		return nil, usageError{err}
	}
	return livePerformer{client, mock.NewPerformer(nil)}, nil
}

// livePerformer makes real integration calls and accepts transfers and
// uploads, as a terminal has no agent system or file store behind it.
type livePerformer struct {
	client *integration.Client
	rest   *mock.Performer
}

func (p livePerformer) Call(ctx context.Context, r *turn.Request) turn.CallResult {
	return p.client.Call(ctx, r)
}

func (p livePerformer) Transfer(ctx context.Context, t *turn.Transfer) error {
	return p.rest.Transfer(ctx, t)
}

func (p livePerformer) Store(ctx context.Context, f *turn.File) (string, error) {
	return p.rest.Store(ctx, f)
}

// sleepCapped waits out a step's delay, at most 3 s: long enough to show a
// pause, short enough not to stall someone trying a bot.
func sleepCapped(d time.Duration) { time.Sleep(min(d, 3*time.Second)) }

// script reads one message or command per line and prints the conversation
// in transcript form.
func (a *app) script(s *terminal.Session) error {
	w := bufio.NewWriter(a.stdout)
	defer w.Flush()
	print := func(lines []string) {
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
	}
	print(s.Start())
	r := bufio.NewReaderSize(a.stdin, 64<<10)
	for !s.Done() {
		line, tooLong, err := readLine(r, maxLine)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if tooLong {
			fmt.Fprintf(w, "# error: an input line is longer than %d KiB; it was skipped\n", maxLine>>10)
			continue
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		print(s.Handle(line))
	}
	return nil
}

// maxLine bounds one scripted input line.
const maxLine = 1 << 20

// readLine reads one line without its line ending. A line longer than max
// is consumed and reported as tooLong rather than failing the run.
func readLine(r *bufio.Reader, max int) (line string, tooLong bool, err error) {
	var b []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			if err == io.EOF && (len(b) > 0 || tooLong) {
				return string(b), tooLong, nil
			}
			return "", false, err
		}
		if !tooLong {
			b = append(b, chunk...)
			if len(b) > max {
				tooLong, b = true, nil
			}
		}
		if !isPrefix {
			return string(b), tooLong, nil
		}
	}
}

// chat runs the interactive terminal: raw mode with line editing and
// history from golang.org/x/term.
func (a *app) chat(in *os.File, s *terminal.Session) error {
	fd := int(in.Fd())
	old, err := term.MakeRaw(fd)
	if err != nil {
		return err
	}
	defer term.Restore(fd, old)
	rw := struct {
		io.Reader
		io.Writer
	}{in, a.stdout}
	t := term.NewTerminal(rw, "")
	print := func(lines []string) {
		for _, l := range lines {
			fmt.Fprint(t, l+"\r\n")
		}
	}
	print(s.Start())
	for !s.Done() {
		t.SetPrompt(s.Prompt())
		line, err := t.ReadLine()
		if err == io.EOF {
			fmt.Fprint(t, "\r\n")
			return nil
		}
		if err != nil {
			return err
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		print(s.Handle(line))
	}
	return nil
}
