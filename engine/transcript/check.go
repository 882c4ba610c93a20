package transcript

import (
	"slices"
	"strings"

	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/runtime"
)

// HostEvents are the events a host may send any bot (SPEC §3).
var HostEvents = []string{runtime.EventAgentDone, runtime.EventEscalationFail, runtime.EventUpload}

// UploadFields are the fields of an upload event.
var UploadFields = []string{"name", "type", "size"}

// Check reports what in t does not fit bot: events that are neither a host
// event nor caught by one of the bot's `event:` starters, upload fields it
// does not know, mocks for integrations the bot does not have, env and
// secrets it does not declare, and a `dialog:` or `interaction:` it lacks.
func Check(t *Transcript, bot *graph.Bot) diag.List {
	var diags diag.List
	h := &t.Header
	pos := func(key string) diag.Pos {
		if p, ok := h.pos[key]; ok {
			return p
		}
		return diag.Pos{File: t.Path, Line: 1, Col: 1}
	}
	for _, name := range sortedKeys(h.Mocks) {
		if bot.Integration(name) != nil {
			continue
		}
		var names []string
		for _, in := range bot.Integrations {
			names = append(names, in.Name)
		}
		d := diags.Errorf(pos("mocks."+name), CodeUnknownIntegration,
			"mocks for `%s`, which is no integration of bot %s (%s)", name, bot.Name, orNone(names))
		d.Suggestion = diag.DidYouMean(name, names)
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
		if l.Kind != Event {
			continue
		}
		if !knownEvent(bot, l.Event) {
			known := eventNames(bot)
			d := diags.Errorf(diag.Pos{File: t.Path, Line: l.Num, Col: 4}, CodeUnknownEvent,
				"unknown event `%s`; a transcript can send %s", l.Event, andList(known))
			d.Suggestion = diag.DidYouMean(l.Event, known)
			continue
		}
		if l.Event != runtime.EventUpload {
			continue
		}
		for _, f := range l.Fields {
			if !slices.Contains(UploadFields, f.Key) {
				col := strings.Index(l.Raw, " "+f.Key+"=") + 2
				d := diags.Errorf(diag.Pos{File: t.Path, Line: l.Num, Col: col}, CodeEventSyntax,
					"an upload has the fields %s, not `%s`", andList(UploadFields), f.Key)
				d.Suggestion = diag.DidYouMean(f.Key, UploadFields)
			}
		}
	}
	diags.Sort()
	return diags
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
