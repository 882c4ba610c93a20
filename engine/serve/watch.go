package serve

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"sync"

	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/reload"
	"github.com/botctl/botctl/engine/server"
)

// watch reloads bots when their files change (--watch): a bot that
// compiles replaces its old version in reg, unless another bot has its
// name or check refuses it.
func watch(ctx context.Context, reg *server.Registry, bots []*server.Bot, check func(*server.Bot) error, log *slog.Logger) {
	var mu sync.Mutex
	byPath := map[string]*server.Bot{}
	var paths []string
	opts := []reload.Option{reload.WithLogger(log)}
	for _, b := range bots {
		byPath[b.Path] = b
		paths = append(paths, b.Path)
		opts = append(opts, reload.WithVersion(b.Path, b.Version))
	}
	onLoad := func(path string, bot *graph.Bot) {
		mu.Lock()
		defer mu.Unlock()
		for p, b := range byPath {
			if p != path && b.Name == bot.Name {
				log.Error("reload refused: another bot has this name", "path", path, "bot", bot.Name, "other", p)
				return
			}
		}
		b := &server.Bot{Bot: bot, Path: path}
		if err := check(b); err != nil {
			log.Error("reload refused", "path", path, "bot", bot.Name, "error", err)
			return
		}
		byPath[path] = b
		list := make([]*server.Bot, 0, len(byPath))
		for _, b := range byPath {
			list = append(list, b)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
		reg.Set(list...) // reload logs the swap
	}
	go func() {
		if err := reload.Watch(ctx, paths, onLoad, opts...); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("watching the bots failed", "error", err)
		}
	}()
}
