package diff_test

import (
	"fmt"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/diff"
)

// The shop's new version asks for an email first, renames the returns
// dialog and offers another size: conversations waiting for an order
// number migrate, those in the renamed dialog or at the size question
// finish on the old version.
func Example() {
	old, _ := engine.Load("testdata/shop/old")
	new, _ := engine.Load("testdata/shop/new")
	r := diff.Compare(old, new)
	for _, w := range r.Unmigratable {
		fmt.Printf("%s: %s\n", w.Old.Name, w.Reason)
	}
	ok, _ := diff.Migratable(old, new, "order_status", "number")
	fmt.Println("order_status.number migrates:", ok)
	fmt.Println(diff.Summary(r))
	// Output:
	// returns#1: dialog renamed or removed
	// returns#2: dialog renamed or removed
	// sizes.size: choices changed
	// order_status.number migrates: true
	// 11 changes; 3 waiting positions cannot migrate
}
