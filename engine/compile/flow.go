package compile

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"path/filepath"
	"strings"

	"github.com/botctl/botctl/engine/graph"
)

// checkReachability warns about steps nothing leads to and dialogs nothing
// starts.
func (c *compiler) checkReachability() {
	if c.unresolved {
		return // an unknown target is reported; guessing its flow would mislead
	}
	// Steps: every dialog's first step is an entry (whether the dialog
	// itself is reached is the next check's business).
	reached := make([]bool, len(c.steps))
	queue := make([]*stp, 0, len(c.dialogList))
	for _, d := range c.dialogList {
		if len(d.steps) > 0 && !reached[d.steps[0].n] {
			reached[d.steps[0].n] = true
			queue = append(queue, d.steps[0])
		}
	}
	for len(queue) > 0 {
		st := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, to := range st.out {
			if !reached[to.n] {
				reached[to.n] = true
				queue = append(queue, to)
			}
		}
		if i := st.g.Index + 1; st.loose && i < len(st.d.steps) && !reached[st.d.steps[i].n] {
			reached[st.d.steps[i].n] = true
			queue = append(queue, st.d.steps[i])
		}
	}
	for _, d := range c.dialogList {
		for i := 0; i < len(d.steps); i++ {
			if reached[d.steps[i].n] {
				continue
			}
			run := 1
			for i+run < len(d.steps) && !reached[d.steps[i+run].n] {
				run++
			}
			st := d.steps[i]
			msg := "this step never runs: " + beforeWords(d.steps[i-1].g) + " and no target names it"
			switch run {
			case 1:
			case 2:
				msg += " (nor the step after it)"
			default:
				msg += " (nor the " + itoa(run-1) + " steps after it)"
			}
			c.warnf(st.g.Pos, "unreachable-step", place{kind: stepPlace, step: st}, "%s", msg)
			i += run - 1
		}
	}

	// Dialogs: from the roots (starters, welcome, fallback, interactions),
	// follow targets into other dialogs. With two headers (reported by
	// load.Merge) the roots are unclear, so don't guess.
	if c.headerFiles() > 1 {
		return
	}
	seen := map[*graph.Dialog]bool{}
	var stack []*dlg
	for _, d := range c.dialogList {
		if d.root && !seen[d.g] {
			seen[d.g] = true
			stack = append(stack, d)
		}
	}
	for len(stack) > 0 {
		d := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, st := range d.steps {
			for _, to := range st.out {
				if !seen[to.d.g] {
					seen[to.d.g] = true
					stack = append(stack, to.d)
				}
			}
		}
	}
	for _, d := range c.dialogList {
		if !seen[d.g] {
			c.warnf(d.g.Pos, "unreachable-dialog", place{kind: dialogPlace, name: d.g.Name},
				"the dialog never starts: no starter, target, interaction, welcome or fallback leads to it")
		}
	}
}

// beforeWords says why control never falls from step g to the next one.
func beforeWords(g *graph.Step) string {
	switch g.Kind {
	case graph.StepEnd:
		return "the step before it ends the dialog"
	case graph.StepClose:
		return "the step before it closes the conversation"
	case graph.StepGoto:
		return "the step before it always jumps elsewhere"
	case graph.StepBranch:
		return "the branch before it always jumps elsewhere"
	case graph.StepTransfer:
		return "the transfer before it ends the dialog"
	}
	return "the step before it always goes elsewhere"
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// waits reports whether a step waits for the user (or an agent), which
// breaks any loop through it.
func waits(st *stp) bool {
	return st.g.Kind == graph.StepAsk || st.g.Kind == graph.StepTransfer
}

// checkCycles reports loops of steps that never wait for the user: a
// conversation entering one would spin forever. Each strongly connected
// group of such steps is reported once, at its first step, with one loop
// through it spelt out.
func (c *compiler) checkCycles() {
	n := len(c.steps)
	index := make([]int32, n)
	low := make([]int32, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int32
	var next int32
	type frame struct {
		v int32
		e int // next edge to look at
	}
	var calls []frame
	for root := 0; root < n; root++ {
		if index[root] >= 0 || waits(c.steps[root]) {
			continue
		}
		calls = append(calls[:0], frame{v: int32(root)})
		index[root], low[root] = next, next
		next++
		stack = append(stack, int32(root))
		onStack[root] = true
		for len(calls) > 0 {
			f := &calls[len(calls)-1]
			v := f.v
			out := c.steps[v].out
			if f.e < len(out) {
				w := out[f.e]
				f.e++
				if waits(w) {
					continue
				}
				switch {
				case index[w.n] < 0:
					index[w.n], low[w.n] = next, next
					next++
					stack = append(stack, int32(w.n))
					onStack[w.n] = true
					calls = append(calls, frame{v: int32(w.n)})
				case onStack[w.n]:
					low[v] = min(low[v], index[w.n])
				}
				continue
			}
			// All edges of v done.
			calls = calls[:len(calls)-1]
			if len(calls) > 0 {
				p := calls[len(calls)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] != index[v] {
				continue
			}
			var group []int32
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				group = append(group, w)
				if w == v {
					break
				}
			}
			c.reportCycle(group)
		}
	}
}

// reportCycle reports a strongly connected group of steps if it loops.
func (c *compiler) reportCycle(group []int32) {
	in := make(map[*stp]bool, len(group))
	first := c.steps[group[0]]
	for _, i := range group {
		st := c.steps[i]
		in[st] = true
		if st.n < first.n {
			first = st
		}
	}
	if len(group) == 1 {
		self := false
		for _, w := range first.out {
			self = self || w == first
		}
		if !self {
			return
		}
	}
	// The shortest loop from first back to itself, by breadth-first search.
	parent := map[*stp]*stp{}
	queue := []*stp{first}
	var last *stp
	for len(queue) > 0 && last == nil {
		u := queue[0]
		queue = queue[1:]
		for _, w := range u.out {
			if w == first {
				last = u
				break
			}
			if in[w] && parent[w] == nil && w != first {
				parent[w] = u
				queue = append(queue, w)
			}
		}
	}
	var path []*stp
	for s := last; s != nil && s != first; s = parent[s] {
		path = append(path, s)
	}
	names := []string{first.g.Name()}
	hasCall := first.g.Kind == graph.StepCall
	for i := len(path) - 1; i >= 0; i-- {
		names = append(names, path[i].g.Name())
		hasCall = hasCall || path[i].g.Kind == graph.StepCall
	}
	names = append(names, first.g.Name())
	// A loop that some rule can leave (to a step outside it, or to end or
	// close) is a bounded loop, such as a counter: legal, but worth a look.
	// A loop nothing can leave spins until the turn's step guard stops it.
	exit := false
	for st := range in {
		exit = exit || st.leaves || st.loose
		for _, w := range st.out {
			exit = exit || !in[w]
		}
	}
	loop := strings.Join(names, " -> ")
	if exit {
		hint := "make sure a rule ends the loop (a turn stops after 1000 steps)"
		if hasCall {
			hint = "a failing back end would be called again and again; to retry a call, give its integration `retries` instead"
		}
		c.warnf(first.g.Pos, "loop-without-wait", place{kind: stepPlace, step: first},
			"these steps loop without waiting for the user: %s; %s", loop, hint)
		return
	}
	hint := "add an `ask` to the loop, or let it end"
	if hasCall {
		hint = "to retry a call, give its integration `retries` instead"
	}
	c.errorf(first.g.Pos, "cycle-without-wait", place{kind: stepPlace, step: first},
		"these steps loop forever without waiting for the user: %s; %s", loop, hint)
}

// checkUnused warns about variables nothing reads or writes and
// integrations no step calls.
func (c *compiler) checkUnused() {
	if !c.varsWhole {
		for _, v := range c.tree.Variables {
			if v.Name.IsSet() && !c.varUsed[v.Name.Value] {
				c.diags.Warnf(v.Name.Pos(), "unused-variable",
					"variable `%s` is never used", v.Name.Value)
			}
		}
	}
	for _, in := range c.integList {
		if !in.used {
			c.diags.Warnf(in.g.Pos, "unused-integration", "integration `%s` is never called", in.g.Name)
		}
	}
	c.checkUnusedIntents()
}

// computeVersion sets the bot's version: a SHA-256 over each file's base
// name and bytes, in merge order, each length-prefixed so that no two
// different bots hash alike.
func (c *compiler) computeVersion() {
	h := sha256.New()
	var n [8]byte
	for _, f := range c.tree.Files {
		name := filepath.Base(f.Path)
		binary.BigEndian.PutUint64(n[:], uint64(len(name)))
		h.Write(n[:])
		h.Write([]byte(name))
		binary.BigEndian.PutUint64(n[:], uint64(len(f.Src)))
		h.Write(n[:])
		h.Write(f.Src)
		c.bot.Sources = append(c.bot.Sources, graph.Source{Name: name, Src: f.Src})
	}
	c.bot.Version = hex.EncodeToString(h.Sum(nil))
}

// headerFiles counts the files that carry a `bot:` header.
func (c *compiler) headerFiles() int {
	n := 0
	for _, f := range c.tree.Files {
		if f != nil && valueNode(f.Root, "bot") != nil {
			n++
		}
	}
	return n
}
