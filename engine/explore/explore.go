package explore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/transcript"
	"github.com/botctl/botctl/engine/turn"
)

// Options bounds an exploration. The zero Options uses the defaults.
type Options struct {
	// MaxRuns is how many turns the search may run in all; 0 means 5000.
	MaxRuns int
	// MaxDepth is how many inputs one conversation may have; 0 means 20.
	MaxDepth int
}

// File is one transcript an exploration wrote.
type File struct {
	Name string // the file's base name
	Src  []byte
	// Reaches describes what this transcript reaches that none before
	// it does.
	Reaches []string
}

// Report is what an exploration found.
type Report struct {
	Files []File
	// Steps and Edges count the bot's steps and the edges of its steps
	// (graph.Step.Edges); the Hit counts are those the files reach.
	Steps, StepsHit int
	Edges, EdgesHit int
	// Missed describes each step and edge no file reaches.
	Missed []string
	// Notes are conversations the search found but could not write as a
	// passing transcript, and anything else the author should know.
	Notes []string
}

// Percent is the share of steps and edges together that the files reach.
func (r *Report) Percent() float64 {
	if r.Steps+r.Edges == 0 {
		return 100
	}
	return 100 * float64(r.StepsHit+r.EdgesHit) / float64(r.Steps+r.Edges)
}

// Explore walks the state graph of b, the bot at botPath, and returns
// transcripts, to be written into dir, that between them reach every step
// and edge it can: answers that pass and fail each question, mock
// responses that succeed and fail for each call (and the values the bot's
// rules compare a response with), transfers and uploads that work and
// fail, the host's events after a transfer, and every dialog's starters.
//
// The search runs the engine itself: it chooses inputs and the host's
// answers, runs each conversation with turn.Drive, and keeps one that
// reaches something new. The transcripts are then recorded as
// `botctl test --update` would (the bot's lines come from running the
// written inputs through the transcript runner), and each is run again
// to check that it passes as written; one that does not is left out with a
// note. The same bot gives the same files.
func Explore(b *graph.Bot, botPath, dir string, opts Options) (*Report, error) {
	if opts.MaxRuns <= 0 {
		opts.MaxRuns = 5000
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = 20
	}
	rel, err := relBot(botPath, dir)
	if err != nil {
		return nil, err
	}
	s := &search{
		b:         newBot(b),
		ctx:       &turn.Context{Now: transcript.DefaultNow, Env: testEnv(b), Secrets: testSecrets(b), Trace: true},
		responses: map[string][]mock.Response{},
		maxRuns:   opts.MaxRuns,
		maxDepth:  opts.MaxDepth,
		seen:      map[string]bool{},
		found:     map[goal]bool{},
	}
	unknown := b.Starters.MatchEvent(turn.EventCallUnknown) != nil
	for _, in := range b.Integrations {
		s.responses[in.Name] = responses(b, in, unknown)
	}
	rep := &Report{}
	starts := []start{{}}
	for _, in := range b.Interactions {
		if params, ok := interactionParams(in); ok {
			starts = append(starts, start{Interaction: in.ID, Params: params})
		} else {
			rep.Notes = append(rep.Notes, fmt.Sprintf("interaction %s: found no params for which its `when` (%s) holds", in.ID, in.When.Source))
		}
	}
	s.explore(starts)
	// Dialogs nothing started: start them as a transcript's `dialog:` can.
	var more []start
	for _, d := range b.Dialogs {
		if !s.found[stepGoal(d.Steps[0])] {
			more = append(more, start{Dialog: d.Name})
		}
	}
	s.explore(more)

	chosen := s.choose()
	runner := &transcript.Runner{}
	covered := map[goal]bool{}
	names := map[string]int{}
	for _, c := range chosen {
		name := fileName(c.n, names)
		src := s.record(c.n, rel, c.reaches)
		path := filepath.Join(dir, name)
		res := runner.RunSource(path, src)
		if !res.PassedAfterUpdate() {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: left out, it does not run as recorded: %s", name, why(res)))
			continue
		}
		again := runner.RunSource(path, res.Actual)
		if !again.Passed() {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: left out, it does not pass as recorded: %s", name, why(again)))
			continue
		}
		f := File{Name: name, Src: res.Actual}
		for _, g := range c.reaches {
			f.Reaches = append(f.Reaches, describe(s.b, g))
		}
		rep.Files = append(rep.Files, f)
		for g := range c.n.goals {
			covered[g] = true
		}
	}
	steps, edges := s.b.totals()
	rep.Steps, rep.Edges = len(steps), len(edges)
	for _, g := range steps {
		if covered[g] {
			rep.StepsHit++
		} else {
			rep.Missed = append(rep.Missed, describe(s.b, g))
		}
	}
	for _, g := range edges {
		if covered[g] {
			rep.EdgesHit++
		} else {
			rep.Missed = append(rep.Missed, describe(s.b, g))
		}
	}
	return rep, nil
}

// why is the first reason a transcript did not run or pass.
func why(r *transcript.Result) string {
	if len(r.Diags) > 0 {
		return r.Diags[0].Message
	}
	for _, f := range r.Failures {
		return f.String()
	}
	return "it did not run"
}

// relBot is the bot's path as a transcript in dir names it.
func relBot(botPath, dir string) (string, error) {
	b, err := filepath.Abs(botPath)
	if err != nil {
		return "", err
	}
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(d, b)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(rel), nil
}

// testEnv and testSecrets are the values explored transcripts give the
// bot's environment and secrets: made up, never read from the machine.
func testEnv(b *graph.Bot) map[string]string {
	m := map[string]string{}
	for _, name := range b.Env {
		m[name] = "http://" + strings.ReplaceAll(strings.ToLower(name), "_", "-") + ".test"
	}
	return m
}

func testSecrets(b *graph.Bot) map[string]string {
	m := map[string]string{}
	for _, name := range b.Secrets {
		m[name] = "test-" + strings.ReplaceAll(strings.ToLower(name), "_", "-")
	}
	return m
}

// interactionParams finds params for which in's `when` holds: each param
// it reads set to "x", or one of them set to a literal of the condition.
func interactionParams(in *graph.Interaction) (map[string]any, bool) {
	var names []string
	add := func(refs []cond.Ref) {
		for _, r := range refs {
			if r.Root == "params" && r.Name != "" && !contains(names, r.Name) {
				names = append(names, r.Name)
			}
		}
	}
	if in.When != nil {
		add(in.When.Refs())
	}
	for _, p := range in.Params {
		add(p.Value.Refs())
	}
	base := func() map[string]any {
		m := map[string]any{}
		for _, n := range names {
			m[n] = "x"
		}
		return m
	}
	holds := func(params map[string]any) bool {
		if in.When == nil {
			return true
		}
		env := cond.Env{Params: params, Now: func() time.Time { return transcript.DefaultNow }}
		ok, err := in.When.Bool(&env)
		return err == nil && ok
	}
	if p := base(); holds(p) {
		return p, true
	}
	for _, n := range names {
		for _, l := range literals(in.When) {
			p := base()
			p[n] = typed(l)
			if holds(p) {
				return p, true
			}
		}
	}
	return nil, false
}

// interactionStart renders the params in's dialog starts with from those
// the host passes.
func interactionStart(in *graph.Interaction, host map[string]any) map[string]any {
	env := cond.Env{Params: host, Now: func() time.Time { return transcript.DefaultNow }}
	out := map[string]any{}
	for _, p := range in.Params {
		if v, err := p.Value.Render(&env); err == nil {
			out[p.Name] = v
		}
	}
	return out
}

// choice is a conversation chosen to be written, and the goals it reaches
// first.
type choice struct {
	n       *node
	reaches []goal
}

// choose picks conversations that between them reach every goal found,
// greedily: the one reaching the most goals not yet reached, the shorter
// on a tie, then the one found first.
func (s *search) choose() []choice {
	var out []choice
	covered := map[goal]bool{}
	for {
		var best *node
		bestNew := 0
		for _, n := range s.nodes {
			k := 0
			for g := range n.goals {
				if !covered[g] {
					k++
				}
			}
			if k > bestNew || k == bestNew && k > 0 && n.depth < best.depth {
				best, bestNew = n, k
			}
		}
		if best == nil {
			return out
		}
		var reaches []goal
		for g := range best.goals {
			if !covered[g] {
				reaches = append(reaches, g)
				covered[g] = true
			}
		}
		sort.Strings(reaches)
		out = append(out, choice{best, reaches})
	}
}

// fileName names a transcript after the first dialog its conversation
// enters with a starter, numbered in the order they are chosen.
func fileName(n *node, used map[string]int) string {
	name := "welcome"
	switch {
	case n.start.Interaction != "":
		name = n.start.Interaction
	case n.start.Dialog != "":
		name = n.start.Dialog
	}
	for _, x := range path(n) {
		if x.entered != "" && x.input != nil {
			name = x.entered
			break
		}
	}
	used[""]++
	return fmt.Sprintf("explore-%02d-%s.transcript", used[""], name)
}

func path(n *node) []*node {
	var out []*node
	for x := n; x != nil; x = x.parent {
		out = append(out, x)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// record writes the transcript of conversation n: a header with the
// host's answers it got, a comment saying what it reaches, and its inputs.
// The bot's lines are added by running it.
func (s *search) record(n *node, bot string, reaches []goal) []byte {
	h := transcript.Header{Bot: bot, Env: s.ctx.Env, Dialog: n.start.Dialog,
		Interaction: n.start.Interaction, Params: n.start.Params, Mocks: mock.Set{}}
	for name, list := range n.done.calls {
		if len(list) > 0 {
			h.Mocks[name] = list
		}
	}
	if failed(n.done.transfers) {
		h.Transfers = n.done.transfers
	}
	if failed(n.done.uploads) {
		h.Uploads = n.done.uploads
	}
	var lines []transcript.Line
	comment := func(text string) { lines = append(lines, transcript.Line{Kind: transcript.Comment, Text: text}) }
	comment("Written by botctl explore. It reaches:")
	for _, g := range reaches {
		comment("  " + describe(s.b, g))
	}
	for _, in := range n.inputs() {
		if in.Kind == turn.Message {
			lines = append(lines, transcript.MessageLine(in.Text))
			continue
		}
		var fields []transcript.Field
		for _, k := range []string{"name", "type", "size"} {
			if v, ok := in.Fields[k]; ok {
				fields = append(fields, transcript.Field{Key: k, Value: v})
			}
		}
		lines = append(lines, transcript.EventLine(in.Event, fields...))
	}
	var b bytes.Buffer
	_ = transcript.Write(&b, h, lines) // a bytes.Buffer does not fail
	return withSecrets(b.Bytes(), s.ctx.Secrets)
}

// withSecrets adds the test values of the bot's secrets to a transcript's
// header, which transcript.Write never writes.
func withSecrets(src []byte, secrets map[string]string) []byte {
	if len(secrets) == 0 {
		return src
	}
	var parts []string
	for _, k := range sortedKeys(secrets) {
		parts = append(parts, k+": "+secrets[k])
	}
	line := "secrets: {" + strings.Join(parts, ", ") + "}\n"
	end := bytes.Index(src[4:], []byte("\n---\n")) + 4 + 1 // the header's closing line
	out := append([]byte(nil), src[:end]...)
	out = append(out, line...)
	return append(out, src[end:]...)
}

func failed(list []transcript.Outcome) bool {
	for _, o := range list {
		if o.Error != "" {
			return true
		}
	}
	return false
}

// Write writes files into dir, which it creates if need be. A file that
// exists is an error, unless force, before anything is written.
func Write(dir string, files []File, force bool) error {
	if !force {
		var exist []string
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(dir, f.Name)); err == nil {
				exist = append(exist, f.Name)
			} else if !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		if len(exist) > 0 {
			it := "it"
			if len(exist) > 1 {
				it = "them"
			}
			return fmt.Errorf("%s already holds %s; remove %s or give --force to overwrite", dir, strings.Join(exist, ", "), it)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Src, 0o644); err != nil {
			return err
		}
	}
	return nil
}
