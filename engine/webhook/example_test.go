package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/botctl/botctl/engine/webhook"
)

// A receiver reads the raw body, verifies it, and only then parses it.
func ExampleVerify() {
	secret := []byte("shared-secret")
	done := make(chan struct{})
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized) // 4xx: not retried
			return
		}
		var ev struct {
			ID, Type, Conversation string
			Data                   map[string]string
		}
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "bad JSON", http.StatusBadRequest)
			return
		}
		fmt.Println(ev.Type, ev.ID, ev.Conversation, ev.Data["text"])
		w.WriteHeader(http.StatusNoContent) // any 2xx: delivered
	}))
	defer receiver.Close()

	s := webhook.New(receiver.URL, secret)
	s.Send(webhook.Event{ID: "evt_1", Type: webhook.TypeMessage, Conversation: "c_42", Bot: "acme",
		Data: map[string]string{"from": "bot", "text": "Hello!"}})
	<-done
	_ = s.Close(context.Background())
	// Output: message evt_1 c_42 Hello!
}
