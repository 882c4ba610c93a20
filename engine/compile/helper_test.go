package compile

import (
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/load"
)

// base is the start of most test bots: 17 lines that compile clean, so a
// case appends dialogs (indented by two spaces) from line 18 on.
const base = `botctl: 1
bot:
  name: t
  welcome: w
  env: [API]
  secrets: [TOKEN]
variables:
  x: ""
  n: 0
integrations:
  api:
    url: "${env.API}/x?t=${secret.TOKEN}"
dialogs:
  w:
    steps:
      - say: "${vars.x}${vars.n}"
      - {call: api, on_failure: end}
`

// compileFiles loads and compiles files given as name, source pairs.
func compileFiles(t testing.TB, files ...string) (*graph.Bot, diag.List) {
	t.Helper()
	var parsed []*dialog.File
	for i := 0; i+1 < len(files); i += 2 {
		f, ds := load.Parse(files[i], []byte(files[i+1]))
		if ds.HasErrors() || f == nil {
			t.Fatalf("parse %s: %v", files[i], ds)
		}
		parsed = append(parsed, f)
	}
	tree, ds := load.Merge(parsed)
	if ds.HasErrors() {
		t.Fatalf("merge: %v", ds)
	}
	return Compile(tree)
}

func compileSrc(t testing.TB, src string) (*graph.Bot, diag.List) {
	t.Helper()
	return compileFiles(t, "bot.yaml", src)
}

func diagLines(l diag.List) string {
	var b strings.Builder
	for _, d := range l {
		b.WriteString(d.Error())
		b.WriteByte('\n')
	}
	return b.String()
}

// lintCodes are the warnings of the lint pass that most test bots, written
// to test something else, trip: calls without a failure route and
// questions without a retry text. withoutLints drops them, so that those
// tests show what they are about; lint_test.go tests the lints.
var lintCodes = map[string]bool{"unrouted-failure": true, "missing-retry": true}

func withoutLints(l diag.List) diag.List {
	var out diag.List
	for _, d := range l {
		if !lintCodes[d.Code] {
			out = append(out, d)
		}
	}
	return out
}
