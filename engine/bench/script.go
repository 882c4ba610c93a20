package bench

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/limits"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/transcript"
)

// Suite is a bot and the transcripts a run replays against it.
type Suite struct {
	BotPath string
	Bot     *graph.Bot
	Scripts []*Script
}

// Script is one transcript prepared for replay.
type Script struct {
	Path       string
	Transcript *transcript.Transcript
	// Calls lists the integrations the conversation calls, in the order
	// of their first call.
	Calls []string
	// HTTPSkip says why the transcript cannot replay against `botctl
	// serve` ("" when it can), leaving integration calls aside: a served
	// bot calls its integrations for real, or answers them from its own
	// mock file (Options.ServerMocks).
	HTTPSkip string

	// callCounts is how many times the conversation calls each
	// integration of Calls.
	callCounts map[string]int

	turns []transcript.Turn
	// inputs is the number of `>` and `>>` lines: each is a turn, and so
	// is the start.
	inputs int
}

// maxUpload is the largest file `botctl serve` takes in an upload event
// (server.MaxUpload).
const maxUpload = limits.MaxFile

// FailError is returned by Prepare when transcripts do not pass against
// the bot as they are: a load of them would measure wrong answers.
type FailError struct {
	Failures []string // "path:line: what went wrong", one per transcript
}

func (e *FailError) Error() string {
	n := "1 transcript does"
	if len(e.Failures) > 1 {
		n = strconv.Itoa(len(e.Failures)) + " transcripts do"
	}
	return n + " not pass against the bot (botctl test shows the differences):\n  " + strings.Join(e.Failures, "\n  ")
}

// Prepare reads the transcripts at paths and checks that each passes
// against bot (loaded from botPath), as botctl test runs it. It then
// replays each once in process to learn what it needs: the integrations it
// calls, and whether it can replay against a served bot.
func Prepare(bot *graph.Bot, botPath string, paths []string) (*Suite, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no transcripts to replay")
	}
	s := &Suite{BotPath: botPath, Bot: bot}
	r := &transcript.Runner{Bot: botPath}
	var fails []string
	for _, path := range paths {
		res := r.Run(path)
		if !res.Passed() {
			fails = append(fails, firstProblem(res))
			continue
		}
		t, diags := transcript.Parse(path, res.Expected)
		if diags.HasErrors() { // cannot happen: it ran
			fails = append(fails, diags.Err().Error())
			continue
		}
		sc := &Script{Path: path, Transcript: t, turns: t.Turns()}
		sc.inputs = len(sc.turns) - 1
		if err := sc.classify(bot); err != nil {
			fails = append(fails, path+": "+err.Error())
			continue
		}
		s.Scripts = append(s.Scripts, sc)
	}
	if len(fails) > 0 {
		return nil, &FailError{Failures: fails}
	}
	return s, nil
}

// firstProblem describes why a transcript did not pass, in one line.
func firstProblem(res *transcript.Result) string {
	switch {
	case len(res.Diags) > 0:
		return res.Diags[0].Pos.String() + ": " + res.Diags[0].Message
	case len(res.Failures) > 0:
		return res.Failures[0].String()
	}
	return res.Path + ": did not pass"
}

// classify replays the script twice in process: as written, to record the
// integrations it calls and whether it hands the conversation to another
// bot; and with today's clock and another conversation id, to learn whether
// what the bot says depends on them (a served conversation has both of its
// own). It sets Calls and HTTPSkip.
func (s *Script) classify(bot *graph.Bot) error {
	first := &inprocDriver{bot: bot}
	c := first.open(s).(*inprocConv)
	a, err := replay(c, s)
	if err != nil {
		return err
	}
	s.callCounts = map[string]int{}
	for _, call := range c.mocks.Calls {
		if !slices.Contains(s.Calls, call.Integration) {
			s.Calls = append(s.Calls, call.Integration)
		}
		s.callCounts[call.Integration]++
	}
	h := &s.Transcript.Header
	for _, l := range s.Transcript.Lines {
		if l.Wait > 0 {
			s.HTTPSkip = "it waits for timers (>> wait), which a served conversation meets in real time"
			return nil
		}
	}
	if reason := s.uploadProblem(); reason != "" {
		s.HTTPSkip = reason
		return nil
	}
	for _, o := range h.Transfers {
		if o.Error != "" {
			s.HTTPSkip = "its header makes a transfer request fail (transfers:); a served bot's transfers are the server's"
			return nil
		}
	}
	for _, o := range h.Uploads {
		if o.Error != "" {
			s.HTTPSkip = "its header makes storing a file fail (uploads:); a served bot's files are the server's"
			return nil
		}
	}
	if c.handedTo != "" {
		s.HTTPSkip = "it hands the conversation to the bot " + c.handedTo + ", which a server hosting both answers in the same turn"
		return nil
	}
	other := &inprocDriver{bot: bot, now: time.Now().UTC().Truncate(time.Second), id: "c_0f8c2a4e5b7d4c1e9a3f6d2b8e7c1a90"}
	b, err := replay(other.open(s), s)
	if err != nil || !sameLines(a, b) {
		s.HTTPSkip = "what the bot says depends on the date or the conversation id, which a served conversation has of its own"
	}
	return nil
}

// mocksProblem says why the script cannot replay against a server that
// answers integration calls from served (read from file): the first
// integration it calls for which the responses its calls get from served —
// the first n for n calls, the last repeating — are not those they get
// from the transcript's mocks. "" when they all are.
func (s *Script) mocksProblem(served mock.Set, file string) string {
	own := s.Transcript.Header.Mocks
	for _, name := range s.Calls {
		if len(served[name]) == 0 {
			return fmt.Sprintf("it calls %s, for which the server's mock file %s has no responses", name, file)
		}
		n := s.callCounts[name]
		for i := range n {
			if !reflect.DeepEqual(own.Answer(name, i), served.Answer(name, i)) {
				return fmt.Sprintf("it calls %s, which the server's mock file %s answers otherwise than the transcript's mocks (call %d of %d)",
					name, file, i+1, n)
			}
		}
	}
	return ""
}

// uploadProblem says why an upload event of the script cannot be sent
// to a server as the transcript gives it.
func (s *Script) uploadProblem() string {
	for _, t := range s.turns[1:] {
		l := t.Input
		if l.Kind != transcript.Event || l.Event != "upload" {
			continue
		}
		var typ string
		size := -1
		for _, f := range l.Fields {
			switch f.Key {
			case "type":
				typ = f.Value
			case "size":
				size, _ = strconv.Atoi(f.Value)
			}
		}
		switch {
		case size < 0:
			return fmt.Sprintf("line %d: its upload has no size=, which a file sent to a server has", l.Num)
		case size > maxUpload:
			return fmt.Sprintf("line %d: it uploads %d bytes, more than a server takes (5 MB)", l.Num, size)
		case typ == "" || typ == "application/octet-stream":
			return fmt.Sprintf("line %d: its upload has no type, which a server takes from the file name instead", l.Num)
		}
	}
	return ""
}

// replay plays the whole script through c and returns every line the bot
// did, turn after turn.
func replay(c conversation, s *Script) ([][]transcript.Line, error) {
	ctx := context.Background()
	out := make([][]transcript.Line, len(s.turns))
	var err error
	for k, t := range s.turns {
		if k == 0 {
			out[k], err = c.start(ctx)
		} else {
			out[k], err = c.input(ctx, t.Input)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func sameLines(a, b [][]transcript.Line) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if !same(&a[i][j], &b[i][j]) {
				return false
			}
		}
	}
	return true
}

// Turns returns how many turns one conversation of the script has: its
// start and one per `>` or `>>` line.
func (s *Script) Turns() int { return s.inputs + 1 }

// envFrom reads the values of names from getenv, leaving out unset ones.
func envFrom(getenv func(string) string, names []string) map[string]string {
	if getenv == nil {
		getenv = os.Getenv
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		if v := getenv(n); v != "" {
			m[n] = v
		}
	}
	return m
}
