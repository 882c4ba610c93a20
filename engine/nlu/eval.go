package nlu

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Labeled is a message and the intent it should get, "" for out of scope.
type Labeled struct {
	Text   string
	Intent string
}

// Report is how well a model classifies labelled messages. Its JSON keys
// are what `botctl nlu test --format json` prints.
type Report struct {
	Examples  int     `json:"examples"`
	Threshold float64 `json:"threshold"`
	// InScopeAccuracy is the share of in-scope messages given their
	// intent; a message wrongly found out of scope counts as an error.
	InScopeAccuracy float64 `json:"in_scope_accuracy"`
	// OutOfScopeRecall is the share of out-of-scope messages found so.
	OutOfScopeRecall float64 `json:"out_of_scope_recall"`
	// PerIntent has an entry for each intent of the model or the data.
	PerIntent map[string]IntentScore `json:"per_intent"`
	// Confused are the most frequent errors, at most ten, most frequent
	// first; "" stands for out of scope.
	Confused []Confusion `json:"confused"`
	// TrainSeconds is how long training took (for CrossValidate, the mean
	// over the folds); Evaluate leaves it to its caller.
	TrainSeconds float64 `json:"train_seconds"`
	LatencyP50us float64 `json:"latency_p50_us"`
	LatencyP99us float64 `json:"latency_p99_us"`

	// InScope and OutOfScope count the examples of each kind.
	InScope    int `json:"-"`
	OutOfScope int `json:"-"`
}

// IntentScore is how well one intent is recognised.
type IntentScore struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"` // examples labelled with the intent
}

// Confusion counts the messages of one intent given another.
type Confusion struct {
	Expected  string `json:"expected"`
	Predicted string `json:"predicted"`
	Count     int    `json:"count"`
}

// Evaluate classifies data with m and reports the results. Report's
// TrainSeconds is left at 0.
func Evaluate(m *Model, data []Labeled) Report {
	var t tally
	for _, l := range data {
		t.classify(m, l)
	}
	r := t.report(m.Intents())
	r.Threshold = m.Threshold()
	return r
}

// CrossValidate reports how well models trained with opt on k-1 folds of
// the examples classify the remaining fold, over the k folds. The folds
// take each intent's examples (and the out-of-scope ones) in turn, so the
// result does not depend on chance. An intent with fewer than k examples is
// absent from the folds that hold all of them out, whose examples then count
// as errors.
func CrossValidate(intents []Intent, opt Options, k int) (Report, error) {
	if k < 2 {
		return Report{}, fmt.Errorf("nlu: cross-validation needs at least 2 folds, not %d", k)
	}
	if err := check(intents, opt); err != nil {
		return Report{}, err
	}
	var t tally
	var names []string
	var train time.Duration
	var threshold float64
	for j := range k {
		var in []Intent
		var test []Labeled
		for _, x := range intents {
			if j == 0 {
				names = append(names, x.Name)
			}
			kept := Intent{Name: x.Name}
			for i, e := range x.Examples {
				if i%k == j {
					test = append(test, Labeled{e, x.Name})
				} else {
					kept.Examples = append(kept.Examples, e)
				}
			}
			if len(kept.Examples) > 0 {
				in = append(in, kept)
			}
		}
		o := Options{Threshold: opt.Threshold}
		for i, e := range opt.OutOfScope {
			if i%k == j {
				test = append(test, Labeled{e, ""})
			} else {
				o.OutOfScope = append(o.OutOfScope, e)
			}
		}
		if len(in) == 0 {
			return Report{}, fmt.Errorf("nlu: too few examples for %d folds", k)
		}
		start := time.Now()
		m, err := Train(in, o)
		if err != nil {
			return Report{}, err
		}
		train += time.Since(start)
		threshold += m.Threshold()
		for _, l := range test {
			t.classify(m, l)
		}
	}
	r := t.report(names)
	r.TrainSeconds = train.Seconds() / float64(k)
	r.Threshold = threshold / float64(k)
	return r, nil
}

// tally collects what a model made of labelled messages.
type tally struct {
	expected, predicted []string
	latency             []time.Duration
}

func (t *tally) classify(m *Model, l Labeled) {
	start := time.Now()
	p := m.Classify(l.Text)
	t.latency = append(t.latency, time.Since(start))
	t.expected = append(t.expected, l.Intent)
	t.predicted = append(t.predicted, p.Intent)
}

func (t *tally) report(intents []string) Report {
	r := Report{Examples: len(t.expected), PerIntent: map[string]IntentScore{}}
	type pair struct{ e, p string }
	confused := map[pair]int{}
	var order []pair // first occurrence, for a deterministic tie order
	support, predicted, right := map[string]int{}, map[string]int{}, map[string]int{}
	var inRight, oosRight int
	for i, e := range t.expected {
		p := t.predicted[i]
		support[e]++
		predicted[p]++
		switch {
		case e == p:
			right[e]++
			if e == "" {
				oosRight++
			} else {
				inRight++
			}
		default:
			k := pair{e, p}
			if confused[k] == 0 {
				order = append(order, k)
			}
			confused[k]++
		}
		if e == "" {
			r.OutOfScope++
		} else {
			r.InScope++
		}
	}
	r.InScopeAccuracy = ratio(inRight, r.InScope)
	r.OutOfScopeRecall = ratio(oosRight, r.OutOfScope)
	names := slices.Clone(intents)
	for _, e := range t.expected {
		if e != "" && !slices.Contains(names, e) {
			names = append(names, e)
		}
	}
	for _, n := range names {
		s := IntentScore{
			Precision: ratio(right[n], predicted[n]),
			Recall:    ratio(right[n], support[n]),
			Support:   support[n],
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		r.PerIntent[n] = s
	}
	slices.SortStableFunc(order, func(a, b pair) int { return confused[b] - confused[a] })
	r.Confused = []Confusion{}
	for _, k := range order[:min(10, len(order))] {
		r.Confused = append(r.Confused, Confusion{k.e, k.p, confused[k]})
	}
	lat := slices.Clone(t.latency)
	slices.Sort(lat)
	r.LatencyP50us = micros(percentile(lat, 0.50))
	r.LatencyP99us = micros(percentile(lat, 0.99))
	return r
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// percentile returns the p-quantile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func micros(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// WriteText prints the report as a table: the overall figures, then each
// intent, worst F1 first, then the most confused pairs.
func (r Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "in-scope accuracy\t%.2f%%\t(%d examples)\n", 100*r.InScopeAccuracy, r.InScope)
	if r.OutOfScope > 0 {
		fmt.Fprintf(tw, "out-of-scope recall\t%.2f%%\t(%d examples)\n", 100*r.OutOfScopeRecall, r.OutOfScope)
	} else {
		fmt.Fprintf(tw, "out-of-scope recall\t-\t(no out-of-scope examples)\n")
	}
	fmt.Fprintf(tw, "threshold\t%.3f\t\n", r.Threshold)
	if r.TrainSeconds > 0 {
		fmt.Fprintf(tw, "training\t%.2f s\t\n", r.TrainSeconds)
	}
	fmt.Fprintf(tw, "classification\t%.1f µs p50, %.1f µs p99\t\n", r.LatencyP50us, r.LatencyP99us)
	fmt.Fprintf(tw, "\nintent\tprecision\trecall\tf1\tsupport\n")
	names := make([]string, 0, len(r.PerIntent))
	for n := range r.PerIntent {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		if fa, fb := r.PerIntent[a].F1, r.PerIntent[b].F1; fa != fb {
			if fa < fb {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, n := range names {
		s := r.PerIntent[n]
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%d\n", n, s.Precision, s.Recall, s.F1, s.Support)
	}
	if len(r.Confused) > 0 {
		fmt.Fprintf(tw, "\nexpected\tpredicted\tcount\n")
		for _, c := range r.Confused {
			fmt.Fprintf(tw, "%s\t%s\t%d\n", orOOS(c.Expected), orOOS(c.Predicted), c.Count)
		}
	}
	return tw.Flush()
}

func orOOS(intent string) string {
	if intent == "" {
		return "(out of scope)"
	}
	return intent
}

// ReadJSONL reads labelled messages, one JSON object a line:
//
//	{"text": "where is my parcel", "intent": "order_status"}
//	{"text": "tell me a joke", "intent": null}
//
// where a null intent marks an out-of-scope message. Blank lines are
// skipped; other keys are ignored.
func ReadJSONL(r io.Reader) ([]Labeled, error) {
	var out []Labeled
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	for s.Scan() {
		n++
		line := bytes.TrimSpace(s.Bytes())
		if len(line) == 0 {
			continue
		}
		l, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, l)
	}
	if err := s.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return nil, fmt.Errorf("line %d: longer than 1 MiB", n+1)
		}
		return nil, err
	}
	return out, nil
}

func parseLine(line []byte) (Labeled, error) {
	var v struct {
		Text   *string         `json:"text"`
		Intent json.RawMessage `json:"intent"`
	}
	if line[0] != '{' {
		return Labeled{}, fmt.Errorf(`want a JSON object like {"text": "...", "intent": "name"}`)
	}
	if err := json.Unmarshal(line, &v); err != nil {
		return Labeled{}, fmt.Errorf("invalid JSON: %v", strings.TrimPrefix(err.Error(), "json: "))
	}
	if v.Text == nil {
		return Labeled{}, fmt.Errorf(`no "text"`)
	}
	l := Labeled{Text: *v.Text}
	switch {
	case v.Intent == nil:
		return Labeled{}, fmt.Errorf(`no "intent" (null for out of scope)`)
	case string(v.Intent) == "null":
	case json.Unmarshal(v.Intent, &l.Intent) != nil:
		return Labeled{}, fmt.Errorf(`"intent" is %s: want an intent's name, or null for out of scope`, v.Intent)
	case l.Intent == "":
		return Labeled{}, fmt.Errorf(`"intent" is empty: want an intent's name, or null for out of scope`)
	}
	return l, nil
}
