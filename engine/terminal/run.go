package terminal

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/integration"
	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/transcript"
	"github.com/botctl/botctl/engine/turn"
)

// Config is what `botctl run` is told.
type Config struct {
	// Path is the bot, a file or a directory.
	Path string
	// Dialog starts this dialog instead of the welcome dialog.
	Dialog string
	// User and Params are the user profile and the start parameters.
	User, Params map[string]any
	// Trace shows each transition.
	Trace bool

	// Mock answers integration calls from this mock file; without it,
	// they go to the real services, limited to AllowHosts (when given)
	// and to loopback and public addresses unless AllowPrivateNetworks,
	// with responses of at most MaxResponseSize bytes (0: the client's
	// default).
	Mock                 string
	AllowHosts           []string
	AllowPrivateNetworks bool
	MaxResponseSize      int64

	// LookupEnv reads the env and secrets the bot declares (nil: none is
	// set).
	LookupEnv func(string) (string, bool)
	// Warn is told of the env and secrets that are not set (nil: nobody).
	Warn func(msg string)

	// Terminal, when set, is the terminal of an interactive chat, with
	// Color or without. Otherwise Stdin is read as a script: one message
	// or command per line, the conversation printed in transcript form.
	Terminal *os.File
	Color    bool
	Stdin    io.Reader
	Stdout   io.Writer
}

// Run chats with the bot of cfg until the input ends, the user quits or
// ctx is done (checked between lines).
// A bot that does not compile gives an *engine.LoadError; a wrong setting
// an *engine.ConfigError.
func Run(ctx context.Context, cfg Config) error {
	session, err := newSession(cfg)
	if err != nil {
		return err
	}
	if cfg.Terminal != nil {
		return chat(ctx, cfg.Terminal, cfg.Stdout, session)
	}
	return script(ctx, cfg.Stdin, cfg.Stdout, session)
}

// newSession loads the bot and sets up its conversation as cfg says.
func newSession(cfg Config) (*Session, error) {
	bot, diags := engine.Load(cfg.Path)
	if diags.HasErrors() {
		return nil, &engine.LoadError{Diags: diags}
	}
	if cfg.Dialog != "" && bot.Dialog(cfg.Dialog) == nil {
		return nil, fmt.Errorf("the bot has no dialog %q", cfg.Dialog)
	}
	env, secrets := cfg.lookup("env", bot.Env), cfg.lookup("secret", bot.Secrets)
	performer, err := newPerformer(bot, cfg, secrets)
	if err != nil {
		return nil, err
	}
	interactive := cfg.Terminal != nil
	return New(Options{
		Bot: bot, Performer: performer, Env: env, Secrets: secrets,
		User: cfg.User, Params: cfg.Params, Dialog: cfg.Dialog, Trace: cfg.Trace,
		Interactive: interactive, Color: interactive && cfg.Color,
		Sleep: sleepCapped,
	}), nil
}

// lookup reads the variables of one kind (env or secret) the bot declares,
// and warns of those that are not set, unless a mock file answers the
// calls that would use them.
func (cfg Config) lookup(kind string, names []string) map[string]string {
	vars := map[string]string{}
	for _, name := range names {
		v, ok := "", false
		if cfg.LookupEnv != nil {
			v, ok = cfg.LookupEnv(name)
		}
		if ok {
			vars[name] = v
		}
	}
	for _, name := range names {
		if _, ok := vars[name]; !ok && cfg.Mock == "" && cfg.Warn != nil {
			cfg.Warn(fmt.Sprintf("the bot reads %s.%s, which is not set in the environment", kind, name))
		}
	}
	return vars
}

// newPerformer answers integration calls from the mock file, or calls the
// real services; transfers and uploads are always accepted.
func newPerformer(bot *graph.Bot, cfg Config, secrets map[string]string) (turn.Performer, error) {
	if cfg.Mock != "" {
		set, err := mock.Load(cfg.Mock)
		if err != nil {
			return nil, err
		}
		if err := transcript.CheckMocks(bot, set); err != nil {
			return nil, fmt.Errorf("%s: %v", cfg.Mock, err)
		}
		return mock.NewPerformer(set), nil
	}
	opts := []integration.Option{
		integration.WithAllowedHosts(cfg.AllowHosts...),
		integration.WithSecrets(slices.Collect(maps.Values(secrets))...),
		integration.WithLoopback(true), // a developer's own services
		integration.WithPrivateNetworks(cfg.AllowPrivateNetworks),
	}
	if cfg.MaxResponseSize > 0 {
		opts = append(opts, integration.WithMaxBody(cfg.MaxResponseSize))
	}
	client, err := integration.New(opts...)
	if err != nil {
		return nil, &engine.ConfigError{Err: err}
	}
	return livePerformer{client, mock.NewPerformer(nil)}, nil
}

// livePerformer makes real integration calls and accepts transfers and
// uploads, as a terminal has no agent system or file store behind it.
type livePerformer struct {
	client *integration.Client
	rest   *mock.Performer
}

func (p livePerformer) Call(ctx context.Context, r *turn.Request) turn.CallResult {
	return p.client.Call(ctx, r)
}

func (p livePerformer) Transfer(ctx context.Context, t *turn.Transfer) error {
	return p.rest.Transfer(ctx, t)
}

func (p livePerformer) Store(ctx context.Context, f *turn.File) (string, error) {
	return p.rest.Store(ctx, f)
}

// sleepCapped waits out a step's delay, at most 3 s: long enough to show a
// pause, short enough not to stall someone trying a bot.
func sleepCapped(d time.Duration) { time.Sleep(min(d, 3*time.Second)) }

// script reads one message or command per line from in and prints the
// conversation to out in transcript form. Blank lines and # comments are
// skipped.
func script(ctx context.Context, in io.Reader, out io.Writer, s *Session) error {
	w := bufio.NewWriter(out)
	defer w.Flush()
	// Each turn's lines go out as soon as the turn ends, so that a program
	// on the other end of a pipe sees the bot's answer before it writes the
	// next line.
	print := func(lines []string) {
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
		w.Flush()
	}
	print(s.Start())
	r := bufio.NewReaderSize(in, 64<<10)
	for !s.Done() && ctx.Err() == nil {
		line, tooLong, err := readLine(r, maxLine)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if tooLong {
			print([]string{fmt.Sprintf("# error: an input line is longer than %d KiB; it was skipped", maxLine>>10)})
			continue
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		print(s.Handle(line))
	}
	return ctx.Err()
}

// maxLine bounds one scripted input line.
const maxLine = 1 << 20

// readLine reads one line without its line ending. A line longer than max
// is consumed and reported as tooLong rather than failing the run.
func readLine(r *bufio.Reader, max int) (line string, tooLong bool, err error) {
	var b []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			if err == io.EOF && (len(b) > 0 || tooLong) {
				return string(b), tooLong, nil
			}
			return "", false, err
		}
		if !tooLong {
			b = append(b, chunk...)
			if len(b) > max {
				tooLong, b = true, nil
			}
		}
		if !isPrefix {
			return string(b), tooLong, nil
		}
	}
}

// chat runs the interactive chat on the terminal in, writing to out: raw
// mode with line editing and history from golang.org/x/term.
func chat(ctx context.Context, in *os.File, out io.Writer, s *Session) error {
	fd := int(in.Fd())
	old, err := term.MakeRaw(fd)
	if err != nil {
		return err
	}
	defer term.Restore(fd, old)
	rw := struct {
		io.Reader
		io.Writer
	}{in, out}
	t := term.NewTerminal(rw, "")
	// The session is shared with the timers, which fire while the user
	// types: the terminal redraws the line being typed after their output.
	var mu sync.Mutex
	print := func(lines []string) {
		for _, l := range lines {
			fmt.Fprint(t, l+"\r\n")
		}
	}
	mu.Lock()
	print(s.Start())
	mu.Unlock()
	stop := make(chan struct{})
	defer close(stop)
	go timers(stop, &mu, s, func(lines []string) {
		print(lines)
		t.SetPrompt(s.Prompt())
	})
	for ctx.Err() == nil {
		mu.Lock()
		done := s.Done()
		t.SetPrompt(s.Prompt())
		mu.Unlock()
		if done {
			break
		}
		line, err := t.ReadLine()
		if err == io.EOF {
			fmt.Fprint(t, "\r\n")
			return nil
		}
		if err != nil {
			return err
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		mu.Lock()
		print(s.Handle(line))
		mu.Unlock()
	}
	return ctx.Err()
}

// timerPoll is how often an interactive chat looks for timers due: a
// timer fires within this of its time.
const timerPoll = 250 * time.Millisecond

// timers fires the session's timers in real time until stop is closed,
// printing what their dialogs say.
func timers(stop <-chan struct{}, mu *sync.Mutex, s *Session, print func([]string)) {
	tk := time.NewTicker(timerPoll)
	defer tk.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tk.C:
		}
		mu.Lock()
		if due, ok := s.Due(); ok && !due.After(s.opts.Now()) {
			print(s.Tick())
		}
		mu.Unlock()
	}
}
