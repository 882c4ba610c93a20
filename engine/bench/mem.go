package bench

import (
	"runtime/metrics"
	"sync"
	"time"
)

// memSampler follows the Go heap and the memory the Go runtime holds
// from the system while a run goes on, through runtime/metrics (which,
// unlike runtime.ReadMemStats, does not stop the world).
type memSampler struct {
	stop chan struct{}
	done sync.WaitGroup

	peakHeap, peakTotal uint64
}

var memMetrics = []string{"/memory/classes/heap/objects:bytes", "/memory/classes/total:bytes"}

func startMemSampler(every time.Duration) *memSampler {
	m := &memSampler{stop: make(chan struct{})}
	samples := make([]metrics.Sample, len(memMetrics))
	for i, name := range memMetrics {
		samples[i].Name = name
	}
	read := func() {
		metrics.Read(samples)
		if v := samples[0].Value; v.Kind() == metrics.KindUint64 {
			m.peakHeap = max(m.peakHeap, v.Uint64())
		}
		if v := samples[1].Value; v.Kind() == metrics.KindUint64 {
			m.peakTotal = max(m.peakTotal, v.Uint64())
		}
	}
	read()
	m.done.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				read()
				return
			case <-t.C:
				read()
			}
		}
	})
	return m
}

// finish stops sampling and returns the peaks: the heap's live and
// unswept objects, and all memory the Go runtime mapped.
func (m *memSampler) finish() (heap, total uint64) {
	close(m.stop)
	m.done.Wait()
	return m.peakHeap, m.peakTotal
}
