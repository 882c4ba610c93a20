package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSign(t *testing.T) {
	// The HMAC of "1700000000.{}" keyed with "s3cret", computed apart.
	m := hmac.New(sha256.New, []byte("s3cret"))
	m.Write([]byte("1700000000.{}"))
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	if got := Sign([]byte("s3cret"), "1700000000", []byte("{}")); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	secret := []byte("s3cret")
	body := []byte(`{"id":"evt_1","type":"message"}`)
	signedAt := time.Unix(1700000000, 0)
	ts := strconv.FormatInt(signedAt.Unix(), 10)
	good := Sign(secret, ts, body)
	other := Sign([]byte("other"), ts, body)
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	tests := []struct {
		name    string
		secret  []byte
		header  http.Header
		body    []byte
		now     time.Time
		wantErr error
		want    string
	}{
		{name: "valid", header: hdr(HeaderSignature, good, HeaderTimestamp, ts)},
		{name: "valid, a minute of clock skew", header: hdr(HeaderSignature, good, HeaderTimestamp, ts), now: signedAt.Add(-time.Minute)},
		{name: "valid, scheme in upper case", header: hdr(HeaderSignature, "SHA256="+strings.TrimPrefix(good, "sha256="), HeaderTimestamp, ts)},
		{name: "valid, second of two signatures (rotation)", header: hdr(HeaderSignature, other+", "+good, HeaderTimestamp, ts)},
		{name: "valid, second header line", header: hdr(HeaderSignature, other, HeaderSignature, good, HeaderTimestamp, ts)},
		{name: "valid, unknown scheme skipped", header: hdr(HeaderSignature, "v2=abc,"+good, HeaderTimestamp, ts)},
		{
			name: "tampered body", header: hdr(HeaderSignature, good, HeaderTimestamp, ts),
			body:    []byte(`{"id":"evt_1","type":"closed"}`),
			wantErr: ErrSignatureMismatch, want: "webhook: signature does not match",
		},
		{
			name: "wrong secret", secret: []byte("guess"), header: hdr(HeaderSignature, good, HeaderTimestamp, ts),
			wantErr: ErrSignatureMismatch, want: "webhook: signature does not match",
		},
		{
			name: "timestamp changed", header: hdr(HeaderSignature, good, HeaderTimestamp, "1700000001"),
			now: signedAt, wantErr: ErrSignatureMismatch, want: "webhook: signature does not match",
		},
		{
			name: "stale", header: hdr(HeaderSignature, good, HeaderTimestamp, ts), now: signedAt.Add(6 * time.Minute),
			wantErr: ErrStale, want: "webhook: timestamp outside the tolerance: signed at 2023-11-14T22:13:20Z, 6m0s from now (tolerance 5m0s)",
		},
		{
			name: "from the future", header: hdr(HeaderSignature, good, HeaderTimestamp, ts), now: signedAt.Add(-6 * time.Minute),
			wantErr: ErrStale, want: "webhook: timestamp outside the tolerance: signed at 2023-11-14T22:13:20Z, -6m0s from now (tolerance 5m0s)",
		},
		{
			name: "no secret", secret: []byte{}, header: hdr(HeaderSignature, good, HeaderTimestamp, ts),
			wantErr: ErrNoSecret, want: "webhook: no secret to verify with",
		},
		{
			name: "no signature", header: hdr(HeaderTimestamp, ts),
			wantErr: ErrMissingHeader, want: "webhook: missing signature header X-Botctl-Signature",
		},
		{
			name: "no timestamp", header: hdr(HeaderSignature, good),
			wantErr: ErrMissingHeader, want: "webhook: missing signature header X-Botctl-Timestamp",
		},
		{
			name: "timestamp not a number", header: hdr(HeaderSignature, good, HeaderTimestamp, "+1700000000"),
			wantErr: ErrMalformedHeader, want: "webhook: malformed signature header: X-Botctl-Timestamp is not a Unix time in seconds",
		},
		{
			name: "signature not hex", header: hdr(HeaderSignature, "sha256=zz", HeaderTimestamp, ts),
			wantErr: ErrMalformedHeader, want: "webhook: malformed signature header: X-Botctl-Signature is not 64 hex digits",
		},
		{
			name: "signature without scheme", header: hdr(HeaderSignature, strings.TrimPrefix(good, "sha256="), HeaderTimestamp, ts),
			wantErr: ErrMalformedHeader, want: `webhook: malformed signature header: X-Botctl-Signature entry "` + good[7:39] + `..." is not scheme=value`,
		},
		{
			name: "no sha256 signature", header: hdr(HeaderSignature, "md5=abc", HeaderTimestamp, ts),
			wantErr: ErrMalformedHeader, want: "webhook: malformed signature header: X-Botctl-Signature has no sha256 signature",
		},
		{
			name: "too many signatures", header: hdr(HeaderSignature, strings.Repeat(other+",", 8)+good, HeaderTimestamp, ts),
			wantErr: ErrMalformedHeader, want: "webhook: malformed signature header: more than 8 signatures",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, b, now := secret, body, signedAt.Add(30*time.Second)
			if tt.secret != nil {
				s = tt.secret
			}
			if tt.body != nil {
				b = tt.body
			}
			if !tt.now.IsZero() {
				now = tt.now
			}
			err := Verify(s, tt.header, b, now, 0)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify = %v, want an error wrapping %v", err, tt.wantErr)
			}
			if err.Error() != tt.want {
				t.Errorf("Verify error\n got: %s\nwant: %s", err, tt.want)
			}
		})
	}
}

func TestVerifyTolerance(t *testing.T) {
	secret, body := []byte("k"), []byte("{}")
	h := http.Header{}
	h.Set(HeaderTimestamp, "1000")
	h.Set(HeaderSignature, Sign(secret, "1000", body))
	if err := Verify(secret, h, body, time.Unix(1000+59, 0), time.Minute); err != nil {
		t.Errorf("59s old with a 1m tolerance: %v", err)
	}
	if err := Verify(secret, h, body, time.Unix(1000+61, 0), time.Minute); !errors.Is(err, ErrStale) {
		t.Errorf("61s old with a 1m tolerance: %v, want ErrStale", err)
	}
}

// FuzzVerify feeds arbitrary header values and bodies to Verify: it must
// never panic, and it may accept a request only when the header really
// holds the body's signature.
func FuzzVerify(f *testing.F) {
	secret := []byte("fuzz-secret")
	body := []byte(`{"id":"evt_1"}`)
	f.Add(Sign(secret, "1700000000", body), "1700000000", body)
	f.Add("sha256=", "1700000000", body)
	f.Add("sha256=zz, md5=1", "17e9", []byte{})
	f.Add(",,,=,sha256", "", []byte("x"))
	f.Add("SHA256="+strings.Repeat("0", 64), "99999999999999999999", body)
	f.Fuzz(func(t *testing.T, sig, ts string, body []byte) {
		h := http.Header{}
		h.Set(HeaderSignature, sig)
		h.Set(HeaderTimestamp, ts)
		err := Verify(secret, h, body, time.Unix(1700000000, 0), time.Minute)
		if err == nil {
			want := strings.TrimPrefix(Sign(secret, ts, body), "sha256=")
			if !strings.Contains(strings.ToLower(sig), want) {
				t.Fatalf("Verify accepted signature %q for timestamp %q and body %q", sig, ts, body)
			}
		}
	})
}
