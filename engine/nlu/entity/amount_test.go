package entity

import "testing"

func TestAmounts(t *testing.T) {
	check(t, nil, []struct{ in, want string }{
		{"$12", `amount "$12" 12 USD`},
		{"$ 12", `amount "$ 12" 12 USD`},
		{"12 dollars", `amount "12 dollars" 12 USD`},
		{"1 Dollar", `amount "1 Dollar" 1 USD`},
		{"€9.99", `amount "€9.99" 9.99 EUR`},
		{"9.99€", `amount "9.99€" 9.99 EUR`},
		{"9,99 EUR", `amount "9,99 EUR" 9.99 EUR`},
		{"€9,5", `amount "€9,5" 9.5 EUR`},
		{"USD 40", `amount "USD 40" 40 USD`},
		{"40 chf", `amount "40 chf" 40 CHF`},
		{"40 bucks", `amount "40 bucks" 40 USD`},
		{"£5", `amount "£5" 5 GBP`},
		{"US$5", `amount "US$5" 5 USD`},
		{"¥500 or 500 yen", "amount \"¥500\" 500 JPY\namount \"500 yen\" 500 JPY"},
		{"ten euros", `amount "ten euros" 10 EUR`},
		{"1,250.50 dollars", `amount "1,250.50 dollars" 1250.5 USD`},
		{"$-5", `amount "$-5" -5 USD`},
		// Pounds are as often a weight.
		{"5 pounds of flour", `number "5" 5`},
		// A code needs a space; a symbol needs no letter on its far side.
		{"USD40 40USD", "number \"40\" 40"},
		{"a$5", `number "5" 5`},
		{"5$a", `number "5" 5`},
		// A comma before three digits is a thousands separator still.
		{"1,250 EUR", `amount "1,250 EUR" 1250 EUR`},
	})
}
