package seal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	kr := Ephemeral()
	a, b := kr.Seal([]byte("4111 1111 1111 1111"), []byte("c1/vars.card")), kr.Seal([]byte("4111 1111 1111 1111"), []byte("c1/vars.card"))
	if a == b {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	if strings.Contains(a, "4111") || !strings.HasPrefix(a, kr.ID()+":") {
		t.Errorf("sealed = %q, want the key id, a colon and ciphertext", a)
	}
	got, err := kr.Open(a, []byte("c1/vars.card"))
	if err != nil || string(got) != "4111 1111 1111 1111" {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := kr.Open(a, []byte("c2/vars.card")); err == nil {
		t.Error("a value sealed for c1 opened for c2")
	}
	tampered := a[:len(a)-2] + "AA"
	if tampered == a {
		tampered = a[:len(a)-2] + "BB"
	}
	if _, err := kr.Open(tampered, []byte("c1/vars.card")); err == nil {
		t.Error("a tampered value opened")
	}
	if _, err := Ephemeral().Open(a, []byte("c1/vars.card")); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Open with another keyring: %v, want ErrUnknownKey", err)
	}
}

// Rotation: a new key put first seals; the old one, kept after it, still
// opens what it sealed.
func TestRotation(t *testing.T) {
	oldKey, newKey := Generate(), Generate()
	old, err := Parse(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	sealed := old.Seal([]byte("secret"), nil)
	both, err := Parse(newKey + "," + oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if both.ID() == old.ID() {
		t.Fatal("the new keyring seals with the old key")
	}
	if got, err := both.Open(sealed, nil); err != nil || string(got) != "secret" {
		t.Errorf("old value with new,old: %q, %v", got, err)
	}
	again := both.Seal([]byte("secret"), nil)
	if !strings.HasPrefix(again, both.ID()+":") {
		t.Errorf("resealed %q, want the new key's id %s", again, both.ID())
	}
	if _, err := old.Open(again, nil); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("the old keyring opened a value of the new key: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "no data key",
		"not base64!":            "data key 1: it is not base64",
		Generate() + ",c2hvcnQ=": "data key 2: it decodes to 5 bytes",
	} {
		if _, err := Parse(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", in, err, want)
		}
	}
	if _, err := Parse("# rotated in on Monday\n" + Generate() + "\n\n" + Generate() + "\n"); err != nil {
		t.Errorf("a key file with a comment and two keys: %v", err)
	}
}

func TestLoadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	keys, created, err := LoadFile(path)
	if err != nil || !created {
		t.Fatalf("LoadFile = %v, created %v", err, created)
	}
	if _, err := New(keys...); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	again, created, err := LoadFile(path)
	if err != nil || created || len(again) != 1 || string(again[0]) != string(keys[0]) {
		t.Errorf("second LoadFile: %d keys, created %v, %v; want the key it created", len(again), created, err)
	}
	if err := os.WriteFile(path, []byte("nope\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a damaged key file: %v, want an error naming it", err)
	}
}

func FuzzOpen(f *testing.F) {
	kr, err := Parse("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(kr.Seal([]byte("x"), nil), "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	f.Add("abc:", "a,b")
	f.Fuzz(func(t *testing.T, sealed, keys string) {
		if got, err := kr.Open(sealed, nil); err == nil && kr.Seal(got, nil) == "" {
			t.Fatal("unreachable")
		}
		if k, err := Parse(keys); err == nil && k.ID() == "" {
			t.Fatal("a keyring without an id")
		}
	})
}
