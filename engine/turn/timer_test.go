package turn

import (
	"errors"
	"testing"
	"time"
)

const nudgeBot = `botctl: 1
bot: {name: nudge, welcome: hello, inactivity: [2m, 10m]}
variables: {name: "", size: ""}
dialogs:
  hello:
    steps:
      - ask: "Your name?"
        save: name
      - ask: "Your size?"
        save: size
        type: choice
        choices: [S, M, L]
      - say: "Thanks, ${vars.name}: size ${vars.size}."
  idle:
    starters: [{event: inactive}]
    steps:
      - branch:
          - {when: 'event.after == "10m"', goto: bye}
      - say: "Are you still there? (${event.after})"
      - end
      - id: bye
        say: "Closing, as you have gone."
      - close
  later:
    starters: ["later"]
    steps:
      - schedule: {after: 1d, dialog: follow_up}
      - say: "I'll check on you tomorrow."
  follow_up:
    steps:
      - say: "How did it go, ${vars.name}?"
`

func TestInactivityNudgesAndTheQuestionWaits(t *testing.T) {
	bot := compileBot(t, nudgeBot)
	st := check(t, bot, nil, `
< Your name?
>> wait 1m
>> wait 1m
< Are you still there? (2m)
> Ann
< Your size?
<< buttons S | M | L
>> wait 3m
< Are you still there? (2m)
>> wait 1m
> M
< Thanks, Ann: size M.
? vars.size == "M"
`)
	if st.Resume != nil || st.Nudged != 0 {
		t.Errorf("after the answer: Resume %+v, Nudged %d", st.Resume, st.Nudged)
	}
	// Writing again starts a new silence: the next nudge is 2m after the
	// last message, written 6m in.
	due, ok := Due(bot, st)
	if want := testNow.Add(8 * time.Minute); !ok || !due.Equal(want) {
		t.Errorf("Due = %v, %v; want %v", due, ok, want)
	}
}

func TestInactivityFiresOncePerLimit(t *testing.T) {
	bot := compileBot(t, nudgeBot)
	st := check(t, bot, nil, `
< Your name?
>> wait 2m
< Are you still there? (2m)
>> wait 5m
>> wait 3m
< Closing, as you have gone.
<< close
`)
	if _, ok := Due(bot, st); ok || st.Owner != OwnerClosed {
		t.Errorf("a closed conversation has a timer (owner %s)", st.Owner)
	}
}

// A host that was down past both limits fires the longer one only.
func TestInactivityAfterDowntimeFiresTheLastLimit(t *testing.T) {
	bot := compileBot(t, nudgeBot)
	check(t, bot, nil, `
< Your name?
>> wait 1h
< Closing, as you have gone.
<< close
`)
}

func TestScheduleStartsADialogLater(t *testing.T) {
	bot := compileBot(t, nudgeBot)
	st := check(t, bot, nil, `
< Your name?
> Ann
< Your size?
<< buttons S | M | L
> M
< Thanks, Ann: size M.
> later
< I'll check on you tomorrow.
>> wait 23h
< Closing, as you have gone.
<< close
`)
	// Inactivity closed it first (both limits had passed: the longer one
	// fired): a closed conversation's schedules never fire.
	if _, ok := Due(bot, st); ok {
		t.Error("a closed conversation is due")
	}

	quiet := compileBot(t, `botctl: 1
bot: {name: later, welcome: hello}
variables: {name: "Ann"}
dialogs:
  hello:
    steps:
      - schedule: {after: 1d, dialog: follow_up}
      - ask: "Anything else?"
        save: name
      - say: "Noted."
  follow_up:
    steps:
      - say: "How did it go, ${vars.name}?"
`)
	st = check(t, quiet, nil, `
< Anything else?
>> wait 23h59m
>> wait 1m
< How did it go, Ann?
> nothing
< Noted.
`)
	if len(st.Schedules) != 0 {
		t.Errorf("a fired schedule is still there: %+v", st.Schedules)
	}
	if _, ok := Due(quiet, st); ok {
		t.Error("still due after the schedule fired")
	}
}

func TestTickRefusals(t *testing.T) {
	bot := compileBot(t, nudgeBot)
	st := NewState(bot, "c1", testNow, nil, nil)
	ctx := &Context{Now: testNow}
	st, _, err := Run(bot, st, Input{Kind: Start}, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Run(bot, st, Input{Kind: Tick}, ctx); !errors.Is(err, ErrNotDue) {
		t.Errorf("a tick before anything is due: %v, want ErrNotDue", err)
	}
	if _, _, err := Run(bot, st, Input{Kind: Event, Event: EventInactive}, ctx); !errors.Is(err, ErrOwnEvent) {
		t.Errorf("a host's inactive event: %v, want ErrOwnEvent", err)
	}
	// While an agent owns it, the bot does not wait for the user.
	st.Owner = OwnerAgent
	if _, ok := Due(bot, st); ok {
		t.Error("due while an agent owns the conversation")
	}
	// A bot without a dialog for inactive has no inactivity timer.
	plain := compileBot(t, `botctl: 1
bot: {name: plain, welcome: hello, inactivity: 2m}
dialogs:
  hello:
    steps: [{say: hi}]
`)
	pst, _, err := Run(plain, NewState(plain, "c2", testNow, nil, nil), Input{Kind: Start}, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := Due(plain, pst); ok {
		t.Error("due without a dialog that starts on inactive")
	}
}
