package compile

import (
	"strconv"
	"time"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/duration"
	"github.com/botctl/botctl/engine/internal/limits"
)

// checkFormat requires `botctl:` in the file that carries the header. Its
// value (1) is the schema's to check.
func (c *compiler) checkFormat() {
	h := c.tree.Header
	if h == nil || c.tree.Format.IsSet() {
		return
	}
	pos := diag.Pos{Line: 1, Col: 1}
	if h.File != nil {
		pos.File = h.File.Path
	}
	c.diags.Errorf(pos, "missing-format",
		"the file with the `bot:` header must start with `botctl: 1`, the version of the bot language it is written in")
}

// declareVariables records the declared variables, env and secret names.
func (c *compiler) declareVariables() {
	for _, v := range c.tree.Variables {
		name := v.Name.Value
		if !v.Name.IsSet() || c.vars[name] != nil {
			continue // load.Merge reports names defined twice
		}
		c.vars[name] = v
		c.varNames = append(c.varNames, name)
		c.bot.Variables = append(c.bot.Variables, graph.Variable{Name: name, Initial: v.Value})
		if isTrue(v.Sensitive) {
			c.sensitive[name] = true
		}
	}
	h := c.tree.Header
	if h == nil {
		return
	}
	for _, s := range h.Env {
		if s.Value != "" && !c.envs[s.Value] {
			c.envs[s.Value] = true
			c.envNames = append(c.envNames, s.Value)
		}
	}
	for _, s := range h.Secrets {
		if s.Value != "" && !c.secrets[s.Value] {
			c.secrets[s.Value] = true
			c.secretNames = append(c.secretNames, s.Value)
		}
	}
	c.bot.Env = c.envNames
	c.bot.Secrets = c.secretNames
	c.checkStateSize()
}

// checkStateSize refuses initial values that alone make a conversation's
// state larger than a store accepts: no conversation could be stored. It
// counts a lower bound of the encoded size (text before escaping), so it
// never refuses a bot a store would take, and stops counting at the limit,
// so that aliases repeating a long text cost nothing to measure.
func (c *compiler) checkStateSize() {
	n := 0
	for _, name := range c.varNames {
		v := c.vars[name]
		n += len(name) + len(`"":,`) + jsonSize(v.Value, limits.MaxState-n)
		if n > limits.MaxState {
			c.diags.Errorf(v.Name.Pos(), "state-too-large",
				"the initial values under `variables:` take more than %d MiB once encoded (passing `%s`), the largest conversation state a store accepts; start large variables empty and fill them while the conversation runs",
				limits.MaxState>>20, name)
			return
		}
	}
}

// jsonSize returns at least the number of bytes v takes encoded as JSON,
// counting no further than past budget.
func jsonSize(v any, budget int) int {
	switch v := v.(type) {
	case string:
		return len(v) + 2
	case []any:
		n := 2
		for _, e := range v {
			if n > budget {
				break
			}
			n += jsonSize(e, budget-n) + 1
		}
		return n
	case map[string]any:
		n := 2
		for k, e := range v {
			if n > budget {
				break
			}
			n += len(k) + len(`"":,`) + jsonSize(e, budget-n)
		}
		return n
	case nil:
		return len("null")
	}
	return 1 // a number or a boolean: at least one digit or letter
}

var (
	defaultErrorMessage          = cond.MustTemplate(DefaultErrorMessage)
	defaultTransferFailedMessage = cond.MustTemplate(DefaultTransferFailedMessage)
)

// compileHeader compiles the bot-wide settings.
func (c *compiler) compileHeader() {
	b := c.bot
	b.ErrorMessage = defaultErrorMessage
	b.TransferFailedMessage = defaultTransferFailedMessage
	b.MaxTransferAttempts = DefaultMaxTransferAttempts
	h := c.tree.Header
	if h == nil {
		return
	}
	b.Name = h.Name.Value
	b.Description = h.Description.Value
	sc := scope{pl: place{kind: headerPlace}}
	if t := c.template(h.ErrorMessage, "error_message", sc); t != nil {
		b.ErrorMessage = t
	}
	if t := c.template(h.TransferFailedMessage, "transfer_failed_message", sc); t != nil {
		b.TransferFailedMessage = t
	}
	if n, ok := positiveInt(h.MaxTransferAttempts); ok {
		b.MaxTransferAttempts = n
	}
	c.compileInactivity(h)
}

// compileInactivity reads `inactivity:`: limits in increasing order, each
// firing once per silence.
func (c *compiler) compileInactivity(h *dialog.Header) {
	pl := place{kind: headerPlace}
	var last time.Duration
	for _, s := range h.Inactivity {
		d, ok := c.timerDuration(s, "inactivity", pl)
		if !ok {
			continue
		}
		if d <= last {
			c.errorf(s.Pos(), "invalid-duration", pl,
				"the limits of `inactivity` go from the shortest to the longest, and %s is not longer than %s", s.Value, duration.Format(last))
			continue
		}
		last = d
		c.bot.Inactivity = append(c.bot.Inactivity, d)
	}
}

// positiveInt reads an integer >= 1; anything else is the schema's to report.
func positiveInt(s dialog.Scalar) (int, bool) {
	if !s.IsSet() || s.Node.Tag != "!!int" {
		return 0, false
	}
	n, err := strconv.Atoi(s.Value)
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}

// resolveEntries resolves welcome and fallback.
func (c *compiler) resolveEntries() {
	h := c.tree.Header
	if h == nil {
		return
	}
	c.bot.Welcome = c.entryDialog(h.Welcome, "welcome")
	c.bot.Fallback = c.entryDialog(h.Fallback, "fallback")
}

// entryDialog resolves a setting that names a dialog.
func (c *compiler) entryDialog(s dialog.Scalar, key string) *graph.Dialog {
	if !s.IsSet() || s.Value == "" {
		return nil
	}
	d := c.dialogs[s.Value]
	if d == nil {
		c.errorf(s.Pos(), "unknown-dialog", place{kind: headerPlace},
			"`%s` names dialog `%s`, which does not exist", key, s.Value).
			Suggestion = diag.DidYouMean(s.Value, c.dialogNames())
		return nil
	}
	d.root = true
	return d.g
}

func (c *compiler) dialogNames() []string {
	names := make([]string, len(c.dialogList))
	for i, d := range c.dialogList {
		names[i] = d.g.Name
	}
	return names
}

// markSensitive marks the sensitive variables, once every question that
// may make one sensitive is compiled.
func (c *compiler) markSensitive() {
	for i, v := range c.bot.Variables {
		if c.sensitive[v.Name] {
			c.bot.Variables[i].Sensitive = true
			c.bot.Sensitive = append(c.bot.Sensitive, v.Name)
		}
	}
}
