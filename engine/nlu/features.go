package nlu

import (
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

// words returns the normalised words of a message: lower-cased, accents
// folded ("Café" and "cafe" are one word), apostrophes dropped ("what's"
// is "whats"), split at anything that is neither a letter nor a digit.
func words(s string) []string {
	var b strings.Builder
	b.Grow(len(s))
	var ws []string
	flush := func() {
		if b.Len() > 0 {
			ws = append(ws, b.String())
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == '\'' || r == '’' || r == utf8.RuneError || unicode.Is(unicode.Mn, r):
			// Apostrophes join a word; a combining mark is an accent
			// already decomposed; neither is part of the word's spelling.
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = unicode.ToLower(r)
			if f, ok := fold[r]; ok {
				b.WriteString(f)
			} else {
				b.WriteRune(r)
			}
		default:
			flush()
		}
	}
	flush()
	return ws
}

// features appends the hashed features of a message to dst and returns it;
// a feature occurring twice appears twice.
func features(dst []uint64, s string) []uint64 {
	ws := words(s)
	var buf []byte
	for i, w := range ws {
		dst = append(dst, fnvString(fnvByte(fnvOffset, kindWord), w))
		prev := "<s>"
		if i > 0 {
			prev = ws[i-1]
		}
		h := fnvString(fnvByte(fnvOffset, kindBigram), prev)
		dst = append(dst, fnvString(fnvByte(h, ' '), w))
		// The n-grams of "<w>", counted in runes so that a multi-byte
		// letter is never split.
		buf = append(append(append(buf[:0], '<'), w...), '>')
		dst = grams(dst, buf)
	}
	if len(ws) > 0 {
		h := fnvString(fnvByte(fnvOffset, kindBigram), ws[len(ws)-1])
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
