package store_test

import (
	"testing"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/store/storetest"
)

func TestMemory(t *testing.T) {
	storetest.Run(t, func(testing.TB) store.Store { return store.NewMemory() })
}
