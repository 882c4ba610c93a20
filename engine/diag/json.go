package diag

import (
	"bytes"
	"encoding/json"
	"io"
)

// JSONReport is the document JSON writes. Its shape is stable: tools and
// editors may rely on every field being present.
//
//	{
//	  "diagnostics": [
//	    {"file": "bot.yaml", "line": 7, "col": 15, "severity": "error",
//	     "code": "unknown-target", "message": "...", "suggestion": "..."}
//	  ],
//	  "errors": 1,
//	  "warnings": 0
//	}
type JSONReport struct {
	Diagnostics []JSONDiagnostic `json:"diagnostics"`
	Errors      int              `json:"errors"`
	Warnings    int              `json:"warnings"`
}

// JSONDiagnostic is one diagnostic of a JSONReport. An unknown line or
// column is 0; an empty suggestion is "".
type JSONDiagnostic struct {
	File       string   `json:"file"`
	Line       int      `json:"line"`
	Col        int      `json:"col"`
	Severity   Severity `json:"severity"`
	Code       string   `json:"code"`
	Message    string   `json:"message"`
	Suggestion string   `json:"suggestion"`
}

// Report builds the JSON document of l, in the order of l.
func Report(l List) JSONReport {
	r := JSONReport{
		Diagnostics: make([]JSONDiagnostic, 0, len(l)),
		Errors:      l.Count(Error),
		Warnings:    l.Count(Warning),
	}
	for _, d := range l {
		r.Diagnostics = append(r.Diagnostics, d.jsonDiagnostic())
	}
	return r
}

func (d Diagnostic) jsonDiagnostic() JSONDiagnostic {
	return JSONDiagnostic{
		File:       d.Pos.File,
		Line:       d.Pos.Line,
		Col:        d.Pos.Col,
		Severity:   d.Severity,
		Code:       d.Code,
		Message:    d.Message,
		Suggestion: d.Suggestion,
	}
}

// MarshalJSON encodes d as its JSONDiagnostic, so that a diagnostic has one
// shape in every JSON document, a JSONReport or another.
// Like JSON, it leaves < and & as they are; an encoder that escapes HTML
// still escapes them.
func (d Diagnostic) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d.jsonDiagnostic()); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON is the inverse of MarshalJSON.
func (d *Diagnostic) UnmarshalJSON(b []byte) error {
	var j JSONDiagnostic
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*d = Diagnostic{Pos: Pos{File: j.File, Line: j.Line, Col: j.Col}, Severity: j.Severity,
		Code: j.Code, Message: j.Message, Suggestion: j.Suggestion}
	return nil
}

// JSON writes l as an indented JSONReport followed by a newline. Characters
// such as < and & are written as themselves, not as \u escapes, since the
// output is meant for tools and people, not for embedding in HTML.
func JSON(w io.Writer, l List) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(Report(l))
}
