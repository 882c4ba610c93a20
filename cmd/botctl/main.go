// Command botctl checks, draws, runs and serves chat bots written in the
// botctl dialog language. See the README and docs/ for the language, and
// `botctl help` for the commands.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/diag"
)

func main() { os.Exit(Main()) }

// Exit codes of botctl.
const (
	exitOK      = 0 // success (a bot with warnings only validates)
	exitFailure = 1 // the bot has errors, or the command could not do its job
	exitUsage   = 2 // the command line is wrong
)

// Main runs botctl with the process's arguments and standard streams and
// returns its exit code.
func Main() int {
	return run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
}

// run builds the command tree and runs it. Every error is printed here, once,
// to stderr as "botctl: ...", and turned into an exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	app := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, isTerminal: isTerminal, color: colorAuto}
	root := app.rootCommand()
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return exitOK
	}
	var exit exitError
	if errors.As(err, &exit) {
		return exit.code
	}
	fmt.Fprintf(stderr, "botctl: %v\n", err)
	var usage usageError
	if errors.As(err, &usage) || !app.started {
		if cmd == nil {
			cmd = root
		}
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return exitUsage
	}
	return exitFailure
}

// app holds what every command shares: the output streams, the environment
// and the global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	isTerminal     func(io.Writer) bool
	color          colorMode

	// started is set once cobra has parsed the flags and checked the
	// arguments of a command and is about to run it: an error before that
	// is a usage error.
	started bool
}

const rootLong = `botctl checks, tests, runs and serves chat bots written in the botctl
dialog language, and draws their state graphs.

A bot is one YAML file, or a directory whose *.yaml and *.yml files are
merged; exactly one file carries the bot: header. Commands that take a PATH
accept either.

Exit status: 0 on success, 1 when a bot has errors (or, with validate
--strict, warnings) or a command fails, 2 when the command line is wrong.
diff differs: 1 when a new version breaks migration, 2 when a bot does not
load.

Colour is used on a terminal unless NO_COLOR is set (https://no-color.org)
or TERM is dumb; --color=always or --color=never decides instead.`

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "botctl",
		Short:         "Check, test, run, serve and draw chat bots written in the botctl dialog language",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          unknownCommand,
		RunE:          func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		PersistentPreRunE: func(*cobra.Command, []string) error {
			a.started = true
			return nil
		},
	}
	// --version prints what botctl version prints.
	root.Version = currentVersion()
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().Var(&a.color, "color", "when to colour output")
	_ = root.RegisterFlagCompletionFunc("color", completeWords(colorModes...))
	root.AddCommand(
		a.initCommand(),
		a.validateCommand(),
		a.runCommand(),
		a.testCommand(),
		a.graphCommand(),
		a.nluCommand(),
		a.exploreCommand(),
		a.diffCommand(),
		a.schemaCommand(),
		a.serveCommand(),
		a.benchCommand(),
		a.linkCommand(),
		a.conversationsCommand(),
		a.versionCommand(),
	)
	return root
}

// usageError is a mistake on the command line; it exits with status 2 and
// a pointer to the command's help.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// engineError turns the errors of the engine's hosts into botctl's: a
// bot that does not compile prints its diagnostics and exits with status
// 1; a wrong setting is a usage error.
func (a *app) engineError(err error) error {
	var load *engine.LoadError
	if errors.As(err, &load) {
		if err := a.printDiagnostics(a.stderr, load.Diags, true); err != nil {
			return err
		}
		return exitError{exitFailure}
	}
	var config *engine.ConfigError
	if errors.As(err, &config) {
		return usageError{config.Err}
	}
	return err
}

// exitError ends botctl with a status after the command has already
// reported why (diagnostics, for example), so nothing more is printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// pathArgs checks the PATH arguments of a command: at least one, and only
// one unless many is set.
func pathArgs(many bool) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return usagef("%s: missing PATH (a bot file or directory)", cmd.Name())
		case !many && len(args) > 1:
			return usagef("%s takes one PATH, got %d: %s", cmd.Name(), len(args), strings.Join(args, " "))
		}
		return nil
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %s", cmd.Name(), strings.Join(args, " "))
	}
	return nil
}

// unknownCommand rejects the arguments of the root command, which only a
// mistyped command name reaches.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	if s := diag.DidYouMean(args[0], names); s != "" {
		return usagef("unknown command %q; %s", args[0], s)
	}
	return usagef("unknown command %q", args[0])
}
