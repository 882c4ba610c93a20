// Package diag holds positions and diagnostics: the one way every stage of
// botctl (loading, schema checking, compiling) reports a problem to the author.
//
// Stages return a List and keep going after an error, so that one run of
// `botctl validate` reports every problem at once:
//
//	var diags diag.List
//	diags.Errorf(pos, "unknown-target", "no step or dialog named %q", name)
//	if diags.HasErrors() { ... }
//
// Printing is kept apart from the data: see Text and JSON.
package diag

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Pos is a place in a source file. Line and Col are 1-based; the zero Pos means
// "no particular place" (a problem with the bot as a whole).
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

// IsValid reports whether p names a line.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String formats p as file:line:col, leaving out what is unknown.
func (p Pos) String() string {
	switch {
	case p.File == "" && !p.IsValid():
		return "-"
	case !p.IsValid():
		return p.File
	case p.Col <= 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Before reports whether p comes before q in (file, line, col) order.
func (p Pos) Before(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// Severity says whether a diagnostic stops the bot from running.
type Severity int

const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// MarshalText makes severities read as words in JSON output.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText is the inverse of MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "error":
		*s = Error
	case "warning":
		*s = Warning
	default:
		return fmt.Errorf("unknown severity %q", b)
	}
	return nil
}

// Diagnostic is one problem found in a bot.
//
// Code is a stable kebab-case identifier (for example "unknown-target") that
// tools and tests may match on; Message is for people and may change wording.
// Suggestion, when set, is a fix to propose, such as "did you mean `order_status`?".
//
// In JSON a Diagnostic is a JSONDiagnostic, whoever encodes it.
type Diagnostic struct {
	Pos        Pos
	Severity   Severity
	Code       string
	Message    string
	Suggestion string
}

// Error formats d on one line, as Text prints its first line, with the
// suggestion in parentheses: file:line:col: severity[code]: message (suggestion).
func (d Diagnostic) Error() string {
	var b strings.Builder
	writeHeader(&b, d, nil)
	if d.Suggestion != "" {
		b.WriteString(" (")
		b.WriteString(d.Suggestion)
		b.WriteString(")")
	}
	return b.String()
}

// List is an ordered collection of diagnostics. The zero List is empty and
// ready to use.
type List []Diagnostic

// Add appends d.
func (l *List) Add(d Diagnostic) { *l = append(*l, d) }

// Append appends every diagnostic of m.
func (l *List) Append(m List) { *l = append(*l, m...) }

// Errorf appends an error at pos.
func (l *List) Errorf(pos Pos, code, format string, args ...any) *Diagnostic {
	*l = append(*l, Diagnostic{Pos: pos, Severity: Error, Code: code, Message: fmt.Sprintf(format, args...)})
	return &(*l)[len(*l)-1]
}

// Warnf appends a warning at pos.
func (l *List) Warnf(pos Pos, code, format string, args ...any) *Diagnostic {
	*l = append(*l, Diagnostic{Pos: pos, Severity: Warning, Code: code, Message: fmt.Sprintf(format, args...)})
	return &(*l)[len(*l)-1]
}

// HasErrors reports whether l holds at least one error (warnings don't count).
func (l List) HasErrors() bool { return l.Count(Error) > 0 }

// Count returns how many diagnostics of severity s l holds.
func (l List) Count(s Severity) int {
	n := 0
	for _, d := range l {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// Sort orders l by position, then by code and message, and drops exact
// duplicates, so output is stable whatever order the stages ran in.
func (l *List) Sort() {
	s := *l
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if a.Pos != b.Pos {
			return a.Pos.Before(b.Pos)
		}
		if a.Severity != b.Severity {
			return a.Severity < b.Severity
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Message < b.Message
	})
	out := s[:0]
	for i, d := range s {
		if i > 0 && d == s[i-1] {
			continue
		}
		out = append(out, d)
	}
	*l = out
}

// Err returns nil when l holds no errors, and otherwise an error whose text
// lists every error, one per line.
func (l List) Err() error {
	if !l.HasErrors() {
		return nil
	}
	var errs []error
	for _, d := range l {
		if d.Severity == Error {
			errs = append(errs, d)
		}
	}
	return errors.Join(errs...)
}
