package diff

import (
	"slices"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
)

// The reasons Migratable gives, one per condition, in the order it checks
// them. They are stable: the server logs them and `botctl diff` prints them.
const (
	reasonBot          = "bot renamed"
	reasonNotInOld     = "not in the old version"
	reasonDialog       = "dialog renamed or removed"
	reasonRemoved      = "removed"
	reasonKind         = "step kind changed"
	reasonQuestion     = "question changed"
	reasonSave         = "saves to another variable"
	reasonUndeclared   = "save variable not declared"
	reasonType         = "answer type changed"
	reasonChoices      = "choices changed"
	reasonPattern      = "pattern changed"
	reasonAccept       = "accepted file types changed"
	reasonIntegration  = "calls another integration"
	reasonRequest      = "integration request changed"
	reasonTransferWhom = "transfers elsewhere"
)

// Migratable reports whether a conversation waiting at the step with the
// given key of the dialog called dialog in version old may be moved to
// version new and go on there, and when not, why. It is the one rule that
// both `botctl diff` and `botctl serve --on-new-version=migrate` apply, so
// that what CI was told is what the server does.
//
// The rule is strict: a conversation is moved only when the user, having
// read the question of the old version, cannot tell that the answer is taken
// by the new one. Every condition must hold, and the reason is that of the
// first that does not:
//
//   - new is the same bot, by name ("bot renamed"): a server that hosts the
//     new name does not run the old name's conversations;
//   - the step is in old ("not in the old version" otherwise);
//   - new has a dialog of the same name ("dialog renamed or removed");
//   - that dialog has a step with the same Key ("removed"), which identifies
//     a step by its id or, without one, by its content: so a step without an
//     id whose content changed is removed;
//   - the step is of the same kind ("step kind changed");
//   - for ask: the question's template source is the same ("question
//     changed"); it saves to the same variable ("saves to another
//     variable"), which new declares ("save variable not declared"); the
//     answer type is the same ("answer type changed"), with the same
//     choices in the same order for choice ("choices changed"), the same
//     pattern for regex ("pattern changed") and the same accepted
//     extensions for file ("accepted file types changed");
//   - for call, where the conversation waits for the integration's result:
//     the same integration ("calls another integration"), with the same
//     method and URL template ("integration request changed"), since the
//     request in flight was built by old;
//   - for transfer, where it waits for the host's word: the same kind of
//     handover to the same bot ("transfers elsewhere").
//
// What follows the step (its rules, next, retry text, validation, attempts)
// may change: that is what moving a conversation is for. Migratable does not
// look at the conversation itself, so it answers for every conversation
// waiting at that step alike. old and new must be compiled bots; Migratable
// only reads them.
func Migratable(old, new *graph.Bot, dialog, key string) (ok bool, reason string) {
	if old.Name != new.Name {
		return false, reasonBot
	}
	od := old.Dialog(dialog)
	if od == nil {
		return false, reasonNotInOld
	}
	was := od.StepByKey(key)
	if was == nil {
		return false, reasonNotInOld
	}
	nd := new.Dialog(dialog)
	if nd == nil {
		return false, reasonDialog
	}
	now := nd.StepByKey(key)
	if now == nil {
		return false, reasonRemoved
	}
	if was.Kind != now.Kind {
		return false, reasonKind
	}
	switch was.Kind {
	case graph.StepAsk:
		return migratableAsk(was.Ask, now.Ask, new)
	case graph.StepCall:
		return migratableCall(was.Call, now.Call)
	case graph.StepTransfer:
		a, b := was.Transfer, now.Transfer
		if (a == nil) != (b == nil) || a != nil && (a.To != b.To || a.Bot != b.Bot) {
			return false, reasonTransferWhom
		}
	}
	return true, ""
}

func migratableAsk(a, b *graph.Ask, new *graph.Bot) (bool, string) {
	if a == nil || b == nil {
		if a != b {
			return false, reasonQuestion
		}
		return true, ""
	}
	switch {
	case source(a.Text) != source(b.Text):
		return false, reasonQuestion
	case a.Save != b.Save:
		return false, reasonSave
	case !declared(new, b.Save):
		return false, reasonUndeclared
	case a.Type != b.Type:
		return false, reasonType
	case a.Type == graph.Choice && !slices.Equal(a.Choices, b.Choices):
		return false, reasonChoices
	case a.Type == graph.RegexAnswer && pattern(a) != pattern(b):
		return false, reasonPattern
	case a.Type == graph.File && !slices.Equal(a.Accept, b.Accept):
		return false, reasonAccept
	}
	return true, ""
}

func migratableCall(a, b *graph.Integration) (bool, string) {
	if a == nil || b == nil {
		if a != b {
			return false, reasonIntegration
		}
		return true, ""
	}
	if a.Name != b.Name {
		return false, reasonIntegration
	}
	if a.Method != b.Method || source(a.URL) != source(b.URL) {
		return false, reasonRequest
	}
	return true, ""
}

// Waits reports whether a conversation can be left waiting at a step of
// kind k between turns: for the answer to a question (or for a file to be
// stored), for an integration's result, or for the host's word on a
// transfer. Only such steps are positions a migration has to carry.
func Waits(k graph.StepKind) bool {
	return k == graph.StepAsk || k == graph.StepCall || k == graph.StepTransfer || k == graph.StepGenerate
}

func declared(b *graph.Bot, name string) bool {
	for _, v := range b.Variables {
		if v.Name == name {
			return true
		}
	}
	return false
}

func source(t *cond.Template) string {
	if t == nil {
		return ""
	}
	return t.Source
}

func pattern(a *graph.Ask) string {
	if a.Pattern == nil {
		return ""
	}
	return a.Pattern.String()
}
