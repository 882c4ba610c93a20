// Command benchdoc runs botctl's benchmarks and rewrites the generated
// section of docs/performance.md with their figures. `make bench` runs it
// from the repository root:
//
//	go run ./engine/internal/tools/benchdoc [-doc docs/performance.md] [-count 5] [-rounds 5] [-quick] [-n]
//
// It runs, printing each command and its output as it goes:
//
//   - the Go benchmarks of the hot paths: one turn per step kind and the
//     example bots (engine/turn), compile at 200 and 2,000 dialogs
//     (engine/compile), each store's load and save (engine/store), and the
//     memory footprint of an idle conversation;
//   - BenchmarkServe (engine/server) in -rounds separate runs: complete over
//     loopback HTTP on each store and the bare echo handler, each run
//     giving one ratio per store, taken minutes apart at most (the machine
//     is shared: figures of separate runs are not comparable, ratios of one
//     run are); the table gives the median of the rounds' ratios;
//   - botctl bench on the example bots, in process and against a botctl
//     serve it starts on 127.0.0.1 (memory and file stores), at
//     concurrency 64, reading the server's peak resident memory from
//     /proc. For a bot with a mock file (dialogs/BOT/mocks/offline.yaml)
//     the server runs with --mock FILE and bench is given the same
//     --mock, so that the transcripts that file answers replay too.
//
// Then it replaces what lies between <!-- bench:start --> and
// <!-- bench:end --> in the doc with tables of the medians, the machine,
// the date and the Go version, and the commands that made them.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/botctl/botctl/engine/bench"
)

var (
	docPath       = flag.String("doc", "docs/performance.md", "the document whose generated section to rewrite")
	count         = flag.Int("count", 5, "runs of each Go benchmark (the table gives medians)")
	rounds        = flag.Int("rounds", 5, "runs of BenchmarkServe (the table gives the median of the ratios)")
	conversations = flag.Int("conversations", 20000, "conversations of each in-process botctl bench run")
	quick         = flag.Bool("quick", false, "one run of everything, short benchmark times, and print the section (implies -n): to try the tool")
	dryRun        = flag.Bool("n", false, "print the generated section instead of writing the doc")
)

const (
	startMark = "<!-- bench:start -->"
	endMark   = "<!-- bench:end -->"
)

func main() {
	flag.Parse()
	if *quick {
		*count, *rounds, *conversations, *dryRun = 1, 1, 2000, true
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchdoc:", err)
		os.Exit(1)
	}
}

func run() error {
	doc, err := os.ReadFile(*docPath)
	if err != nil {
		return err
	}
	if !bytes.Contains(doc, []byte(startMark)) || !bytes.Contains(doc, []byte(endMark)) {
		return fmt.Errorf("%s has no %s ... %s section to rewrite", *docPath, startMark, endMark)
	}
	m := machine()
	var f figures
	if err := f.goBenchmarks(); err != nil {
		return err
	}
	if err := f.serveRounds(); err != nil {
		return err
	}
	if err := f.botctlBench(); err != nil {
		return err
	}
	section := f.markdown(m)
	if *dryRun {
		fmt.Print(section)
		return nil
	}
	// Read the doc again: it may have been edited during the run.
	if doc, err = os.ReadFile(*docPath); err != nil {
		return err
	}
	i := bytes.Index(doc, []byte(startMark)) + len(startMark)
	if i < len(startMark) {
		return fmt.Errorf("%s lost its %s during the run", *docPath, startMark)
	}
	j := bytes.Index(doc, []byte(endMark))
	if j < i {
		return fmt.Errorf("%s: %s comes before %s", *docPath, endMark, startMark)
	}
	out := slices.Concat(doc[:i], []byte("\n"), []byte(section), doc[j:])
	if err := os.WriteFile(*docPath, out, 0o644); err != nil {
		return err
	}
	fmt.Printf("\nbenchdoc: rewrote the generated section of %s\n", *docPath)
	return nil
}

// machineInfo describes where the figures were taken.
type machineInfo struct {
	cpus       int
	cpu        string
	goVersion  string
	date       string
	load       string
	redis      string
	postgres   string
	started    time.Time
	finishLoad string
}

func machine() machineInfo {
	m := machineInfo{cpus: runtime.NumCPU(), cpu: "unknown CPU", started: time.Now()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	m.goVersion = strings.TrimSpace(output("go", "env", "GOVERSION")) + " " + runtime.GOOS + "/" + runtime.GOARCH
	m.date = time.Now().UTC().Format("2006-01-02")
	m.load = loadAverage()
	if v := output("redis-server", "--version"); v != "" {
		if i := strings.Index(v, "v="); i >= 0 {
			m.redis = "redis-server " + strings.Fields(v[i+2:])[0]
		}
	}
	if v := output("postgres", "--version"); v != "" {
		m.postgres = strings.TrimSpace(v)
	}
	return m
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// shellJoin writes args as a shell command line, quoting those that need it.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t|()$^*?[]{}<>&;'\"\\!#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// output runs a command and returns its stdout, "" when it fails.
func output(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// samples maps a benchmark's name (without the -GOMAXPROCS suffix) to its
// measurements, by unit (ns/op, allocs/op, req/s, ...), one per run.
type samples map[string]map[string][]float64

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.+)$`)

// parseBench reads `go test -bench` output.
func parseBench(out string, into samples) {
	for line := range strings.SplitSeq(out, "\n") {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			if into[m[1]] == nil {
				into[m[1]] = map[string][]float64{}
			}
			into[m[1]][f[i+1]] = append(into[m[1]][f[i+1]], v)
		}
	}
}

// median returns the median of a benchmark's unit, and whether there is one.
func (s samples) median(name, unit string) (float64, bool) {
	return median(s[name][unit])
}

func median(v []float64) (float64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	v = slices.Sorted(slices.Values(v))
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

// command records a command that made figures, for the doc.
type command struct{ what, line string }

type figures struct {
	goBench  samples
	commands []command

	serve      samples      // BenchmarkServe, all rounds
	ratios     [][6]float64 // per round: memory/echo, file/echo, redis/echo, redis/memory, postgres/echo, postgres/memory
	inProcess  map[string]*bench.Report
	flow       *bench.Report // the order-status flow, one conversation at a time
	served     []servedRun
	botctlPath string
}

type servedRun struct {
	bot, store string
	mocks      string // the server's --mock file, "" for none
	report     *bench.Report
	serverRSS  uint64 // VmHWM of the botctl serve process, bytes
}

// goTest runs `go test` with args, printing the command and its output,
// and parses the benchmark lines into into.
func goTest(into samples, args ...string) (string, error) {
	line := "go test " + shellJoin(args)
	fmt.Println("$", line)
	cmd := exec.Command("go", append([]string{"test"}, args...)...)
	var buf bytes.Buffer
	cmd.Stdout = io.MultiWriter(os.Stdout, &buf)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return line, fmt.Errorf("%s: %w", line, err)
	}
	parseBench(buf.String(), into)
	return line, nil
}

func (f *figures) goBenchmarks() error {
	f.goBench = samples{}
	n := strconv.Itoa(*count)
	benchtime := []string{}
	if *quick {
		benchtime = []string{"-benchtime", "200ms"}
	}
	runs := []struct {
		what string
		args []string
	}{
		{"turns", slices.Concat([]string{"./engine/turn", "-run", "^$", "-bench", "BenchmarkStep|BenchmarkTurn|BenchmarkExampleBots", "-benchmem", "-count", n}, benchtime)},
		{"compile", []string{"./engine/compile", "-run", "^$", "-bench", "Compile", "-benchmem", "-benchtime", "10x", "-count", n}},
		{"stores", slices.Concat([]string{"./engine/store", "-run", "^$", "-bench", "Benchmark(Memory|File|Redis|Postgres)$", "-benchmem", "-count", n}, benchtime)},
		{"footprint", []string{"./engine/store", "-run", "^$", "-bench", "Footprint/Memory", "-benchtime", "1x", "-count", "1"}},
	}
	for _, r := range runs {
		line, err := goTest(f.goBench, r.args...)
		if err != nil {
			return err
		}
		f.commands = append(f.commands, command{r.what, line})
	}
	return nil
}

// serveRounds runs BenchmarkServe -rounds times, one process each, and
// takes the ratios of each round.
func (f *figures) serveRounds() error {
	f.serve = samples{}
	benchtime := "2s"
	if *quick {
		benchtime = "300ms"
	}
	var line string
	for range *rounds {
		round := samples{}
		var err error
		line, err = goTest(round, "./engine/server", "-run", "^$", "-bench", "BenchmarkServe", "-benchmem", "-benchtime", benchtime, "-count", "1")
		if err != nil {
			return err
		}
		rate := func(name string) float64 {
			v, _ := round.median("BenchmarkServe/"+name, "req/s")
			return v
		}
		echo, mem, file, redis, pg := rate("echo"), rate("memory"), rate("file"), rate("redis"), rate("postgres")
		if echo > 0 && mem > 0 {
			f.ratios = append(f.ratios, [6]float64{mem / echo, file / echo, redis / echo, redis / mem, pg / echo, pg / mem})
		}
		for name, units := range round {
			if f.serve[name] == nil {
				f.serve[name] = map[string][]float64{}
			}
			for u, v := range units {
				f.serve[name][u] = append(f.serve[name][u], v...)
			}
		}
	}
	f.commands = append(f.commands, command{"serve (run " + strconv.Itoa(*rounds) + " times)", line})
	return nil
}

// exampleBots are the bots botctl bench runs on.
var exampleBots = []string{"acme-support", "signup"}

// flowTranscripts are the acme-support transcripts of the order-status
// flow the issue compares with Bot Framework: a starter, the greeting, a
// validated number question, an integration call and a branch on its
// result.
var flowTranscripts = []string{
	"dialogs/acme-support/tests/order_shipped.transcript",
	"dialogs/acme-support/tests/order_delivered.transcript",
	"dialogs/acme-support/tests/order_not_found.transcript",
}

func (f *figures) botctlBench() error {
	dir, err := os.MkdirTemp("", "benchdoc-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	f.botctlPath = filepath.Join(dir, "botctl")
	fmt.Println("$ go build -o", f.botctlPath, "./cmd/botctl")
	if out, err := exec.Command("go", "build", "-o", f.botctlPath, "./cmd/botctl").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}

	f.inProcess = map[string]*bench.Report{}
	n := strconv.Itoa(*conversations)
	for _, bot := range exampleBots {
		var reps []*bench.Report
		for range max(1, min(*count, 3)) {
			r, line, err := f.botctl("--conversations", n, "dialogs/"+bot)
			if err != nil {
				return err
			}
			reps = append(reps, r)
			if bot == exampleBots[0] && len(reps) == 1 {
				f.commands = append(f.commands, command{"botctl bench, in process (" + strconv.Itoa(min(*count, 3)) + " runs)", line})
			}
		}
		f.inProcess[bot] = medianReport(reps)
	}
	var reps []*bench.Report
	for range max(1, min(*count, 3)) {
		r, line, err := f.botctl(slices.Concat([]string{"--concurrency", "1", "--conversations", strconv.Itoa(*conversations / 2), "dialogs/acme-support"}, flowTranscripts)...)
		if err != nil {
			return err
		}
		if len(reps) == 0 {
			f.commands = append(f.commands, command{"the order-status flow, one conversation at a time", line})
		}
		reps = append(reps, r)
	}
	f.flow = medianReport(reps)

	for _, store := range []string{"memory", "file"} {
		for i, bot := range exampleBots {
			spec := store
			if store == "file" {
				spec = "file:" + filepath.Join(dir, fmt.Sprintf("data-%d", i), "botctl.db")
			}
			mocks := mockFile(".", bot)
			srv, err := startServe(f.botctlPath, spec, mocks)
			if err != nil {
				return err
			}
			r, line, err := f.botctl(servedBenchArgs(srv.url, bot, mocks)...)
			line = strings.Replace(line, srv.url, "http://127.0.0.1:PORT", 1)
			rss := srv.peakRSS()
			if serr := srv.stop(); err == nil {
				err = serr
			}
			if err != nil {
				return err
			}
			if store == "memory" && i == 0 {
				f.commands = append(f.commands,
					command{servedNote("."), "botctl " + shellJoin(serveArgs(store, mocks)) + " &"},
					command{"botctl bench against it", line})
			}
			f.served = append(f.served, servedRun{bot: bot, store: store, mocks: mocks, report: r, serverRSS: rss})
		}
	}
	return nil
}

// botctl runs botctl bench --format json with args and decodes its report.
func (f *figures) botctl(args ...string) (*bench.Report, string, error) {
	args = append([]string{"bench", "--format", "json"}, args...)
	line := "botctl " + shellJoin(args)
	fmt.Println("$", line)
	cmd := exec.Command(f.botctlPath, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	var r bench.Report
	if jerr := json.Unmarshal(out, &r); jerr != nil {
		if err == nil {
			err = jerr
		}
		return nil, line, fmt.Errorf("%s: %v\n%s", line, err, out)
	}
	fmt.Printf("  %s: %d transcripts, %d turns, %.0f turns/s, p50 %v, p99 %v, %d errors, %d mismatches\n",
		r.Bot, len(r.Transcripts), r.Turns, r.TurnsPerSec, r.Latency.P50, r.Latency.P99, r.Errors, r.Mismatches)
	if err != nil { // mismatches or errors: exit status 1, but a report
		return nil, line, fmt.Errorf("%s: %v (%d errors %v, %d mismatches %v)", line, err, r.Errors, r.FirstErrors, r.Mismatches, r.FirstMismatches)
	}
	return &r, line, nil
}

// medianReport returns the report of median throughput.
func medianReport(reps []*bench.Report) *bench.Report {
	slices.SortFunc(reps, func(a, b *bench.Report) int {
		switch {
		case a.TurnsPerSec < b.TurnsPerSec:
			return -1
		case a.TurnsPerSec > b.TurnsPerSec:
			return 1
		}
		return 0
	})
	return reps[len(reps)/2]
}

// server is a botctl serve process benchdoc started.
type server struct {
	cmd    *exec.Cmd
	url    string
	exited chan error
}

var listening = regexp.MustCompile(`msg=listening url=(http://\S+)`)

// mockFile returns the mock file of an example bot, relative to root (the
// repository): dialogs/BOT/mocks/offline.yaml, the one `botctl run --mock`
// uses; "" when the bot has none.
func mockFile(root, bot string) string {
	p := filepath.Join("dialogs", bot, "mocks", "offline.yaml")
	if _, err := os.Stat(filepath.Join(root, p)); err != nil {
		return ""
	}
	return filepath.ToSlash(p)
}

// serveArgs are the arguments of the botctl serve of a served run: both
// example bots (a hand-off finds the other), on a free loopback port,
// answering integration calls from mocks when it is set.
func serveArgs(store, mocks string) []string {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--store", store}
	if mocks != "" {
		args = append(args, "--mock", mocks)
	}
	return append(args, "dialogs/acme-support", "dialogs/signup")
}

// servedBenchArgs are the arguments of botctl bench against the server at
// url, told of the server's mock file when it has one.
func servedBenchArgs(url, bot, mocks string) []string {
	args := []string{"--url", url, "--concurrency", "64", "--conversations", "6400"}
	if mocks != "" {
		args = append(args, "--mock", mocks)
	}
	return append(args, "dialogs/"+bot)
}

// servedNote describes the botctl serve of the served runs, for the list
// of commands.
func servedNote(root string) string {
	note := "botctl serve for each run below (a new one each time; it logs the port it listens on)"
	var with, without []string
	for _, b := range exampleBots {
		if mockFile(root, b) == "" {
			without = append(without, b)
		} else {
			with = append(with, b)
		}
	}
	switch {
	case len(with) == 0:
		return note
	case len(without) == 0:
		return note + ", with --mock dialogs/BOT/mocks/offline.yaml"
	}
	have := " has"
	if len(without) > 1 {
		have = " have"
	}
	return note + ", with --mock dialogs/BOT/mocks/offline.yaml for a bot that has one (" + strings.Join(without, " and ") + have + " none)"
}

// startServe starts botctl serve on a free loopback port with both example
// bots, answering integration calls from mocks when it is set, and waits
// until it listens. Its log is read and dropped, so that a full pipe never
// stops it.
func startServe(botctl, store, mocks string) (*server, error) {
	args := serveArgs(store, mocks)
	fmt.Println("$ botctl", shellJoin(args), "&")
	cmd := exec.Command(botctl, args...)
	cmd.Env = append(os.Environ(), "BOTCTL_API_KEY=", "BOTCTL_TOKEN_SECRET=")
	cmd.Dir, _ = os.Getwd()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, exited: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
		s.exited <- cmd.Wait()
	}()
	select {
	case s.url = <-found:
		return s, nil
	case err := <-s.exited:
		return nil, fmt.Errorf("botctl serve exited: %v", err)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		return nil, errors.New("botctl serve did not start listening within 30s")
	}
}

// peakRSS reads the server's peak resident set (VmHWM) from /proc, 0 when
// the system has none.
func (s *server) peakRSS() uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// stop ends the server with SIGTERM, as an operator would, and waits.
func (s *server) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		return errors.New("botctl serve did not stop within 30s of SIGTERM")
	}
}
