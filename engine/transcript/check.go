package transcript

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/turn"
)

// HostEvents are the events a host may send any bot (docs/testing.md#the-lines).
var HostEvents = []string{turn.EventAgentDone, turn.EventEscalationFail, turn.EventUpload}

// UploadFields are the fields of an upload event.
var UploadFields = []string{"name", "type", "size"}

// Check reports what in t does not fit bot: events that are neither a host
// event nor caught by one of the bot's `event:` starters, assertions that
// read variables or env the bot does not declare, mocks for integrations
// the bot does not have, env and secrets it does not declare, and a
// `dialog:` or `interaction:` it lacks.
func Check(t *Transcript, bot *graph.Bot) diag.List {
	var diags diag.List
	h := &t.Header
	pos := func(key string) diag.Pos {
		if p, ok := h.pos[key]; ok {
			return p
		}
		return diag.Pos{File: t.Path, Line: 1, Col: 1}
	}
	for _, name := range unknownIntegrations(bot, h.Mocks) {
		d := diags.Errorf(pos("mocks."+name), CodeUnknownIntegration, "%s", unknownIntegration(bot, name))
		d.Suggestion = diag.DidYouMean(name, integrationNames(bot))
	}
	for _, kv := range []struct {
		key      string
		given    map[string]string
		declared []string
	}{{"env", h.Env, bot.Env}, {"secrets", h.Secrets, bot.Secrets}} {
		for _, name := range sortedKeys(kv.given) {
			if slices.Contains(kv.declared, name) {
				continue
			}
			d := diags.Errorf(pos(kv.key+"."+name), CodeUndeclared,
				"bot %s does not declare `%s` under `bot.%s` (it declares %s)", bot.Name, name, kv.key, orNone(kv.declared))
			d.Suggestion = diag.DidYouMean(name, kv.declared)
		}
	}
	if h.Dialog != "" && bot.Dialog(h.Dialog) == nil {
		var names []string
		for _, d := range bot.Dialogs {
			names = append(names, d.Name)
		}
		d := diags.Errorf(pos("dialog"), CodeUnknownDialog, "bot %s has no dialog `%s`", bot.Name, h.Dialog)
		d.Suggestion = diag.DidYouMean(h.Dialog, names)
	}
	if h.Interaction != "" && bot.Interaction(h.Interaction) == nil {
		var ids []string
		for _, in := range bot.Interactions {
			ids = append(ids, in.ID)
		}
		d := diags.Errorf(pos("interaction"), CodeUnknownInteraction,
			"bot %s has no interaction `%s` (it has %s)", bot.Name, h.Interaction, orNone(ids))
		d.Suggestion = diag.DidYouMean(h.Interaction, ids)
	}
	for i := range t.Lines {
		l := &t.Lines[i]
		switch l.Kind {
		case Event:
			if l.Event == WaitEvent {
				continue
			}
			if !knownEvent(bot, l.Event) {
				known := eventNames(bot)
				d := diags.Errorf(diag.Pos{File: t.Path, Line: l.Num, Col: 4}, CodeUnknownEvent,
					"unknown event `%s`; a transcript can send %s", l.Event, andList(known))
				d.Suggestion = diag.DidYouMean(l.Event, known)
			}
		case Assertion:
			checkRefs(&diags, t.Path, l, bot)
		}
	}
	diags.Sort()
	return diags
}

// CheckMocks reports mocks in set for integrations bot does not have, the
// check a transcript's `mocks:` header gets, for hosts that read mocks from
// elsewhere (`botctl run --mock FILE`). The error names each unknown
// integration with the bot's integrations and a suggestion when one is
// close; it is nil when every name is an integration of bot.
func CheckMocks(bot *graph.Bot, set mock.Set) error {
	var errs []error
	for _, name := range unknownIntegrations(bot, set) {
		msg := unknownIntegration(bot, name)
		if s := diag.DidYouMean(name, integrationNames(bot)); s != "" {
			msg += "; " + s
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}

// unknownIntegrations lists the names in set, sorted, that are no
// integration of bot.
func unknownIntegrations(bot *graph.Bot, set mock.Set) []string {
	var out []string
	for _, name := range sortedKeys(set) {
		if bot.Integration(name) == nil && !mocksModel(bot, name) {
			out = append(out, name)
		}
	}
	return out
}

// mocksModel reports whether name is the key of a model's mocks: llm for
// every model of a bot that has one, llm.NAME for the model NAME.
func mocksModel(bot *graph.Bot, name string) bool {
	for _, l := range bot.LLMs {
		if name == mock.LLM || name == l.API.Name {
			return true
		}
	}
	return false
}

func unknownIntegration(bot *graph.Bot, name string) string {
	return fmt.Sprintf("mocks for `%s`, which is no integration of bot %s (%s)", name, bot.Name, orNone(integrationNames(bot)))
}

func integrationNames(bot *graph.Bot) []string {
	var names []string
	for _, in := range bot.Integrations {
		names = append(names, in.Name)
	}
	return names
}

// checkRefs reports what an assertion reads that bot does not declare:
// vars.NAME without NAME under `variables:`, and env.NAME without NAME
// under `bot.env`, each at the column of the name, as the bot's own
// expressions are checked.
func checkRefs(diags *diag.List, file string, l *Line, bot *graph.Bot) {
	var vars []string
	for _, v := range bot.Variables {
		vars = append(vars, v.Name)
	}
	at := func(off int) diag.Pos {
		return diag.Pos{File: file, Line: l.Num, Col: 3 + utf8.RuneCountInString(l.Text[:min(off, len(l.Text))])}
	}
	for _, r := range l.Expr.Refs() {
		if r.Name == "" {
			continue
		}
		switch r.Root {
		case cond.RootVars:
			if slices.Contains(vars, r.Name) {
				continue
			}
			d := diags.Errorf(at(r.NameOffset), CodeUndeclaredVariable,
				"assertion: variable `%s` is not declared under `variables:` of bot %s", r.Name, bot.Name)
			if m := diag.Suggest(r.Name, vars); m != "" {
				d.Suggestion = "did you mean `vars." + m + "`?"
			}
		case cond.RootEnv:
			if slices.Contains(bot.Env, r.Name) {
				continue
			}
			d := diags.Errorf(at(r.NameOffset), CodeUndeclaredEnv,
				"assertion: `env.%s` is not declared: bot %s declares %s under `bot.env`", r.Name, bot.Name, orNone(bot.Env))
			if m := diag.Suggest(r.Name, bot.Env); m != "" {
				d.Suggestion = "did you mean `env." + m + "`?"
			}
		}
	}
}

// knownEvent reports whether a transcript may send the event name to bot.
func knownEvent(bot *graph.Bot, name string) bool {
	return slices.Contains(HostEvents, name) || bot.Starters.MatchEvent(name) != nil
}

// eventNames lists the host events and the names of the bot's event
// starters (patterns as written).
func eventNames(bot *graph.Bot) []string {
	names := slices.Clone(HostEvents)
	for _, s := range bot.Starters.Events {
		if !slices.Contains(names, s.Text) {
			names = append(names, s.Text)
		}
	}
	return names
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
