package nlu_test

import (
	"fmt"

	"github.com/botctl/botctl/engine/nlu"
)

func Example() {
	m, err := nlu.Train([]nlu.Intent{
		{Name: "order_status", Examples: []string{"where is my order", "track my parcel", "has my order shipped", "when will my package arrive"}},
		{Name: "greet", Examples: []string{"hello", "hi there", "good morning", "hey, how are you"}},
	}, nlu.Options{Threshold: 0.5, OutOfScope: []string{"tell me a joke", "what is the weather", "play some music", "who are you"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, text := range []string{"has my parcel shipped?", "Hello!", "tell me a funny joke"} {
		p := m.Classify(text)
		fmt.Printf("%q: %q\n", text, p.Intent)
	}
	// Output:
	// "has my parcel shipped?": "order_status"
	// "Hello!": "greet"
	// "tell me a funny joke": ""
}
