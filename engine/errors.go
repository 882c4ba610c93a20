package engine

import "github.com/botctl/botctl/engine/diag"

// LoadError is the error of a host (serve, run, bench) whose bots do not
// compile. It carries every diagnostic found, so that the caller prints
// them as it prints diagnostics (with snippets and colour, say) rather
// than as one line of error text.
type LoadError struct{ Diags diag.List }

func (e *LoadError) Error() string {
	if err := e.Diags.Err(); err != nil {
		return err.Error()
	}
	return "the bot does not compile"
}

// ConfigError is a setting the caller got wrong (on a command line, a
// flag's value), as opposed to a failure of the bot or the system: botctl
// answers it with its usage status and a pointer to the help.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }
