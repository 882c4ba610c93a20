package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultTokenTTL is how long a conversation token is valid (WithTokenTTL).
const DefaultTokenTTL = 24 * time.Hour

// DefaultLinkTTL is how long the start links GET /v1/interactions offers
// are valid.
const DefaultLinkTTL = 24 * time.Hour

// principal is who makes a request.
type principal struct {
	admin        bool
	conversation string // a conversation token's conversation
}

var b64 = base64.RawURLEncoding.Strict() // strict: one encoding per token

// keys derives the server's signing keys from its token secret, one per
// purpose, so that a conversation token can never pass as a link signature
// or the other way round.
type keys struct {
	token, link []byte
	// fingerprint keys the fingerprints of idempotent requests' inputs,
	// which the store keeps: unkeyed, a short sensitive answer (a card
	// number) could be found from its hash by trying them all.
	fingerprint []byte
	// channel is the root of the channels' token keys (ChannelKey).
	channel []byte
}

func deriveKeys(secret []byte) keys {
	derive := func(purpose string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte("botctl/" + purpose))
		return m.Sum(nil)
	}
	return keys{token: derive("conversation-token/v1"), link: derive("interaction-link/v1"),
		fingerprint: derive("idempotency-fingerprint/v1"), channel: derive("channel-token/v1")}
}

// Token is a conversation token: "v1.", the conversation id in base64url,
// ".", the expiry in Unix seconds, ".", and the HMAC-SHA256 of the two in
// base64url.
func (k keys) Token(id string, exp time.Time) string {
	payload := "v1." + b64.EncodeToString([]byte(id)) + "." + strconv.FormatInt(exp.Unix(), 10)
	m := hmac.New(sha256.New, k.token)
	m.Write([]byte(payload))
	return payload + "." + b64.EncodeToString(m.Sum(nil))
}

var (
	errBadToken     = errors.New("the token is not valid")
	errExpiredToken = errors.New("the token has expired; ask for a new one (POST /v1/conversations/{id}/token)")
)

// checkToken returns the conversation a token grants, or why it grants
// nothing.
func (k keys) checkToken(tok string, now time.Time) (string, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 4 || parts[0] != "v1" {
		return "", errBadToken
	}
	sig, err := b64.DecodeString(parts[3])
	if err != nil {
		return "", errBadToken
	}
	m := hmac.New(sha256.New, k.token)
	m.Write([]byte(strings.Join(parts[:3], ".")))
	if !hmac.Equal(sig, m.Sum(nil)) {
		return "", errBadToken
	}
	id, err := b64.DecodeString(parts[1])
	if err != nil {
		return "", errBadToken
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return "", errBadToken
	}
	if now.Unix() >= exp {
		return "", errExpiredToken
	}
	return string(id), nil
}

// Link is a signed start link for an interaction (docs/language.md#14-interaction-points): whoever
// holds it may start the interaction with exactly these params until it
// expires.
type Link struct {
	Bot         string // "" when the server hosts one bot with this interaction
	Interaction string
	Params      map[string]string
	Expires     time.Time
}

// ParamPrefix prefixes the query parameters of a link (and of GET
// /v1/interactions) that carry the interaction's params: ?p.record_id=42.
const ParamPrefix = "p."

// SignLink signs l with the server's token secret and returns the query of
// its start URL: /v1/interactions/{id}/start?{query}. `botctl link` uses it.
func SignLink(secret []byte, l Link) url.Values {
	return deriveKeys(secret).signLink(l)
}

// LinkPath is the path and query of l's start link, signed with secret.
func LinkPath(secret []byte, l Link) string {
	return "/v1/interactions/" + url.PathEscape(l.Interaction) + "/start?" + SignLink(secret, l).Encode()
}

func (k keys) signLink(l Link) url.Values {
	q := url.Values{}
	if l.Bot != "" {
		q.Set("bot", l.Bot)
	}
	for name, v := range l.Params {
		q.Set(ParamPrefix+name, v)
	}
	exp := strconv.FormatInt(l.Expires.Unix(), 10)
	q.Set("exp", exp)
	q.Set("sig", b64.EncodeToString(k.linkMAC(l.Bot, l.Interaction, exp, l.Params)))
	return q
}

// linkMAC is the HMAC-SHA256 over the bot, the interaction id, the expiry
// and the params, each part length-prefixed so no two links share a
// message.
func (k keys) linkMAC(bot, interaction, exp string, params map[string]string) []byte {
	m := hmac.New(sha256.New, k.link)
	field := func(s string) {
		m.Write([]byte(strconv.Itoa(len(s)) + ":" + s))
	}
	field(bot)
	field(interaction)
	field(exp)
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	field(strconv.Itoa(len(names)))
	for _, n := range names {
		field(n)
		field(params[n])
	}
	return m.Sum(nil)
}

var (
	errLinkSignature = errors.New("the start link's signature does not match: it was changed or signed with another secret")
	errLinkExpired   = errors.New("the start link has expired")
)

// checkLink verifies the signed link in q for the interaction.
func (k keys) checkLink(interaction string, q url.Values, now time.Time) (Link, error) {
	l := Link{Bot: q.Get("bot"), Interaction: interaction, Params: linkParams(q)}
	exp := q.Get("exp")
	sig, err := b64.DecodeString(q.Get("sig"))
	if err != nil || len(q["sig"]) != 1 || len(q["exp"]) != 1 || len(q["bot"]) > 1 {
		return l, errLinkSignature
	}
	for name, vs := range q {
		if strings.HasPrefix(name, ParamPrefix) && len(vs) != 1 {
			return l, errLinkSignature
		}
	}
	if !hmac.Equal(sig, k.linkMAC(l.Bot, interaction, exp, l.Params)) {
		return l, errLinkSignature
	}
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return l, errLinkSignature
	}
	l.Expires = time.Unix(e, 0)
	if now.Unix() >= e {
		return l, errLinkExpired
	}
	return l, nil
}

// linkParams collects the p.NAME query parameters.
func linkParams(q url.Values) map[string]string {
	var params map[string]string
	for name, vs := range q {
		if p, ok := strings.CutPrefix(name, ParamPrefix); ok && p != "" && len(vs) > 0 {
			if params == nil {
				params = map[string]string{}
			}
			params[p] = vs[0]
		}
	}
	return params
}

// apiKey is an admin key, kept as its SHA-256 so that comparing takes the
// same time whatever the key's length.
type apiKey [sha256.Size]byte

func hashKey(k string) apiKey { return sha256.Sum256([]byte(k)) }

// authenticate works out who makes r. It returns an API error for
// credentials that are present but not valid (in every mode); no
// credentials is not an error: the zero principal, or admin when the
// server has no API keys.
func (s *Server) authenticate(r *http.Request) (principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if len(s.apiKeys) == 0 {
			return principal{admin: true}, nil
		}
		return principal{}, nil
	}
	scheme, cred, ok := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	if !ok || !strings.EqualFold(scheme, "Bearer") || cred == "" {
		return principal{}, errorf(CodeUnauthorized, "the Authorization header must be \"Bearer <api key or conversation token>\"")
	}
	hk := hashKey(cred)
	for _, k := range s.apiKeys {
		if subtle.ConstantTimeCompare(hk[:], k[:]) == 1 {
			return principal{admin: true}, nil
		}
	}
	// A credential that is neither a key nor a valid token is refused in
	// every mode, also by a server without API keys: a tampered or foreign
	// token must not pass as admin there.
	id, err := s.keys.checkToken(cred, s.now())
	if err != nil {
		msg := err.Error()
		if len(s.apiKeys) == 0 && errors.Is(err, errBadToken) {
			msg += " (this server has no API keys: admin calls need no Authorization header)"
		}
		return principal{}, &apiError{Code: CodeUnauthorized, Message: msg, err: err}
	}
	return principal{conversation: id}, nil
}

// requireAdmin refuses a request not made with an admin key.
func requireAdmin(p principal) error {
	switch {
	case p.admin:
		return nil
	case p.conversation != "":
		return errorf(CodeForbidden, "a conversation token does not grant this call; it needs an API key")
	}
	return errorf(CodeUnauthorized, "this call needs an API key: Authorization: Bearer <api key>")
}

// requireConversation refuses a request that neither has an admin key nor a
// token for conversation id.
func requireConversation(p principal, id string) error {
	switch {
	case p.admin:
		return nil
	case p.conversation == id:
		return nil
	case p.conversation != "":
		return errorf(CodeForbidden, "the token is for another conversation")
	}
	return errorf(CodeUnauthorized, "this call needs the conversation's token or an API key: Authorization: Bearer <token>")
}
