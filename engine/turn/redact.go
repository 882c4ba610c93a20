package turn

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
	forms  []string // every form of every value, and the marker
	r      *strings.Replacer
}

// NewRedactor returns a Redactor for the given secret values; empty values
// are ignored, and with none left it returns nil.
func NewRedactor(secrets ...string) *Redactor { return newRedactor(Redacted, secrets) }

// newRedactor returns a Redactor that replaces values with marker.
func newRedactor(marker string, secrets []string) *Redactor {
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
	forms = append(forms, marker)
	slices.SortFunc(forms, func(a, b string) int { // longest match first
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	forms = slices.Compact(forms)
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, marker)
	}
	return &Redactor{values: values, forms: forms, r: strings.NewReplacer(pairs...)}
}

// Redact returns s with every secret value replaced by "[redacted]" (by
// "[sensitive]" for a Masker's).
func (r *Redactor) Redact(s string) string {
	if r == nil || s == "" {
		return s
	}
	// Most text holds no secret; looking first spares the Replacer's
	// buffer, which it allocates even when it replaces nothing.
	for _, f := range r.forms {
		if strings.Contains(s, f) {
			return r.r.Replace(s)
		}
	}
	return s
}

// Value returns a JSON-like value (maps, slices, strings and scalars, as
// Decode returns) with secrets redacted from every string and map key. The
// maps and slices that hold a secret are copied; v itself is not changed,
// and comes back as it is when it holds none.
func (r *Redactor) Value(v any) any {
	if r == nil {
		return v
	}
	out, _ := r.value(v)
	return out
}

// value redacts v and reports whether that changed anything.
func (r *Redactor) value(v any) (any, bool) {
	switch v := v.(type) {
	case string:
		out := r.Redact(v)
		return out, out != v
	case map[string]any:
		var out map[string]any
		for k, e := range v {
			rk := r.Redact(k)
			re, changed := r.value(e)
			if out == nil && (changed || rk != k) {
				out = make(map[string]any, len(v))
				for k2, e2 := range v {
					out[k2] = e2
				}
			}
			if out != nil {
				if rk != k {
					delete(out, k)
				}
				out[rk] = re
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	case []any:
		var out []any
		for i, e := range v {
			re, changed := r.value(e)
			if out == nil && changed {
				out = append([]any(nil), v...)
			}
			if out != nil {
				out[i] = re
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	}
	return v, false
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
	for k, v := range res.Headers {
		if r.Redact(v) != v {
			h := make(map[string]string, len(res.Headers))
			for k, v := range res.Headers {
				h[k] = r.Redact(v)
			}
			res.Headers = h
			break
		}
		_ = k
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
