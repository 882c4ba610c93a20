package serve

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/server"
)

// loadBots loads the bots at paths. Every one must compile (an
// *engine.LoadError holds the diagnostics of those that do not), and no
// two may have one name.
func loadBots(args []string) ([]*server.Bot, error) {
	paths, err := botPaths(args)
	if err != nil {
		return nil, err
	}
	bots, byName := make([]*server.Bot, 0, len(paths)), map[string]string{}
	var all diag.List
	for _, p := range paths {
		bot, diags := engine.Load(p)
		all.Append(diags)
		if bot == nil {
			continue
		}
		if other, ok := byName[bot.Name]; ok {
			return nil, fmt.Errorf("two bots are named %s: %s and %s", bot.Name, filepath.Clean(other), filepath.Clean(p))
		}
		byName[bot.Name] = p
		bots = append(bots, &server.Bot{Bot: bot, Path: p})
	}
	if all.HasErrors() {
		return nil, &engine.LoadError{Diags: all}
	}
	return bots, nil
}

// botPaths expands the paths serve is given into bot paths: a file or a
// directory with YAML files of its own is a bot; another directory holds
// bots, one per subdirectory (and one per YAML file directly inside).
func botPaths(args []string) ([]string, error) {
	var out []string
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", arg, errors.Unwrap(err))
		}
		if !info.IsDir() || hasYAML(arg) {
			out = append(out, arg)
			continue
		}
		entries, err := os.ReadDir(arg)
		if err != nil {
			return nil, err
		}
		n := len(out)
		for _, e := range entries {
			p := filepath.Join(arg, e.Name())
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && hasYAML(p) {
				out = append(out, p)
			}
		}
		if len(out) == n {
			return nil, fmt.Errorf("%s: no bot here: neither YAML files nor directories of them", arg)
		}
	}
	return out, nil
}

func hasYAML(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			return true
		}
	}
	return false
}
