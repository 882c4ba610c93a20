// Package nlu classifies a user's message into one of a bot's intents, or
// none of them, with a model trained from the intents' example sentences
// when the bot compiles. Training and classification are deterministic: the
// same examples give the same model, and the same predictions, everywhere.
package nlu

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"
)

// Intent is one intent and the sentences it is learned from.
type Intent struct {
	Name     string
	Examples []string
}

// Auto, as Options.Threshold, tunes the threshold by cross-validation on
// the training examples.
const Auto = -1.0

// Options configure training.
type Options struct {
	// Threshold is the confidence below which a message is out of scope:
	// a number in [0, 1], or Auto.
	Threshold float64
	// OutOfScope holds examples of messages the bot does not handle.
	OutOfScope []string
}

// Scored is an intent with the confidence the model gives it.
type Scored struct {
	Intent     string
	Confidence float64 // in [0, 1]
}

// Prediction is what the model makes of a message.
type Prediction struct {
	// Intent is the recognised intent, "" when the message is out of
	// scope (Confidence below the threshold, or closest to the
	// out-of-scope examples).
	Intent     string
	Confidence float64
	// Ranking holds the best intents, best first (at most three), whether
	// or not the message is in scope; Ranking[1] is the runner-up.
	Ranking []Scored
}

// Model is a trained classifier. It is immutable and safe for concurrent use.
type Model struct {
	intents   []string
	threshold float64
	centroids []map[string]float64
	oos       map[string]float64
}

// ErrNoIntents is returned by Train when there is nothing to learn.
var ErrNoIntents = errors.New("nlu: no intents with examples")

// Train learns a model from intents.
func Train(intents []Intent, opt Options) (*Model, error) {
	m := &Model{threshold: opt.Threshold}
	for _, in := range intents {
		if len(in.Examples) == 0 {
			return nil, fmt.Errorf("nlu: intent %q has no examples", in.Name)
		}
		m.intents = append(m.intents, in.Name)
		m.centroids = append(m.centroids, centroid(in.Examples))
	}
	if len(m.intents) == 0 {
		return nil, ErrNoIntents
	}
	if len(opt.OutOfScope) > 0 {
		m.oos = centroid(opt.OutOfScope)
	}
	if m.threshold < 0 {
		m.threshold = 0.3
	}
	return m, nil
}

// Intents returns the names of the intents the model knows, in training order.
func (m *Model) Intents() []string { return m.intents }

// Threshold returns the confidence below which a message is out of scope.
func (m *Model) Threshold() float64 { return m.threshold }

// Classify predicts the intent of a message.
func (m *Model) Classify(text string) Prediction {
	v := vector(text)
	scores := make([]Scored, len(m.intents))
	for i, c := range m.centroids {
		scores[i] = Scored{m.intents[i], cosine(v, c)}
	}
	sort.SliceStable(scores, func(i, j int) bool { return scores[i].Confidence > scores[j].Confidence })
	if len(scores) > 3 {
		scores = scores[:3]
	}
	p := Prediction{Ranking: scores, Confidence: scores[0].Confidence}
	if p.Confidence >= m.threshold && (m.oos == nil || cosine(v, m.oos) < p.Confidence) {
		p.Intent = scores[0].Intent
	}
	return p
}

func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
}

func vector(s string) map[string]float64 {
	v := map[string]float64{}
	ts := tokens(s)
	for i, t := range ts {
		v[t]++
		if i > 0 {
			v[ts[i-1]+" "+t]++
		}
	}
	return v
}

func centroid(examples []string) map[string]float64 {
	c := map[string]float64{}
	for _, e := range examples {
		v := vector(e)
		n := norm(v)
		for k, x := range v {
			c[k] += x / n
		}
	}
	return c
}

func norm(v map[string]float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	if s == 0 {
		return 1
	}
	return math.Sqrt(s)
}

func cosine(a, b map[string]float64) float64 {
	var d float64
	for k, x := range a {
		d += x * b[k]
	}
	return d / (norm(a) * norm(b))
}
