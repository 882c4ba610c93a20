// Package terminal is the host behind `botctl run`: a chat with a bot in a
// terminal, or a scripted conversation over a pipe.
//
// A Session turns lines typed by the user (messages and /commands) into
// turns of the engine and formats what the bot did. Interactive mode shows
// a chat, with buttons as numbered choices; script mode prints the
// conversation in the transcript line format of docs/testing.md, so that
//
//	botctl run bot/ < script.txt
//
// is a deterministic, scriptable run.
package terminal

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fatih/color"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/duration"
	"github.com/botctl/botctl/engine/internal/mimetype"
	"github.com/botctl/botctl/engine/transcript"
	"github.com/botctl/botctl/engine/turn"
)

// Options configure a Session.
type Options struct {
	Bot       *graph.Bot
	Performer turn.Performer
	Env       map[string]string
	Secrets   map[string]string
	User      map[string]any
	Params    map[string]any
	Dialog    string // start this dialog instead of the welcome dialog
	Trace     bool   // show each transition
	// Interactive selects the chat presentation; otherwise lines are
	// printed in transcript form.
	Interactive bool
	Color       bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits out a step's delay in interactive mode; nil means no wait.
	Sleep func(time.Duration)
}

// Session is one conversation in a terminal. It is not safe for concurrent use.
type Session struct {
	opts    Options
	state   turn.State
	buttons []string // the last buttons shown, for picking by number
	agent   bool     // the operator types as the agent
	started bool
	n       int // conversations started, for ids
	quit    bool
	// ahead is how far /wait moved the conversation's clock past the
	// real one.
	ahead time.Duration

	bot, user, dim, warn, bad, head *color.Color
}

// New returns a session; call Start before Handle.
func New(opts Options) *Session {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Session{opts: opts}
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if opts.Color {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	s.bot = mk(color.FgCyan)
	s.user = mk(color.FgGreen)
	s.dim = mk(color.Faint)
	s.warn = mk(color.FgYellow)
	s.bad = mk(color.FgRed)
	s.head = mk(color.Bold)
	return s
}

// Done reports whether the user asked to quit.
func (s *Session) Done() bool { return s.quit }

// Prompt is what an interactive terminal shows before the user types.
func (s *Session) Prompt() string {
	if s.agent {
		return s.warn.Sprint("agent> ")
	}
	return s.user.Sprint("you> ")
}

func (s *Session) ctx() *turn.Context {
	return &turn.Context{Now: s.now(), Env: s.opts.Env, Secrets: s.opts.Secrets, Trace: s.opts.Trace}
}

// now is the conversation's clock: the real one, moved on by /wait.
func (s *Session) now() time.Time { return s.opts.Now().Add(s.ahead) }

// Start begins a new conversation and returns what to print.
func (s *Session) Start() []string {
	s.n++
	s.started = true
	s.agent = false
	s.buttons = nil
	s.ahead = 0
	s.state = turn.NewState(s.opts.Bot, "run-"+strconv.Itoa(s.n), s.now(), s.opts.User, s.opts.Params)
	var out []string
	if s.opts.Interactive && s.n == 1 {
		out = append(out, s.dim.Sprintf("Chatting with %s. Type /help for commands.", s.opts.Bot.Name))
	}
	return append(out, s.turn(turn.Input{Kind: turn.Start, Dialog: s.opts.Dialog})...)
}

// Handle takes one line typed by the user and returns what to print.
func (s *Session) Handle(line string) []string {
	line = strings.TrimRight(line, "\r\n")
	if strings.HasPrefix(line, "/") && !strings.HasPrefix(line, "//") {
		return s.command(line)
	}
	if strings.HasPrefix(line, "//") {
		line = line[1:] // "//x" sends the message "/x"
	}
	var echo []string
	if !s.opts.Interactive {
		echo = []string{transcript.Format(transcript.MessageLine(line))}
	}
	if s.agent {
		if s.opts.Interactive {
			return []string{s.warn.Sprint("(as the agent) ") + line}
		}
		return []string{"# agent: " + line}
	}
	text := line
	if s.opts.Interactive {
		// A number picks a button, unless it is itself one of the labels.
		// Scripts send what they say, so their output replays as a transcript.
		if n, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && n >= 1 && n <= len(s.buttons) && !slices.Contains(s.buttons, strings.TrimSpace(line)) {
			text = s.buttons[n-1]
			echo = append(echo, s.dim.Sprintf("(%s)", text))
		}
	}
	return append(echo, s.turn(turn.Input{Kind: turn.Message, Text: text})...)
}

const help = `Commands:
  /vars               show the conversation's variables, owner and tags
  /event NAME [k=v]   deliver a host event (agent_done, agent_escalation_failed, ...)
  /upload PATH        upload a file to a waiting file question
  /wait DURATION      move the clock on (10m, 1d) and fire the timers due by then
  /agent              type as the agent (again to stop): try a handoff in one terminal
  /restart            start a new conversation
  /quit               leave (also Ctrl-D)
A number picks the button with that number. Start a message with // to send a leading /.`

func (s *Session) command(line string) []string {
	fields := strings.Fields(line)
	name, args := fields[0], fields[1:]
	rest := strings.TrimSpace(strings.TrimPrefix(line, name))
	switch name {
	case "/quit", "/exit":
		s.quit = true
		return nil
	case "/help":
		return s.note(strings.Split(help, "\n")...)
	case "/restart":
		return append(s.note("new conversation"), s.Start()...)
	case "/vars":
		return s.vars()
	case "/agent":
		if s.state.Owner != turn.OwnerAgent && !s.agent {
			return s.problem("no agent owns the conversation; a transfer to an agent must happen first")
		}
		s.agent = !s.agent
		if s.agent {
			return s.note("you are the agent now; /event agent_done hands the conversation back")
		}
		return s.note("you are the user again")
	case "/event":
		if len(args) == 0 {
			return s.problem("usage: /event NAME [key=value ...]")
		}
		in := turn.Input{Kind: turn.Event, Event: args[0], Fields: map[string]string{}}
		for _, kv := range args[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return s.problem(fmt.Sprintf("event fields are key=value, not %q", kv))
			}
			in.Fields[k] = v
		}
		if in.Event == turn.EventAgentDone || in.Event == turn.EventEscalationFail {
			s.agent = false
		}
		var echo []string
		if !s.opts.Interactive {
			var fields []transcript.Field
			for _, kv := range args[1:] {
				k, v, _ := strings.Cut(kv, "=")
				fields = append(fields, transcript.Field{Key: k, Value: v})
			}
			echo = []string{transcript.Format(transcript.EventLine(in.Event, fields...))}
		}
		return append(echo, s.turn(in)...)
	case "/wait":
		d, err := duration.Parse(rest)
		if err != nil || d <= 0 {
			return s.problem("usage: /wait DURATION, such as /wait 10m or /wait 1d")
		}
		s.ahead += d
		var echo []string
		if !s.opts.Interactive {
			echo = []string{">> wait " + duration.Format(d)}
		}
		return append(echo, s.Tick()...)
	case "/upload":
		if rest == "" {
			return s.problem("usage: /upload PATH")
		}
		return s.upload(strings.Trim(rest, `"'`))
	}
	return s.problem(fmt.Sprintf("unknown command %s; /help lists the commands", name))
}

// Due reports when the conversation next has a timer to fire (an
// inactivity limit, a schedule) on the real clock, and false for none.
func (s *Session) Due() (time.Time, bool) {
	if !s.started {
		return time.Time{}, false
	}
	due, ok := turn.Due(s.opts.Bot, s.state)
	return due.Add(-s.ahead), ok
}

// Tick fires the timers due by the conversation's clock, in order, and
// returns what their dialogs showed.
func (s *Session) Tick() []string {
	var out []string
	for range 100 {
		due, ok := turn.Due(s.opts.Bot, s.state)
		if !ok || due.After(s.now()) {
			return out
		}
		out = append(out, s.turn(turn.Input{Kind: turn.Tick})...)
	}
	return append(out, s.problem("more than 100 timers fired at once; does a timer's dialog schedule another at once?")...)
}

func (s *Session) upload(path string) []string {
	info, err := os.Stat(path)
	if err != nil {
		return s.problem(err.Error())
	}
	if info.IsDir() {
		return s.problem(path + " is a directory; upload a file")
	}
	name := filepath.Base(path)
	ctype := mimetype.TypeByName(name)
	if ctype == "" {
		ctype = mimetype.Unknown
	}
	fields := map[string]string{"name": name, "type": ctype, "size": strconv.FormatInt(info.Size(), 10)}
	var echo []string
	if !s.opts.Interactive {
		echo = []string{transcript.Format(transcript.EventLine(turn.EventUpload,
			transcript.Field{Key: "name", Value: name}, transcript.Field{Key: "type", Value: ctype},
			transcript.Field{Key: "size", Value: fields["size"]}))}
	}
	return append(echo, s.turn(turn.Input{Kind: turn.Event, Event: turn.EventUpload, Fields: fields})...)
}

func (s *Session) vars() []string {
	st := s.state
	names := make([]string, 0, len(st.Vars))
	for k := range st.Vars {
		names = append(names, k)
	}
	sort.Strings(names)
	lines := []string{fmt.Sprintf("owner=%s turn=%d tags=[%s]", st.Owner, st.Turn, strings.Join(st.Tags, ", "))}
	if st.Dialog != "" {
		lines[0] += fmt.Sprintf(" dialog=%s", st.Dialog)
	}
	if st.HandedTo != "" {
		lines[0] += fmt.Sprintf(" handed_to=%s", st.HandedTo)
	}
	if st.TransferFailures > 0 {
		lines[0] += fmt.Sprintf(" transfer_failures=%d", st.TransferFailures)
	}
	for _, k := range names {
		v := st.Vars[k]
		if str, ok := v.(string); ok {
			lines = append(lines, fmt.Sprintf("vars.%s = %q", k, str))
		} else {
			lines = append(lines, fmt.Sprintf("vars.%s = %s", k, cond.Format(v)))
		}
	}
	return s.note(lines...)
}

// note formats informational lines: dim in a chat, comments in a script.
func (s *Session) note(lines ...string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		if s.opts.Interactive {
			out[i] = s.dim.Sprint(l)
		} else {
			out[i] = "# " + l
		}
	}
	return out
}

func (s *Session) problem(msg string) []string {
	if s.opts.Interactive {
		return []string{s.bad.Sprint("! " + msg)}
	}
	return []string{"# error: " + msg}
}

// turn runs one input through the engine and formats the reply.
func (s *Session) turn(in turn.Input) []string {
	if !s.started {
		return s.problem("the conversation has not started")
	}
	st, reply, err := turn.Drive(context.Background(), s.opts.Bot, s.state, in, s.ctx(), s.opts.Performer)
	var out []string
	trace := reply.Trace
	traceUpTo := func(n int) {
		for len(trace) > 0 && trace[0].Out <= n {
			out = append(out, s.traceLine(trace[0]))
			trace = trace[1:]
		}
	}
	if err != nil {
		traceUpTo(len(reply.Outputs))
		return append(out, s.problem(err.Error())...)
	}
	s.state = st
	s.buttons = nil
	for i, o := range reply.Outputs {
		traceUpTo(i)
		if o.Delay > 0 && s.opts.Interactive && s.opts.Sleep != nil {
			s.opts.Sleep(o.Delay)
		}
		out = append(out, s.output(o)...)
	}
	traceUpTo(len(reply.Outputs))
	for _, e := range reply.Errors {
		out = append(out, s.problem(e)...)
	}
	if in.Kind == turn.Message && st.Owner == turn.OwnerAgent && len(reply.Outputs) == 0 {
		out = append(out, s.note("(an agent owns the conversation: the bot does not answer; /agent to reply as the agent, /event agent_done to hand back)")...)
	}
	if st.HandedTo != "" {
		// botctl run hosts one bot: the conversation ends here for it.
		out = append(out, s.note(fmt.Sprintf("(the conversation now belongs to the bot %s, which botctl run does not host; /restart starts a new conversation)", st.HandedTo))...)
	}
	return out
}

func (s *Session) traceLine(t turn.Transition) string {
	if s.opts.Interactive {
		return s.dim.Sprint("  · " + t.String())
	}
	return "# trace: " + t.String()
}

func (s *Session) output(o turn.Output) []string {
	if !s.opts.Interactive {
		if o.Kind == turn.OutButtons {
			s.buttons = o.Buttons
		}
		return []string{transcript.Format(transcript.OutputLine(o))}
	}
	switch o.Kind {
	case turn.OutText:
		lines := strings.Split(o.Text, "\n")
		out := []string{s.bot.Sprint("bot: ") + lines[0]}
		for _, l := range lines[1:] {
			out = append(out, "     "+l)
		}
		return out
	case turn.OutButtons:
		s.buttons = o.Buttons
		var b strings.Builder
		b.WriteString("     ")
		for i, label := range o.Buttons {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(s.head.Sprintf("[%d]", i+1) + " " + label)
		}
		return []string{b.String()}
	case turn.OutTransfer:
		t := o.Transfer
		what := "an agent"
		if t.To == "bot" {
			what = "the bot " + t.Bot
		}
		var details []string
		if t.Skill != "" {
			details = append(details, "skill "+t.Skill)
		}
		if t.Agent != "" {
			details = append(details, "agent "+t.Agent)
		}
		line := "— handed over to " + what
		if len(details) > 0 {
			line += " (" + strings.Join(details, ", ") + ")"
		}
		if t.To == "agent" {
			line += " — /agent to answer as the agent, /event agent_done to hand back"
		}
		return []string{s.warn.Sprint(line)}
	case turn.OutClose:
		return []string{s.warn.Sprint("— conversation closed — /restart to start a new one")}
	case turn.OutUpload:
		return []string{s.warn.Sprintf("— the bot asks for a file (%s): /upload PATH", strings.Join(o.Accept, ", "))}
	}
	return nil
}
