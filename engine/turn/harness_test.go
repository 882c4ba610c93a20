package turn

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/duration"
)

// testNow pins the clock of every test conversation.
var testNow = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

// compileBot compiles a one-file bot, failing the test on any error.
func compileBot(t testing.TB, src string) *graph.Bot {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "bot.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bot, diags := engine.Load(path)
	if diags.HasErrors() {
		t.Fatalf("bot does not compile:\n%v", diags.Err())
	}
	return bot
}

// mocks answers integration calls by name, in order, the last repeating;
// transfer requests get the outcomes of transferErrs in order (nil: it was
// requested), the last repeating, else transferErr; files are stored as
// "file-N". Every transfer request is recorded in transfers.
type mocks struct {
	calls        map[string][]CallResult
	used         map[string]int
	requests     []*Request
	transferErr  error
	transferErrs []error
	transfers    []*Transfer
	storeErr     error
	stored       int
}

func (m *mocks) Call(_ context.Context, req *Request) CallResult {
	m.requests = append(m.requests, req)
	list := m.calls[req.Integration.Name]
	if len(list) == 0 {
		return CallResult{Error: "no mock for " + req.Integration.Name}
	}
	if m.used == nil {
		m.used = map[string]int{}
	}
	i := min(m.used[req.Integration.Name], len(list)-1)
	m.used[req.Integration.Name]++
	return list[i]
}

func (m *mocks) Transfer(_ context.Context, t *Transfer) error {
	m.transfers = append(m.transfers, t)
	if len(m.transferErrs) > 0 {
		return m.transferErrs[min(len(m.transfers), len(m.transferErrs))-1]
	}
	return m.transferErr
}

func (m *mocks) Store(context.Context, *File) (string, error) {
	if m.storeErr != nil {
		return "", m.storeErr
	}
	m.stored++
	return "file-" + string(rune('0'+m.stored)), nil
}

// converse runs script against bot: it starts a conversation, feeds every
// `>` (message) and `>>` (event) line, and returns the whole conversation
// in transcript form, refusals as `!! error` lines. A `? expr` line is an
// assertion over the conversation at that point: it is copied when it holds
// and marked "? expr (false)" when not. Expected output lines in script are
// ignored, so a test compares converse(script) with script.
func converse(t testing.TB, bot *graph.Bot, p Performer, script string) (string, State) {
	t.Helper()
	return converseTraced(t, bot, p, script, false)
}

// converseTraced is converse, with the turns traced when trace is set: each
// transition is a `~ ` line (with its edge, when it took one) before the
// outputs that followed it.
func converseTraced(t testing.TB, bot *graph.Bot, p Performer, script string, trace bool) (string, State) {
	t.Helper()
	if p == nil {
		p = &mocks{}
	}
	ctx := &Context{Now: testNow, Env: map[string]string{"API": "http://api.test"}, Secrets: map[string]string{"TOKEN": "s3cret"}, Trace: trace}
	st := NewState(bot, "c1", testNow, map[string]any{"name": "Ann"}, nil)
	var out []string
	emit := func(r Reply, err error) {
		tr := r.Trace
		for i, o := range r.Outputs {
			for ; len(tr) > 0 && tr[0].Out <= i; tr = tr[1:] {
				out = append(out, traceLine(tr[0]))
			}
			out = append(out, o.Line())
		}
		for _, x := range tr {
			out = append(out, traceLine(x))
		}
		if err != nil {
			out = append(out, "!! "+err.Error())
		}
	}
	var r Reply
	var err error
	st, r, err = Drive(context.Background(), bot, st, Input{Kind: Start}, ctx, p)
	emit(r, err)
	for _, line := range strings.Split(strings.TrimSpace(script), "\n") {
		line = strings.TrimSpace(line)
		var in Input
		switch {
		case strings.HasPrefix(line, ">> wait "):
			// The clock moves on, and the timers due by then fire, as a
			// host fires them.
			d, derr := duration.Parse(line[len(">> wait "):])
			if derr != nil {
				t.Fatalf("%s: %v", line, derr)
			}
			out = append(out, line)
			ctx.Now = ctx.Now.Add(d)
			for range 20 {
				due, ok := Due(bot, st)
				if !ok || due.After(ctx.Now) {
					break
				}
				data, merr := Marshal(st)
				if merr != nil {
					t.Fatal(merr)
				}
				if st, merr = Unmarshal(data); merr != nil {
					t.Fatal(merr)
				}
				st, r, err = Drive(context.Background(), bot, st, Input{Kind: Tick}, ctx, p)
				emit(r, err)
			}
			continue
		case strings.HasPrefix(line, ">> "):
			fields := strings.Fields(line[3:])
			in = Input{Kind: Event, Event: fields[0], Fields: map[string]string{}}
			for _, kv := range fields[1:] {
				k, v, _ := strings.Cut(kv, "=")
				in.Fields[k] = v
			}
		case strings.HasPrefix(line, "> "):
			in = Input{Kind: Message, Text: line[2:]}
		case line == ">":
			in = Input{Kind: Message}
		case strings.HasPrefix(line, "? "):
			e, cerr := cond.CompileBool(line[2:])
			if cerr != nil {
				t.Fatalf("%s: %v", line, cerr)
			}
			env := st.Env(ctx)
			ok, eerr := e.Bool(&env)
			switch {
			case eerr != nil:
				out = append(out, line+" ("+eerr.Error()+")")
			case !ok:
				out = append(out, line+" (false)")
			default:
				out = append(out, line)
			}
			continue
		default:
			continue
		}
		out = append(out, line)
		// Every turn goes through a store round trip, as in serve.
		data, merr := Marshal(st)
		if merr != nil {
			t.Fatal(merr)
		}
		if st, merr = Unmarshal(data); merr != nil {
			t.Fatal(merr)
		}
		st, r, err = Drive(context.Background(), bot, st, in, ctx, p)
		emit(r, err)
	}
	return strings.Join(out, "\n"), st
}

func traceLine(t Transition) string {
	if t.Edge != 0 {
		return "~ " + t.String() + " [edge " + strconv.Itoa(t.Edge) + "]"
	}
	return "~ " + t.String()
}

// check runs a conversation and compares it with want line by line.
func check(t *testing.T, bot *graph.Bot, p Performer, want string) State {
	t.Helper()
	got, st := converse(t, bot, p, want)
	want = strings.Join(trimLines(want), "\n")
	if got != want {
		t.Errorf("conversation differs\n--- got\n%s\n--- want\n%s", got, want)
	}
	return st
}

func trimLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

var errBoom = errors.New("boom")
