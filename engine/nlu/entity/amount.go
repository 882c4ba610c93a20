package entity

import "strings"

// currencySymbols are the signs written next to an amount, before or after it.
var currencySymbols = []struct{ sign, code string }{
	{"US$", "USD"}, {"$", "USD"}, {"€", "EUR"}, {"£", "GBP"}, {"¥", "JPY"}, {"₹", "INR"},
}

// currencyCodes are the ISO 4217 codes recognised before or after an
// amount, in any case.
var currencyCodes = func() map[string]string {
	codes := map[string]string{}
	for _, c := range strings.Fields("USD EUR GBP JPY CHF CAD AUD NZD CNY INR SEK NOK DKK PLN CZK HUF MXN BRL ZAR SGD HKD KRW TRY") {
		codes[strings.ToLower(c)] = c
	}
	return codes
}()

// currencyWords are the names written after an amount. "Pound" is left
// out: "5 pounds" is a weight as often as a sum.
var currencyWords = map[string]string{
	"dollar": "USD", "dollars": "USD", "buck": "USD", "bucks": "USD",
	"euro": "EUR", "euros": "EUR", "yen": "JPY",
}

// amounts adds the numbers that carry a currency: a symbol before or
// after ("$12", "9.99€"), an ISO code before or after ("USD 40", "9,99
// EUR"), or a currency's name after ("12 dollars", "forty bucks"). Next to
// a currency, a comma followed by one or two digits is a decimal comma.
func (m *message) amounts(nums []num) {
	s := m.text
	for _, n := range nums {
		end, v := n.end, n.value
		if n.plain && end+1 < len(s) && s[end] == ',' {
			if d := digitsAt(s, end+1); d == 1 || d == 2 {
				frac := 0.0
				for i := end + d; i > end; i-- {
					frac = (frac + float64(s[i]-'0')) / 10
				}
				end, v = end+1+d, v+frac
			}
		}
		start := n.start
		if code, at := m.currencyBefore(n.start, n.words); code != "" {
			start = at
			m.add("amount", start, end, map[string]any{"value": v, "currency": code}, prioSpecific)
			continue
		}
		if code, at := m.currencyAfter(end); code != "" {
			m.add("amount", start, at, map[string]any{"value": v, "currency": code}, prioSpecific)
		}
	}
}

// currencyBefore returns the currency written just before byte i, and
// where it starts.
func (m *message) currencyBefore(i int, words bool) (code string, start int) {
	s := m.text
	j := i
	if j > 0 && s[j-1] == ' ' {
		j--
	}
	if !words {
		for _, c := range currencySymbols {
			if strings.HasSuffix(s[:j], c.sign) && !wordBefore(s, j-len(c.sign)) {
				return c.code, j - len(c.sign)
			}
		}
	}
	if j == i {
		return "", 0 // a code needs a space: "USD40" is a word
	}
	if k := m.tokenEndingAt(j); k >= 0 {
		if w := m.toks[k].w; w != nil && w.code != "" {
			return w.code, m.toks[k].start
		}
	}
	return "", 0
}

// currencyAfter returns the currency written just after byte i, and
// where it ends.
func (m *message) currencyAfter(i int) (code string, end int) {
	s := m.text
	j := skipSpace(s, i)
	for _, c := range currencySymbols {
		if strings.HasPrefix(s[j:], c.sign) && !wordAt(s, j+len(c.sign)) {
			return c.code, j + len(c.sign)
		}
	}
	if k := m.tokenAt(j); k >= 0 {
		if w := m.toks[k].w; w != nil && w.currency != "" {
			return w.currency, m.toks[k].end
		}
		if w := m.toks[k].w; w != nil && w.code != "" && j > i {
			return w.code, m.toks[k].end
		}
	}
	return "", 0
}
