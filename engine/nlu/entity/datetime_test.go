package entity

import (
	"testing"
	"time"
)

func TestDates(t *testing.T) {
	if now.Weekday() != time.Wednesday {
		t.Fatalf("the tests assume today is a Wednesday, not a %v", now.Weekday())
	}
	check(t, nil, []struct{ in, want string }{
		{"2026-12-24", `date "2026-12-24" 2026-12-24`},
		{"2026/1/5", `date "2026/1/5" 2026-01-05`},
		{"24/12/2026", `date "24/12/2026" 2026-12-24`},
		{"24.12.2026", `date "24.12.2026" 2026-12-24`},
		{"24-12-26", `date "24-12-26" 2026-12-24`},
		// Day first, unless the second number cannot be a month.
		{"05/06/2026", `date "05/06/2026" 2026-06-05`},
		{"12/24/2026", `date "12/24/2026" 2026-12-24`},
		// Not dates: the numbers stay numbers.
		{"2026-02-30", `number "2026" 2026`},
		{"31/04/2026", "number \"31\" 31\nnumber \"04\" 4\nnumber \"2026\" 2026"},
		{"24/12", "number \"24\" 24\nnumber \"12\" 12"},
		{"1/2/3", "number \"1\" 1\nnumber \"2\" 2\nnumber \"3\" 3"},
		{"Dec 24", `date "Dec 24" 2026-12-24`},
		{"dec. 24", `date "dec. 24" 2026-12-24`},
		{"December 24th 2026", `date "December 24th 2026" 2026-12-24`},
		{"December 24th, 2027", `date "December 24th, 2027" 2027-12-24`},
		{"24 December", `date "24 December" 2026-12-24`},
		{"the 24th of Dec 2026", `date "24th of Dec 2026" 2026-12-24`},
		// Without a year, the next such day from today on.
		{"March 18", `date "March 18" 2026-03-18`},
		{"March 17", `date "March 17" 2027-03-17`},
		{"feb 29", `date "feb 29" 2028-02-29`},
		{"feb 30", `number "30" 30`},
		{"may I come", ""},
		{"today or Tonight", "date \"today\" 2026-03-18\ndate \"Tonight\" 2026-03-18"},
		{"tomorrow, yesterday", "date \"tomorrow\" 2026-03-19\ndate \"yesterday\" 2026-03-17"},
		{"the day after tomorrow", `date "day after tomorrow" 2026-03-20`},
		{"the day before yesterday", `date "day before yesterday" 2026-03-16`},
		// Weekdays: from today on, today included; "next" after today.
		{"on friday", `date "friday" 2026-03-20`},
		{"wednesday", `date "wednesday" 2026-03-18`},
		{"this Wednesday", `date "this Wednesday" 2026-03-18`},
		{"next wednesday", `date "next wednesday" 2026-03-25`},
		{"next monday", `date "next monday" 2026-03-23`},
		{"next friday", `date "next friday" 2026-03-20`},
		{"last friday", `date "last friday" 2026-03-13`},
		{"last wednesday", `date "last wednesday" 2026-03-11`},
		{"tuesday", `date "tuesday" 2026-03-24`},
		{"in 3 days", `date "in 3 days" 2026-03-21`},
		{"in two weeks", `date "in two weeks" 2026-04-01`},
		{"in a month", `date "in a month" 2026-04-18`},
		{"in 1 year", `date "in 1 year" 2027-03-18`},
		{"3 days ago", `date "3 days ago" 2026-03-15`},
		{"a week ago", `date "a week ago" 2026-03-11`},
		{"in 3 apples", `number "3" 3`},
		{"in 2.5 days", `number "2.5" 2.5`},
	})
}

func TestAddMonthsKeepsTheMonth(t *testing.T) {
	tests := []struct {
		from civil
		n    int
		want string
	}{
		{civil{2026, 1, 31}, 1, "2026-02-28"},
		{civil{2028, 1, 31}, 1, "2028-02-29"},
		{civil{2026, 3, 31}, -1, "2026-02-28"},
		{civil{2026, 12, 15}, 1, "2027-01-15"},
		{civil{2028, 2, 29}, 12, "2029-02-28"},
	}
	for _, tt := range tests {
		if got := tt.from.addMonths(tt.n).String(); got != tt.want {
			t.Errorf("%v.addMonths(%d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}

func TestTimes(t *testing.T) {
	check(t, nil, []struct{ in, want string }{
		{"15:30", `time "15:30" 15:30`},
		{"3:30", `time "3:30" 03:30`},
		{"3pm", `time "3pm" 15:00`},
		{"3 PM", `time "3 PM" 15:00`},
		{"3:30 p.m.", `time "3:30 p.m." 15:30`},
		{"9 a.m", `time "9 a.m" 09:00`},
		{"12am", `time "12am" 00:00`},
		{"12pm", `time "12pm" 12:00`},
		{"13pm", `number "13" 13`},
		{"at 3", `time "at 3" 15:00`},
		{"at 7", `time "at 7" 19:00`},
		{"at 8", `time "at 8" 08:00`},
		{"at 12", `time "at 12" 12:00`},
		{"at 20", `time "at 20" 20:00`},
		{"at 3:30", `time "at 3:30" 15:30`},
		{"at 9am", `time "at 9am" 09:00`},
		{"3 o'clock", `time "3 o'clock" 15:00`},
		{"at noon", `time "at noon" 12:00`},
		{"midnight", `time "midnight" 00:00`},
		// Not times.
		{"3", `number "3" 3`},
		{"at 24", `number "24" 24`},
		{"25:00", "number \"25\" 25\nnumber \"00\" 0"},
		{"3:75", "number \"3\" 3\nnumber \"75\" 75"},
		{"at 3.5", `number "3.5" 3.5`},
		{"3 amazing", `number "3" 3`},
		{"chat 3", `number "3" 3`},
		{"12:30:45", "number \"12\" 12\nnumber \"30\" 30\nnumber \"45\" 45"},
	})
}
