package graph

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize prepares a message or pattern for matching: lower-cased, every
// run of white space folded into one space, and trimmed. Text that is
// already normal is returned as is, without allocating.
func Normalize(s string) string {
	if isNormal(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func isNormal(s string) bool {
	prevSpace := true // no leading space
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			return false
		case c == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		case c >= 'A' && c <= 'Z', c == '\t', c == '\n', c == '\v', c == '\f', c == '\r':
			return false
		default:
			prevSpace = false
		}
	}
	return len(s) == 0 || s[len(s)-1] != ' '
}

// WildcardParts splits a normalized pattern at its '*'s.
func WildcardParts(norm string) []string { return strings.Split(norm, "*") }

// Literal is the number of literal (non-'*') bytes of a wildcard starter,
// its precedence among wildcards: more literal text is more specific.
func (s *Starter) Literal() int {
	n := 0
	for _, p := range s.Parts {
		n += len(p)
	}
	return n
}

// matchParts reports whether norm matches the wildcard pattern split into
// parts: parts[0] is a prefix, the last part a suffix, and the parts in
// between appear in order; '*' matches any text, the empty text included.
func matchParts(parts []string, norm string) bool {
	if len(parts) == 1 {
		return norm == parts[0]
	}
	if !strings.HasPrefix(norm, parts[0]) {
		return false
	}
	norm = norm[len(parts[0]):]
	last := parts[len(parts)-1]
	if !strings.HasSuffix(norm, last) {
		return false
	}
	norm = norm[:len(norm)-len(last)]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(norm, p)
		if i < 0 {
			return false
		}
		norm = norm[i+len(p):]
	}
	return true
}

// Match returns the starter that a user message starts, or nil, by the
// precedence of docs/language.md#63-precedence: exact patterns, then wildcard patterns (longest literal
// text first), then regexes (matched against the trimmed message), ties
// going to declaration order.
func (s *Starters) Match(text string) *Starter { return s.match(text, false) }

// MatchInterrupt is Match restricted to dialogs with `interrupt: true`: what
// may take over while a question waits for its answer.
func (s *Starters) MatchInterrupt(text string) *Starter { return s.match(text, true) }

func (s *Starters) match(text string, interrupt bool) *Starter {
	norm := Normalize(text)
	allowed := func(st *Starter) bool { return !interrupt || (st.Dialog != nil && st.Dialog.Interrupt) }
	for _, st := range s.Exact[norm] {
		if allowed(st) {
			return st
		}
	}
	for _, st := range s.Wildcards {
		if allowed(st) && matchParts(st.Parts, norm) {
			return st
		}
	}
	if len(s.Regexes) > 0 {
		trimmed := strings.TrimSpace(text)
		for _, st := range s.Regexes {
			if allowed(st) && st.Re != nil && st.Re.MatchString(trimmed) {
				return st
			}
		}
	}
	return nil
}

// MatchEvent returns the starter of a system event (agent_done,
// "file_upload_success:<text>", ...), or nil. Names compare normalized; an
// exact name wins over names with '*', which go by longest literal text,
// then declaration order.
func (s *Starters) MatchEvent(name string) *Starter {
	norm := Normalize(name)
	var best *Starter
	for _, st := range s.Events {
		if len(st.Parts) <= 1 {
			if st.Norm == norm {
				return st
			}
			continue
		}
		if matchParts(st.Parts, norm) && (best == nil || st.Literal() > best.Literal()) {
			best = st
		}
	}
	return best
}

// MatchIntent returns the first intent starter, in declaration order, of
// the intent called name, or nil; interrupt restricts it to dialogs with
// `interrupt: true`. Intent starters come after every pattern and regex
// starter: a host calls it with the classifier's intent of a message that
// Match (or MatchInterrupt) left unmatched.
func (s *Starters) MatchIntent(name string, interrupt bool) *Starter {
	if name == "" {
		return nil
	}
	for _, st := range s.Intents[name] {
		if !interrupt || (st.Dialog != nil && st.Dialog.Interrupt) {
			return st
		}
	}
	return nil
}

// IndexStarters indexes compiled starters, given in declaration order, for
// matching: exact patterns by their normalized text, wildcards sorted by
// precedence (longest literal text first, then declaration order), regexes
// and events in declaration order, intent starters by intent. Each starter's Order is set to its
// position in all.
func IndexStarters(all []*Starter) Starters {
	var s Starters
	s.Exact = make(map[string][]*Starter)
	for i, st := range all {
		st.Order = i
		switch st.Kind {
		case Exact:
			s.Exact[st.Norm] = append(s.Exact[st.Norm], st)
		case Wildcard:
			s.Wildcards = append(s.Wildcards, st)
		case Regex:
			s.Regexes = append(s.Regexes, st)
		case Event:
			s.Events = append(s.Events, st)
		case IntentStarter:
			if s.Intents == nil {
				s.Intents = make(map[string][]*Starter)
			}
			s.Intents[st.Text] = append(s.Intents[st.Text], st)
			s.IntentInterrupts = s.IntentInterrupts || st.Dialog != nil && st.Dialog.Interrupt
		}
	}
	sort.SliceStable(s.Wildcards, func(i, j int) bool {
		return s.Wildcards[i].Literal() > s.Wildcards[j].Literal()
	})
	return s
}
