package turn

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/internal/jsonenc"
)

// A hand-written JSON encoder and decoder for State, the hot path of every
// store round trip. Both are exact: the encoder writes byte for byte what
// encoding/json.Marshal writes, and the decoder gives what Unmarshal's
// encoding/json path gives. Whatever they are not sure of (a value of a type
// they do not know, a NaN, a key in another case, a duplicate field, a null,
// malformed input) makes them give up, and encoding/json does the work, so
// its results and errors stay the reference. statejson_test.go checks both
// against encoding/json on random states.

// errSlow says the fast path gave up: use encoding/json.
var errSlow = errors.New("runtime: use encoding/json")

var encBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// appendOptString appends `,"key":"val"` unless val is empty: an
// omitempty string field.
func appendOptString(b []byte, key, val string) []byte {
	if val == "" {
		return b
	}
	return appendJSONString(append(b, key...), val)
}

// appendOptInt appends `,"key":n` unless n is 0: an omitempty int field.
func appendOptInt(b []byte, key string, n int) []byte {
	if n == 0 {
		return b
	}
	return strconv.AppendInt(append(b, key...), int64(n), 10)
}

// marshalFast encodes s as encoding/json.Marshal would, or returns errSlow.
func marshalFast(s *State) ([]byte, error) {
	bp := encBufs.Get().(*[]byte)
	b, err := appendState((*bp)[:0], s)
	if err != nil {
		encBufs.Put(bp)
		return nil, err
	}
	out := make([]byte, len(b))
	copy(out, b)
	if cap(b) <= 64<<10 {
		*bp = b
		encBufs.Put(bp)
	}
	return out, nil
}

func appendState(b []byte, s *State) ([]byte, error) {
	var err error
	b = append(b, `{"id":`...)
	b = appendJSONString(b, s.ID)
	b = append(b, `,"bot":`...)
	b = appendJSONString(b, s.Bot)
	b = append(b, `,"version":`...)
	b = appendJSONString(b, s.Version)
	b = append(b, `,"started_at":"`...)
	if b, err = s.StartedAt.AppendText(b); err != nil {
		return nil, errSlow
	}
	b = append(b, `","turn":`...)
	b = strconv.AppendInt(b, int64(s.Turn), 10)
	b = append(b, `,"owner":`...)
	b = appendJSONString(b, s.Owner)
	if len(s.Tags) > 0 {
		b = append(b, `,"tags":`...)
		b = appendStrings(b, s.Tags)
	}
	b = append(b, `,"vars":`...)
	if b, err = appendMap(b, s.Vars, 0); err != nil {
		return nil, err
	}
	if len(s.Params) > 0 {
		b = append(b, `,"params":`...)
		if b, err = appendMap(b, s.Params, 0); err != nil {
			return nil, err
		}
	}
	if len(s.User) > 0 {
		b = append(b, `,"user":`...)
		if b, err = appendMap(b, s.User, 0); err != nil {
			return nil, err
		}
	}
	b = appendOptString(b, `,"input":`, s.Input)
	if r := s.Result; r != nil {
		b = append(b, `,"result":{"ok":`...)
		b = strconv.AppendBool(b, r.OK)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(r.Status), 10)
		if r.Body != nil {
			b = append(b, `,"body":`...)
			if b, err = appendValue(b, r.Body, 0); err != nil {
				return nil, err
			}
		}
		if len(r.Headers) > 0 {
			b = append(b, `,"headers":`...)
			b = appendStringMap(b, r.Headers)
		}
		b = appendOptString(b, `,"error":`, r.Error)
		b = append(b, '}')
	}
	b = appendOptString(b, `,"dialog":`, s.Dialog)
	b = appendOptString(b, `,"step":`, s.Step)
	b = appendOptString(b, `,"wait":`, string(s.Wait))
	b = appendOptInt(b, `,"attempts":`, s.Attempts)
	if len(s.Intents) > 0 {
		b = append(b, `,"intents":`...)
		b = appendStrings(b, s.Intents)
	}
	if f := s.Upload; f != nil {
		b = append(b, `,"upload":{"name":`...)
		b = appendJSONString(b, f.Name)
		b = append(b, `,"type":`...)
		b = appendJSONString(b, f.Type)
		b = append(b, `,"size":`...)
		b = strconv.AppendInt(b, f.Size, 10)
		b = appendOptString(b, `,"id":`, f.ID)
		b = append(b, '}')
	}
	if t := s.Transfer; t != nil {
		b = append(b, `,"transfer":{"to":`...)
		b = appendJSONString(b, t.To)
		b = appendOptString(b, `,"skill":`, t.Skill)
		b = appendOptString(b, `,"agent":`, t.Agent)
		b = appendOptString(b, `,"bot":`, t.Bot)
		if t.Context {
			b = append(b, `,"context":true`...)
		}
		if len(t.Tags) > 0 {
			b = append(b, `,"tags":`...)
			b = appendStrings(b, t.Tags)
		}
		b = appendOptString(b, `,"dialog":`, t.Dialog)
		b = appendOptString(b, `,"message":`, t.Message)
		b = append(b, '}')
	}
	b = appendOptString(b, `,"handed_to":`, s.HandedTo)
	b = appendOptInt(b, `,"transfer_failures":`, s.TransferFailures)
	b = appendOptInt(b, `,"effects":`, s.Effects)
	if l := s.Lease; l != nil {
		b = append(b, `,"lease":{"key":`...)
		b = appendJSONString(b, l.Key)
		b = append(b, `,"holder":`...)
		b = appendJSONString(b, l.Holder)
		b = append(b, `,"until":"`...)
		if b, err = l.Until.AppendText(b); err != nil {
			return nil, errSlow
		}
		b = append(b, '"')
		b = appendOptString(b, `,"request":`, l.Request)
		b = appendOptString(b, `,"input":`, l.Input)
		b = append(b, '}')
	}
	if !s.Quiet.IsZero() {
		b = append(b, `,"quiet_since":"`...)
		if b, err = s.Quiet.AppendText(b); err != nil {
			return nil, errSlow
		}
		b = append(b, '"')
	}
	b = appendOptInt(b, `,"nudged":`, s.Nudged)
	if len(s.Schedules) > 0 || s.Resume != nil {
		return nil, errSlow // rare: encoding/json writes them
	}
	b = appendOptInt(b, `,"schedule_seq":`, s.ScheduleSeq)
	if len(s.Event) > 0 {
		b = append(b, `,"event":`...)
		b = appendStringMap(b, s.Event)
	}
	if len(s.Sealed) > 0 {
		b = append(b, `,"sealed":`...)
		b = appendStringMap(b, s.Sealed)
	}
	return append(b, '}'), nil
}

func appendStrings(b []byte, l []string) []byte {
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

func appendStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return append(b, '}')
}

// maxDepth bounds the nesting the fast paths follow; deeper values go to
// encoding/json.
const maxDepth = 1000

func appendMap(b []byte, m map[string]any, depth int) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	if depth > maxDepth {
		return nil, errSlow
	}
	var arr [16]string
	keys := arr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		if b, err = appendValue(b, m[k], depth+1); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case float64:
		return appendFloat(b, v)
	case map[string]any:
		return appendMap(b, v, depth)
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		if depth > maxDepth {
			return nil, errSlow
		}
		b = append(b, '[')
		var err error
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendValue(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	}
	// Any other type: as encoding/json writes it on its own, which is as it
	// writes it inside a larger value.
	data, err := json.Marshal(v)
	if err != nil {
		return nil, errSlow
	}
	return append(b, data...), nil
}

// appendFloat is encoding/json's float64 encoding.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, errSlow
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendJSONString is encoding/json's string encoding with HTML escaping.
func appendJSONString(dst []byte, src string) []byte {
	return jsonenc.AppendString(dst, src, true)
}

// decoder is the fast path of Unmarshal. Any method failing means: give
// up, let encoding/json decode (and report the error, if any).
//
// Strings with no escapes are slices of src, one copy of the whole input:
// one allocation instead of one a string.
type decoder struct {
	data []byte
	src  string // string(data)
	i    int
}

func (d *decoder) ws() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// next skips white space and returns the next byte, 0 at the end.
func (d *decoder) next() byte {
	d.ws()
	if d.i < len(d.data) {
		return d.data[d.i]
	}
	return 0
}

func (d *decoder) literal(lit string) bool {
	if len(d.data)-d.i >= len(lit) && string(d.data[d.i:d.i+len(lit)]) == lit {
		d.i += len(lit)
		return true
	}
	return false
}

// str reads a string literal at d.i (the opening quote).
func (d *decoder) str() (string, bool) {
	if d.i >= len(d.data) || d.data[d.i] != '"' {
		return "", false
	}
	start := d.i + 1
	for j := start; j < len(d.data); {
		c := d.data[j]
		if c == '"' {
			d.i = j + 1
			return d.src[start:j], true
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(d.src[j:])
			if r == utf8.RuneError && size == 1 {
				return d.strSlow(start)
			}
			j += size
			continue
		}
		if c == '\\' || c < 0x20 {
			return d.strSlow(start)
		}
		j++
	}
	return "", false
}

// strSlow decodes a string with escapes or non-ASCII, as encoding/json's
// scanner and unquote do.
func (d *decoder) strSlow(start int) (string, bool) {
	s := d.data
	b := make([]byte, 0, 64)
	r := start
	for r < len(s) {
		c := s[r]
		switch {
		case c == '"':
			d.i = r + 1
			return string(b), true
		case c == '\\':
			r++
			if r >= len(s) {
				return "", false
			}
			switch s[r] {
			case '"', '\\', '/':
				b = append(b, s[r])
				r++
			case 'b':
				b = append(b, '\b')
				r++
			case 'f':
				b = append(b, '\f')
				r++
			case 'n':
				b = append(b, '\n')
				r++
			case 'r':
				b = append(b, '\r')
				r++
			case 't':
				b = append(b, '\t')
				r++
			case 'u':
				rr := getu4(s[r-1:])
				if rr < 0 {
					return "", false
				}
				r += 5
				if utf16.IsSurrogate(rr) {
					rr1 := getu4(s[r:])
					if dec := utf16.DecodeRune(rr, rr1); dec != unicode.ReplacementChar {
						r += 6
						b = utf8.AppendRune(b, dec)
						break
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
			default:
				return "", false
			}
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			b = utf8.AppendRune(b, rr)
		}
	}
	return "", false
}

func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c = c - '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// number reads a number literal, checking JSON's grammar.
func (d *decoder) number() ([]byte, bool) {
	s, i := d.data, d.i
	start := i
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i >= len(s) {
		return nil, false
	}
	if s[i] == '0' {
		i++
	} else if '1' <= s[i] && s[i] <= '9' {
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	} else {
		return nil, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == j {
			return nil, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == j {
			return nil, false
		}
	}
	d.i = i
	return s[start:i], true
}

// int reads a number into an int field, as encoding/json does.
func (d *decoder) int() (int64, bool) {
	lit, ok := d.number()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(string(lit), 10, 64)
	return n, err == nil
}

// value reads any JSON value as Unmarshal gives it: numbers as Numbers
// turns them.
func (d *decoder) value(depth int) (any, bool) {
	if depth > maxDepth {
		return nil, false
	}
	switch c := d.next(); {
	case c == '"':
		return d.str()
	case c == '{':
		return d.object(depth)
	case c == '[':
		d.i++
		l := []any{}
		if d.next() == ']' {
			d.i++
			return l, true
		}
		for {
			v, ok := d.value(depth + 1)
			if !ok {
				return nil, false
			}
			l = append(l, v)
			switch d.next() {
			case ',':
				d.i++
			case ']':
				d.i++
				return l, true
			default:
				return nil, false
			}
		}
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		lit, ok := d.number()
		if !ok {
			return nil, false
		}
		if i, err := strconv.ParseInt(string(lit), 10, 64); err == nil {
			return int(i), true
		}
		f, _ := strconv.ParseFloat(string(lit), 64)
		return f, true
	}
	return nil, false
}

// object reads an object into a map[string]any.
func (d *decoder) object(depth int) (map[string]any, bool) {
	m := map[string]any{}
	ok := d.members(func(k string) bool {
		v, ok := d.value(depth + 1)
		m[k] = v
		return ok
	})
	return m, ok
}

// members reads an object of any keys: f is called with each key
// (unescaped), d.i at its value, and must read the value.
func (d *decoder) members(f func(key string) bool) bool {
	if d.next() != '{' {
		return false
	}
	d.i++
	if d.next() == '}' {
		d.i++
		return true
	}
	for {
		if d.next() != '"' {
			return false
		}
		k, ok := d.str()
		if !ok || d.next() != ':' {
			return false
		}
		d.i++
		if !f(k) {
			return false
		}
		switch d.next() {
		case ',':
			d.i++
		case '}':
			d.i++
			return true
		default:
			return false
		}
	}
}

// fields reads an object of a struct: f is called with each key, d.i at
// its value, and must read the value. Keys are raw (with no escapes).
func (d *decoder) fields(f func(key string) bool) bool {
	if d.next() != '{' {
		return false
	}
	d.i++
	if d.next() == '}' {
		d.i++
		return true
	}
	for {
		if d.next() != '"' {
			return false
		}
		start := d.i + 1
		j := start
		for j < len(d.data) && d.data[j] != '"' && d.data[j] != '\\' && d.data[j] >= 0x20 && d.data[j] < utf8.RuneSelf {
			j++
		}
		if j >= len(d.data) || d.data[j] != '"' {
			return false // escapes, non-ASCII: leave the matching to encoding/json
		}
		key := d.src[start:j]
		d.i = j + 1
		if d.next() != ':' {
			return false
		}
		d.i++
		d.ws()
		if !f(key) {
			return false
		}
		switch d.next() {
		case ',':
			d.i++
		case '}':
			d.i++
			return true
		default:
			return false
		}
	}
}

// skip reads a value of an unknown field, if key is unknown in any case.
func (d *decoder) skip(key string, known ...string) bool {
	for _, k := range known {
		if equalFoldASCII(key, k) {
			return false
		}
	}
	_, ok := d.value(0)
	return ok
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func (d *decoder) null() bool {
	if d.i < len(d.data) && d.data[d.i] == 'n' {
		return d.literal("null")
	}
	return false
}

func (d *decoder) strings() ([]string, bool) {
	if d.next() != '[' {
		return nil, false
	}
	d.i++
	l := []string{}
	if d.next() == ']' {
		d.i++
		return l, true
	}
	for {
		d.ws()
		s, ok := d.str()
		if !ok {
			return nil, false
		}
		l = append(l, s)
		switch d.next() {
		case ',':
			d.i++
		case ']':
			d.i++
			return l, true
		default:
			return nil, false
		}
	}
}

// known decodes an object whose keys are the fields of a struct: set
// decodes the value of one field. An unknown key is skipped, as
// encoding/json does; a null leaves the field as it is; a key given twice
// (encoding/json merges the values) reports false, to leave the whole
// input to encoding/json. fields holds at most 32 names.
func (d *decoder) known(fields []string, set func(key string) bool) bool {
	var seen uint32
	return d.fields(func(key string) bool {
		i := slices.Index(fields, key)
		if i < 0 {
			return d.skip(key, fields...)
		}
		if seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		if d.null() {
			return true
		}
		return set(key)
	})
}

// bool decodes true or false.
func (d *decoder) bool() (b, ok bool) {
	if d.literal("true") {
		return true, true
	}
	return false, d.literal("false")
}

var stateFields = []string{"id", "bot", "version", "started_at", "turn", "owner", "tags", "vars",
	"params", "user", "input", "result", "dialog", "step", "wait", "attempts", "intents", "upload",
	"transfer", "handed_to", "transfer_failures", "effects", "lease", "sealed",
	"quiet_since", "nudged", "schedule_seq", "event", "schedules", "resume"}

// unmarshalFast decodes data into s, or reports false to leave it to
// encoding/json.
func unmarshalFast(data []byte, s *State) bool {
	d := &decoder{data: data, src: string(data)}
	ok := d.known(stateFields, func(key string) bool {
		var ok bool
		var n int64
		switch key {
		case "id":
			s.ID, ok = d.str()
		case "bot":
			s.Bot, ok = d.str()
		case "version":
			s.Version, ok = d.str()
		case "started_at":
			start := d.i
			if _, ok = d.str(); ok {
				ok = s.StartedAt.UnmarshalJSON(d.data[start:d.i]) == nil
			}
		case "turn":
			n, ok = d.int()
			s.Turn = int(n)
		case "owner":
			s.Owner, ok = d.str()
		case "tags":
			s.Tags, ok = d.strings()
		case "vars":
			s.Vars, ok = d.object(0)
		case "params":
			s.Params, ok = d.object(0)
		case "user":
			s.User, ok = d.object(0)
		case "input":
			s.Input, ok = d.str()
		case "result":
			s.Result = &cond.Result{}
			ok = d.result(s.Result)
		case "dialog":
			s.Dialog, ok = d.str()
		case "step":
			if d.next() == '"' {
				s.Step, ok = d.str()
			} else {
				n, ok = d.int()
				s.Step = legacyStep(n)
			}
		case "wait":
			var w string
			w, ok = d.str()
			s.Wait = Wait(w)
		case "attempts":
			n, ok = d.int()
			s.Attempts = int(n)
		case "intents":
			s.Intents, ok = d.strings()
		case "upload":
			s.Upload = &File{}
			ok = d.file(s.Upload)
		case "transfer":
			s.Transfer = &Transfer{}
			ok = d.transfer(s.Transfer)
		case "handed_to":
			s.HandedTo, ok = d.str()
		case "transfer_failures":
			n, ok = d.int()
			s.TransferFailures = int(n)
		case "effects":
			n, ok = d.int()
			s.Effects = int(n)
		case "lease":
			s.Lease = &Lease{}
			ok = d.lease(s.Lease)
		case "sealed":
			s.Sealed, ok = d.stringMap()
		case "quiet_since":
			start := d.i
			if _, ok = d.str(); ok {
				ok = s.Quiet.UnmarshalJSON(d.data[start:d.i]) == nil
			}
		case "nudged":
			n, ok = d.int()
			s.Nudged = int(n)
		case "schedule_seq":
			n, ok = d.int()
			s.ScheduleSeq = int(n)
		case "event":
			s.Event, ok = d.stringMap()
		case "schedules", "resume":
			return false // rare: left to encoding/json
		}
		return ok
	})
	if !ok {
		return false
	}
	d.ws()
	if d.i != len(d.data) {
		return false
	}
	legacyPosition(s)
	return true
}

// legacyStep is the position of a state stored before steps had keys: a
// 0-based index, which StepAt reads back as "#N", 1-based.
func legacyStep(index int64) string {
	return "#" + strconv.FormatInt(index+1, 10)
}

// legacyPosition completes the position of a state stored before steps had
// keys, which left out the index 0.
func legacyPosition(s *State) {
	if s.Dialog != "" && s.Step == "" {
		s.Step = legacyStep(0)
	}
}

var leaseFields = []string{"key", "holder", "until", "request", "input"}

func (d *decoder) lease(l *Lease) bool {
	return d.known(leaseFields, func(key string) bool {
		var ok bool
		switch key {
		case "key":
			l.Key, ok = d.str()
		case "holder":
			l.Holder, ok = d.str()
		case "until":
			start := d.i
			if _, ok = d.str(); ok {
				ok = l.Until.UnmarshalJSON(d.data[start:d.i]) == nil
			}
		case "request":
			l.Request, ok = d.str()
		case "input":
			l.Input, ok = d.str()
		}
		return ok
	})
}

var resultFields = []string{"ok", "status", "body", "headers", "error"}

func (d *decoder) result(r *cond.Result) bool {
	return d.known(resultFields, func(key string) bool {
		var ok bool
		switch key {
		case "ok":
			r.OK, ok = d.bool()
		case "status":
			var n int64
			n, ok = d.int()
			r.Status = int(n)
		case "body":
			r.Body, ok = d.value(0)
		case "headers":
			r.Headers, ok = d.stringMap()
		case "error":
			r.Error, ok = d.str()
		}
		return ok
	})
}

var fileFields = []string{"name", "type", "size", "id"}

func (d *decoder) file(f *File) bool {
	return d.known(fileFields, func(key string) bool {
		var ok bool
		switch key {
		case "name":
			f.Name, ok = d.str()
		case "type":
			f.Type, ok = d.str()
		case "size":
			f.Size, ok = d.int()
		case "id":
			f.ID, ok = d.str()
		}
		return ok
	})
}

var transferFields = []string{"to", "skill", "agent", "bot", "context", "tags", "dialog", "message"}

func (d *decoder) transfer(t *Transfer) bool {
	return d.known(transferFields, func(key string) bool {
		var ok bool
		switch key {
		case "to":
			t.To, ok = d.str()
		case "skill":
			t.Skill, ok = d.str()
		case "agent":
			t.Agent, ok = d.str()
		case "bot":
			t.Bot, ok = d.str()
		case "context":
			t.Context, ok = d.bool()
		case "tags":
			t.Tags, ok = d.strings()
		case "dialog":
			t.Dialog, ok = d.str()
		case "message":
			t.Message, ok = d.str()
		}
		return ok
	})
}

func (d *decoder) stringMap() (map[string]string, bool) {
	m := map[string]string{}
	ok := d.members(func(k string) bool {
		if d.next() != '"' {
			return false // null and the like: leave them to encoding/json
		}
		v, ok := d.str()
		m[k] = v
		return ok
	})
	return m, ok
}
