package turn

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/graph"
)

// exampleBots loads every bot in dialogs/.
func exampleBots(t testing.TB) map[string]*graph.Bot {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join("..", "..", "dialogs", "*"))
	bots := map[string]*graph.Bot{}
	for _, dir := range dirs {
		bot, diags := engine.Load(dir)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", dir, diags.Err())
		}
		bots[filepath.Base(dir)] = bot
	}
	if len(bots) == 0 {
		t.Fatal("no example bots in dialogs/")
	}
	return bots
}

// exampleInputs is a mixed bag of messages and events that walks a good
// part of both example bots, valid and invalid answers alike.
var exampleInputs = []Input{
	{Kind: Message, Text: "hello"},
	{Kind: Message, Text: "order status"},
	{Kind: Message, Text: "abc"},
	{Kind: Message, Text: "12345"},
	{Kind: Message, Text: "1"},
	{Kind: Message, Text: "where is my order please"},
	{Kind: Message, Text: "00000"},
	{Kind: Message, Text: "agent please"},
	{Kind: Event, Event: EventEscalationFail},
	{Kind: Message, Text: "talk to an agent"},
	{Kind: Event, Event: EventAgentDone},
	{Kind: Message, Text: "sign up"},
	{Kind: Message, Text: "2"},
	{Kind: Message, Text: "yes"},
	{Kind: Message, Text: "ann@example.com"},
	{Kind: Message, Text: "+1 555 123 4567"},
	{Kind: Message, Text: "tomorrow"},
	{Kind: Message, Text: "42"},
	{Kind: Event, Event: EventUpload, Fields: map[string]string{"name": "id.pdf", "type": "application/pdf", "size": "1200"}},
	{Kind: Event, Event: EventUpload, Fields: map[string]string{"name": "x.exe", "type": "application/x-msdownload", "size": "10"}},
	{Kind: Message, Text: "cancel"},
	{Kind: Message, Text: "no"},
	{Kind: Message, Text: "bye"},
	{Kind: Message, Text: "anything after"},
}

// anyMocks answers every integration with a 200 and a plausible body.
type anyMocks struct{}

func (anyMocks) Call(_ context.Context, req *Request) CallResult {
	return CallResult{Status: 200, Body: map[string]any{"status": "shipped", "carrier": "DHL", "eta": "2026-03-20", "tracking_url": "https://t.test/1", "id": "T-1", "account_manager": "Kim"}}
}
func (anyMocks) Transfer(context.Context, *Transfer) error { return nil }
func (anyMocks) Store(context.Context, *File) (string, error) {
	return "f-1", nil
}

// play runs inputs against bot and returns every output line and refusal;
// with roundTrip, the state goes through JSON between turns.
func play(t testing.TB, bot *graph.Bot, inputs []Input, roundTrip bool) []string {
	ctx := &Context{Now: testNow, Env: map[string]string{}, Secrets: map[string]string{}}
	for _, name := range bot.Env {
		ctx.Env[name] = "http://api.test"
	}
	st := NewState(bot, "c", testNow, map[string]any{"name": "Ann"}, map[string]any{"status": "open", "record_id": "r1"})
	var out []string
	st, r, err := Drive(context.Background(), bot, st, Input{Kind: Start}, ctx, anyMocks{})
	record := func(r Reply, err error) {
		for _, o := range r.Outputs {
			out = append(out, o.Line())
		}
		out = append(out, r.Errors...)
		if err != nil {
			out = append(out, "refused: "+err.Error())
		}
	}
	record(r, err)
	for _, in := range inputs {
		if roundTrip {
			data, err := Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			if st, err = Unmarshal(data); err != nil {
				t.Fatal(err)
			}
		}
		var next State
		next, r, err = Drive(context.Background(), bot, st, in, ctx, anyMocks{})
		if err == nil {
			st = next
		}
		out = append(out, fmt.Sprintf("-- %v %q %q", in.Kind, in.Text, in.Event))
		record(r, err)
		if st.HandedTo != "" {
			// Handed to another bot: this bot's part is over; go on
			// with a new conversation, as botctl run's /restart does.
			out = append(out, "-- handed to "+st.HandedTo+"; new conversation")
			st, r, err = Drive(context.Background(), bot, NewState(bot, "c2", testNow, nil, nil), Input{Kind: Start}, ctx, anyMocks{})
			record(r, err)
		}
	}
	return out
}

// TestExampleBotsRoundTrip checks that storing the state as JSON between
// turns changes nothing a user sees, at every turn of both example bots.
func TestExampleBotsRoundTrip(t *testing.T) {
	for name, bot := range exampleBots(t) {
		t.Run(name, func(t *testing.T) {
			direct := play(t, bot, exampleInputs, false)
			stored := play(t, bot, exampleInputs, true)
			if !reflect.DeepEqual(direct, stored) {
				t.Errorf("behaviour differs after a JSON round trip\n--- in memory\n%s\n--- stored\n%s",
					strings.Join(direct, "\n"), strings.Join(stored, "\n"))
			}
			if len(direct) < 2*len(exampleInputs) {
				t.Errorf("the bot said suspiciously little:\n%s", strings.Join(direct, "\n"))
			}
		})
	}
}

// FuzzExampleBots feeds random messages and events to the example bots:
// no input may panic, and no turn may reach the step guard.
func FuzzExampleBots(f *testing.F) {
	bots := exampleBots(f)
	var names []string
	for n := range bots {
		names = append(names, n)
	}
	f.Add(uint8(0), "order status\n12345\nagent please\n!agent_done\nbye")
	f.Add(uint8(1), "sign up\n1\nyes\nann@example.com\n!upload\ncancel")
	f.Add(uint8(0), "\x00\n!agent_escalation_failed\n!agent_escalation_failed\n${vars}\n")
	f.Fuzz(func(t *testing.T, which uint8, script string) {
		bot := bots[names[int(which)%len(names)]]
		var inputs []Input
		for _, line := range strings.Split(script, "\n") {
			if ev, ok := strings.CutPrefix(line, "!"); ok {
				in := Input{Kind: Event, Event: ev}
				if ev == EventUpload {
					in.Fields = map[string]string{"name": "a.pdf", "type": "application/pdf", "size": "10"}
				}
				inputs = append(inputs, in)
				continue
			}
			inputs = append(inputs, Input{Kind: Message, Text: line})
		}
		for _, line := range play(t, bot, inputs, false) {
			if strings.Contains(line, "without waiting for the user") {
				t.Fatalf("a turn hit the step guard: %s", line)
			}
		}
	})
}
