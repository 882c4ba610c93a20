package serve

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/botctl/botctl/engine/internal/seal"
	"github.com/botctl/botctl/engine/server"
)

// dataKeys finds the keys that seal sensitive values at rest
// (docs/operations.md#sensitive-values): BOTCTL_DATA_KEY when set, else
// the key file next to a file store (created on first start), else, for
// the memory store, none (the server makes one for the run). A Redis or
// PostgreSQL store is shared by replicas, which must share the key: with a
// bot that has sensitive values, it needs BOTCTL_DATA_KEY. It returns where the keys
// came from, for the log.
func dataKeys(cfg Config, bots []*server.Bot) ([][]byte, string, error) {
	if v := strings.TrimSpace(cfg.Getenv(seal.EnvVar)); v != "" {
		keys, err := seal.ParseKeys(v)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", seal.EnvVar, err)
		}
		return keys, fmt.Sprintf("%s (%d keys)", seal.EnvVar, len(keys)), nil
	}
	switch {
	case isFileStore(cfg.Store):
		path := filepath.Join(filepath.Dir(storePath(cfg.Store)), seal.FileName)
		keys, created, err := seal.LoadFile(path)
		if err != nil {
			return nil, "", fmt.Errorf("%w (or set %s)", err, seal.EnvVar)
		}
		if created {
			return keys, path + " (new)", nil
		}
		return keys, path, nil
	case cfg.Store == "memory":
		return nil, "a key made for this run", nil
	}
	for _, b := range bots {
		if err := needsKey(cfg, nil, b); err != nil {
			return nil, "", err
		}
	}
	return nil, "none (no bot has sensitive values)", nil
}

// needsKey refuses a bot with sensitive values on a shared store (Redis,
// PostgreSQL) that no shared data key was given for: each replica would
// seal them with a key of its own, which the others cannot open. It is
// checked at start and for every bot --watch reloads.
func needsKey(cfg Config, keys [][]byte, b *server.Bot) error {
	if len(keys) > 0 || isFileStore(cfg.Store) || cfg.Store == "memory" || len(b.Sensitive) == 0 {
		return nil
	}
	return fmt.Errorf("the bot %s has sensitive values (%s), which are encrypted at rest: replicas sharing a store must share the key; set %s to the base64 of 32 random bytes (openssl rand -base64 32), the same on each, and restart",
		b.Name, strings.Join(b.Sensitive, ", "), seal.EnvVar)
}
