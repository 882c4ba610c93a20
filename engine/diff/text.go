package diff

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Text writes r for people, one line per difference and per waiting
// position that cannot migrate, each starting with a file:line:col as
// diagnostics do, then a summary line:
//
//	new/orders.yaml:14:9: step added: order_status.confirm (ask)
//	old/orders.yaml:20:9: step removed: order_status#3 (say)
//	new/orders.yaml:18:9: step moved: order_status.lookup: step 2 -> 4 (was old/orders.yaml:12:9)
//	new/orders.yaml:10:9: step changed: order_status.number: question, targets (was old/orders.yaml:10:9)
//	old/orders.yaml:10:9: cannot migrate: order_status.number (ask): question changed
//	4 changes; 1 waiting position cannot migrate
//
// An addition is placed in the new version, a removal and a waiting
// position in the old one, the others in the new one with the old place
// after "was". A step without an id whose number differs between the
// versions is named by both: "order_status#2 (now order_status#3)".
func Text(w io.Writer, r Report) error {
	bw := bufio.NewWriter(w)
	for _, c := range r.Changes {
		writeChange(bw, c)
	}
	for _, u := range r.Unmigratable {
		bw.WriteString(u.Old.Pos().String())
		bw.WriteString(": cannot migrate: ")
		bw.WriteString(name(&u.Old, u.New))
		bw.WriteString(" (" + kindText(&u.Old) + "): ")
		bw.WriteString(u.Reason)
		bw.WriteString("\n")
	}
	bw.WriteString(Summary(r))
	bw.WriteString("\n")
	return bw.Flush()
}

func writeChange(w *bufio.Writer, c Change) {
	at := c.New
	if at == nil {
		at = c.Old
	}
	w.WriteString(at.Pos().String())
	w.WriteString(": ")
	w.WriteString(strings.ReplaceAll(string(c.Kind), "-", " "))
	w.WriteString(": ")
	w.WriteString(name(c.Old, c.New))
	switch c.Kind {
	case StepAdded, StepRemoved:
		w.WriteString(" (" + kindText(at) + ")")
	case StepMoved:
		w.WriteString(": step " + strconv.Itoa(c.Old.Step) + " -> " + strconv.Itoa(c.New.Step))
	case StepChanged:
		w.WriteString(": " + strings.Join(c.Fields, ", "))
	}
	if c.Old != nil && c.New != nil {
		w.WriteString(" (was " + c.Old.Pos().String() + ")")
	}
	w.WriteString("\n")
}

// kindText is a step's kind and, where it says something, what: `ask
// "What is your email?"`.
func kindText(p *Place) string {
	if p.Text == "" {
		return p.Kind
	}
	t := p.Text
	if r := []rune(t); len(r) > 60 {
		t = string(r[:57]) + "..."
	}
	return p.Kind + " " + strconv.Quote(t)
}

// name names a dialog or step by its old name, and its new one too when
// they differ.
func name(old, new *Place) string {
	switch {
	case old == nil:
		return new.Name
	case new == nil || new.Name == old.Name:
		return old.Name
	}
	return old.Name + " (now " + new.Name + ")"
}

// Summary counts r's changes and the waiting positions that cannot
// migrate: "no changes", "3 changes; every waiting position migrates" or
// "3 changes; 1 waiting position cannot migrate".
func Summary(r Report) string {
	if len(r.Changes) == 0 && len(r.Unmigratable) == 0 {
		return "no changes"
	}
	s := plural(len(r.Changes), "change", "changes") + "; "
	if r.Compatible() {
		return s + "every waiting position migrates"
	}
	return s + plural(len(r.Unmigratable), "waiting position cannot", "waiting positions cannot") + " migrate"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
