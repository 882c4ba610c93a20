package bench

import (
	"math"
	"math/bits"
	"time"
)

// histogram records durations in log-linear buckets: exact below 64 ns,
// then 64 buckets per power of two, so a percentile is within 1/64 (1.6%)
// of the true value whatever the range. It is not safe for concurrent use:
// each worker keeps its own and they are merged at the end.
type histogram struct {
	counts   [histBuckets]uint64
	n        uint64
	sum      float64 // ns
	min, max time.Duration
}

const (
	subBits     = 6
	subCount    = 1 << subBits // 64
	histBuckets = subCount + (63-subBits)*subCount
)

// bucket returns the index of the bucket holding v ns (v >= 0).
func bucket(v uint64) int {
	if v < subCount {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1 // v >> shift is in [64, 128)
	return subCount + shift*subCount + int(v>>shift) - subCount
}

// bucketRange returns the smallest and largest values of bucket i.
func bucketRange(i int) (lo, hi uint64) {
	if i < subCount {
		return uint64(i), uint64(i)
	}
	shift := (i - subCount) / subCount
	mant := uint64((i-subCount)%subCount + subCount)
	lo = mant << shift
	return lo, lo + (1 << shift) - 1
}

func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucket(uint64(d))]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += float64(d)
}

func (h *histogram) merge(o *histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// quantile returns the duration below which a fraction q of the recorded
// durations lie: the middle of the bucket of the ceil(q*n)-th smallest,
// clamped to the recorded minimum and maximum.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bucketRange(i)
			d := time.Duration(lo + (hi-lo)/2)
			return min(max(d, h.min), h.max)
		}
	}
	return h.max
}

func (h *histogram) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}
