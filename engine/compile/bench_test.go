package compile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/load"
)

const (
	genVars         = 50 // variables v0.. and n0..
	genIntegrations = 20 // integrations api0..
	genStepsPer     = 10 // steps per generated dialog
)

// genBot writes a realistic bot of n dialogs and n*10 steps: templates,
// typed questions with validation and rules, set, branch, calls with rules
// and failure targets, transfers, cross-dialog targets and three starters
// per dialog. Expressions embed the dialog's number, so they are distinct
// and the compiler's cache of compiled sources does not flatter the figures.
func genBot(n int) []byte {
	var b strings.Builder
	b.WriteString("botctl: 1\nbot:\n  name: gen\n  welcome: d0\n  env: [API]\n  secrets: [TOKEN]\nvariables:\n")
	for v := 0; v < genVars; v++ {
		fmt.Fprintf(&b, "  v%d: 0\n  n%d: 0\n", v, v)
	}
	b.WriteString("integrations:\n")
	for i := 0; i < genIntegrations; i++ {
		fmt.Fprintf(&b, `  api%[1]d:
    method: POST
    url: "${env.API}/things/%[1]d/${vars.v%[1]d}"
    headers: {Authorization: "Bearer ${secret.TOKEN}"}
    body: {id: "${vars.v%[1]d}", n: %[1]d}
    timeout: 2s
    pre: {n%[1]d: "vars.n%[1]d + 1"}
    success: "result.status < 300 && result.body.ok == true"
    post: {v%[1]d: "result.body.value ?? 0"}
`, i)
	}
	b.WriteString("dialogs:\n")
	for i := 0; i < n; i++ {
		v, api := i%genVars, i%genIntegrations
		fmt.Fprintf(&b, `  d%[1]d:
    starters: ["topic %[1]d", "topic %[1]d *", {regex: '\bt%[1]dx\b'}]
    steps:
      - say: "Hello ${user.name}, this is topic %[1]d."
        buttons: ["Yes", "No"]
      - id: ask
        ask: "Your number for topic %[1]d?"
        save: v%[2]d
        type: integer
        validate: "answer > %[1]d && answer < %[1]d + 1000"
        retry: "A number between %[1]d and ${%[1]d + 1000}, please."
        on_fail: fail
        rules: [{when: "answer == %[1]d", goto: exact}]
      - set: {n%[2]d: "vars.n%[2]d + %[1]d"}
      - branch:
          - when: "vars.n%[2]d > %[1]d"
            goto: lookup
          - else: exact
      - id: lookup
        call: api%[3]d
        rules: [{when: success, goto: done}]
        on_failure: fail
      - id: exact
        say: "Exactly ${vars.v%[2]d} (topic %[1]d)!"
      - id: done
        say: "Result ${result.body.status} for ${vars.v%[2]d}, topic %[1]d."
        next: d%[4]d
      - id: fail
        transfer: {to: agent, message: "Connecting you (topic %[1]d)...", skill: "topic-%[1]d"}
        on_failure: bye
      - id: bye
        say: Bye.
      - end
`, i, v, api, (i+1)%n)
	}
	return []byte(b.String())
}

func compileGen(tb testing.TB, src []byte) {
	f, _ := load.Parse("bot.yaml", src)
	tree, ds := load.Merge([]*dialog.File{f})
	bot, diags := Compile(tree)
	diags.Append(ds)
	if bot == nil || len(diags) > 0 {
		tb.Fatalf("generated bot does not compile clean:\n%s", diagLines(diags[:min(len(diags), 10)]))
	}
}

func TestGeneratedBotIsClean(t *testing.T) {
	src := genBot(60)
	compileGen(t, src)
	f, _ := load.Parse("bot.yaml", src)
	tree, _ := load.Merge([]*dialog.File{f})
	bot, _ := Compile(tree)
	steps := 0
	for _, d := range bot.Dialogs {
		steps += len(d.Steps)
	}
	if len(bot.Dialogs) != 60 || steps != 60*genStepsPer {
		t.Errorf("generated %d dialogs and %d steps", len(bot.Dialogs), steps)
	}
}

// BenchmarkCompile measures the whole way from YAML text to graph (parse,
// merge, compile) for 200 dialogs / 2,000 steps and 2,000 dialogs / 20,000
// steps; BenchmarkCompileOnly the compiler alone on an already parsed tree.
//
//	go test ./engine/compile -run '^$' -bench 'Compile' -benchmem -benchtime 10x
func BenchmarkCompile(b *testing.B) {
	for _, n := range []int{200, 2000} {
		src := genBot(n)
		b.Run(fmt.Sprintf("dialogs=%d/steps=%d", n, n*genStepsPer), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for i := 0; i < b.N; i++ {
				compileGen(b, src)
			}
		})
	}
}

func BenchmarkCompileOnly(b *testing.B) {
	for _, n := range []int{200, 2000} {
		f, _ := load.Parse("bot.yaml", genBot(n))
		tree, _ := load.Merge([]*dialog.File{f})
		b.Run(fmt.Sprintf("dialogs=%d/steps=%d", n, n*genStepsPer), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if bot, diags := Compile(tree); bot == nil {
					b.Fatal(diagLines(diags))
				}
			}
		})
	}
}
