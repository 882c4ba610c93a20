package diag

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestJSON(t *testing.T) {
	tests := []struct {
		name string
		list List
		want string
	}{{
		name: "empty",
		want: `{
  "diagnostics": [],
  "errors": 0,
  "warnings": 0
}
`,
	}, {
		name: "mixed",
		list: List{
			{Pos: Pos{File: "bot.yaml", Line: 5, Col: 15}, Severity: Error, Code: "unknown-target",
				Message: "step 1 of dialog order: no step or dialog named `confrim`", Suggestion: "did you mean `confirm`?"},
			{Pos: Pos{File: "bot.yaml", Line: 9, Col: 7}, Severity: Warning, Code: "unused-variable",
				Message: `variable "tries" <never> used & "quoted"`},
			{Pos: Pos{File: "gone.yaml"}, Severity: Error, Code: "read-error", Message: "no such file or directory"},
		},
		want: `{
  "diagnostics": [
    {
      "file": "bot.yaml",
      "line": 5,
      "col": 15,
      "severity": "error",
      "code": "unknown-target",
      "message": "step 1 of dialog order: no step or dialog named ` + "`confrim`" + `",
      "suggestion": "did you mean ` + "`confirm`" + `?"
    },
    {
      "file": "bot.yaml",
      "line": 9,
      "col": 7,
      "severity": "warning",
      "code": "unused-variable",
      "message": "variable \"tries\" <never> used & \"quoted\"",
      "suggestion": ""
    },
    {
      "file": "gone.yaml",
      "line": 0,
      "col": 0,
      "severity": "error",
      "code": "read-error",
      "message": "no such file or directory",
      "suggestion": ""
    }
  ],
  "errors": 2,
  "warnings": 1
}
`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := JSON(&b, tt.list); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			// The document reads back into the same report.
			var r JSONReport
			if err := json.Unmarshal(b.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			if len(r.Diagnostics) != len(tt.list) {
				t.Fatalf("read back %d diagnostics, want %d", len(r.Diagnostics), len(tt.list))
			}
			for i, d := range r.Diagnostics {
				back := Diagnostic{Pos: Pos{File: d.File, Line: d.Line, Col: d.Col}, Severity: d.Severity,
					Code: d.Code, Message: d.Message, Suggestion: d.Suggestion}
				if back != tt.list[i] {
					t.Errorf("diagnostic %d read back as %+v, want %+v", i, back, tt.list[i])
				}
			}
		})
	}
}

// TestDiagnosticJSON: a Diagnostic encoded on its own has the shape of a
// JSONReport's entry, and reads back as itself.
func TestDiagnosticJSON(t *testing.T) {
	d := Diagnostic{Pos: Pos{File: "bot.yaml", Line: 5, Col: 15}, Severity: Warning, Code: "unused-variable",
		Message: "variable <x> & y", Suggestion: "remove it"}
	got, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"file":"bot.yaml","line":5,"col":15,"severity":"warning","code":"unused-variable",` +
		`"message":"variable \u003cx\u003e \u0026 y","suggestion":"remove it"}`
	if string(got) != want {
		t.Errorf("json.Marshal:\n got  %s\n want %s", got, want)
	}
	var back Diagnostic
	if err := json.Unmarshal(got, &back); err != nil || back != d {
		t.Errorf("read back as %+v, %v; want %+v", back, err, d)
	}
	var b bytes.Buffer
	if err := JSON(&b, List{d}); err != nil {
		t.Fatal(err)
	}
	var r struct{ Diagnostics []Diagnostic }
	if err := json.Unmarshal(b.Bytes(), &r); err != nil || len(r.Diagnostics) != 1 || r.Diagnostics[0] != d {
		t.Errorf("JSON read back as %+v, %v; want %+v", r.Diagnostics, err, d)
	}
}
