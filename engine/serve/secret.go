package serve

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/botctl/botctl/engine/store"
)

// minSecret is the shortest token secret accepted, in bytes.
const minSecret = 32

// FindTokenSecret finds the secret tokens and links are signed with, as
// serve does but without making one: value (BOTCTL_TOKEN_SECRET) when set,
// else the contents of file when named, else the token-secret file next
// to the file store storeSpec names. It returns where the secret came
// from, for the log.
func FindTokenSecret(value, file, storeSpec string) ([]byte, string, error) {
	return tokenSecret(value, file, storeSpec, false)
}

// tokenSecret is FindTokenSecret that, when create is set, makes the
// secret a store has none of: one for this run with memory, a new file
// next to a file store.
func tokenSecret(value, file, storeSpec string, create bool) ([]byte, string, error) {
	if v := strings.TrimSpace(value); v != "" {
		return checkSecret([]byte(v), "BOTCTL_TOKEN_SECRET")
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, "", fmt.Errorf("--token-secret-file: %w", err)
		}
		return checkSecret([]byte(strings.TrimSpace(string(b))), file)
	}
	switch {
	case storeSpec == "memory":
		if !create {
			return nil, "", errors.New("no token secret: set BOTCTL_TOKEN_SECRET or --token-secret-file to the server's secret")
		}
		return newSecret(), "a secret made for this run (tokens do not survive a restart)", nil
	case strings.HasPrefix(storeSpec, "redis://"), strings.HasPrefix(storeSpec, "rediss://"):
		return nil, "", errors.New("no token secret: replicas on one Redis must share it; set BOTCTL_TOKEN_SECRET (or --token-secret-file) to the same secret of at least 32 bytes on each")
	case strings.HasPrefix(storeSpec, "postgres://"), strings.HasPrefix(storeSpec, "postgresql://"):
		return nil, "", errors.New("no token secret: replicas on one PostgreSQL database must share it; set BOTCTL_TOKEN_SECRET (or --token-secret-file) to the same secret of at least 32 bytes on each")
	}
	path := secretPath(storeSpec)
	b, err := os.ReadFile(path)
	if err == nil {
		return checkSecret([]byte(strings.TrimSpace(string(b))), path)
	}
	if !errors.Is(err, fs.ErrNotExist) || !create {
		return nil, "", fmt.Errorf("no token secret: %w (start botctl serve with this store once, or set BOTCTL_TOKEN_SECRET)", err)
	}
	secret, err := writeSecret(path)
	if errors.Is(err, fs.ErrExist) { // made meanwhile by another process
		return tokenSecret(value, file, storeSpec, false)
	}
	if err != nil {
		return nil, "", err
	}
	return secret, path + " (new)", nil
}

func checkSecret(b []byte, where string) ([]byte, string, error) {
	if len(b) < minSecret {
		return nil, "", fmt.Errorf("the token secret in %s is %d bytes long; it needs at least %d (make one with: openssl rand -hex 32)", where, len(b), minSecret)
	}
	return b, where, nil
}

// newSecret is 32 random bytes in hex.
func newSecret() []byte {
	raw := make([]byte, 32)
	rand.Read(raw)
	return []byte(hex.EncodeToString(raw))
}

// writeSecret makes a new secret in a file at path, which must not exist,
// readable by its owner only and synced before it is used.
func writeSecret(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	secret := newSecret()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	_, err = f.Write(append(secret, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return secret, err
}

// storePath is the database path of a file store spec.
func storePath(spec string) string {
	if spec == "file" {
		return store.DefaultFilePath
	}
	return strings.TrimPrefix(spec, "file:")
}

// secretPath is where the token secret of a file store lives.
func secretPath(spec string) string {
	return filepath.Join(filepath.Dir(storePath(spec)), "token-secret")
}
