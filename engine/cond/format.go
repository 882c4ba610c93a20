package cond

import (
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

// Format returns v as a template prints it; see AppendValue.
func Format(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return string(AppendValue(nil, v))
}

// AppendValue appends v as a person expects to read it (docs/language.md#151-templates): text as
// is, numbers in their shortest decimal form with no exponent (20, 1520.5,
// 0.0001, 1e21 as 1000000000000000000000), booleans as true/false, nil as
// nothing, times in RFC 3339, and lists and maps as JSON (keys sorted,
// numbers printed the same way).
func AppendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return b
	case string:
		return append(b, v...)
	case []byte:
		return append(b, v...)
	case time.Time:
		return v.AppendFormat(b, time.RFC3339Nano)
	case time.Duration:
		return append(b, v.String()...)
	case error:
		return append(b, v.Error()...)
	}
	if s, ok := appendScalar(b, v); ok {
		return s
	}
	return appendJSON(b, reflect.ValueOf(v), 0)
}

// appendScalar handles booleans and numbers.
func appendScalar(b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case bool:
		return strconv.AppendBool(b, v), true
	case int:
		return strconv.AppendInt(b, int64(v), 10), true
	case int64:
		return strconv.AppendInt(b, v, 10), true
	case int32:
		return strconv.AppendInt(b, int64(v), 10), true
	case int16:
		return strconv.AppendInt(b, int64(v), 10), true
	case int8:
		return strconv.AppendInt(b, int64(v), 10), true
	case uint:
		return strconv.AppendUint(b, uint64(v), 10), true
	case uint64:
		return strconv.AppendUint(b, v, 10), true
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10), true
	case uint16:
		return strconv.AppendUint(b, uint64(v), 10), true
	case uint8:
		return strconv.AppendUint(b, uint64(v), 10), true
	case float64:
		return appendFloat(b, v, 64), true
	case float32:
		return appendFloat(b, float64(v), 32), true
	}
	return b, false
}

func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		return append(b, '0') // also -0
	}
	return strconv.AppendFloat(b, f, 'f', -1, bits)
}

const maxJSONDepth = 64

// appendJSON writes v as JSON without HTML escaping, with numbers as
// appendScalar prints them and map keys sorted.
func appendJSON(b []byte, v reflect.Value, depth int) []byte {
	if depth > maxJSONDepth {
		return append(b, "null"...)
	}
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) {
		if v.IsNil() {
			return append(b, "null"...)
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return append(b, "null"...)
	}
	if v.CanInterface() {
		switch x := v.Interface().(type) {
		case time.Time:
			b = append(b, '"')
			b = x.AppendFormat(b, time.RFC3339Nano)
			return append(b, '"')
		case time.Duration:
			return appendJSONString(b, x.String())
		case json.Marshaler:
			if out, err := x.MarshalJSON(); err == nil {
				return append(b, out...)
			}
			return append(b, "null"...)
		}
	}
	switch v.Kind() {
	case reflect.String:
		return appendJSONString(b, v.String())
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(b, v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(b, "null"...)
		}
		return appendFloat(b, f, v.Type().Bits())
	case reflect.Slice:
		if v.IsNil() {
			return append(b, "null"...)
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return appendJSONString(b, string(v.Bytes()))
		}
		fallthrough
	case reflect.Array:
		b = append(b, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, v.Index(i), depth+1)
		}
		return append(b, ']')
	case reflect.Map:
		if v.IsNil() {
			return append(b, "null"...)
		}
		if v.Type().Key().Kind() != reflect.String {
			return appendMarshal(b, v)
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k.String())
			b = append(b, ':')
			b = appendJSON(b, v.MapIndex(k), depth+1)
		}
		return append(b, '}')
	}
	return appendMarshal(b, v)
}

// appendMarshal falls back on encoding/json (structs such as Result).
func appendMarshal(b []byte, v reflect.Value) []byte {
	if !v.CanInterface() {
		return append(b, "null"...)
	}
	out, err := json.Marshal(v.Interface())
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, out...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string, escaping only what JSON
// requires (no HTML escaping: this text is for people).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
