package integration_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/botctl/botctl/engine/integration"
)

// BenchmarkCall is one call round trip against a loopback server: the
// request, a small JSON response and its decoding, over a kept-alive
// connection.
func BenchmarkCall(b *testing.B) {
	s, _ := server(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"shipped","eta":"2026-03-16","carrier":"DHL","items":[{"sku":"A-1","qty":2}]}`)
	})
	c := newClient(b, integration.WithSecrets("tok-123"))
	req := get(s.URL + "/orders/12345?include=tracking")
	req.Headers = [][2]string{{"Authorization", "Bearer tok-123"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if res := c.Call(ctx, req); res.Error != "" || res.Status != 200 {
			b.Fatal(res)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	body := []byte(`{"status":"shipped","eta":"2026-03-16","carrier":"DHL","items":[{"sku":"A-1","qty":2}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := integration.Decode("application/json", body); err != nil {
			b.Fatal(err)
		}
	}
}
