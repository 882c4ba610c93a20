package server

import (
	"encoding/json"
	"strconv"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/turn"
)

// metaOf is what the store indexes a conversation by: the id of its user
// (user.id as given at start: a string, or a number in its shortest
// form), its owner and its tags.
func metaOf(st turn.State) store.Meta {
	return store.Meta{User: userID(st.User), Owner: st.Owner, Tags: st.Tags}
}

// userID is the user.id of a user profile, "" when it has none a client
// could ask for.
func userID(user map[string]any) string {
	switch id := user["id"].(type) {
	case string:
		return id
	case json.Number:
		return id.String()
	case int:
		return strconv.Itoa(id)
	case int64:
		return strconv.FormatInt(id, 10)
	case float64:
		return strconv.FormatFloat(id, 'g', -1, 64)
	}
	return ""
}
