package store_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/store"
)

// durabilityEnv, when set, makes TestFileDurability the child: it holds
// the database path.
const durabilityEnv = "BOTCTL_STORE_DURABILITY_CHILD"

const durabilityConvs = 8

// TestFileDurability kills a process committing turns (and storing bot
// versions) with SIGKILL, three times, and checks that every commit and
// version it acknowledged (printed after Commit or PutVersion returned) is
// in the store afterwards, intact. The child takes
// its log into the database every few milliseconds, so the kills land
// before, during and after those applies.
func TestFileDurability(t *testing.T) {
	if path := os.Getenv(durabilityEnv); path != "" {
		durabilityChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "data", "botctl.db")
	acked := map[string]int64{}
	versions := map[string]bool{}
	logs := 0
	for round := 1; round <= 3; round++ {
		n := killAfterAcks(t, path, 300, acked, versions)
		segs, _ := filepath.Glob(path + ".wal.*")
		t.Logf("round %d: %d commits acknowledged before SIGKILL (%d versions in all); log segments left: %d", round, n, len(versions), len(segs))
		logs += len(segs)

		f := openFile(t, path)
		for c := range durabilityConvs {
			id := fmt.Sprint("c", c)
			rec, err := f.Get(context.Background(), id)
			if err != nil {
				t.Fatalf("round %d: Get(%s): %v", round, id, err)
			}
			if rec.Version < acked[id] {
				t.Errorf("round %d: %s is at version %d, but version %d was acknowledged", round, id, rec.Version, acked[id])
			}
			if want := fmt.Sprintf(`{"v":%d}`, rec.Version); string(rec.State) != want {
				t.Errorf("round %d: %s at version %d has state %s, want %s", round, id, rec.Version, rec.State, want)
			}
			msgs, err := f.Messages(context.Background(), id, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(msgs)) != rec.Version-1 || rec.LastSeq != rec.Version-1 {
				t.Errorf("round %d: %s at version %d has %d messages, LastSeq %d; want %d", round, id, rec.Version, len(msgs), rec.LastSeq, rec.Version-1)
			}
			for i, m := range msgs {
				if m.Seq != int64(i)+1 || m.Text != fmt.Sprint(i+2) {
					t.Errorf("round %d: %s message %d = seq %d %q", round, id, i+1, m.Seq, m.Text)
					break
				}
			}
		}
		for hash := range versions {
			v, err := f.GetVersion(context.Background(), "acme", hash)
			if err != nil || len(v.Files) != 1 || string(v.Files[0].Src) != "bot: acme # "+hash {
				t.Errorf("round %d: acknowledged version %s: %+v, %v", round, hash, v, err)
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(versions) == 0 {
		t.Error("no version was acknowledged: the test did not check them")
	}
	if logs == 0 {
		t.Error("no kill left a log to replay: the test checked only the database")
	}
}

// killAfterAcks runs the child on path until it has acknowledged at least
// n commits, SIGKILLs it, and records the highest acknowledged version of
// each conversation in acked, and the versions acknowledged in versions.
// It returns how many commit acknowledgements it read.
func killAfterAcks(t *testing.T, path string, n int, acked map[string]int64, versions map[string]bool) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFileDurability$", "-test.count=1")
	cmd.Env = append(os.Environ(), durabilityEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	count := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var id string
		var v int64
		if _, err := fmt.Sscanf(sc.Text(), "version %s", &id); err == nil {
			versions[id] = true
			continue
		}
		if _, err := fmt.Sscanf(sc.Text(), "ack %s %d", &id, &v); err != nil {
			continue
		}
		acked[id] = max(acked[id], v)
		count++
		if count == n {
			// Kill while the child is mid-commit; the lines it printed
			// before dying are still read below.
			cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die of SIGKILL: %v\n%s", err, stderr.Bytes())
	}
	if count < n {
		t.Fatalf("child acknowledged %d commits, want %d\n%s", count, n, stderr.Bytes())
	}
	return count
}

// durabilityChild commits turns on durabilityConvs conversations, one
// goroutine each, printing "ack ID VERSION" after each Commit returns,
// and stores bot versions, printing "version HASH" after each PutVersion
// returns, until it is killed (or 30s pass).
func durabilityChild(path string) {
	ctx := context.Background()
	f, err := store.OpenFile(path, store.WithLockTimeout(5*time.Second), store.WithApplyEvery(2*time.Millisecond, 8<<10))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	deadline := time.Now().Add(30 * time.Second)
	var wg sync.WaitGroup
	for c := range durabilityConvs {
		wg.Go(func() {
			id := fmt.Sprint("c", c)
			err := f.Create(ctx, store.Record{ID: id, Bot: "acme", State: json.RawMessage(`{"v":1}`)}, nil)
			if err != nil && !errors.Is(err, store.ErrExists) {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			rec, err := f.Get(ctx, id)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			for v := rec.Version; time.Now().Before(deadline); v++ {
				next := v + 1
				_, err := f.Commit(ctx, id, v, store.Update{State: json.RawMessage(fmt.Sprintf(`{"v":%d}`, next)), Msgs: []store.Message{{Kind: "user", Text: fmt.Sprint(next)}}})

				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "ack %s %d\n", id, next)
				mu.Unlock()
			}
		})
	}
	wg.Go(func() {
		for i := 0; time.Now().Before(deadline); i++ {
			hash := fmt.Sprintf("%d-%d", os.Getpid(), i)
			v := store.BotVersion{Bot: "acme", Hash: hash, Files: []store.SourceFile{{Name: "main.yaml", Src: []byte("bot: acme # " + hash)}}}
			if err := f.PutVersion(ctx, v); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			mu.Lock()
			fmt.Fprintf(os.Stdout, "version %s\n", hash)
			mu.Unlock()
		}
	})
	wg.Wait()
	os.Exit(0)
}
