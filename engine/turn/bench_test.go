package turn

import (
	"testing"
)

// benchBot has one dialog whose every turn runs a say, a branch and an ask:
// the shape of most bot turns.
const benchBot = header + `variables: {amount: 0, count: 0}
dialogs:
  loop:
    starters: [go]
    steps:
      - id: top
        ask: "How much?"
        save: amount
        type: number
      - branch:
          - {when: 'vars.amount > 100', goto: big}
          - {else: small}
      - id: big
        say: "That is a lot: ${vars.amount}."
        next: top
      - id: small
        say: "Noted."
        next: top
`

func benchTurn(b *testing.B, input Input, setup []Input) {
	bot := compileBot(b, benchBot)
	ctx := &Context{Now: testNow}
	st := NewState(bot, "b", testNow, nil, nil)
	for _, in := range setup {
		var err error
		if st, _, err = Run(bot, st, in, ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_, r, err := Run(bot, st, input, ctx)
		if err != nil || len(r.Outputs) == 0 {
			b.Fatalf("turn failed: %v %+v", err, r)
		}
	}
}

// BenchmarkTurnAskBranchSay answers a question: parse, save, branch,
// render a template, ask again.
func BenchmarkTurnAskBranchSay(b *testing.B) {
	benchTurn(b, Input{Kind: Message, Text: "250"}, []Input{{Kind: Message, Text: "go"}})
}

// BenchmarkTurnPlainSay takes the branch to a message without templates.
func BenchmarkTurnPlainSay(b *testing.B) {
	benchTurn(b, Input{Kind: Message, Text: "5"}, []Input{{Kind: Message, Text: "go"}})
}

// BenchmarkTurnStarter matches a starter and asks.
func BenchmarkTurnStarter(b *testing.B) {
	benchTurn(b, Input{Kind: Message, Text: "go"}, nil)
}

// BenchmarkTurnInvalidAnswer sends the retry text.
func BenchmarkTurnInvalidAnswer(b *testing.B) {
	benchTurn(b, Input{Kind: Message, Text: "lots"}, []Input{{Kind: Message, Text: "go"}})
}

// BenchmarkExampleBots plays the example conversation through both example
// bots; ns/op divided by the number of turns is the cost of a turn.
func BenchmarkExampleBots(b *testing.B) {
	bots := exampleBots(b)
	for name, bot := range bots {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				play(b, bot, exampleInputs, false)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*(len(exampleInputs)+1)), "ns/turn")
		})
	}
}
