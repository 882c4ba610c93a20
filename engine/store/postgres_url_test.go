package store_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/store"
)

// FuzzPostgresURL: whatever surrounds a password in a URL, neither the
// error of parsing it nor Redact quotes the password.
func FuzzPostgresURL(f *testing.F) {
	f.Add("u", "s3cret", "localhost:5432/db?sslmode=disable")
	f.Add("u", "s3cret", "localhost:x/db")
	f.Add("", "pa:ss", "[::1]:5432/db?password=other&sslmode=maybe")
	f.Add("u", "s3cret", "h/db?pool_max_conns=x")
	f.Add("u", "s3%63ret", "h/db?connect_timeout=-1")
	f.Fuzz(func(t *testing.T, user, pw, rest string) {
		// A password that is too short, or that the rest (quoted, as
		// the error quotes it) holds anyway, says nothing; '@' and '/'
		// and '?' would end it.
		if len(pw) < 6 || strings.ContainsAny(pw, "@/?#") || strings.Contains(strconv.Quote(user)+strconv.Quote(rest), pw) ||
			strings.Contains("postgres://xxxxx (want postgres://USER:PASSWORD@HOST:PORT/DATABASE)", pw) {
			return
		}
		if strings.ContainsAny(user, ":@/?#") || len(user)+len(pw)+len(rest) > 256 {
			return
		}
		u := "postgres://" + user + ":" + pw + "@" + rest
		if strings.Contains(store.Redact(u), pw) {
			t.Errorf("Redact(%q) = %q", u, store.Redact(u))
		}
		if err := store.ParsePostgresURL(u); err != nil && strings.Contains(err.Error(), pw) {
			t.Errorf("the error of parsing %q quotes its password: %v", u, err)
		}
	})
}
