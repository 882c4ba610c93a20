package entity

import (
	"slices"
	"sync"
	"time"
)

// Entity is one value found in a message.
type Entity struct {
	Type  string // "number", "ordinal", "amount", "date", "time", "email", "phone", or a list's name
	Text  string // the matched text, as written
	Start int    // byte offsets of Text in the message: Text == message[Start:End]
	End   int
	// Value is what the text stands for: float64 for a number or an
	// ordinal; for an amount map[string]any{"value": float64, "currency":
	// "EUR"} with an ISO 4217 code; a date as "2006-01-02"; a time as
	// "15:04"; an email lower-cased; a phone as its digits, with a leading
	// "+" when the message gave one; a list value's canonical value.
	Value any
}

// List is a list entity: a closed set of values, each with synonyms.
type List struct {
	Name   string
	Values []ListValue
}

// ListValue is one value of a list entity.
type ListValue struct {
	Value    string
	Synonyms []string
}

// Extractor finds entities. It is immutable and safe for concurrent use.
// The zero value finds the built-in types only.
type Extractor struct {
	// phrases maps the first word of each list value and synonym to the
	// phrases that start with it, longest first.
	phrases map[string][]phrase
}

// New returns an extractor for the built-in entity types and lists. It
// prepares the lists once, so that Extract does no more than scan the
// message.
func New(lists []List) *Extractor { return &Extractor{phrases: compileLists(lists)} }

// Priorities break ties between candidates of the same length: a list the
// bot declared beats a built-in reading of the same words, and a specific
// type beats the bare number inside it.
const (
	prioNumber = iota + 1
	prioOrdinal
	prioPhone
	prioSpecific // amount, date, time
	prioEmail
	prioList
)

type candidate struct {
	Entity
	prio int
}

// message is the text being scanned with what every recogniser shares.
type message struct {
	text  string
	toks  []token
	today civil
	cands []candidate
	order []int  // resolve's buffer
	taken []bool // the bytes that entities take, by cover
}

func (m *message) add(typ string, start, end int, value any, prio int) {
	m.cands = append(m.cands, candidate{Entity{Type: typ, Text: m.text[start:end], Start: start, End: end, Value: value}, prio})
}

// Extract returns the entities of text in the order they appear, none
// overlapping another. now and loc resolve relative dates ("tomorrow",
// "next monday"): they are taken in loc, or in UTC when loc is nil. The
// result depends only on text, the calendar date of now in loc, and the
// lists.
func (x *Extractor) Extract(text string, now time.Time, loc *time.Location) []Entity {
	if loc == nil {
		loc = time.UTC
	}
	y, mo, d := now.In(loc).Date()
	m := messages.Get().(*message)
	defer m.release()
	m.text, m.today = text, civil{y, mo, d}
	m.toks = appendTokens(m.toks[:0], text)
	nums := m.numbers()
	m.amounts(nums)
	m.dates()
	m.times()
	m.emails()
	m.phones()
	if x != nil {
		m.lists(x.phrases)
	}
	return m.resolve()
}

// messages keeps the buffers of earlier messages, so that a bot that
// extracts from every message does not allocate them each time.
var messages = sync.Pool{New: func() any { return new(message) }}

func (m *message) release() {
	if cap(m.toks) > 1024 || cap(m.taken) > 4096 {
		return // a huge message: let its buffers go
	}
	clear(m.toks)
	clear(m.cands)
	m.text, m.toks, m.cands, m.order = "", m.toks[:0], m.cands[:0], m.order[:0]
	messages.Put(m)
}

// resolve keeps the longest candidates, then the most specific, that do
// not overlap one already kept, and returns them in text order.
func (m *message) resolve() []Entity {
	cands := m.cands
	if len(cands) == 0 {
		return nil
	}
	// Sort indices: a candidate is too big to move around cheaply.
	order := m.order[:0]
	for i := range cands {
		order = append(order, i)
	}
	m.order = order
	slices.SortFunc(order, func(i, j int) int {
		a, b := &cands[i], &cands[j]
		if la, lb := a.End-a.Start, b.End-b.Start; la != lb {
			return lb - la
		}
		if a.prio != b.prio {
			return b.prio - a.prio
		}
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return i - j // the order they were found in
	})
	// Mark the bytes taken, so that a long message with many candidates
	// costs the total of their lengths, not the square of their number.
	taken := m.cover(func(*candidate) bool { return false })
	out := make([]Entity, 0, len(cands))
	for _, i := range order {
		c := &cands[i]
		if !covered(taken, c.Start, c.End) {
			out = append(out, c.Entity)
			for j := c.Start; j < c.End; j++ {
				taken[j] = true
			}
		}
	}
	slices.SortFunc(out, func(a, b Entity) int { return a.Start - b.Start })
	return out
}

// cover returns, for each byte of the message, whether a candidate for
// which keep returns true spans it.
func (m *message) cover(keep func(*candidate) bool) []bool {
	if cap(m.taken) < len(m.text) {
		m.taken = make([]bool, len(m.text))
	}
	m.taken = m.taken[:len(m.text)]
	clear(m.taken)
	for i := range m.cands {
		if c := &m.cands[i]; keep(c) {
			for j := c.Start; j < c.End; j++ {
				m.taken[j] = true
			}
		}
	}
	return m.taken
}

func covered(taken []bool, start, end int) bool {
	for _, t := range taken[start:end] {
		if t {
			return true
		}
	}
	return false
}
