package turn

import (
	"strconv"
	"strings"

	"github.com/botctl/botctl/engine/graph"
)

// Masked replaces a sensitive value wherever a host shows, logs or
// exports a conversation (docs/language.md#41-sensitive-values).
const Masked = "[sensitive]"

// MinMaskLen is the length under which a sensitive value is not looked
// for inside other text: a two-letter value would mask ordinary words in
// every message. Such a value is still masked where it is the value — the
// variable, or the user's answer to a sensitive question.
const MinMaskLen = 4

// NewMasker returns a Redactor that replaces each of the given texts (in
// every form NewRedactor finds) with "[sensitive]". Texts shorter than
// MinMaskLen are ignored; with none left it returns nil.
func NewMasker(texts ...string) *Redactor {
	long := make([]string, 0, len(texts))
	for _, t := range texts {
		if len(t) >= MinMaskLen {
			long = append(long, t)
		}
	}
	return newRedactor(Masked, long)
}

// AnswersSensitive reports whether a user message to the conversation in
// state st answers a sensitive question. (An interrupt dialog may take
// the message instead; it is masked all the same.)
func AnswersSensitive(bot *graph.Bot, st State) bool {
	if st.Wait != WaitAnswer {
		return false
	}
	s := StepAt(bot, st.Dialog, st.Step)
	return s != nil && s.Ask != nil && s.Ask.Sensitive
}

// SensitiveTexts returns the texts of the values of st's sensitive
// variables, as a Masker takes them: strings as they are, numbers as
// templates render them, and the strings and numbers inside lists and
// mappings. Booleans and null have no text to find.
func SensitiveTexts(bot *graph.Bot, st State) []string {
	var out []string
	for _, name := range bot.Sensitive {
		out = appendTexts(out, st.Vars[name], 0)
	}
	return out
}

func appendTexts(out []string, v any, depth int) []string {
	if depth > 64 {
		return out
	}
	switch v := v.(type) {
	case string:
		if s := strings.TrimSpace(v); s != "" {
			out = append(out, s)
		}
	case int:
		out = append(out, strconv.Itoa(v))
	case int64:
		out = append(out, strconv.FormatInt(v, 10))
	case float64:
		out = append(out, strconv.FormatFloat(v, 'f', -1, 64))
	case []any:
		for _, e := range v {
			out = appendTexts(out, e, depth+1)
		}
	case map[string]any:
		for _, e := range v {
			out = appendTexts(out, e, depth+1)
		}
	}
	return out
}

// MaskVars returns vars with the value of each of bot's sensitive
// variables replaced by "[sensitive]", for showing a conversation. A
// variable with no value yet (null or "") stays as it is, so that a reader
// can tell whether the question was answered. vars itself is not changed.
func MaskVars(bot *graph.Bot, vars map[string]any) map[string]any {
	if len(bot.Sensitive) == 0 {
		return vars
	}
	out := make(map[string]any, len(vars))
	for k, v := range vars {
		out[k] = v
	}
	for _, name := range bot.Sensitive {
		if v, ok := out[name]; ok && v != nil && v != "" {
			out[name] = Masked
		}
	}
	return out
}
