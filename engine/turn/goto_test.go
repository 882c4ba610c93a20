package turn

import (
	"testing"
)

func TestCloseRefusesLaterMessages(t *testing.T) {
	bot := compileBot(t, header+`dialogs:
  bye:
    starters: [bye]
    steps: [{say: Bye}, close]
`)
	st := check(t, bot, nil, `
> bye
< Bye
<< close
> hello
!! `+ErrClosed.Error()+`
`)
	if st.Owner != OwnerClosed {
		t.Errorf("owner = %q, want closed", st.Owner)
	}
}

// goto goes to a step of this dialog or another; end ends the dialog and
// waits for a starter; close closes the conversation.
func TestGotoEndClose(t *testing.T) {
	bot := compileBot(t, header+`dialogs:
  first:
    starters: [go]
    steps:
      - say: First.
      - goto: second.middle
      - say: Never.
  second:
    starters: [second]
    steps:
      - say: Second start.
      - id: middle
        say: Second middle.
      - end
      - say: Never.
  loop:
    starters: [back]
    steps:
      - goto: first
  bye:
    starters: [bye]
    steps: [{say: Bye.}, close, {say: Never.}]
`)
	st := check(t, bot, nil, `
> go
< First.
< Second middle.
> second
< Second start.
< Second middle.
> back
< First.
< Second middle.
> bye
< Bye.
<< close
`)
	if st.Owner != OwnerClosed || st.Dialog != "" {
		t.Errorf("owner %q, dialog %q: want closed, no dialog", st.Owner, st.Dialog)
	}
}
