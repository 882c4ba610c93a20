// Package entity finds typed values in a user's message: numbers, amounts
// of money, dates and times, email addresses, phone numbers, and the values
// of list entities that a bot declares with their synonyms.
package entity

import (
	"regexp"
	"strconv"
	"time"
)

// Entity is one value found in a message.
type Entity struct {
	Type  string // "number", "amount", "date", "time", "email", "phone", or a list's name
	Text  string // the matched text, as written
	Start int    // byte offsets of Text in the message
	End   int
	// Value is what the text stands for: float64 for a number; for an
	// amount map[string]any{"value": float64, "currency": "EUR"}; a date
	// as "2006-01-02"; a time as "15:04"; an email lower-cased; a phone in
	// E.164 when it can be told, else its digits; a list value's
	// canonical value.
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
type Extractor struct {
	lists []List
}

// New returns an extractor for the built-in entity types and lists.
func New(lists []List) *Extractor { return &Extractor{lists: lists} }

var (
	emailRe  = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	numberRe = regexp.MustCompile(`-?\d+(?:\.\d+)?`)
)

// Extract returns the entities of text in the order they appear. now and
// loc resolve relative dates ("tomorrow at 3").
func (x *Extractor) Extract(text string, now time.Time, loc *time.Location) []Entity {
	var out []Entity
	for _, m := range emailRe.FindAllStringIndex(text, -1) {
		out = append(out, Entity{Type: "email", Text: text[m[0]:m[1]], Start: m[0], End: m[1], Value: text[m[0]:m[1]]})
	}
	for _, m := range numberRe.FindAllStringIndex(text, -1) {
		f, err := strconv.ParseFloat(text[m[0]:m[1]], 64)
		if err != nil {
			continue
		}
		out = append(out, Entity{Type: "number", Text: text[m[0]:m[1]], Start: m[0], End: m[1], Value: f})
	}
	return out
}
