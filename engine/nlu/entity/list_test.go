package entity

import "testing"

func TestLists(t *testing.T) {
	x := New(testLists)
	check(t, x, []struct{ in, want string }{
		{"a LARGE one", "size \"LARGE\" large\nnumber \"one\" 1"},
		{"big", `size "big" large`},
		{"xl please", `size "xl" large`},
		// Longest first: "extra large" over "large".
		{"extra large", `size "extra large" large`},
		{"extra  large", `size "extra  large" large`},
		{"extra-large", `size "extra-large" large`},
		{"extra, large", `size "large" large`},
		// Whole words only.
		{"bigger largely", ""},
		{"new york city", `city "new york city" New York`},
		{"I love NYC!", `city "NYC" New York`},
		{"the big apple", `city "the big apple" New York`},
		{"big apple", `size "big" large`},
		{"st. etienne", `city "st. etienne" Saint-Étienne`},
		{"SAINT-ÉTIENNE", `city "SAINT-ÉTIENNE" Saint-Étienne`},
		{"saint étienne", `city "saint étienne" Saint-Étienne`},
		{"tiny and big", "size \"tiny\" small\nsize \"big\" large"},
	})
}

func TestListsOrder(t *testing.T) {
	// Two lists share a word: the first declared wins.
	x := New([]List{
		{Name: "colour", Values: []ListValue{{Value: "orange"}}},
		{Name: "fruit", Values: []ListValue{{Value: "orange"}, {Value: "blood orange"}}},
		{Name: "empty", Values: []ListValue{{Value: " ", Synonyms: []string{"", "!"}}}},
	})
	check(t, x, []struct{ in, want string }{
		{"orange", `colour "orange" orange`},
		{"a blood orange", `fruit "blood orange" blood orange`},
		{"!", ""},
	})
}
