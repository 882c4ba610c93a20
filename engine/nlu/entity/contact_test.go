package entity

import "testing"

func TestEmails(t *testing.T) {
	check(t, nil, []struct{ in, want string }{
		{"mail Bob.Smith+bots@Example.CO.uk.", `email "Bob.Smith+bots@Example.CO.uk" bob.smith+bots@example.co.uk`},
		{"<a@b.io>", `email "a@b.io" a@b.io`},
		{"me@localhost", ""},
		{"me@x.c", ""},
		{"@x.com", ""},
		{"a@b..com", ""},
		{"a@-b.com", ""},
		{"a@b.com2", ""},
		{"a@b@c.co", `email "b@c.co" b@c.co`},
		{"x@y.com, z@w.org", "email \"x@y.com\" x@y.com\nemail \"z@w.org\" z@w.org"},
	})
}

func TestPhones(t *testing.T) {
	check(t, nil, []struct{ in, want string }{
		{"+33 6 12 34 56 78", `phone "+33 6 12 34 56 78" +33612345678`},
		{"(415) 555-0100", `phone "(415) 555-0100" 4155550100`},
		{"415-555-0100", `phone "415-555-0100" 4155550100`},
		{"415.555.0100", `phone "415.555.0100" 4155550100`},
		{"+1 (415) 555-0100", `phone "+1 (415) 555-0100" +14155550100`},
		{"+44 20 7946 0958.", `phone "+44 20 7946 0958" +442079460958`},
		{"call 0612345678 now", `phone "0612345678" 0612345678`},
		{"+4915112345678", `phone "+4915112345678" +4915112345678`},
		// Too few digits, or digits alone, are numbers.
		{"55-0100", "number \"55\" 55"},
		{"555-0100", `phone "555-0100" 5550100`},
		{"order 12345678", `number "12345678" 1.2345678e+07`},
		// Single digits apart are not a phone.
		{"1 2 3 4 5 6 7", "number \"1\" 1\nnumber \"2\" 2\nnumber \"3\" 3\nnumber \"4\" 4\nnumber \"5\" 5\nnumber \"6\" 6\nnumber \"7\" 7"},
		// Dates, times and amounts are not phones.
		{"12-05-2026", `date "12-05-2026" 2026-05-12`},
		{"2026-12-24 15:30", "date \"2026-12-24\" 2026-12-24\ntime \"15:30\" 15:30"},
		{"$4155550100", `amount "$4155550100" 4.1555501e+09 USD`},
		{"06.12.34.56.78", `phone "06.12.34.56.78" 0612345678`},
		{"1234567890123456", `number "1234567890123456" 1.234567890123456e+15`},
	})
}
