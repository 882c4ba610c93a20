package runtime

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Redacted replaces a secret value wherever a Redactor finds one.
const Redacted = "[redacted]"

// Redactor replaces secret values in text. Besides each value as it is, it
// finds the forms a value takes inside a URL (query- and path-escaped),
// inside JSON and inside a Go-quoted string, so that an error quoting a
// request's URL or body does not leak it either. A nil *Redactor changes
// nothing. A Redactor is immutable and safe for concurrent use.
type Redactor struct {
	values []string
	r      *strings.Replacer
}

// NewRedactor returns a Redactor for the given secret values; empty values
// are ignored, and with none left it returns nil.
func NewRedactor(secrets ...string) *Redactor {
	var values, forms []string
	for _, s := range secrets {
		if s == "" || slices.Contains(values, s) {
			continue
		}
		values = append(values, s)
		j, _ := json.Marshal(s)
		q := strconv.Quote(s)
		forms = append(forms, s, url.QueryEscape(s), url.PathEscape(s),
			string(j[1:len(j)-1]), q[1:len(q)-1])
	}
	if len(values) == 0 {
		return nil
	}
	// The marker replaces itself: redacting twice (the client, then the
	// runtime) changes nothing, even for a secret found inside "[redacted]".
	forms = append(forms, Redacted)
	slices.SortFunc(forms, func(a, b string) int { // longest match first
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	forms = slices.Compact(forms)
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Redacted)
	}
	return &Redactor{values: values, r: strings.NewReplacer(pairs...)}
}

// Redact returns s with every secret value replaced by "[redacted]".
func (r *Redactor) Redact(s string) string {
	if r == nil || s == "" {
		return s
	}
	return r.r.Replace(s)
}

// Value returns a copy of a JSON-like value (maps, slices, strings and
// scalars, as Decode returns) with secrets redacted from every string and
// map key.
func (r *Redactor) Value(v any) any {
	if r == nil {
		return v
	}
	switch v := v.(type) {
	case string:
		return r.Redact(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[r.Redact(k)] = r.Value(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = r.Value(e)
		}
		return out
	}
	return v
}

// Result returns a copy of a call's result with secrets redacted from its
// error, body and headers. Every call result goes through it, whoever
// performed the call — the HTTP client or a mock — so that a service (or a
// mock) echoing a token back cannot get it into a variable, an output or a
// stored state.
func (r *Redactor) Result(res CallResult) CallResult {
	if r == nil {
		return res
	}
	res.Error = r.Redact(res.Error)
	res.Body = r.Value(res.Body)
	if res.Headers != nil {
		h := make(map[string]string, len(res.Headers))
		for k, v := range res.Headers {
			h[k] = r.Redact(v)
		}
		res.Headers = h
	}
	return res
}

// Secrets returns the values r redacts.
func (r *Redactor) Secrets() []string {
	if r == nil {
		return nil
	}
	return slices.Clone(r.values)
}
