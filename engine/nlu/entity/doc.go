// Package entity finds typed values in a user's message: numbers, amounts
// of money, dates and times, email addresses, phone numbers, and the values
// of list entities that a bot declares with their synonyms. It also
// matches a typed answer to the options of a question ([MatchChoice]).
//
// This comment is the reference of what is recognised. Words are English
// and matched in any case.
//
// # Results
//
// [Extractor.Extract] returns entities in the order of the message, none
// overlapping another: where readings overlap, the longest wins, and of
// two as long, a bot's list before an email, before an amount, a date or
// a time, before a phone, before an ordinal, before a number. So the
// digits of "2026-12-24", "$12", "15:30" or "+33 6 12 34 56 78" are not
// also numbers, and a list that has "first" as a value takes it from the
// ordinal. Text is the message's own bytes: Text == message[Start:End].
//
// # number
//
// Value float64. Digits with an optional minus sign, comma thousands
// separators and a decimal point: "42", "-3", "1,250.50", "0.5". English
// words up to the billions: "three", "twenty one", "twenty-one", "one
// hundred and five", "two thousand", "minus three". Not numbers: digits
// inside a word ("A4", "covid19"), dotted runs such as versions and
// addresses ("1.2.3"), and a comma before one or two digits, which
// separates two numbers ("1,2") save in an amount.
//
// # ordinal
//
// Value float64. "1st", "2nd", "23rd", "24th", and "first" to "twelfth".
//
// # amount
//
// Value map[string]any{"value": float64, "currency": "USD"}, the currency
// as its ISO 4217 code. A number with a sign before or after it ("$12",
// "US$5", "€9.99", "9.99€", "£5", "¥500", "₹20"), an ISO code before or
// after it ("USD 40", "9,99 EUR", "40 chf"), or a currency's name after
// it ("12 dollars", "40 bucks", "ten euros", "500 yen"). "$" is USD.
// Next to a currency, a comma before one or two digits is a decimal
// comma: "9,99 EUR" is 9.99. "Pounds" is not read as money ("5 pounds of
// flour"); "£5" and "5 GBP" are.
//
// # date
//
// Value "2006-01-02", a calendar date without a zone.
//
// Numeric: "2026-12-24" and "2026/12/24" (year first); otherwise day
// first, "24/12/2026", "24.12.2026", "24-12-26" (a two-digit year is in
// the 2000s), unless the second number cannot be a month, so
// "12/24/2026" is December 24. "05/06/2026" is 5 June. Day and month
// without a year ("24/12") are not dates.
//
// With a month's name or its abbreviation: "Dec 24", "Dec. 24", "December
// 24th", "December 24th, 2026", "24 December", "24th of Dec 2026".
// Without a year, the date is the next such day from today on.
//
// Relative to today, the date of now in loc: "today", "tonight",
// "tomorrow", "yesterday", "the day after tomorrow", "the day before
// yesterday"; a weekday's full name, "friday" or "this friday" or "coming
// friday", is the next one from today on, today included; "next friday"
// is the first after today; "last friday" the last before today; "in 3
// days", "in two weeks", "in a month", "in 1 year", and "3 days ago". A
// month later keeps the day or takes the month's last: January 31 plus a
// month is February's last day. Not recognised: ranges such as "next
// week" or "this weekend".
//
// # time
//
// Value "15:04", on the 24-hour clock. "15:30", "3:30" (03:30), "3pm",
// "3 pm", "3:30 p.m.", "12am" (00:00), "12pm" (12:00), "noon", "midday",
// "midnight". An hour alone is a time only with "at" before it or
// "o'clock" after it: "at 3", "3 o'clock". After "at" or before
// "o'clock", an hour from 1 to 7 without "am" or "pm" is in the afternoon
// ("at 3" and "at 3:30" are 15:00 and 15:30) and 8 to 12 is as said ("at
// 9" is 09:00); "at" is then part of the entity's Text. A date and a
// time together ("tomorrow at 3", "2026-12-24 15:30") are two entities,
// a date and a time.
//
// # email
//
// Value lower-cased. An ASCII local part, "@", and a domain of labels
// separated by dots whose last has two letters or more: "Bob@Example.com"
// is "bob@example.com". A sentence's final dot is not part of it.
//
// # phone
//
// Value the digits, with a leading "+" when the message has one:
// "+33 6 12 34 56 78" is "+33612345678", "(415) 555-0100" is "4155550100".
// 7 to 15 digits in groups separated by one space, "-" or ".", the first
// group maybe after "+" or in parentheses. Groups after the first have
// two digits or more, save the one after a "+" prefix. Digits without any
// separator are a phone from 10 digits on ("0612345678"); fewer are a
// number. A run that is or holds a date, a time or an amount is not a
// phone.
//
// # Lists
//
// Type the list's name, Value the canonical value. A list's value or any
// of its synonyms, in any case, on word boundaries; a phrase of several
// words matches with white space, or one "-", "'" or "." spaced or not,
// between its words ("extra large", "extra-large", "St. Etienne"). At each word the longest phrase
// wins; of two as long, the first list, then the first value, declared.
//
// # Example
//
//	x := entity.New([]entity.List{{Name: "size", Values: []entity.ListValue{
//		{Value: "large", Synonyms: []string{"big", "extra large"}},
//	}}})
//	x.Extract("2 big pizzas tomorrow at 7", now, loc)
//	// number "2" 2, size "big" "large", date "tomorrow" "2026-03-19" (when
//	// today is March 18), time "at 7" "19:00"
//
// Extraction is deterministic: the result depends only on the message,
// the calendar date of now in loc, and the lists.
package entity
