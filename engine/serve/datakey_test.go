package serve

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/server"
)

const payBot = "botctl: 1\nbot: {name: pay}\nvariables:\n  card: {default: \"\", sensitive: true}\ndialogs:\n  pay:\n    starters: [pay]\n    steps: [{ask: \"Card?\", save: card}, {say: \"${vars.card}\"}]\n"

func TestDataKeys(t *testing.T) {
	dir := t.TempDir()
	b, ds := engine.Load(writeBot(t, dir, "pay.yaml", payBot))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	bots := []*server.Bot{{Bot: b}}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "BOTCTL_DATA_KEY" {
				return v
			}
			return ""
		}
	}
	none := env("")
	key1, key2 := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="

	keys, from, err := dataKeys(Config{Store: "redis://127.0.0.1:1/0", Getenv: env(key1 + "," + key2)}, bots)
	if err != nil || len(keys) != 2 || string(keys[0]) != "0123456789abcdef0123456789abcdef" || !strings.Contains(from, "BOTCTL_DATA_KEY") {
		t.Errorf("BOTCTL_DATA_KEY=new,old: %d keys from %q, %v", len(keys), from, err)
	}
	if _, _, err := dataKeys(Config{Store: "memory", Getenv: env("short")}, bots); err == nil || !strings.Contains(err.Error(), "BOTCTL_DATA_KEY: data key 1") {
		t.Errorf("a bad BOTCTL_DATA_KEY: %v", err)
	}
	if _, _, err := dataKeys(Config{Store: "redis://127.0.0.1:1/0", Getenv: none}, bots); err == nil ||
		!strings.Contains(err.Error(), "the bot pay has sensitive values (card)") || !strings.Contains(err.Error(), "set BOTCTL_DATA_KEY") {
		t.Errorf("Redis without a key: %v", err)
	}
	if keys, _, err := dataKeys(Config{Store: "memory", Getenv: none}, bots); err != nil || keys != nil {
		t.Errorf("memory: %d keys, %v; want none (the server makes one)", len(keys), err)
	}

	db := filepath.Join(dir, "data", "botctl.db")
	if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
		t.Fatal(err)
	}
	first, from, err := dataKeys(Config{Store: "file:" + db, Getenv: none}, bots)
	keyFile := filepath.Join(dir, "data", "botctl.key")
	if err != nil || len(first) != 1 || from != keyFile+" (new)" {
		t.Fatalf("file store: %d keys from %q, %v", len(first), from, err)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the key file: %v, %v; want mode 0600", fi, err)
	}
	again, from, err := dataKeys(Config{Store: "file:" + db, Getenv: none}, bots)
	if err != nil || len(again) != 1 || string(again[0]) != string(first[0]) || from != keyFile {
		t.Errorf("file store, second start: %d keys from %q, %v; want the same key", len(again), from, err)
	}
}

// A reload that gives a bot sensitive values is refused on a shared store
// without a data key, as a start with it is: the bot keeps its version.
func TestWatchRefusesSensitiveWithoutKey(t *testing.T) {
	dir := t.TempDir()
	plain := strings.Replace(payBot, ", sensitive: true", "", 1)
	path := writeBot(t, dir, "pay.yaml", plain)
	b, ds := engine.Load(path)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	first := &server.Bot{Bot: b, Path: path}
	reg := server.NewRegistry(first)
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	cfg := Config{Store: "redis://127.0.0.1:1/0"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watch(ctx, reg, []*server.Bot{first}, func(b *server.Bot) error { return needsKey(cfg, nil, b) }, log)

	time.Sleep(1100 * time.Millisecond) // a later modification time than the first version's
	writeBot(t, dir, "pay.yaml", payBot)
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(logs.String(), "reload refused") {
		if time.Now().After(deadline) {
			t.Fatalf("no refusal logged:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "BOTCTL_DATA_KEY") {
		t.Errorf("the refusal does not say what to set:\n%s", logs)
	}
	if cur := reg.Current("pay"); cur.Version != first.Version || len(cur.Sensitive) != 0 {
		t.Errorf("the refused version replaced the bot: %s", cur.Version)
	}
	// With a key it is taken.
	if err := needsKey(cfg, [][]byte{[]byte("0123456789abcdef0123456789abcdef")}, &server.Bot{Bot: b}); err != nil {
		t.Errorf("with a key: %v", err)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
