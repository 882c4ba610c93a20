package nlu

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// sample is a small bot's intents, written for these tests.
var sample = []Intent{
	{"greet", []string{
		"hello", "hi there", "good morning", "hey", "hello, how are you",
		"good evening", "hi, anyone there?", "greetings",
	}},
	{"order_status", []string{
		"where is my order", "has my parcel shipped yet", "track my package",
		"when will my order arrive", "what is the status of my order",
		"my delivery is late", "is my order on its way", "tracking number for my parcel",
	}},
	{"book_table", []string{
		"book a table for two", "i would like to reserve a table tonight",
		"can i get a reservation for four at 8pm", "reserve a table for dinner",
		"table for three tomorrow please", "make a booking at the restaurant",
		"do you have a table free on friday", "i want to book dinner for six",
	}},
	{"commander_cafe", []string{
		"je voudrais un café", "un café crème s'il vous plaît", "deux cafés noirs",
		"est-ce que je peux commander un café", "un expresso, merci",
		"je prends un café au lait", "apportez-moi un café", "un grand café",
	}},
}

var sampleOOS = []string{
	"what is the capital of peru", "tell me a joke", "how tall is mount everest",
	"who won the football match", "play some jazz music", "what is the meaning of life",
	"translate cat into german", "how many legs does a spider have",
}

func trainSample(t testing.TB, opt Options) *Model {
	t.Helper()
	m, err := Train(sample, opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestClassify(t *testing.T) {
	m := trainSample(t, Options{Threshold: Auto, OutOfScope: sampleOOS})
	for _, c := range []struct{ text, want string }{
		{"hello!", "greet"},
		{"Good morning to you", "greet"},
		{"where's my parcel?", "order_status"},
		{"my order hasn't arrived", "order_status"},
		{"please book a table for 2 people", "book_table"},
		{"a reservation for tonight", "book_table"},
		{"JE VOUDRAIS UN CAFE", "commander_cafe"}, // accents folded
		{"un cafe creme", "commander_cafe"},
		{"what is the capital of france", ""},
		{"tell me a funny joke", ""},
		{"play music", ""},
	} {
		p := m.Classify(c.text)
		if p.Intent != c.want {
			t.Errorf("Classify(%q) = %q (%.3f), want %q; ranking %v", c.text, p.Intent, p.Confidence, c.want, p.Ranking)
		}
	}
}

func TestOutOfScopeByThreshold(t *testing.T) {
	// Without out-of-scope examples, only the threshold rejects.
	m := trainSample(t, Options{Threshold: Auto})
	if th := m.Threshold(); !(th > 0 && th < 1) {
		t.Fatalf("Auto threshold %v, want it in (0, 1)", th)
	}
	p := m.Classify("999 777")
	if p.Intent != "" {
		t.Errorf("Classify(nonsense) = %q (%.3f, threshold %.3f), want out of scope", p.Intent, p.Confidence, m.Threshold())
	}
	if p := m.Classify("where is my order"); p.Intent != "order_status" {
		t.Errorf("Classify(an example) = %q, want order_status", p.Intent)
	}
	// Letters that only share pieces with the examples' words are no
	// evidence, however the probabilities fall.
	for _, text := range []string{"asdfgh", "orderz wheree"} {
		if p := m.Classify(text); p.Intent != "" {
			t.Errorf("Classify(%q) = %q (%.3f), want out of scope: no word of it is known", text, p.Intent, p.Confidence)
		}
	}
	if p := m.Classify("where is my ordr"); p.Intent != "order_status" {
		t.Errorf("Classify(a typo beside known words) = %q, want order_status", p.Intent)
	}
	m0 := trainSample(t, Options{Threshold: 0})
	if p := m0.Classify("zebra volcano"); p.Intent == "" || m0.Threshold() != 0 {
		t.Errorf("threshold 0: Classify(nonsense) = %q, want some intent", p.Intent)
	}
}

func TestAutoThreshold(t *testing.T) {
	m := trainSample(t, Options{Threshold: Auto, OutOfScope: sampleOOS})
	if th := m.Threshold(); !(th > 0 && th < 1) {
		t.Errorf("Auto threshold %v, want it in (0, 1)", th)
	}
	if m := trainSample(t, Options{Threshold: 0.42}); m.Threshold() != 0.42 {
		t.Errorf("Threshold() = %v, want the one given, 0.42", m.Threshold())
	}
}

func TestRanking(t *testing.T) {
	m := trainSample(t, Options{Threshold: 0.3, OutOfScope: sampleOOS})
	p := m.Classify("i want to reserve a table")
	if len(p.Ranking) != 3 {
		t.Fatalf("Ranking has %d intents, want 3", len(p.Ranking))
	}
	if p.Ranking[0].Intent != p.Intent || p.Ranking[0].Confidence != p.Confidence {
		t.Errorf("Ranking[0] = %v, want the prediction %q %v", p.Ranking[0], p.Intent, p.Confidence)
	}
	var sum float64
	for i, s := range p.Ranking {
		if i > 0 && s.Confidence > p.Ranking[i-1].Confidence {
			t.Errorf("Ranking not best first: %v", p.Ranking)
		}
		sum += s.Confidence
	}
	if sum > 1+1e-6 {
		t.Errorf("confidences sum to %v > 1: %v", sum, p.Ranking)
	}
	one, err := Train(sample[:1], Options{Threshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if p := one.Classify("hello"); len(p.Ranking) != 1 || p.Intent != "greet" || p.Confidence != 1 {
		t.Errorf("one intent: %+v, want greet with confidence 1", p)
	}
}

func TestDeterministic(t *testing.T) {
	opt := Options{Threshold: Auto, OutOfScope: sampleOOS}
	a, b := trainSample(t, opt), trainSample(t, opt)
	ea, _ := a.MarshalBinary()
	eb, _ := b.MarshalBinary()
	if !bytes.Equal(ea, eb) {
		t.Fatal("two trainings on the same input gave different models")
	}
	for _, text := range probes {
		if pa, pb := a.Classify(text), b.Classify(text); !samePrediction(pa, pb) {
			t.Errorf("Classify(%q): %+v, then %+v", text, pa, pb)
		}
	}
	if a.Hash() != b.Hash() || a.Hash() != Key(sample, opt) {
		t.Errorf("hashes %s, %s, want Key's %s", a.Hash(), b.Hash(), Key(sample, opt))
	}
	opt.OutOfScope = sampleOOS[1:]
	if Key(sample, opt) == a.Hash() {
		t.Error("Key ignores the out-of-scope examples")
	}
}

// TestOrderInvariant checks that the order of the intents, of their
// examples and of the out-of-scope examples makes no difference to what a
// model predicts, to the last bit: it depends only on which examples each
// intent has. The same text in two intents, and twice in one, is in too.
func TestOrderInvariant(t *testing.T) {
	intents := append(slices.Clone(sample), Intent{"small_talk", []string{"hello", "how are you", "hello", "what's up"}})
	oos := append(slices.Clone(sampleOOS), "how are you")
	r := rand.New(rand.NewPCG(3, 4))
	shuffled := func(s []string) []string {
		s = slices.Clone(s)
		r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		return s
	}
	texts := slices.Clone(probes)
	texts = append(texts, oos...)
	for _, in := range intents {
		texts = append(texts, in.Examples...)
	}
	for _, threshold := range []float64{Auto, 0.3} {
		want, err := Train(intents, Options{Threshold: threshold, OutOfScope: oos})
		if err != nil {
			t.Fatal(err)
		}
		for try := range 5 {
			in := slices.Clone(intents)
			if try == 0 {
				slices.Reverse(in)
			} else {
				r.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
			}
			for i := range in {
				in[i].Examples = shuffled(in[i].Examples)
			}
			m, err := Train(in, Options{Threshold: threshold, OutOfScope: shuffled(oos)})
			if err != nil {
				t.Fatal(err)
			}
			if m.Threshold() != want.Threshold() {
				t.Errorf("threshold %v: reordered, threshold %v, want %v", threshold, m.Threshold(), want.Threshold())
			}
			for _, text := range texts {
				if p, w := m.Classify(text), want.Classify(text); !samePrediction(p, w) {
					t.Errorf("threshold %v: reordered, Classify(%.40q) = %+v, want %+v", threshold, text, p, w)
				}
			}
		}
	}
}

var probes = []string{
	"", "   ", "!!!", "hello", "where is my order", "un café", "book a table for 2",
	"🙂🙂", "\xff\xfe invalid utf-8", "12345", "日本語のテキスト", "Ünïcödé ÑOÑO",
	strings.Repeat("supercalifragilistic", 50), strings.Repeat("a b ", 2000),
	"e\u0301cole", // a decomposed accent
}

func samePrediction(a, b Prediction) bool {
	return a.Intent == b.Intent && a.Confidence == b.Confidence && slices.Equal(a.Ranking, b.Ranking)
}

func TestOddInput(t *testing.T) {
	m := trainSample(t, Options{Threshold: Auto, OutOfScope: sampleOOS})
	for _, text := range probes {
		p := m.Classify(text)
		if len(p.Ranking) == 0 || len(p.Ranking) > 3 || !(p.Confidence >= 0 && p.Confidence <= 1) {
			t.Errorf("Classify(%.40q) = %+v", text, p)
		}
	}
	if p := m.Classify(""); p.Intent != "" {
		t.Errorf(`Classify("") = %q, want out of scope`, p.Intent)
	}
}

func TestTrainErrors(t *testing.T) {
	for _, c := range []struct {
		intents []Intent
		opt     Options
		want    string
	}{
		{nil, Options{}, "nlu: no intents with examples"},
		{[]Intent{{"", []string{"x"}}}, Options{}, "nlu: an intent has no name"},
		{[]Intent{{"a", []string{"x"}}, {"a", []string{"y"}}}, Options{}, `nlu: intent "a" is given twice`},
		{[]Intent{{"a", nil}}, Options{}, `nlu: intent "a" has no examples`},
		{sample, Options{Threshold: 1.5}, "nlu: threshold 1.5 is not in [0, 1] (or Auto)"},
		{sample, Options{Threshold: math.NaN()}, "nlu: threshold NaN is not in [0, 1] (or Auto)"},
	} {
		_, err := Train(c.intents, c.opt)
		if err == nil || err.Error() != c.want {
			t.Errorf("Train(%v, %+v) error %v, want %q", c.intents, c.opt, err, c.want)
		}
	}
}

func TestWords(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"Hello, World!", []string{"hello", "world"}},
		{"what's up?", []string{"whats", "up"}},
		{"Café CRÈME brûlée", []string{"cafe", "creme", "brulee"}},
		{"Straße, Œuvre, Łódź", []string{"strasse", "oeuvre", "lodz"}},
		{"e\u0301cole", []string{"ecole"}},
		{"room 42b", []string{"room", "42b"}},
		{"日本 語", []string{"日本", "語"}},
		{"  \t ", nil},
	} {
		if got := words(c.in); !slices.Equal(got, c.want) {
			t.Errorf("words(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestGramsWholeRunes(t *testing.T) {
	var want []uint64
	for _, g := range []string{"<é", "<éa", "<éa>", "éa", "éa>", "a>"} {
		want = append(want, fnvString(fnvByte(fnvOffset, kindGram), g))
	}
	if got := grams(nil, []byte("<éa>")); !slices.Equal(got, want) {
		t.Errorf("grams(<éa>) = %x, want %x", got, want)
	}
}

// TestKnownWords checks that the word cache changes nothing: the features
// known gives are those of features, looked up.
func TestKnownWords(t *testing.T) {
	m := trainSample(t, Options{Threshold: Auto, OutOfScope: sampleOOS})
	texts := slices.Concat(probes, sampleOOS, []string{"hello hello hello", "où est ma commande"})
	for _, in := range sample {
		texts = append(texts, in.Examples...)
	}
	for _, text := range texts {
		var want []int32
		for _, h := range features(nil, text) {
			want = m.look(want, h)
		}
		if got := m.known(nil, text); !slices.Equal(got, want) {
			t.Errorf("known(%.40q) = %v, want %v", text, got, want)
		}
	}
}

func TestExpLn(t *testing.T) {
	for x := -50.0; x <= 0; x += 0.137 {
		if got, want := exp(x), math.Exp(x); math.Abs(got-want) > 1e-12*want {
			t.Errorf("exp(%v) = %v, want %v", x, got, want)
		}
	}
	if exp(-800) != 0 {
		t.Errorf("exp(-800) = %v, want 0", exp(-800))
	}
	for _, x := range []float64{1, 2, 3, 0.5, 1e-3, 7.5, 15101, 1e9} {
		if got, want := ln(x), math.Log(x); math.Abs(got-want) > 1e-15*math.Max(1, math.Abs(want)) {
			t.Errorf("ln(%v) = %v, want %v", x, got, want)
		}
	}
}

func TestMarshalBinary(t *testing.T) {
	m := trainSample(t, Options{Threshold: Auto, OutOfScope: sampleOOS})
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var n Model
	if err := n.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if n.Hash() != m.Hash() || n.Threshold() != m.Threshold() || !slices.Equal(n.Intents(), m.Intents()) {
		t.Errorf("decoded model is %s %v %v, want %s %v %v", n.Hash(), n.Threshold(), n.Intents(), m.Hash(), m.Threshold(), m.Intents())
	}
	for _, text := range probes {
		if pa, pb := m.Classify(text), n.Classify(text); !samePrediction(pa, pb) {
			t.Errorf("Classify(%.40q): %+v, decoded %+v", text, pa, pb)
		}
	}
	for _, bad := range [][]byte{nil, b[:len(b)-1], append(slices.Clone(b[:100]), b[101:]...), flip(b, 200)} {
		if err := new(Model).UnmarshalBinary(bad); err == nil {
			t.Errorf("UnmarshalBinary accepted %d damaged bytes", len(bad))
		}
	}
}

func flip(b []byte, i int) []byte {
	b = slices.Clone(b)
	b[i] ^= 1
	return b
}

// FuzzUnmarshalBinary fuzzes the decoder behind its checksum: the input is
// an encoded model without its trailing SHA-256, which is added.
func FuzzUnmarshalBinary(f *testing.F) {
	m, err := Train(sample[:2], Options{Threshold: 0.5, OutOfScope: sampleOOS[:2]})
	if err != nil {
		f.Fatal(err)
	}
	b, _ := m.MarshalBinary()
	f.Add(b[:len(b)-sha256.Size])
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, b []byte) {
		sum := sha256.Sum256(b)
		var m Model
		if m.UnmarshalBinary(append(b, sum[:]...)) == nil {
			for _, text := range probes {
				m.Classify(text)
			}
			again, _ := m.MarshalBinary()
			if !bytes.Equal(again[:len(again)-sha256.Size], b) {
				t.Error("a decoded model encodes differently")
			}
		}
	})
}

func TestTrainCached(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	t.Setenv("HOME", dir)
	t.Setenv("BOTCTL_NLU_CACHE", "")
	cd := cacheDir()
	if !strings.HasPrefix(cd, dir) {
		t.Fatalf("cache directory %s is not under %s", cd, dir)
	}
	opt := Options{Threshold: Auto, OutOfScope: sampleOOS}
	want := trainSample(t, opt)
	check := func(what string, m *Model) {
		t.Helper()
		for _, text := range probes {
			if pa, pb := want.Classify(text), m.Classify(text); !samePrediction(pa, pb) {
				t.Fatalf("%s: Classify(%.40q) = %+v, want %+v", what, text, pb, pa)
			}
		}
	}
	reset := func() { memory = &lru{max: 8} }
	reset()
	m, err := TrainCached(sample, opt)
	if err != nil {
		t.Fatal(err)
	}
	check("trained", m)
	if again, _ := TrainCached(sample, opt); again != m {
		t.Error("a second TrainCached did not use the process's cache")
	}
	path := filepath.Join(cd, want.Hash())
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no model on disk: %v", err)
	}
	reset()
	m, err = TrainCached(sample, opt)
	if err != nil {
		t.Fatal(err)
	}
	check("from disk", m)

	// A damaged entry is trained again, and replaced.
	if err := os.WriteFile(path, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	reset()
	m, err = TrainCached(sample, opt)
	if err != nil {
		t.Fatal(err)
	}
	check("after a damaged entry", m)
	if load(path, want.Hash()) == nil {
		t.Error("the damaged entry was not replaced")
	}
	if tmp, _ := filepath.Glob(filepath.Join(cd, "*.tmp")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}

	// Off: nothing on disk.
	t.Setenv("BOTCTL_NLU_CACHE", "off")
	reset()
	opt.Threshold = 0.25
	if _, err := TrainCached(sample, opt); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(cd, Key(sample, opt))); !os.IsNotExist(err) {
		t.Errorf("BOTCTL_NLU_CACHE=off wrote to disk (%v)", err)
	}
	if _, err := TrainCached(nil, opt); err != ErrNoIntents {
		t.Errorf("TrainCached(nil) error %v, want ErrNoIntents", err)
	}
}

func TestLRU(t *testing.T) {
	c := &lru{max: 2}
	a, b, d := &Model{}, &Model{}, &Model{}
	c.put("a", a)
	c.put("b", b)
	c.get("a") // b is now the least recently used
	c.put("d", d)
	if c.get("a") != a || c.get("d") != d || c.get("b") != nil {
		t.Errorf("after a, b, get a, d: cache holds %v", c.keys)
	}
}

func TestEvaluate(t *testing.T) {
	m := trainSample(t, Options{Threshold: Auto, OutOfScope: sampleOOS})
	data := []Labeled{
		{"hello there", "greet"},
		{"where is my parcel", "order_status"},
		{"book a table", "book_table"},
		{"book a table", "order_status"}, // a deliberate error
		{"tell me a joke please", ""},
		{"hello", ""},      // another
		{"hi", "farewell"}, // an intent the model does not know
	}
	r := Evaluate(m, data)
	if r.Examples != 7 || r.InScope != 5 || r.OutOfScope != 2 {
		t.Errorf("counts %d, %d, %d; want 7, 5, 2", r.Examples, r.InScope, r.OutOfScope)
	}
	if r.InScopeAccuracy != 3.0/5 || r.OutOfScopeRecall != 0.5 {
		t.Errorf("accuracy %v, recall %v; want 0.6, 0.5", r.InScopeAccuracy, r.OutOfScopeRecall)
	}
	if s := r.PerIntent["greet"]; s.Support != 1 || s.Recall != 1 || s.Precision != 1.0/3 || math.Abs(s.F1-0.5) > 1e-12 {
		t.Errorf("greet: %+v, want precision 1/3, recall 1, f1 0.5, support 1", s)
	}
	if s, ok := r.PerIntent["farewell"]; !ok || s.Support != 1 || s.Recall != 0 {
		t.Errorf("farewell: %+v, %v", s, ok)
	}
	if s := r.PerIntent["commander_cafe"]; s != (IntentScore{}) {
		t.Errorf("commander_cafe (no examples): %+v, want zeros", s)
	}
	wantConfused := []Confusion{{"order_status", "book_table", 1}, {"", "greet", 1}, {"farewell", "greet", 1}}
	if !slices.Equal(r.Confused, wantConfused) {
		t.Errorf("confused %+v, want %+v", r.Confused, wantConfused)
	}
	if r.LatencyP50us <= 0 || r.LatencyP99us < r.LatencyP50us || r.Threshold != m.Threshold() {
		t.Errorf("latency %v, %v; threshold %v", r.LatencyP50us, r.LatencyP99us, r.Threshold)
	}

	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]json.RawMessage
	json.Unmarshal(b, &keys)
	var got []string
	for k := range keys {
		got = append(got, k)
	}
	slices.Sort(got)
	want := []string{"confused", "examples", "in_scope_accuracy", "latency_p50_us", "latency_p99_us", "out_of_scope_recall", "per_intent", "threshold", "train_seconds"}
	if !slices.Equal(got, want) {
		t.Errorf("JSON keys %q, want %q", got, want)
	}
	if !strings.Contains(string(b), `"greet":{"precision":0.3333333333333333,"recall":1,"f1":0.5,"support":1}`) {
		t.Errorf("per_intent entry not as documented: %s", b)
	}

	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"in-scope accuracy    60.00%", "out-of-scope recall  50.00%", "farewell", "(out of scope)  greet"} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("text report lacks %q:\n%s", s, text.String())
		}
	}
}

func TestCrossValidate(t *testing.T) {
	r, err := CrossValidate(sample, Options{Threshold: Auto, OutOfScope: sampleOOS}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if r.InScope != 32 || r.OutOfScope != 8 {
		t.Errorf("held out %d in scope and %d out, want every example once: 32 and 8", r.InScope, r.OutOfScope)
	}
	if r.InScopeAccuracy < 0.6 || r.TrainSeconds <= 0 || !(r.Threshold > 0 && r.Threshold < 1) {
		t.Errorf("cross-validation: accuracy %v, train %v s, threshold %v", r.InScopeAccuracy, r.TrainSeconds, r.Threshold)
	}
	if _, err := CrossValidate(sample, Options{}, 1); err == nil || err.Error() != "nlu: cross-validation needs at least 2 folds, not 1" {
		t.Errorf("k=1: error %v", err)
	}
	if _, err := CrossValidate([]Intent{{"a", []string{"x"}}}, Options{}, 2); err == nil || err.Error() != "nlu: too few examples for 2 folds" {
		t.Errorf("one example, 2 folds: error %v", err)
	}
}

func TestReadJSONL(t *testing.T) {
	in := `{"text": "hello", "intent": "greet"}

{"text": "what is pi", "intent": null, "source": "ignored"}
  {"text": "café", "intent": "order"}  
`
	got, err := ReadJSONL(strings.NewReader(in))
	want := []Labeled{{"hello", "greet"}, {"what is pi", ""}, {"café", "order"}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("ReadJSONL = %v, %v; want %v", got, err, want)
	}
	for _, c := range []struct{ in, want string }{
		{`{"text": "a", "intent": "b"}` + "\n" + `[1]`, `line 2: want a JSON object like {"text": "...", "intent": "name"}`},
		{`{"text": "a", "intent": "b"`, `line 1: invalid JSON: unexpected end of JSON input`},
		{`{"intent": "b"}`, `line 1: no "text"`},
		{"\n\n" + `{"text": "a"}`, `line 3: no "intent" (null for out of scope)`},
		{`{"text": "a", "intent": ""}`, `line 1: "intent" is empty: want an intent's name, or null for out of scope`},
		{`{"text": "a", "intent": 3}`, `line 1: "intent" is 3: want an intent's name, or null for out of scope`},
		{`{"text": 3, "intent": "b"}`, `line 1: invalid JSON: cannot unmarshal number into Go struct field .text of type string`},
		{`{"text": "a", "intent": "b"} x`, `line 1: invalid JSON: invalid character 'x' after top-level value`},
		{strings.Repeat("x", 2<<20), `line 1: longer than 1 MiB`},
	} {
		_, err := ReadJSONL(strings.NewReader(c.in))
		if err == nil || err.Error() != c.want {
			t.Errorf("ReadJSONL(%.40q) error %v, want %q", c.in, err, c.want)
		}
	}
}

func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"text": "hello", "intent": "greet"}` + "\n" + `{"text": "x", "intent": null}`))
	f.Add([]byte(`{"text": "a", "intent": ""}`))
	f.Add([]byte("\n\n[]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ls, err := ReadJSONL(bytes.NewReader(b))
		if err != nil {
			if ls != nil || !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("error %q, with %d results", err, len(ls))
			}
			return
		}
		for _, l := range ls {
			b, _ := json.Marshal(map[string]any{"text": l.Text, "intent": l.Intent})
			again, err := ReadJSONL(bytes.NewReader(b))
			if l.Intent != "" && (err != nil || len(again) != 1 || again[0] != l) {
				t.Errorf("%+v does not survive a round trip: %v %v", l, again, err)
			}
		}
	})
}

// TestModelBits pins the sample's model, bit for bit: it fails on a
// processor that rounds differently, or when a change to the features or
// the training changes models — then bump algorithm too, so that cached
// models of the old one are not used, and update the sum here.
func TestModelBits(t *testing.T) {
	m := trainSample(t, Options{Threshold: Auto, OutOfScope: sampleOOS})
	b, _ := m.MarshalBinary()
	const want = "4a2a80c94c327819d693cc28f7c5b4609a390cd03dc862a1b24b38a7cb870f83"
	if got := fmt.Sprintf("%x", sha256.Sum256(b)); got != want {
		t.Errorf("the sample's model has SHA-256 %s, want %s", got, want)
	}
}

// TestSoftmaxOrder checks that softmax gives each class the same
// probability whatever the order of the classes.
func TestSoftmaxOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for try := range 2000 {
		s := make([]float32, 1+try%200)
		for i := range s {
			s[i] = float32(r.NormFloat64() * 4)
		}
		perm := r.Perm(len(s))
		p := make([]float32, len(s))
		for i, j := range perm {
			p[i] = s[j]
		}
		softmax(s)
		softmax(p)
		for i, j := range perm {
			if p[i] != s[j] {
				t.Fatalf("%d classes: class %d has probability %v, permuted %v", len(s), j, s[j], p[i])
			}
		}
	}
}

// The disk cache keeps the most recently used models and drops the rest,
// and the leftovers of an interrupted save once they are old.
func TestPrune(t *testing.T) {
	dir := t.TempDir()
	base := time.Now().Add(-48 * time.Hour)
	for i := range 5 {
		p := filepath.Join(dir, fmt.Sprintf("model%d", i))
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		at := base.Add(time.Duration(i) * time.Hour)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	old, fresh := filepath.Join(dir, "a.1.tmp"), filepath.Join(dir, "b.2.tmp")
	for _, p := range []string{old, fresh} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(old, base, base); err != nil {
		t.Fatal(err)
	}
	if err := pruneCache(dir, 3); err != nil {
		t.Fatal(err)
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"b.2.tmp", "model2", "model3", "model4"}; !slices.Equal(names, want) {
		t.Errorf("after prune: %v, want %v", names, want)
	}
}
