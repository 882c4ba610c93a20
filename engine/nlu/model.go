package nlu

import (
	"bytes"
	"errors"
	"math"
	"math/bits"
	"slices"
)

// Intent is one intent and the sentences it is learned from.
type Intent struct {
	Name     string
	Examples []string
}

// Auto, as Options.Threshold, tunes the threshold by cross-validation on
// the training examples (see Train).
const Auto = -1.0

// Options configure training.
type Options struct {
	// Threshold is the confidence below which a message is out of scope:
	// a number in [0, 1], or Auto.
	Threshold float64
	// OutOfScope holds examples of messages the bot does not handle. They
	// are learned as one more class, so a message like them is out of
	// scope whatever its confidence.
	OutOfScope []string
}

// Training is the input of Train: what a model is learned from.
type Training struct {
	Intents []Intent
	Options Options
}

// Scored is an intent with the confidence the model gives it.
type Scored struct {
	Intent     string
	Confidence float64 // in [0, 1]
}

// Prediction is what the model makes of a message.
type Prediction struct {
	// Intent is the recognised intent, "" when the message is out of
	// scope: Confidence below the threshold, closest to the out-of-scope
	// examples, or with no word or part of a word seen in training.
	Intent string
	// Confidence is the probability the model gives Ranking[0].
	Confidence float64
	// Ranking holds the best intents, best first (at most three), whether
	// or not the message is in scope; Ranking[1] is the runner-up.
	Ranking []Scored
}

// Model is a trained classifier: a multinomial logistic regression over
// TF-IDF weighted features (see features.go), whose probabilities are the
// confidences. It is immutable and safe for concurrent use.
type Model struct {
	intents   []string
	threshold float64
	hash      string

	// index numbers the features seen in training; idf weighs them.
	index table
	// words caches the known n-grams of the words seen in training: word
	// w's are wgrams[wptr[i]:wptr[i+1]] where i is words.get(w's hash).
	words  table
	wptr   []int32
	wgrams []int32
	idf    []float32
	// classes is len(intents), plus one when the model learned
	// out-of-scope examples: the last class is then "out of scope".
	classes int
	// The weights, by feature: most are zero (a feature matters to few
	// intents), so only the others are kept, feature f's classes and
	// weights at [ptr[f], ptr[f+1]) of cls and w.
	ptr []int32
	cls []uint16
	w   []float32
	b   []float32 // by class
}

// ErrNoIntents is returned by Train when there is nothing to learn.
var ErrNoIntents = errors.New("nlu: no intents with examples")

// Intents returns the names of the intents the model knows, in training order.
func (m *Model) Intents() []string { return m.intents }

// Threshold returns the confidence below which a message is out of scope.
func (m *Model) Threshold() float64 { return m.threshold }

// Hash returns the content hash of what the model was trained from (see
// Key): two models with the same hash are the same model.
func (m *Model) Hash() string { return m.hash }

// hasOOS reports whether the last class is the out-of-scope one.
func (m *Model) hasOOS() bool { return m.classes > len(m.intents) }

// Classify predicts the intent of a message.
func (m *Model) Classify(text string) Prediction {
	var buf [256]float32 // no allocation for most bots
	var p []float32
	if m.classes <= len(buf) {
		p = buf[:m.classes]
	} else {
		p = make([]float32, m.classes)
	}
	t := m.threshold
	if !m.probabilities(p, text) || t > 0 && !m.knowsAWord(text) {
		// Nothing of the message was seen in training, or no word of it,
		// only pieces of words ("asdfgh" shares "as" with "has"):
		// whatever the probabilities say, there is no evidence for an
		// intent. A misspelt word still counts when another word of the
		// message is known; threshold 0 takes any piece as evidence.
		t = math.Inf(1)
	}
	return m.predict(p, t)
}

// knowsAWord reports whether a word of text is a word of the examples.
func (m *Model) knowsAWord(text string) bool {
	var nb [256]byte
	norm := normalize(nb[:0], text)
	for len(norm) > 0 {
		j := bytes.IndexByte(norm, ' ')
		if _, ok := m.words.get(fnvBytes(fnvByte(fnvOffset, kindWord), norm[:j])); ok {
			return true
		}
		norm = norm[j+1:]
	}
	return false
}

// probabilities sets p to the probability of each class for text, and
// reports whether text has any feature the model knows.
func (m *Model) probabilities(p []float32, text string) bool {
	var fb, ib [512]int32
	var vb [512]float32
	idx, val := tfidf(ib[:0], vb[:0], m.known(fb[:0], text), m.idf)
	copy(p, m.b)
	for i, f := range idx {
		x := val[i]
		lo, hi := m.ptr[f], m.ptr[f+1]
		cls := m.cls[lo:hi]
		w := m.w[lo:hi]
		w = w[:len(cls)] // lets the compiler drop a bounds check
		for k, c := range cls {
			// As in scores, in the same order: skipping zeros does not
			// change a sum.
			p[c] += float32(x * w[k])
		}
	}
	softmax(p)
	return len(idx) > 0
}

// predict turns class probabilities into a prediction at threshold t.
func (m *Model) predict(p []float32, t float64) Prediction {
	n := len(m.intents)
	// The three best in-scope intents, by a selection that keeps the
	// first of equal probabilities (training order) ahead.
	var best [3]int
	k := 0
	for c := 0; c < n; c++ {
		if k == len(best) && p[c] <= p[best[k-1]] {
			continue
		}
		if k < len(best) {
			k++
		}
		i := k - 1
		for i > 0 && p[c] > p[best[i-1]] {
			best[i] = best[i-1]
			i--
		}
		best[i] = c
	}
	pr := Prediction{Ranking: make([]Scored, k)}
	for i, c := range best[:k] {
		pr.Ranking[i] = Scored{m.intents[c], float64(p[c])}
	}
	pr.Confidence = pr.Ranking[0].Confidence
	top := p[best[0]]
	if pr.Confidence >= t && !(m.hasOOS() && p[n] > top) {
		pr.Intent = pr.Ranking[0].Intent
	}
	return pr
}

// known appends the numbers of the features of text that the model knows,
// in the order features gives them, once for each occurrence. It is
// features followed by look-ups, only faster: the n-grams of a word seen
// in training are looked up then, once.
func (m *Model) known(dst []int32, text string) []int32 {
	var nb [256]byte
	norm := normalize(nb[:0], text)
	var gb [64]byte
	var hb [64]uint64
	prev := []byte("<s>")
	for len(norm) > 0 {
		j := bytes.IndexByte(norm, ' ')
		w := norm[:j]
		norm = norm[j+1:]
		hw := fnvBytes(fnvByte(fnvOffset, kindWord), w)
		dst = m.look(dst, hw)
		h := fnvBytes(fnvByte(fnvOffset, kindBigram), prev)
		dst = m.look(dst, fnvBytes(fnvByte(h, ' '), w))
		if e, ok := m.words.get(hw); ok {
			dst = append(dst, m.wgrams[m.wptr[e]:m.wptr[e+1]]...)
		} else {
			for _, h := range grams(hb[:0], append(append(append(gb[:0], '<'), w...), '>')) {
				dst = m.look(dst, h)
			}
		}
		prev = w
	}
	if string(prev) != "<s>" {
		h := fnvBytes(fnvByte(fnvOffset, kindBigram), prev)
		dst = m.look(dst, fnvString(fnvByte(h, ' '), "</s>"))
	}
	return dst
}

func (m *Model) look(dst []int32, h uint64) []int32 {
	if f, ok := m.index.get(h); ok {
		dst = append(dst, f)
	}
	return dst
}

// cacheWords records the known n-grams of each word (see known).
func (m *Model) cacheWords(vocabulary [][]byte) {
	m.words = newTable(len(vocabulary))
	m.wptr = make([]int32, 1, len(vocabulary)+1)
	var hb [64]uint64
	for i, w := range vocabulary {
		m.words.put(fnvBytes(fnvByte(fnvOffset, kindWord), w), int32(i))
		for _, h := range grams(hb[:0], append(append([]byte{'<'}, w...), '>')) {
			m.wgrams = m.look(m.wgrams, h)
		}
		m.wptr = append(m.wptr, int32(len(m.wgrams)))
	}
}

// tfidf appends to idx and val the TF-IDF vector of features (numbers,
// once for each occurrence): sublinear term frequency (1+ln tf) times the
// inverse document frequency, scaled to unit length, in order of first
// occurrence.
func tfidf(idx []int32, val []float32, features []int32, idf []float32) ([]int32, []float32) {
	// Count each feature's occurrences: a small hash table on the stack
	// is cheaper than sorting.
	var sb [1024]count
	size := 1 << max(4, bits.Len(uint(2*len(features))))
	cs := sb[:0]
	if size <= len(sb) {
		cs = sb[:size]
	} else {
		cs = make([]count, size)
	}
	shift := 64 - uint(bits.Len(uint(size-1)))
	find := func(f int32) *count {
		i := (uint64(f) * 0x9e3779b97f4a7c15) >> shift
		for cs[i].n != 0 && cs[i].f != f {
			i = (i + 1) & uint64(size-1)
		}
		return &cs[i]
	}
	start := len(idx)
	for _, f := range features {
		c := find(f)
		if c.n == 0 {
			c.f = f
			idx = append(idx, f)
		}
		c.n++
	}
	for _, f := range idx[start:] {
		val = append(val, sublinear(int(find(f).n))*idf[f])
	}
	unit(val[start:])
	return idx, val
}

type count struct{ f, n int32 }

// sublinear is 1+ln(tf), the weight of a feature occurring tf times.
func sublinear(tf int) float32 {
	if tf < len(sublinears) {
		return sublinears[tf]
	}
	return float32(1 + ln(float64(tf)))
}

var sublinears = func() (s [16]float32) {
	for i := 1; i < len(s); i++ {
		s[i] = float32(1 + ln(float64(i)))
	}
	return s
}()

// unit scales v to unit length.
func unit(v []float32) {
	var ss float64
	for _, x := range v {
		ss += float64(float64(x) * float64(x)) // not fused: see exp
	}
	if ss > 0 {
		inv := 1 / math.Sqrt(ss)
		for i, x := range v {
			v[i] = float32(float64(x) * inv)
		}
	}
}

// setWeights keeps the non-zero weights of w (feature-major: w[f*classes+c]).
func (m *Model) setWeights(w, b []float32) {
	m.b = b
	m.ptr = make([]int32, 1, len(m.idf)+1)
	for f := range len(m.idf) {
		for c, x := range w[f*m.classes : (f+1)*m.classes] {
			if x != 0 {
				m.cls = append(m.cls, uint16(c))
				m.w = append(m.w, x)
			}
		}
		m.ptr = append(m.ptr, int32(len(m.w)))
	}
	m.cls, m.w = slices.Clip(m.cls), slices.Clip(m.w)
}

// scores adds the features' weights (feature-major: w[f*len(s)+c]) to s.
func scores(s []float32, w []float32, idx []int32, val []float32) {
	c := len(s)
	for i, f := range idx {
		x := val[i]
		row := w[int(f)*c : int(f)*c+c]
		s := s[:len(row)] // lets the compiler drop the bounds checks
		j := 0
		for ; j+4 <= len(row); j += 4 {
			// The conversions keep the compiler from fusing the
			// multiply and add, which some processors would round
			// differently.
			s[j] += float32(x * row[j])
			s[j+1] += float32(x * row[j+1])
			s[j+2] += float32(x * row[j+2])
			s[j+3] += float32(x * row[j+3])
		}
		for ; j < len(row); j++ {
			s[j] += float32(x * row[j])
		}
	}
}

// softmax turns scores into probabilities in place. The exponentials are
// summed in fixed point, which is exact, so that the sum and hence every
// probability do not depend on the order of the classes: a model trained
// on the same intents listed in another order predicts the same. Each
// exponential is at most 1 (the largest is exactly 1), so 2**47 of them
// fit in 63 bits, more than the 65536 classes a model can have; what the
// truncation to 2**-47 loses is far below a float32's precision.
func softmax(s []float32) {
	const one = 1 << 47
	mx := s[0]
	for _, v := range s[1:] {
		mx = max(mx, v)
	}
	var sum uint64
	for i, v := range s {
		e := float32(exp(float64(v - mx)))
		s[i] = e
		sum += uint64(float64(e) * one)
	}
	inv := one / float64(sum)
	for i := range s {
		s[i] = float32(float64(s[i]) * inv)
	}
}

// exp and ln are e**x and the natural logarithm, in plain arithmetic so
// that they round alike on every processor: the math package uses
// assembly on some, and the compiler may fuse a multiply and an add on
// others, which changes the last bit, and a model must predict the same
// everywhere. Each product is converted to float64 to forbid fusion.
func exp(x float64) float64 {
	if x < -708 {
		return 0
	}
	const (
		log2e = 1.44269504088896338700e+00
		ln2hi = 6.93147180369123816490e-01
		ln2lo = 1.90821492927058770002e-10
	)
	k := math.Floor(float64(x*log2e) + 0.5)
	r := float64(x-float64(k*ln2hi)) - float64(k*ln2lo)
	// Taylor series to r**10/10!: the error, below 1e-12 for |r| <=
	// ln2/2, is lost in the float32 of a probability.
	p := 1.0
	for n := 10; n >= 1; n-- {
		p = 1 + float64(float64(r*p)*inverse[n])
	}
	return math.Ldexp(p, int(k))
}

// inverse[n] is 1/n.
var inverse = [...]float64{0, 1, 1.0 / 2, 1.0 / 3, 1.0 / 4, 1.0 / 5, 1.0 / 6, 1.0 / 7, 1.0 / 8, 1.0 / 9, 1.0 / 10}

func ln(x float64) float64 {
	const ln2 = 6.93147180559945286227e-01
	m, e := math.Frexp(x) // x = m * 2**e, m in [0.5, 1)
	if m < math.Sqrt2/2 {
		m *= 2
		e--
	}
	// ln m = 2 atanh(s) with s = (m-1)/(m+1), |s| < 0.172.
	s := (m - 1) / (m + 1)
	s2 := float64(s * s)
	var sum float64
	for n := 21; n >= 1; n -= 2 {
		sum = 1/float64(n) + float64(s2*sum)
	}
	return float64(float64(e)*ln2) + float64(2*float64(s*sum))
}
