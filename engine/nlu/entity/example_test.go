package entity_test

import (
	"fmt"
	"time"

	"github.com/botctl/botctl/engine/nlu/entity"
)

func ExampleExtractor_Extract() {
	x := entity.New([]entity.List{{Name: "size", Values: []entity.ListValue{
		{Value: "large", Synonyms: []string{"big", "extra large"}},
	}}})
	now := time.Date(2026, 3, 18, 10, 0, 0, 0, time.UTC)
	for _, e := range x.Extract("2 big pizzas tomorrow at 7", now, time.UTC) {
		fmt.Printf("%s %q %v\n", e.Type, e.Text, e.Value)
	}
	// Output:
	// number "2" 2
	// size "big" large
	// date "tomorrow" 2026-03-19
	// time "at 7" 19:00
}

func ExampleMatchChoice() {
	options := []entity.Choice{{Value: "economy"}, {Value: "business", Synonyms: []string{"firm"}}}
	fmt.Println(entity.MatchChoice("Bussiness", options))
	fmt.Println(entity.MatchChoice("firm", options))
	fmt.Println(entity.MatchChoice("first", options))
	// Output:
	// 1 "Bussiness" is 1 edit from "business"
	// 1 "firm" is a synonym of "business"
	// -1 "first" matches no choice
}
