package directline

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Token kinds: a conversation token is what clients present as Bearer; a
// stream token is in the streamUrl and opens the WebSocket once.
const (
	kindConversation = "c"
	kindStream       = "s"
)

// claims are what a token grants.
type claims struct {
	Kind string `json:"k"`
	Bot  string `json:"b"`
	Conv string `json:"c"` // the Direct Line conversation id
	User string `json:"u"`
	Name string `json:"n,omitempty"`
	Exp  int64  `json:"e"` // Unix seconds
}

var b64 = base64.RawURLEncoding.Strict()

var (
	errBadToken     = errors.New("the token is not valid")
	errExpiredToken = errors.New("the token has expired; refresh it before it does (POST tokens/refresh), or get a new one")
)

// sign returns the token of c: "dl1.", the claims' JSON in base64url, ".",
// and their HMAC-SHA256 in base64url.
func sign(key []byte, c claims) string {
	payload, err := json.Marshal(c)
	if err != nil {
		panic(err) // strings and a number always encode
	}
	p := "dl1." + b64.EncodeToString(payload)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(p))
	return p + "." + b64.EncodeToString(m.Sum(nil))
}

// parseToken returns the claims of a token signed with key, of the given
// kind and valid at now.
func parseToken(key []byte, tok, kind string, now time.Time) (claims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[0] != "dl1" {
		return claims{}, errBadToken
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return claims{}, errBadToken
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, m.Sum(nil)) {
		return claims{}, errBadToken
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return claims{}, errBadToken
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil || c.Kind != kind || c.Conv == "" || c.Bot == "" {
		return claims{}, errBadToken
	}
	if now.Unix() >= c.Exp {
		return claims{}, errExpiredToken
	}
	return c, nil
}
