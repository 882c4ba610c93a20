package nlu

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// The training parameters, chosen on CLINC150 (docs/performance.md).
var (
	epochs   = 7
	rate     = 5.0           // the SGD step at the start; it falls linearly to 0
	decay    = float32(0.1)  // the weights shrink by this share between epochs
	minDF    = 1             // features in fewer examples are dropped
	folds    = 3             // cross-validation folds for Auto
	gradSkip = float32(1e-2) // gradients smaller are not applied
	prune    = float32(0.2)  // weights smaller are dropped
	keep     = 0.996         // share of right in-scope answers Auto keeps
)

// data is a set of examples as sparse vectors (rows of a CSR matrix).
type data struct {
	ptr []int // example i is idx[ptr[i]:ptr[i+1]]
	idx []int32
	val []float32
	y   []int32 // class
}

func (d *data) len() int { return len(d.y) }

// Train learns a model from intents. Options.OutOfScope examples are a
// class of their own. With Threshold Auto, the threshold is tuned by
// 3-fold cross-validation on the examples (stratified, fixed folds): each
// held-out example is classified by a model trained on the other folds, and
// the threshold is the highest at which the held-out in-scope examples
// classified right at threshold 0 keep 99.6% of their right answers. (The
// threshold that maximises in-scope accuracy plus out-of-scope recall
// rejects far too much: the out-of-scope examples are too few.) With fewer
// than 6 examples in all, Auto is 0.5.
//
// Training is deterministic: same intents and options, same model, on every
// machine. It is order-invariant too: the intents, their examples and the
// out-of-scope ones reordered give a model that predicts exactly the same,
// bar the ranking of intents of exactly equal probability (Intents and
// Hash keep the order given).
func Train(intents []Intent, opt Options) (*Model, error) {
	if err := check(intents, opt); err != nil {
		return nil, err
	}
	m, d := prepare(intents, opt)
	if opt.Threshold != Auto {
		m.setWeights(fit(d, nil, len(m.idf), m.classes))
		m.threshold = opt.Threshold
		return m, nil
	}
	// The folds' models and the final one are independent: train them
	// side by side, each result into its own slot.
	k := folds
	if n := d.len(); n < 2*k {
		k = 0 // too few examples to hold any out
	}
	held := make([][]outcome, k)
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), k+1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				if j == k {
					m.setWeights(fit(d, nil, len(m.idf), m.classes))
					continue
				}
				held[j] = crossFold(m, d, j, k)
			}
		}()
	}
	for j := range k + 1 {
		work <- j
	}
	close(work)
	wg.Wait()
	m.threshold = tune(slices.Concat(held...))
	return m, nil
}

func check(intents []Intent, opt Options) error {
	if len(intents) == 0 {
		return ErrNoIntents
	}
	seen := make(map[string]bool, len(intents))
	for _, in := range intents {
		switch {
		case in.Name == "":
			return fmt.Errorf("nlu: an intent has no name")
		case seen[in.Name]:
			return fmt.Errorf("nlu: intent %q is given twice", in.Name)
		case len(in.Examples) == 0:
			return fmt.Errorf("nlu: intent %q has no examples", in.Name)
		case len(seen) == math.MaxUint16:
			return fmt.Errorf("nlu: more than %d intents", math.MaxUint16)
		}
		seen[in.Name] = true
	}
	if t := opt.Threshold; t != Auto && !(t >= 0 && t <= 1) {
		return fmt.Errorf("nlu: threshold %v is not in [0, 1] (or Auto)", t)
	}
	return nil
}

// prepare makes the model's feature index and weights of the examples, and
// the examples as vectors. Nothing it makes depends on the order of the
// intents or of their examples, only on which examples each intent has:
// the examples are sorted by text, the features numbered in order of first
// appearance in them (which keeps an example's features close together in
// memory: training is several times faster than with the features in the
// order of their hashes), the words cached in sorted order.
func prepare(intents []Intent, opt Options) (*Model, *data) {
	m := &Model{hash: Key(intents, opt), classes: len(intents)}
	type example struct {
		text string
		y    int32
	}
	var ex []example
	for c, in := range intents {
		m.intents = append(m.intents, in.Name)
		for _, e := range in.Examples {
			ex = append(ex, example{e, int32(c)})
		}
	}
	if len(opt.OutOfScope) > 0 {
		for _, e := range opt.OutOfScope {
			ex = append(ex, example{e, int32(m.classes)})
		}
		m.classes++
	}
	// The same text in two classes is ordered by the classes' names, the
	// out-of-scope class ("") first; in one class, its copies are alike.
	name := func(y int32) string {
		if int(y) < len(intents) {
			return intents[y].Name
		}
		return ""
	}
	slices.SortFunc(ex, func(a, b example) int {
		return cmp.Or(strings.Compare(a.text, b.text), strings.Compare(name(a.y), name(b.y)))
	})
	texts := make([]string, len(ex))
	ys := make([]int32, len(ex))
	for i, e := range ex {
		texts[i], ys[i] = e.text, e.y
	}
	df := map[uint64]int32{}
	var order []uint64
	var hs []uint64
	for _, t := range texts {
		hs = features(hs[:0], t)
		slices.Sort(hs)
		hs = slices.Compact(hs)
		for _, h := range hs {
			if df[h] == 0 {
				order = append(order, h)
			}
			df[h]++
		}
	}
	n := float64(len(texts))
	kept := 0
	for _, h := range order {
		if int(df[h]) >= minDF {
			kept++
		}
	}
	m.index = newTable(kept)
	for _, h := range order {
		if int(df[h]) < minDF {
			continue
		}
		m.index.put(h, int32(len(m.idf)))
		m.idf = append(m.idf, float32(1+ln((1+n)/(1+float64(df[h])))))
	}
	var vocabulary [][]byte
	seen := map[string]bool{}
	for _, t := range texts {
		for _, w := range bytes.Fields(normalize(nil, t)) {
			if !seen[string(w)] {
				seen[string(w)] = true
				vocabulary = append(vocabulary, w)
			}
		}
	}
	slices.SortFunc(vocabulary, bytes.Compare)
	m.cacheWords(vocabulary)
	d := &data{ptr: make([]int, 1, len(texts)+1), y: ys}
	var fs []int32
	for _, t := range texts {
		fs = m.known(fs[:0], t)
		d.idx, d.val = tfidf(d.idx, d.val, fs, m.idf)
		d.ptr = append(d.ptr, len(d.idx))
	}
	return m, d
}

// fit trains the weights of a multinomial logistic regression on the
// examples of d that use accepts, or all of them when use is nil, by
// stochastic gradient descent in a fixed pseudo-random order of the
// examples as prepare sorted them: seven epochs of a falling step, the
// weights shrunk between epochs. (On CLINC150, the shrinking gains about
// 0.3 points of in-scope accuracy; averaging the weights over the last
// epochs, as averaged SGD does, gained nothing on the falling step.)
func fit(d *data, use func(i int) bool, features, classes int) ([]float32, []float32) {
	var rows []int
	for i := range d.len() {
		if use == nil || use(i) {
			rows = append(rows, i)
		}
	}
	w := make([]float32, features*classes)
	b := make([]float32, classes)
	p := make([]float32, classes)
	g := make([]float32, classes)
	active := make([]int32, 0, classes)
	rng := rand.NewPCG(0x626f7463746c, 0x6e6c75) // fixed: "botctl", "nlu"
	total := float64(epochs * len(rows))
	t := 0
	for e := range epochs {
		if e > 0 {
			// Shrinking the weights once an epoch is a coarse L2 penalty,
			// of a cost that does not grow with the examples' features.
			for i := range w {
				w[i] *= 1 - decay
			}
		}
		for i := len(rows) - 1; i > 0; i-- {
			j := int(rng.Uint64() % uint64(i+1))
			rows[i], rows[j] = rows[j], rows[i]
		}
		for _, r := range rows {
			eta := rate * (1 - float64(t)/total)
			t++
			idx, val := d.idx[d.ptr[r]:d.ptr[r+1]], d.val[d.ptr[r]:d.ptr[r+1]]
			clear(p)
			scores(p, w, idx, val)
			for c := range p {
				p[c] += b[c]
			}
			softmax(p)
			// The gradient is p - onehot(y). Most classes' p is near 0
			// once the model has learned a little: only the others are
			// updated, which makes a step several times cheaper.
			y := d.y[r]
			active = active[:0]
			for c, pc := range p {
				gc := pc
				if int32(c) == y {
					gc -= 1
				}
				b[c] -= float32(float32(eta) * gc)
				if gc > gradSkip || gc < -gradSkip {
					active = append(active, int32(c))
					g[len(active)-1] = gc
				}
			}
			step := float32(eta)
			for i, f := range idx {
				x := val[i] * step
				row := w[int(f)*classes : int(f)*classes+classes]
				for a, c := range active {
					row[c] -= float32(x * g[a])
				}
			}
		}
	}
	// Most weights are zero or nearly (a feature matters to few intents):
	// dropping the small ones makes the model smaller and faster and, on
	// CLINC150, no less accurate.
	for i, x := range w {
		if x <= prune && x >= -prune {
			w[i] = 0
		}
	}
	return w, b
}

// outcome is what a model made of a held-out example.
type outcome struct {
	top     float32 // the best in-scope probability
	right   bool    // the best in-scope intent is the example's
	oosWins bool    // the out-of-scope class beat it
	oos     bool    // the example is out of scope
}

// foldOf puts each class's examples in the k folds in turn, so that every
// fold has its share of each intent.
func foldOf(d *data, k int) []int {
	fold := make([]int, d.len())
	seen := map[int32]int{}
	for i, y := range d.y {
		fold[i] = seen[y] % k
		seen[y]++
	}
	return fold
}

// crossFold trains on all folds but j and classifies fold j.
func crossFold(m *Model, d *data, j, k int) []outcome {
	fold := foldOf(d, k)
	w, b := fit(d, func(i int) bool { return fold[i] != j }, len(m.idf), m.classes)
	n := len(m.intents)
	p := make([]float32, m.classes)
	var out []outcome
	for i := range d.len() {
		if fold[i] != j {
			continue
		}
		copy(p, b)
		scores(p, w, d.idx[d.ptr[i]:d.ptr[i+1]], d.val[d.ptr[i]:d.ptr[i+1]])
		softmax(p)
		best := 0
		for c := 1; c < n; c++ {
			if p[c] > p[best] {
				best = c
			}
		}
		out = append(out, outcome{
			top:     p[best],
			right:   int32(best) == d.y[i],
			oosWins: m.classes > n && p[n] > p[best],
			oos:     int(d.y[i]) == n,
		})
	}
	return out
}

// tune chooses the threshold from held-out outcomes: the highest that
// still accepts keep of the in-scope examples classified right at
// threshold 0 (see Train).
func tune(held []outcome) float64 {
	var tops []float32
	for _, o := range held {
		if !o.oos && o.right && !o.oosWins {
			tops = append(tops, o.top)
		}
	}
	if len(tops) == 0 {
		return 0.5
	}
	slices.Sort(tops)
	// Rejecting the r lowest costs r/len(tops); the threshold goes
	// half-way between the last rejected and the first kept.
	r := int(float64(len(tops)) * (1 - keep))
	lo := 0.0
	if r > 0 {
		lo = float64(tops[r-1])
	}
	return (lo + float64(tops[r])) / 2
}
