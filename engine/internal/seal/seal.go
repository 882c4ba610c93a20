// Package seal encrypts the sensitive values of conversations at rest:
// AES-256-GCM with a random nonce per value, under a keyring whose first
// key seals and whose every key opens, so keys can be rotated without
// rewriting what is stored (docs/operations.md#sensitive-values).
//
// A sealed value is text: the sealing key's id, ":" and the base64 of the
// nonce followed by the ciphertext. The id is derived from the key, so a
// key needs no name and the same key has the same id in every process.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeySize is the size of a data key: AES-256.
const KeySize = 32

// EnvVar is the environment variable that holds the data keys.
const EnvVar = "BOTCTL_DATA_KEY"

// FileName is the key file a file store keeps next to its data when no
// key is given in EnvVar.
const FileName = "botctl.key"

// Keyring holds the data keys. It is immutable and safe for concurrent use.
type Keyring struct {
	keys []key // keys[0] seals
}

type key struct {
	id   string
	aead cipher.AEAD
}

// New returns a keyring of the given 32-byte keys; the first seals.
func New(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("no data key")
	}
	kr := &Keyring{}
	for i, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("data key %d has %d bytes; a data key has %d (AES-256)", i+1, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(append([]byte("botctl data key\x00"), k...))
		kr.keys = append(kr.keys, key{id: hex.EncodeToString(sum[:4]), aead: aead})
	}
	return kr, nil
}

// Parse reads keys written as base64 (standard or URL alphabet, padded or
// not), separated by commas or newlines, the sealing key first: the value
// of BOTCTL_DATA_KEY or the content of a key file. Blank entries and lines
// starting with # are skipped.
func Parse(text string) (*Keyring, error) {
	keys, err := ParseKeys(text)
	if err != nil {
		return nil, err
	}
	return New(keys...)
}

// ParseKeys reads keys as Parse does and returns them, the sealing key
// first.
func ParseKeys(text string) ([][]byte, error) {
	var keys [][]byte
	for i, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		f = strings.TrimSpace(f)
		if f == "" || strings.HasPrefix(f, "#") {
			continue
		}
		k, err := decodeKey(f)
		if err != nil {
			return nil, fmt.Errorf("data key %d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no data key: give the base64 of 32 random bytes, for example from `openssl rand -base64 32`")
	}
	return keys, nil
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("it decodes to %d bytes; a data key is the base64 of %d random bytes (`openssl rand -base64 32`)", len(k), KeySize)
			}
			return k, nil
		}
	}
	return nil, fmt.Errorf("it is not base64; a data key is the base64 of %d random bytes (`openssl rand -base64 32`)", KeySize)
}

// Generate returns a new random key, as base64.
func Generate() string {
	k := make([]byte, KeySize)
	_, _ = rand.Read(k) // crypto/rand.Read never fails
	return base64.StdEncoding.EncodeToString(k)
}

// Ephemeral returns a keyring of one random key, for a store that forgets
// everything when the process ends (the memory store).
func Ephemeral() *Keyring {
	kr, err := Parse(Generate())
	if err != nil {
		panic(err) // a generated key is always valid
	}
	return kr
}

// LoadFile reads the keys of the key file at path, creating it with one
// new key, readable by its owner only, when it does not exist. created
// reports that it did.
func LoadFile(path string) (keys [][]byte, created bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return LoadFile(path) // another process created it first
		}
		if err != nil {
			return nil, false, fmt.Errorf("creating the data key file: %w", err)
		}
		k := Generate()
		_, err = f.WriteString(k + "\n")
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return nil, false, fmt.Errorf("writing the data key file: %w", err)
		}
		keys, err := ParseKeys(k)
		return keys, true, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading the data key file: %w", err)
	}
	keys, err = ParseKeys(string(data))
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	return keys, false, nil
}

// ID is the id of the sealing key.
func (kr *Keyring) ID() string { return kr.keys[0].id }

// Seal encrypts plain with the sealing key. aad is authenticated but not
// stored: the same aad must be given to Open, so a value sealed for one
// conversation and field does not open as another's.
func (kr *Keyring) Seal(plain, aad []byte) string {
	k := kr.keys[0]
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	_, _ = rand.Read(nonce)
	return k.id + ":" + base64.RawStdEncoding.EncodeToString(k.aead.Seal(nonce, nonce, plain, aad))
}

// ErrUnknownKey is returned by Open for a value sealed with a key the
// keyring lacks.
var ErrUnknownKey = errors.New("sealed with a data key that is not among the keys given (was a key removed from BOTCTL_DATA_KEY or the key file before it was rotated out?)")

// Open decrypts a value Seal returned.
func (kr *Keyring) Open(sealed string, aad []byte) ([]byte, error) {
	id, enc, ok := strings.Cut(sealed, ":")
	if !ok {
		return nil, errors.New("not a sealed value")
	}
	for _, k := range kr.keys {
		if k.id != id {
			continue
		}
		data, err := base64.RawStdEncoding.DecodeString(enc)
		if err != nil || len(data) < k.aead.NonceSize() {
			return nil, errors.New("a sealed value is damaged")
		}
		n := k.aead.NonceSize()
		plain, err := k.aead.Open(nil, data[:n], data[n:], aad)
		if err != nil {
			return nil, errors.New("a sealed value does not open with its key: it was damaged, or moved from another conversation")
		}
		return plain, nil
	}
	return nil, fmt.Errorf("key %s: %w", id, ErrUnknownKey)
}
