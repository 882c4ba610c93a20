package server

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxDepth is the deepest nesting checkJSON walks; encoding/json refuses
// deeper bodies itself, with the same limit.
const maxDepth = 10000

// smallObject is how many keys an object may have before checkJSON looks
// them up in a map instead of comparing each with the others.
const smallObject = 16

// checkJSON walks a request body before it is decoded and refuses what
// encoding/json takes without a word: a key that appears twice in one
// object (the decoder keeps the last; a client that sent both meant one
// of them) and a number beyond float64 (the decoder turns it into ±Inf in
// free-form maps such as params, a value no JSON encoder writes back, and
// into a confusing type error in typed fields).
//
// At the top level, keys compare the way encoding/json matches them to
// struct fields, ignoring case; below it, exactly, as map keys do: every
// request body is a struct, and the objects it holds are maps (user,
// params, fields).
//
// checkJSON stops without an error at the first thing that is not JSON:
// the decoder that follows reports it, with its offset.
func checkJSON(body []byte) *apiError {
	c := jsonChecker{data: body}
	c.value()
	switch {
	case c.dup != nil:
		return errorf(CodeInvalidJSON, "the key %q appears twice in %s", c.dup, c.where())
	case c.big != nil:
		return errorf(CodeInvalidJSON, "a number in the body is out of range: %s is %s, more than a 64-bit float holds",
			c.where(), truncate(string(c.big), 40))
	}
	return nil
}

type jsonChecker struct {
	data  []byte
	pos   int
	depth int // how many objects and arrays hold the value being read

	// What is wrong: a key that appears twice (in the object at trail) or
	// a number too large (at trail). trail is the path from there up to
	// the top, filled in as the walk returns: the walk keeps no path on
	// its way down, so the path costs nothing unless the body is refused.
	dup, big []byte
	trail    []pathElem
}

// pathElem is a step of a path: a key of an object, or an index of an
// array when key is nil.
type pathElem struct {
	key   []byte
	index int
}

// failed reports whether the walk stopped at a problem, not at what is
// not JSON.
func (c *jsonChecker) failed() bool { return c.dup != nil || c.big != nil }

// where names the place of the problem: "params.x[1]", or "the body".
func (c *jsonChecker) where() string {
	if len(c.trail) == 0 {
		return "the body"
	}
	var b strings.Builder
	for i := len(c.trail) - 1; i >= 0; i-- {
		p := c.trail[i]
		if p.key == nil {
			b.WriteString("[" + strconv.Itoa(p.index) + "]")
			continue
		}
		if i < len(c.trail)-1 {
			b.WriteByte('.')
		}
		b.Write(p.key)
	}
	return truncate(b.String(), 100)
}

func (c *jsonChecker) space() {
	for c.pos < len(c.data) {
		switch c.data[c.pos] {
		case ' ', '\t', '\r', '\n':
			c.pos++
		default:
			return
		}
	}
}

// value reads one value; false stops the walk, at an error or at what is
// not JSON.
func (c *jsonChecker) value() bool {
	c.space()
	if c.pos >= len(c.data) {
		return false
	}
	switch b := c.data[c.pos]; {
	case b == '{':
		return c.object()
	case b == '[':
		return c.array()
	case b == '"':
		_, _, ok := c.str()
		return ok
	case b == '-' || '0' <= b && b <= '9':
		return c.number()
	}
	// true, false or null: the decoder checks which.
	start := c.pos
	for c.pos < len(c.data) && 'a' <= c.data[c.pos] && c.data[c.pos] <= 'z' {
		c.pos++
	}
	return c.pos > start
}

func (c *jsonChecker) object() bool {
	if c.depth >= maxDepth {
		return false
	}
	c.pos++ // {
	top := c.depth == 0
	c.depth++
	defer func() { c.depth-- }()
	var small [smallObject][]byte
	keys := small[:0]
	var seen map[string]bool
	c.space()
	if c.pos < len(c.data) && c.data[c.pos] == '}' {
		c.pos++
		return true
	}
	for {
		c.space()
		start := c.pos
		raw, escaped, ok := c.str()
		if !ok {
			return false
		}
		key := raw
		if escaped {
			var s string
			if json.Unmarshal(c.data[start:c.pos], &s) != nil {
				return false
			}
			key = []byte(s)
		}
		dup := false
		switch {
		case seen != nil:
			k := foldKey(key, top)
			dup = seen[k]
			seen[k] = true
		case len(keys) < smallObject:
			for _, k := range keys {
				if top && bytes.EqualFold(k, key) || !top && bytes.Equal(k, key) {
					dup = true
					break
				}
			}
			keys = append(keys, key)
		default:
			seen = make(map[string]bool, 2*smallObject)
			for _, k := range append(keys, key) {
				f := foldKey(k, top)
				dup = dup || seen[f]
				seen[f] = true
			}
		}
		if dup {
			c.dup = key
			return false
		}
		c.space()
		if c.pos >= len(c.data) || c.data[c.pos] != ':' {
			return false
		}
		c.pos++
		if !c.value() {
			if c.failed() {
				c.trail = append(c.trail, pathElem{key: key})
			}
			return false
		}
		c.space()
		if c.pos >= len(c.data) {
			return false
		}
		switch c.data[c.pos] {
		case ',':
			c.pos++
		case '}':
			c.pos++
			return true
		default:
			return false
		}
	}
}

func (c *jsonChecker) array() bool {
	if c.depth >= maxDepth {
		return false
	}
	c.pos++ // [
	c.depth++
	defer func() { c.depth-- }()
	c.space()
	if c.pos < len(c.data) && c.data[c.pos] == ']' {
		c.pos++
		return true
	}
	for i := 0; ; i++ {
		if !c.value() {
			if c.failed() {
				c.trail = append(c.trail, pathElem{index: i})
			}
			return false
		}
		c.space()
		if c.pos >= len(c.data) {
			return false
		}
		switch c.data[c.pos] {
		case ',':
			c.pos++
		case ']':
			c.pos++
			return true
		default:
			return false
		}
	}
}

// str reads a string: its raw content between the quotes and whether it
// has escapes.
func (c *jsonChecker) str() (raw []byte, escaped, ok bool) {
	if c.pos >= len(c.data) || c.data[c.pos] != '"' {
		return nil, false, false
	}
	start := c.pos + 1
	for i := start; i < len(c.data); i++ {
		switch c.data[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			c.pos = i + 1
			return c.data[start:i], escaped, true
		}
	}
	return nil, false, false
}

// number reads a number and refuses one beyond float64. One too small
// for it is taken: it rounds to 0, as in every JSON reader.
func (c *jsonChecker) number() bool {
	start := c.pos
	for c.pos < len(c.data) && strings.IndexByte("+-.eE0123456789", c.data[c.pos]) >= 0 {
		c.pos++
	}
	num := c.data[start:c.pos]
	if _, err := strconv.ParseFloat(string(num), 64); err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			c.big = num
		}
		return false
	}
	return true
}

// foldKey is the key a map of seen keys holds: the key itself, or at the
// top level its case-folded form, as encoding/json folds field names
// (each rune to the smallest of its case orbit).
func foldKey(key []byte, fold bool) string {
	if !fold {
		return string(key)
	}
	out := make([]byte, 0, len(key))
	for i := 0; i < len(key); {
		if b := key[i]; b < utf8.RuneSelf {
			if 'a' <= b && b <= 'z' {
				b -= 'a' - 'A'
			}
			out = append(out, b)
			i++
			continue
		}
		r, n := utf8.DecodeRune(key[i:])
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		out = utf8.AppendRune(out, least)
		i += n
	}
	return string(out)
}
