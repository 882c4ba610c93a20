package explore

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/transcript"
	"github.com/botctl/botctl/engine/turn"
)

// start is how a conversation begins: the welcome dialog (the zero start),
// a dialog the header names, or an interaction point with its params.
type start struct {
	Dialog      string
	Interaction string
	Params      map[string]any
}

// effects are the host's answers a conversation got, in order: what a
// transcript's mocks, transfers and uploads headers write down.
type effects struct {
	calls     map[string][]mock.Response
	transfers []transcript.Outcome
	uploads   []transcript.Outcome
}

func (e effects) clone() effects {
	c := effects{calls: make(map[string][]mock.Response, len(e.calls)),
		transfers: append([]transcript.Outcome(nil), e.transfers...),
		uploads:   append([]transcript.Outcome(nil), e.uploads...)}
	for k, v := range e.calls {
		c.calls[k] = append([]mock.Response(nil), v...)
	}
	return c
}

// node is a conversation the search has run: its parent plus one input.
type node struct {
	parent *node
	start  start
	input  *turn.Input // nil at the start of the conversation
	depth  int         // inputs after the start
	st     turn.State
	done   effects // every answer the host gave, up to and including this turn
	// forced are the answers this node's turn was made to get, beyond
	// its parent's: the first answers of each kind that differ from the
	// defaults.
	forced  effects
	goals   map[goal]bool // reached by the conversation up to here
	buttons []string      // offered by the last turn
	entered string        // the dialog a starter started in this turn
	order   int           // creation order, for stable choices
}

func (n *node) inputs() []turn.Input {
	var out []turn.Input
	for x := n; x != nil; x = x.parent {
		if x.input != nil {
			out = append(out, *x.input)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// performer answers a turn's effects: with forced answers while there
// are, then with the defaults (the first response of each integration, a
// transfer that is requested, a file that is stored).
type performer struct {
	s      *search
	forced effects
	done   effects
}

func (p *performer) Call(_ context.Context, req *turn.Request) turn.CallResult {
	name := req.Integration.Name
	k := len(p.done.calls[name])
	r := p.s.responses[name][0]
	if f := p.forced.calls[name]; k < len(f) {
		r = f[k]
	}
	p.done.calls[name] = append(p.done.calls[name], r)
	return r.Result()
}

func (p *performer) Transfer(context.Context, *turn.Transfer) error {
	k := len(p.done.transfers)
	var o transcript.Outcome
	if k < len(p.forced.transfers) {
		o = p.forced.transfers[k]
	}
	p.done.transfers = append(p.done.transfers, o)
	if o.Error != "" {
		return errors.New(o.Error)
	}
	return nil
}

func (p *performer) Store(context.Context, *turn.File) (string, error) {
	k := len(p.done.uploads)
	var o transcript.Outcome
	if k < len(p.forced.uploads) {
		o = p.forced.uploads[k]
	}
	p.done.uploads = append(p.done.uploads, o)
	if o.Error != "" {
		return "", errors.New(o.Error)
	}
	return "upload-" + strconv.Itoa(k+1), nil
}

// search is one exploration of a bot.
type search struct {
	b         *bot
	ctx       *turn.Context
	responses map[string][]mock.Response // per integration; [0] is the default
	maxRuns   int
	maxDepth  int

	runs  int
	nodes []*node
	seen  map[string]bool // states already expanded
	found map[goal]bool   // every goal reached so far
	// To expand: conversations that reached a goal first, then those
	// that reached a new place, then those in a new state only.
	high, mid, low []*node
}

// transferError and uploadError are the failures a search tries.
const (
	transferError = "no agent desk"
	uploadError   = "disk full"
)

// run runs one turn after parent (nil: the start of a conversation) with
// input in (nil: the start), the host's answers forced as given, and
// queues the node for expansion when it reached something new.
func (s *search) run(parent *node, st start, in *turn.Input, forced effects) *node {
	if s.runs >= s.maxRuns {
		return nil
	}
	s.runs++
	n := &node{parent: parent, start: st, input: in, forced: forced, order: len(s.nodes), goals: map[goal]bool{}}
	var state turn.State
	var done effects
	input := turn.Input{Kind: turn.Start, Dialog: st.Dialog}
	if parent == nil {
		params := st.Params
		if st.Interaction != "" {
			// As a host starts one: the interaction's dialog, with its
			// own params rendered from those the host passed.
			in := s.b.Interaction(st.Interaction)
			input.Dialog, params = in.Dialog.Name, interactionStart(in, st.Params)
		}
		state = turn.NewState(s.b.Bot, transcript.DefaultID, s.ctx.Now, nil, params)
		done = effects{calls: map[string][]mock.Response{}}
	} else {
		n.depth = parent.depth + 1
		state = parent.st
		done = parent.done.clone()
		for g := range parent.goals {
			n.goals[g] = true
		}
	}
	// The forced answers are counted from the conversation's start.
	p := &performer{s: s, forced: mergeForced(done, forced), done: done}
	if in != nil {
		input = *in
	}
	next, reply, err := turn.Drive(context.Background(), s.b.Bot, state, input, s.ctx, p)
	if err != nil {
		return nil // refused: nothing happened
	}
	n.st, n.done = next, p.done
	for _, t := range reply.Trace {
		if t.Kind == "starter" && n.entered == "" {
			n.entered = t.Dialog
		}
	}
	for _, o := range reply.Outputs {
		if o.Kind == turn.OutButtons {
			n.buttons = o.Buttons
		}
	}
	before := len(n.goals)
	s.b.goals(reply.Trace, n.goals)
	s.nodes = append(s.nodes, n)
	novel := false
	if len(n.goals) > before {
		for g := range n.goals {
			if !s.found[g] {
				s.found[g] = true
				novel = true
			}
		}
	}
	sig, pos := signature(n.st)
	switch {
	case n.depth >= s.maxDepth:
	case novel:
		s.seen[sig], s.seen[pos] = true, true
		s.high = append(s.high, n)
	case !s.seen[pos]:
		s.seen[sig], s.seen[pos] = true, true
		s.mid = append(s.mid, n)
	case !s.seen[sig]:
		s.seen[sig] = true
		s.low = append(s.low, n)
	}
	return n
}

// mergeForced is the list of answers a turn must get: those the
// conversation got so far, then the new forced ones.
func mergeForced(done, forced effects) effects {
	m := done.clone()
	for k, v := range forced.calls {
		m.calls[k] = append(m.calls[k], v...)
	}
	m.transfers = append(m.transfers, forced.transfers...)
	m.uploads = append(m.uploads, forced.uploads...)
	return m
}

// signature is what of a state decides what the conversation can do
// next; pos is the part of it that is the conversation's place, without
// its variables and last result.
func signature(st turn.State) (sig, pos string) {
	key := struct {
		Owner, Dialog, Step, HandedTo string
		Wait                          turn.Wait
		Attempts, TransferFailures    int
		Transfer                      bool
		Tags                          []string
		Vars                          map[string]any
		Result                        *cond.Result
	}{st.Owner, st.Dialog, st.Step, st.HandedTo, st.Wait, st.Attempts, st.TransferFailures,
		st.Transfer != nil, st.Tags, st.Vars, st.Result}
	b, err := json.Marshal(key)
	if err != nil {
		b = []byte(strconv.Itoa(len(st.Vars)))
	}
	key.Vars, key.Result = nil, nil
	p, _ := json.Marshal(key) // no maps left: it does not fail
	return string(b), "pos " + string(p)
}

// explore runs the search from the starts given until nothing new is
// queued or the budget is spent.
func (s *search) explore(starts []start) {
	for _, st := range starts {
		s.run(nil, st, nil, effects{})
	}
	for s.runs < s.maxRuns {
		var n *node
		switch {
		case len(s.high) > 0:
			n, s.high = s.high[0], s.high[1:]
		case len(s.mid) > 0:
			n, s.mid = s.mid[0], s.mid[1:]
		case len(s.low) > 0:
			n, s.low = s.low[0], s.low[1:]
		default:
			return
		}
		s.expand(n)
	}
}

// expand runs n's turn again with each other answer the host could have
// given to its effects, then each input that makes sense after it.
func (s *search) expand(n *node) {
	var before effects
	if n.parent != nil {
		before = n.parent.done
	}
	for _, name := range sortedKeys(n.done.calls) {
		got := n.done.calls[name]
		for k := len(before.calls[name]); k < len(got); k++ {
			for _, r := range s.responses[name][1:] {
				if sameResponse(r, got[k]) {
					continue
				}
				f := effects{calls: map[string][]mock.Response{name: append(append([]mock.Response(nil), got[len(before.calls[name]):k]...), r)}}
				s.rerun(n, f)
			}
		}
	}
	for k := len(before.transfers); k < len(n.done.transfers); k++ {
		if n.done.transfers[k].Error == "" {
			f := effects{transfers: append(append([]transcript.Outcome(nil), n.done.transfers[len(before.transfers):k]...), transcript.Outcome{Error: transferError})}
			s.rerun(n, f)
		}
	}
	for k := len(before.uploads); k < len(n.done.uploads); k++ {
		if n.done.uploads[k].Error == "" {
			f := effects{uploads: append(append([]transcript.Outcome(nil), n.done.uploads[len(before.uploads):k]...), transcript.Outcome{Error: uploadError})}
			s.rerun(n, f)
		}
	}
	for _, in := range s.inputs(n) {
		s.run(n, n.start, &in, effects{})
	}
}

// rerun runs n's turn again with other answers forced, keeping those it
// was already forced to get.
func (s *search) rerun(n *node, f effects) {
	all := n.forced.clone()
	for k, v := range f.calls {
		all.calls[k] = v // f's list already starts with the turn's earlier answers
	}
	if f.transfers != nil {
		all.transfers = f.transfers
	}
	if f.uploads != nil {
		all.uploads = f.uploads
	}
	s.run(n.parent, n.start, n.input, all)
}

func sameResponse(a, b mock.Response) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// inputs lists what can happen after n: the answers to a waiting
// question (and the starters that interrupt it), a message for each dialog
// with starters and the bot's events at rest, the host's words while an
// agent owns the conversation.
func (s *search) inputs(n *node) []turn.Input {
	st := n.st
	var out []turn.Input
	msg := func(text string) {
		for _, in := range out {
			if in.Kind == turn.Message && in.Text == text {
				return
			}
		}
		out = append(out, turn.Input{Kind: turn.Message, Text: text})
	}
	event := func(name string, fields map[string]string) {
		out = append(out, turn.Input{Kind: turn.Event, Event: name, Fields: fields})
	}
	switch {
	case st.Owner == turn.OwnerClosed || st.HandedTo != "":
		return nil
	case st.Owner == turn.OwnerAgent:
		event("agent_done", nil)
		event("agent_escalation_failed", nil)
		return out
	case st.Wait == turn.WaitAnswer:
		d := s.b.Dialog(st.Dialog)
		var step *graph.Step
		if d != nil {
			step = d.StepByKey(st.Step)
		}
		if step == nil || step.Ask == nil {
			return nil
		}
		if step.Ask.Type == graph.File {
			for _, f := range files(step.Ask) {
				event("upload", f)
			}
		}
		for _, a := range answers(step.Ask, step.Rules, n.buttons) {
			msg(a)
		}
		for _, d := range s.b.Dialogs {
			if d.Interrupt {
				if text := s.dialogText(d, true); text != "" {
					msg(text)
				}
			}
		}
		return out
	}
	for _, b := range n.buttons {
		msg(b)
	}
	for _, d := range s.b.Dialogs {
		if text := s.dialogText(d, false); text != "" {
			msg(text)
		}
	}
	if s.b.Fallback != nil {
		if text := nonsense(s.b.Bot); text != "" {
			msg(text)
		}
	}
	for _, st := range s.b.Starters.Events {
		name := st.Text
		if isHostEvent(name) {
			continue
		}
		event(strings.ReplaceAll(name, "*", "x"), nil)
	}
	return out
}

// isHostEvent reports whether an event starter catches an event the host
// or botctl itself raises in its own time, which a transcript sends only
// where it happens.
func isHostEvent(name string) bool {
	switch {
	case name == "agent_done", name == "agent_escalation_failed", name == turn.EventCallUnknown,
		strings.HasPrefix(name, "file_upload_success:"), strings.HasPrefix(name, "file_upload_failed:"):
		return true
	}
	return false
}

// dialogText is the first message that starts d through one of its
// starters, "" when it has none a message can match.
func (s *search) dialogText(d *graph.Dialog, interrupt bool) string {
	for _, st := range d.Starters {
		if st.Kind == graph.Event {
			continue
		}
		if text := starterText(s.b.Bot, st, interrupt); text != "" {
			return text
		}
	}
	return ""
}

// files lists uploads to try for a file question: a file of each accepted
// type, one of a type it does not accept, and one too large.
func files(a *graph.Ask) []map[string]string {
	var out []map[string]string
	for _, ext := range a.Accept {
		out = append(out, map[string]string{"name": "file." + ext, "size": "1200"})
	}
	if !contains(a.Accept, "exe") {
		out = append(out, map[string]string{"name": "file.exe", "size": "1200"})
	}
	if len(a.Accept) > 0 {
		out = append(out, map[string]string{"name": "file." + a.Accept[0], "size": strconv.FormatInt(a.MaxSize+1, 10)})
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
