package diff

import (
	"encoding/json"
	"io"
	"slices"
)

// JSON writes r as one indented JSON document followed by a newline: the
// fields of Report and "compatible", Compatible's answer.
//
//	{
//	  "compatible": false,
//	  "old": {"bot": "acme", "version": "8218…"},
//	  "new": {"bot": "acme", "version": "9c1f…"},
//	  "changes": [
//	    {"change": "step-changed", "dialog": "order_status", "key": "number",
//	     "old": {"name": "order_status.number", "step": 1, "kind": "ask", "file": "old/orders.yaml", "line": 10, "col": 9},
//	     "new": {"name": "order_status.number", "step": 1, "kind": "ask", "file": "new/orders.yaml", "line": 10, "col": 9},
//	     "fields": ["question"]}
//	  ],
//	  "unmigratable": [
//	    {"dialog": "order_status", "key": "number", "old": {...}, "new": {...}, "reason": "question changed"}
//	  ]
//	}
//
// "change" is one of the ChangeKind values, "fields" holds Field names,
// "old" and "new" of a change are null where the dialog or step is not in
// that version, and "new" of an unmigratable position is null when the
// step is gone. Characters such as < and & are written as themselves.
func JSON(w io.Writer, r Report) error {
	if r.Changes == nil {
		r.Changes = []Change{}
	}
	if r.Unmigratable == nil {
		r.Unmigratable = []Waiting{}
	}
	r.Changes = slices.Clone(r.Changes) // filled in below, not in the caller's report
	for i := range r.Changes {
		if r.Changes[i].Fields == nil {
			r.Changes[i].Fields = []string{}
		}
	}
	doc := struct {
		Compatible bool `json:"compatible"`
		Report
	}{r.Compatible(), r}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
