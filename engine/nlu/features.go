package nlu

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The features of a message are its words, its pairs of adjacent words, and
// the character n-grams of each word with its boundaries marked ("<ask>"
// gives "<a", "as", ..., "<ask>"). Words carry the meaning; the n-grams
// make "booking", "booked" and a misspelt "bookng" look alike without a
// stemmer for each language. Each feature is named by a 64-bit FNV-1a hash
// of its kind and text, so extracting them allocates no strings.
var (
	minGram = 2
	maxGram = 5
)

// Feature kinds, hashed in front of the text so that the word "at" and the
// n-gram "at" are different features.
const (
	kindWord   = 'w'
	kindBigram = 'b'
	kindGram   = 'g'
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime }

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = fnvByte(h, s[i])
	}
	return h
}

func fnvBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h = fnvByte(h, c)
	}
	return h
}

// words returns the normalised words of a message (see normalize).
func words(s string) []string {
	return strings.Fields(string(normalize(nil, s)))
}

// normalize appends the words of s to dst, each followed by a space:
// lower-cased, accents folded ("Café" and "cafe" are one word),
// apostrophes dropped ("what's" is "whats"), split at anything that is
// neither a letter nor a digit.
func normalize(dst []byte, s string) []byte {
	in := false // in a word
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf { // the common case, made fast
			i++
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
				dst, in = append(dst, c), true
			case 'A' <= c && c <= 'Z':
				dst, in = append(dst, c+'a'-'A'), true
			case c == '\'':
			case in:
				dst, in = append(dst, ' '), false
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == '’' || r == utf8.RuneError || unicode.Is(unicode.Mn, r):
			// Apostrophes join a word; a combining mark is an accent
			// already decomposed; neither is part of the word's spelling.
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = unicode.ToLower(r)
			if f, ok := fold[r]; ok {
				dst = append(dst, f...)
			} else {
				dst = utf8.AppendRune(dst, r)
			}
			in = true
		case in:
			dst, in = append(dst, ' '), false
		}
	}
	if in {
		dst = append(dst, ' ')
	}
	return dst
}

// features appends the hashed features of a message to dst and returns it;
// a feature occurring twice appears twice.
func features(dst []uint64, s string) []uint64 {
	var nb [256]byte
	norm := normalize(nb[:0], s)
	var gb [64]byte
	prev := []byte("<s>")
	for len(norm) > 0 {
		j := bytes.IndexByte(norm, ' ')
		w := norm[:j]
		norm = norm[j+1:]
		dst = append(dst, fnvBytes(fnvByte(fnvOffset, kindWord), w))
		h := fnvBytes(fnvByte(fnvOffset, kindBigram), prev)
		dst = append(dst, fnvBytes(fnvByte(h, ' '), w))
		// The n-grams of "<w>", counted in runes so that a multi-byte
		// letter is never split.
		dst = grams(dst, append(append(append(gb[:0], '<'), w...), '>'))
		prev = w
	}
	if string(prev) != "<s>" { // the end of the last word
		h := fnvBytes(fnvByte(fnvOffset, kindBigram), prev)
		dst = append(dst, fnvString(fnvByte(h, ' '), "</s>"))
	}
	return dst
}

// grams appends the hashes of the minGram..maxGram-rune n-grams of w.
func grams(dst []uint64, w []byte) []uint64 {
	var starts [64]int
	pos := starts[:0]
	for i := range string(w) {
		pos = append(pos, i)
		if len(pos) == cap(starts) {
			break // a very long "word" is rare; its first runes are enough
		}
	}
	end := len(w)
	if len(pos) == cap(starts) {
		end = pos[len(pos)-1]
		pos = pos[:len(pos)-1]
	}
	for i := range pos {
		for n := minGram; n <= maxGram && i+n <= len(pos); n++ {
			j := end
			if i+n < len(pos) {
				j = pos[i+n]
			}
			h := fnvByte(fnvOffset, kindGram)
			for _, c := range w[pos[i]:j] {
				h = fnvByte(h, c)
			}
			dst = append(dst, h)
		}
	}
	return dst
}

// fold maps the lower-case Latin letters with diacritics to their base
// letters, and a few ligatures to their spelling. The standard library has
// no Unicode normalisation; this table covers Latin-1 and Latin Extended-A,
// which is what the Western European languages use.
var fold = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i", 'ŀ': "l"}
	for base, letters := range map[string]string{
		"a": "àáâãäåāăą",
		"c": "çćĉċč",
		"d": "ď",
		"e": "èéêëēĕėęě",
		"g": "ĝğġģ",
		"h": "ĥħ",
		"i": "ìíîïĩīĭį",
		"j": "ĵ",
		"k": "ķ",
		"l": "ĺļľ",
		"n": "ñńņňŉ",
		"o": "òóôõöōŏő",
		"r": "ŕŗř",
		"s": "śŝşšſ",
		"t": "ţťŧ",
		"u": "ùúûüũūŭůűų",
		"w": "ŵ",
		"y": "ýÿŷ",
		"z": "źżž",
	} {
		for _, r := range letters {
			m[r] = base
		}
	}
	m['ĳ'] = "ij"
	return m
}()

// table numbers the features a model knows: an open-addressing hash table
// from a feature's hash to its number, half full at most. A message's
// look-ups are a good part of its cost: a slot holds both key and value,
// so that each costs one cache miss, not two as in a map.
type table struct {
	slots []slot
	shift uint
}

type slot struct {
	key uint64 // 0 is an empty slot; a feature hashed to 0 is 1
	val int32
}

func newTable(n int) table {
	bits := uint(4)
	for 1<<bits < 2*n {
		bits++
	}
	return table{slots: make([]slot, 1<<bits), shift: 64 - bits}
}

func (t *table) slot(h uint64) *slot {
	h = max(h, 1)
	i := (h * 0x9e3779b97f4a7c15) >> t.shift // Fibonacci hashing spreads FNV's bits
	for t.slots[i].key != 0 && t.slots[i].key != h {
		i = (i + 1) & (uint64(len(t.slots)) - 1)
	}
	return &t.slots[i]
}

// put numbers h, which must not be in the table, v.
func (t *table) put(h uint64, v int32) { *t.slot(h) = slot{max(h, 1), v} }

// get returns h's number, and whether h is in the table.
func (t *table) get(h uint64) (int32, bool) {
	s := t.slot(h)
	return s.val, s.key != 0
}
