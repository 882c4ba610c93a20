package store_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/store/pgtest"
	"github.com/botctl/botctl/engine/store/redistest"
	"github.com/botctl/botctl/engine/store/storetest"
)

func BenchmarkMemory(b *testing.B) {
	storetest.Bench(b, func(testing.TB) store.Store { return store.NewMemory() })
}

func BenchmarkFile(b *testing.B) {
	storetest.Bench(b, func(tb testing.TB) store.Store {
		return openFile(tb, filepath.Join(tb.TempDir(), "botctl.db"))
	})
}

// BenchmarkPostgres runs on a cluster with fsync on, as a production
// server has it, like the file store.
func BenchmarkPostgres(b *testing.B) {
	srv := pgtest.Start(b, pgtest.Durable())
	storetest.Bench(b, func(tb testing.TB) store.Store {
		// A fresh database each time: the benchmark's ids repeat.
		return openPostgres(tb, srv.NewDatabase(tb))
	})
}

func BenchmarkRedis(b *testing.B) {
	srv := redistest.Start(b)
	storetest.Bench(b, func(tb testing.TB) store.Store {
		// A fresh database each time: the benchmark's ids repeat.
		c := redis.NewClient(&redis.Options{Addr: srv.Addr})
		c.FlushAll(context.Background())
		c.Close()
		return openRedis(tb, srv.URL(0))
	})
}

// idleConversations is how many conversations the footprint measures hold.
const idleConversations = 100_000

// memoryFootprint is the heap one idle conversation costs in a Memory
// store: the live heap after filling the store, less before, over n.
func memoryFootprint(tb testing.TB, n int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := store.NewMemory()
	storetest.Idle(tb, s, n)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

// TestMemoryFootprint holds the Memory store to its budget: an idle
// conversation (a ~600-byte state, four messages) costs at most 2 KiB.
func TestMemoryFootprint(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 100,000 conversations")
	}
	per := memoryFootprint(t, idleConversations)
	t.Logf("%.0f bytes per idle conversation (%d conversations)", per, idleConversations)
	if per > 2048 {
		t.Errorf("an idle conversation takes %.0f bytes, want at most 2048", per)
	}
}

// BenchmarkFootprint reports the space an idle conversation takes in each
// store (B/conv): heap for Memory, file size for File, used_memory for
// Redis. Run it with -benchtime=1x.
func BenchmarkFootprint(b *testing.B) {
	b.Run("Memory", func(b *testing.B) {
		var per float64
		for b.Loop() {
			per = memoryFootprint(b, idleConversations)
		}
		b.ReportMetric(per, "B/conv")
	})
	b.Run("File", func(b *testing.B) {
		var per, inUse float64
		for b.Loop() {
			path := filepath.Join(b.TempDir(), "botctl.db")
			f := openFile(b, path)
			storetest.Idle(b, f, idleConversations)
			inUse = float64(f.InUse()) / float64(idleConversations)
			f.Close()
			fi, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			per = float64(fi.Size()) / float64(idleConversations)
		}
		b.ReportMetric(per, "B/conv")
		b.ReportMetric(inUse, "B-in-use/conv")
	})
	b.Run("Redis", func(b *testing.B) {
		srv := redistest.Start(b)
		c := redis.NewClient(&redis.Options{Addr: srv.Addr})
		defer c.Close()
		used := func() int64 {
			info, err := c.Info(context.Background(), "memory").Result()
			if err != nil {
				b.Fatal(err)
			}
			for line := range strings.SplitSeq(info, "\r\n") {
				if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
					n, _ := strconv.ParseInt(v, 10, 64)
					return n
				}
			}
			b.Fatal("no used_memory in INFO memory")
			return 0
		}
		var per float64
		for b.Loop() {
			c.FlushAll(context.Background())
			r := openRedis(b, srv.URL(0))
			before := used()
			storetest.Idle(b, r, idleConversations)
			per = float64(used()-before) / float64(idleConversations)
			r.Close()
		}
		b.ReportMetric(per, "B/conv")
	})
}
