package turn

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/botctl/botctl/engine/cond"
)

func benchState() State {
	return State{
		ID: "conv-12345", Bot: "acme-support", Version: "1.4.2",
		StartedAt: time.Date(2026, 11, 21, 7, 53, 16, 123456789, time.UTC),
		Turn:      7, Owner: OwnerBot, Tags: []string{"billing", "vip"},
		Vars: map[string]any{
			"amount": 120, "count": 3, "name": "Zoë <admin>", "ratio": 0.25,
			"order": map[string]any{"id": "A-1", "items": []any{"x", 2, 3.5, true, nil}},
			"ok":    true,
		},
		Params: map[string]any{"intent": "refund"},
		User:   map[string]any{"email": "a@example.com", "plan": "pro"},
		Input:  "I want a refund & more",
		Result: &cond.Result{OK: true, Status: 200, Body: map[string]any{"status": "shipped", "eta": 2}},
		Dialog: "refund", Step: "ask_amount", Wait: WaitAnswer, Attempts: 1,
	}
}

func BenchmarkStateMarshal(b *testing.B) {
	s := benchState()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStateUnmarshal(b *testing.B) {
	data, err := Marshal(benchState())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unmarshal(data); err != nil {
			b.Fatal(err)
		}
	}
}

// The fast Marshal and Unmarshal must agree with encoding/json exactly.

var jsonTrickyStrings = []string{
	"", "a", "Zoë", "<script>&amp;</script>", `quote " and \ backslash`, "\n\t\r\b\f",
	"\x00\x01\x1f\x7f", "\u2028\u2029", "😀", "\xff", "\xc3", "\xed\xa0\x80", "\ufffd",
	"/slash/", "'single'", "日本語", "\\u0041",
}

func randString(r *rand.Rand) string {
	n := r.IntN(5)
	s := ""
	for range n {
		switch r.IntN(3) {
		case 0:
			s += jsonTrickyStrings[r.IntN(len(jsonTrickyStrings))]
		case 1:
			s += string(rune(r.IntN(0x10000)))
		default:
			s += string([]byte{byte(r.IntN(256))})
		}
	}
	return s
}

var jsonFloats = []float64{0, math.Copysign(0, -1), 1e-7, 1e-6, 9.99e-7, 1e20, 1e21, 1.5, -2.25,
	123456789.123, math.MaxFloat64, math.SmallestNonzeroFloat64, 2, 1e-300, 3e100, 0.1}

func randValue(r *rand.Rand, depth int) any {
	k := r.IntN(14)
	if depth > 3 && k >= 6 {
		k = r.IntN(6)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return []int{0, 1, -1, math.MaxInt64, math.MinInt64, r.Int()}[r.IntN(6)]
	case 3:
		if r.IntN(2) == 0 {
			return jsonFloats[r.IntN(len(jsonFloats))]
		}
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(60)-30))
	case 4, 5:
		return randString(r)
	case 6, 7:
		return randMap(r, depth+1)
	case 8, 9:
		l := make([]any, r.IntN(4))
		for i := range l {
			l[i] = randValue(r, depth+1)
		}
		if r.IntN(10) == 0 {
			l = nil
		}
		return l
	case 10:
		return []any{int64(r.Int()), float32(1.5), uint8(7), json.Number("12.50")}[r.IntN(4)]
	case 11:
		return []string{randString(r), "b"}
	case 12:
		return map[string]string{randString(r): randString(r)}
	default:
		return &File{Name: randString(r), Size: 3}
	}
}

func randMap(r *rand.Rand, depth int) map[string]any {
	if r.IntN(12) == 0 {
		return nil
	}
	m := map[string]any{}
	for range r.IntN(6) {
		m[randString(r)] = randValue(r, depth)
	}
	return m
}

func randStrings(r *rand.Rand) []string {
	switch r.IntN(3) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	l := make([]string, 1+r.IntN(3))
	for i := range l {
		l[i] = randString(r)
	}
	return l
}

func pick[T any](r *rand.Rand, zero, v T) T {
	if r.IntN(2) == 0 {
		return zero
	}
	return v
}

func randState(r *rand.Rand) State {
	s := State{
		ID: randString(r), Bot: randString(r), Version: randString(r),
		StartedAt: time.Unix(r.Int64N(1<<35), r.Int64N(1e9)).In(time.FixedZone("", 60*(r.IntN(1440)-720))),
		Turn:      r.IntN(1000) - 10, Owner: randString(r), Tags: randStrings(r),
		Vars: randMap(r, 0), Params: randMap(r, 0), User: randMap(r, 0),
		Input:  pick(r, "", randString(r)),
		Dialog: pick(r, "", randString(r)),
		Wait:   pick(r, WaitNone, Wait(randString(r))), Attempts: pick(r, 0, r.IntN(5)),
		HandedTo: pick(r, "", randString(r)), TransferFailures: pick(r, 0, r.IntN(5)),
	}
	if s.Dialog != "" {
		s.Step = pick(r, "~0123456789ab", randString(r)+"x")
	}
	s.Effects = pick(r, 0, r.IntN(9))
	if r.IntN(3) == 0 {
		s.Lease = &Lease{Key: randString(r), Holder: randString(r), Request: pick(r, "", randString(r)), Input: pick(r, "", randString(r)),
			Until: time.Unix(r.Int64N(1<<35), r.Int64N(1e9)).UTC()}
	}
	if r.IntN(3) == 0 {
		s.StartedAt = s.StartedAt.UTC()
	}
	if r.IntN(2) == 0 {
		s.Result = &cond.Result{OK: r.IntN(2) == 0, Status: r.IntN(600), Body: pick(r, nil, randValue(r, 0)),
			Error: pick(r, "", randString(r))}
		if r.IntN(2) == 0 {
			s.Result.Headers = map[string]string{randString(r): randString(r), "Content-Type": "application/json"}
		}
	}
	if r.IntN(3) == 0 {
		s.Upload = &File{Name: randString(r), Type: randString(r), Size: r.Int64(), ID: pick(r, "", randString(r))}
	}
	if r.IntN(3) == 0 {
		s.Transfer = &Transfer{To: randString(r), Skill: pick(r, "", randString(r)), Agent: pick(r, "", randString(r)),
			Bot: pick(r, "", randString(r)), Context: r.IntN(2) == 0, Tags: randStrings(r),
			Dialog: pick(r, "", randString(r)), Message: pick(r, "", randString(r))}
	}
	return s
}

func TestStateJSONMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	fast := 0
	for i := range n {
		s := randState(r)
		want, werr := json.Marshal(s)
		got, gerr := Marshal(s)
		if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("state %d: Marshal\n got %s, %v\nwant %s, %v", i, got, gerr, want, werr)
		}
		if werr != nil {
			continue
		}
		var st State
		if unmarshalFast(want, &st) {
			fast++
		}
		checkUnmarshal(t, want)
		for range 3 {
			checkUnmarshal(t, mutate(r, want))
		}
	}
	if fast < n*95/100 {
		t.Errorf("fast path decoded only %d of %d states", fast, n)
	}
}

func checkUnmarshal(t *testing.T, data []byte) {
	t.Helper()
	got, gerr := Unmarshal(data)
	want, werr := unmarshalJSON(data)
	if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() || !reflect.DeepEqual(got, want) {
		t.Fatalf("Unmarshal(%q)\n got %#v, %v\nwant %#v, %v", data, got, gerr, want, werr)
	}
}

// mutate makes JSON the fast decoder must decode as encoding/json does, or
// leave to it.
func mutate(r *rand.Rand, data []byte) []byte {
	s := string(data)
	switch r.IntN(13) {
	case 0:
		return []byte(`{"zz":{"a":[1,"x",{"b":null}]}, "Zz": 1,` + s[1:])
	case 1:
		return []byte(strings.Replace(s, `"id":`, `"ID":`, 1))
	case 2:
		return []byte(strings.ReplaceAll(strings.ReplaceAll(s, `,"`, " ,\n\t\""), `":`, `" : `))
	case 3:
		return []byte(s[:len(s)-1] + `,"turn":5}`)
	case 4:
		return []byte(s[:len(s)-1] + `,"input":null,"result":null,"tags":null,"vars":{}}`)
	case 5:
		return []byte(s + " x")
	case 6:
		return data[:r.IntN(len(data))]
	case 7:
		b := []byte(s)
		const junk = "{}[]\",:0-e.tfn\\ \x00\xff"
		b[r.IntN(len(b))] = junk[r.IntN(len(junk))]
		return b
	case 8:
		return []byte(`{"vars":{"n":[1.0,-0,1e2,12345678901234567890,-1.5e-7,1e400,0.1]},"tags":[],"params":{},` + s[1:])
	case 9:
		return []byte(s[:len(s)-1] + `,"result":{"ok":true,"status":200,"headers":{"a\u0041":"\ud83d\ude00\ud800x"},"body":"\u00e9\/\'"}}`)
	case 10:
		return []byte(strings.Replace(s, `"vars":`, `"v\u0061rs":`, 1))
	case 11:
		return []byte(s[:len(s)-1] + `,"vars":{"extra":1},"result":{"status":1},"upload":{"size":2}}`)
	}
	return []byte(" \n" + s + "\n ")
}

func TestStateRoundTrip(t *testing.T) {
	s := benchState()
	data, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", back, s)
	}
	again, _ := Marshal(back)
	if !bytes.Equal(again, data) {
		t.Fatalf("second Marshal differs:\n%s\n%s", again, data)
	}
}

func TestMarshalErrorsAsEncodingJSON(t *testing.T) {
	for _, s := range []State{
		{Vars: map[string]any{"x": math.NaN()}},
		{Vars: map[string]any{"x": []any{math.Inf(1)}}},
		{StartedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Vars: map[string]any{"c": make(chan int)}},
	} {
		_, werr := json.Marshal(s)
		_, gerr := Marshal(s)
		if werr == nil || gerr == nil || werr.Error() != gerr.Error() {
			t.Errorf("Marshal error %v, want %v", gerr, werr)
		}
	}
}

// FuzzUnmarshal checks that for any input the fast decoder and the
// encoding/json reference agree: same State, or both an error.
func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(`{"id":"c","bot":"b","version":"v","started_at":"2026-01-02T03:04:05Z","turn":2,"owner":"bot","vars":{"n":1,"f":1.5,"s":"x","l":[1,{"a":null}]},"wait":"answer"}`))
	f.Add([]byte(`{"vars":{"a":"\u003c\ud83d\ude00"},"Vars":{}}`))
	f.Add([]byte(`{"result":{"ok":true,"status":200,"body":{"k":[1e400]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, gerr := Unmarshal(data)
		want, werr := unmarshalJSON(data)
		if (gerr == nil) != (werr == nil) {
			t.Fatalf("errors differ: fast %v, reference %v", gerr, werr)
		}
		if gerr != nil {
			return
		}
		if want.Vars == nil {
			want.Vars = map[string]any{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decodings differ:\nfast      %#v\nreference %#v", got, want)
		}
	})
}
