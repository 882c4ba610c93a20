package entity

import "testing"

func TestNumbers(t *testing.T) {
	check(t, nil, []struct{ in, want string }{
		{"42", `number "42" 42`},
		{"I want 3 apples", `number "3" 3`},
		{"-3 degrees", `number "-3" -3`},
		{"it is 0.5 or 1,250.50", "number \"0.5\" 0.5\nnumber \"1,250.50\" 1250.5"},
		{"1,000,000 people", `number "1,000,000" 1e+06`},
		// A comma before fewer than three digits separates numbers.
		{"1,2", "number \"1\" 1\nnumber \"2\" 2"},
		{"12345,5", "number \"12345\" 12345\nnumber \"5\" 5"},
		// Digits inside words, versions and addresses are not numbers.
		{"A4 paper, covid19, v2", ""},
		{"version 1.2.3 at 192.168.0.1", ""},
		{"pages 10km", `number "10" 10`},
		{"3-4", `number "3" 3`},
		{"three", `number "three" 3`},
		{"Twenty One", `number "Twenty One" 21`},
		{"twenty-one", `number "twenty-one" 21`},
		{"one hundred and five", `number "one hundred and five" 105`},
		{"two thousand three hundred", `number "two thousand three hundred" 2300`},
		{"one million two thousand", `number "one million two thousand" 1.002e+06`},
		{"minus three", `number "minus three" -3`},
		// Words that do not make one number make several.
		{"one two", "number \"one\" 1\nnumber \"two\" 2"},
		{"one twenty", "number \"one\" 1\nnumber \"twenty\" 20"},
		{"fish and chips and three", `number "three" 3`},
		{"five and", `number "five" 5`},
		{"hundred", ""},
		{"ten, twenty", "number \"ten\" 10\nnumber \"twenty\" 20"},
		// Ordinals.
		{"the 2nd and the 23rd", "ordinal \"2nd\" 2\nordinal \"23rd\" 23"},
		{"first or Twelfth", "ordinal \"first\" 1\nordinal \"Twelfth\" 12"},
		{"2nds", `number "2" 2`},
	})
}
