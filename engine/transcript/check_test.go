package transcript_test

import (
	"testing"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/transcript"
)

func TestCheckMocks(t *testing.T) {
	bot, diags := engine.Load("testdata/desk.yaml")
	if bot == nil {
		t.Fatal(diags)
	}
	if err := transcript.CheckMocks(bot, mock.Set{"ticket_lookup": {{Status: 200}}}); err != nil {
		t.Errorf("known integration: %v", err)
	}
	if err := transcript.CheckMocks(bot, nil); err != nil {
		t.Errorf("no mocks: %v", err)
	}
	err := transcript.CheckMocks(bot, mock.Set{"ticket_lokup": {{Status: 200}}, "weather": {{Status: 200}}, "ticket_lookup": nil})
	want := "mocks for `ticket_lokup`, which is no integration of bot desk (ticket_lookup); did you mean `ticket_lookup`?\n" +
		"mocks for `weather`, which is no integration of bot desk (ticket_lookup)"
	if err == nil || err.Error() != want {
		t.Errorf("CheckMocks:\n got  %v\n want %s", err, want)
	}
}

// TestCheckAssertions: assertions read only variables and env the bot
// declares; everything else they read is not checked against the bot.
func TestCheckAssertions(t *testing.T) {
	bot, diags := engine.Load("testdata/desk.yaml")
	if bot == nil {
		t.Fatal(diags)
	}
	src := `? vars.ticket == "T-1" && vars["state"] == "open" && vars.tikcet == nil
? env.TICKETS_API != "" && env.HOME == "" && user.name == "Ann" && params.x == 1
? vars[conversation.id] == nil
`
	tr, diags := transcript.Parse("t.transcript", []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := "t.transcript:1:59: error[undeclared-variable]: assertion: variable `tikcet` is not declared under `variables:` of bot desk (did you mean `vars.ticket`?)\n" +
		"t.transcript:2:32: error[undeclared-env]: assertion: `env.HOME` is not declared: bot desk declares TICKETS_API under `bot.env`\n"
	got := ""
	for _, d := range transcript.Check(tr, bot) {
		got += d.Error() + "\n"
	}
	if got != want {
		t.Errorf("Check\n--- got\n%s--- want\n%s", got, want)
	}
}
