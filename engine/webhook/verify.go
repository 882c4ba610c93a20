package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a webhook request.
const (
	// HeaderSignature holds "sha256=<hex>": the HMAC-SHA256, keyed with the
	// shared secret, of the timestamp header's value, a dot and the raw
	// body. A receiver may list several comma-separated signatures (during
	// a secret rotation); Verify accepts the request if any one matches.
	HeaderSignature = "X-Botctl-Signature"
	// HeaderTimestamp holds the Unix time, in seconds, the attempt was
	// signed at. Each retry is signed anew.
	HeaderTimestamp = "X-Botctl-Timestamp"
	// HeaderEvent holds the event's type, as in the body's "type".
	HeaderEvent = "X-Botctl-Event"
	// HeaderDelivery holds an id unique to one delivery of one event to
	// one URL; it stays the same across the delivery's retries.
	HeaderDelivery = "X-Botctl-Delivery"
	// HeaderAttempt holds the attempt number, 1 for the first.
	HeaderAttempt = "X-Botctl-Attempt"
)

// DefaultTolerance is the largest difference between a request's timestamp
// and the receiver's clock that Verify accepts when given no tolerance.
const DefaultTolerance = 5 * time.Minute

// maxSignatures bounds the signatures Verify tries from one header.
const maxSignatures = 8

// The errors of Verify; test with errors.Is. The returned errors wrap them
// with details.
var (
	// ErrNoSecret: Verify was called with an empty secret, which would
	// accept anything signed by anyone.
	ErrNoSecret = errors.New("webhook: no secret to verify with")
	// ErrMissingHeader: the signature or the timestamp header is absent.
	ErrMissingHeader = errors.New("webhook: missing signature header")
	// ErrMalformedHeader: a header is present but cannot be read.
	ErrMalformedHeader = errors.New("webhook: malformed signature header")
	// ErrSignatureMismatch: no signature matches the body, the timestamp
	// and the secret; the request was tampered with or signed with
	// another secret.
	ErrSignatureMismatch = errors.New("webhook: signature does not match")
	// ErrStale: the signature matches but the timestamp is further from
	// now than the tolerance; the request may be a replay.
	ErrStale = errors.New("webhook: timestamp outside the tolerance")
)

// Sign returns the value of the signature header for body sent at timestamp
// (a decimal Unix time in seconds, the value of the timestamp header):
// "sha256=" and the hex HMAC-SHA256 of timestamp + "." + body.
func Sign(secret []byte, timestamp string, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a webhook request: header holds its headers and body its
// raw, unparsed body. It returns nil when a signature in HeaderSignature is
// the HMAC of HeaderTimestamp's value, "." and body keyed with secret, and
// the timestamp is within tolerance of now (either side, for clock skew; 0
// means DefaultTolerance). The signature is checked first, so ErrStale
// means a genuine but old (or replayed) request. Comparisons take constant
// time.
//
// Read the body before parsing it and verify those exact bytes: a body
// re-encoded from parsed JSON will not match.
func Verify(secret []byte, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return ErrNoSecret
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	sigs := header.Values(HeaderSignature)
	ts := header.Get(HeaderTimestamp)
	switch {
	case len(sigs) == 0:
		return fmt.Errorf("%w %s", ErrMissingHeader, HeaderSignature)
	case ts == "":
		return fmt.Errorf("%w %s", ErrMissingHeader, HeaderTimestamp)
	}
	unix, err := parseTimestamp(ts)
	if err != nil {
		return err
	}
	wanted, err := parseSignatures(sigs)
	if err != nil {
		return err
	}
	want := mac(secret, ts, body)
	ok := false
	for _, got := range wanted {
		if hmac.Equal(got, want) {
			ok = true
		}
	}
	if !ok {
		return ErrSignatureMismatch
	}
	age := now.Sub(time.Unix(unix, 0))
	if age > tolerance || age < -tolerance {
		return fmt.Errorf("%w: signed at %s, %s from now (tolerance %s)",
			ErrStale, time.Unix(unix, 0).UTC().Format(time.RFC3339), age.Round(time.Second), tolerance)
	}
	return nil
}

// parseTimestamp reads a decimal Unix time in seconds: digits only, no sign.
func parseTimestamp(ts string) (int64, error) {
	if len(ts) > 18 {
		return 0, fmt.Errorf("%w: %s is not a Unix time in seconds", ErrMalformedHeader, HeaderTimestamp)
	}
	for i := 0; i < len(ts); i++ {
		if ts[i] < '0' || ts[i] > '9' {
			return 0, fmt.Errorf("%w: %s is not a Unix time in seconds", ErrMalformedHeader, HeaderTimestamp)
		}
	}
	return strconv.ParseInt(ts, 10, 64)
}

// parseSignatures reads the sha256 signatures of the signature header
// values: comma-separated "scheme=hex" entries. Entries of other schemes
// are skipped, so a future scheme can be added beside sha256.
func parseSignatures(values []string) ([][]byte, error) {
	var sigs [][]byte
	n := 0
	for _, v := range values {
		for entry := range strings.SplitSeq(v, ",") {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			if n++; n > maxSignatures {
				return nil, fmt.Errorf("%w: more than %d signatures", ErrMalformedHeader, maxSignatures)
			}
			scheme, value, found := strings.Cut(entry, "=")
			if !found {
				return nil, fmt.Errorf("%w: %s entry %q is not scheme=value", ErrMalformedHeader, HeaderSignature, clip(entry))
			}
			if !strings.EqualFold(scheme, "sha256") {
				continue
			}
			sig, err := hex.DecodeString(value)
			if err != nil || len(sig) != sha256.Size {
				return nil, fmt.Errorf("%w: %s is not 64 hex digits", ErrMalformedHeader, HeaderSignature)
			}
			sigs = append(sigs, sig)
		}
	}
	if len(sigs) == 0 {
		return nil, fmt.Errorf("%w: %s has no sha256 signature", ErrMalformedHeader, HeaderSignature)
	}
	return sigs, nil
}

// clip shortens a header value quoted in an error.
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}
