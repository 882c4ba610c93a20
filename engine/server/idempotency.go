package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"net/http"
)

// idem is a request's Idempotency-Key as the server keeps it: scoped by
// the route (a key used on complete is another key on send), with a
// fingerprint of the request's input, so that a key reused for another
// input is refused rather than answered with an unrelated reply.
type idem struct {
	key string // the client's key; "" for none
	id  string // the key the store keeps: route + ":" + key
	fp  string // "h1:" and the hex HMAC-SHA256 of the input
	// legacy is the unkeyed hex SHA-256 of the input that replies
	// stored by earlier versions carry, so that a retry across an
	// upgrade is still answered.
	legacy string
}

// newIdem scopes key by route and fingerprints ti with the server's
// fingerprint key.
func (s *Server) newIdem(route, key string, ti turnInput) idem {
	if key == "" {
		return idem{}
	}
	in, err := json.Marshal(struct {
		Kind   string            `json:"kind"`
		Text   string            `json:"text,omitempty"`
		Event  string            `json:"event,omitempty"`
		Fields map[string]string `json:"fields,omitempty"` // json sorts map keys
	}{ti.kind, ti.in.Text, ti.in.Event, ti.in.Fields})
	if err != nil {
		panic(err) // strings and a map of strings always encode
	}
	var upload []byte
	if ti.upload != nil {
		sum := sha256.Sum256(ti.upload)
		upload = sum[:]
	}
	keyed := hmac.New(sha256.New, s.keys.fingerprint)
	plain := sha256.New()
	for _, h := range []hash.Hash{keyed, plain} {
		h.Write(in)
		h.Write(upload)
	}
	return idem{key: key, id: route + ":" + key, fp: "h1:" + hex.EncodeToString(keyed.Sum(nil)),
		legacy: hex.EncodeToString(plain.Sum(nil))}
}

// A stored reply's body is the fingerprint of the input it answered, a
// newline, and the HTTP body.
func packReply(fp string, body []byte) []byte {
	out := make([]byte, 0, len(fp)+1+len(body))
	out = append(out, fp...)
	out = append(out, '\n')
	return append(out, body...)
}

func unpackReply(b []byte) (fp string, body []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return "", b
	}
	return string(b[:i]), b[i+1:]
}

// mismatch is the refusal of a key reused with another input.
func (k idem) mismatch() error {
	return errorf(CodeIdempotencyMismatch, "the Idempotency-Key %q was already used on this call with a different body; use a new key for a new request", truncate(k.key, 60))
}

// stored returns the reply remembered for k, if any: ok is false when there
// is none; an error when the store fails or the key was used for another
// input.
func (s *Server) stored(ctx context.Context, conv string, k idem) (status int, body []byte, ok bool, err error) {
	if k.id == "" {
		return 0, nil, false, nil
	}
	r, ok, err := s.store.Reply(ctx, conv, k.id)
	if err != nil {
		return 0, nil, false, storeError("reply", err)
	}
	if !ok {
		return 0, nil, false, nil
	}
	fp, body := unpackReply(r.Body)
	if fp != k.fp && fp != k.legacy {
		return 0, nil, false, k.mismatch()
	}
	return r.Status, body, true, nil
}

// replay writes a remembered reply.
func replay(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Idempotent-Replayed", "true")
	writeBody(w, status, body)
}
