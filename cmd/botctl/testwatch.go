package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

// watchInterval is how often test --watch looks at the files' times:
// polling needs no file-notification dependency, and a few stats every
// 300ms cost nothing.
const watchInterval = 300 * time.Millisecond

// watchedFiles returns the modification time (and size, so that a rewrite
// within the clock's resolution still counts) of every bot and transcript
// file below the paths: *.yaml, *.yml and *.transcript. A path that does
// not exist has no files.
func watchedFiles(paths []string) (map[string]fileStamp, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	out := map[string]fileStamp{}
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil // removed while walking, or not there yet
				}
				return err
			}
			if d.IsDir() {
				if p != root && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			switch filepath.Ext(p) {
			case ".yaml", ".yml", ".transcript":
			default:
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return nil // removed since listed: the next look sees it gone
			}
			out[p] = fileStamp{info.ModTime(), info.Size()}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

type fileStamp struct {
	mod  time.Time
	size int64
}

// watchChanged reports whether the files differ between two looks: one
// added, removed or rewritten.
func watchChanged(before, after map[string]fileStamp) bool {
	return !maps.EqualFunc(before, after, func(a, b fileStamp) bool { return a.mod.Equal(b.mod) && a.size == b.size })
}

// testWatch runs the tests, then again each time a file below the paths
// changes, until interrupted (which exits with status 0). Nothing is
// cleared: each run follows a separator with the time.
func (a *app) testWatch(args []string, o testOptions) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	for {
		before, err := watchedFiles(args)
		if err != nil {
			return err
		}
		if err := a.testOnce(args, o); err != nil {
			var exit exitError
			if !errors.As(err, &exit) {
				fmt.Fprintf(a.stderr, "botctl: %v\n", err)
			}
		}
		fmt.Fprintf(a.stdout, "watching for changes (Ctrl-C to stop)\n")
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(watchInterval):
			}
			now, err := watchedFiles(args)
			if err != nil {
				return err
			}
			if watchChanged(before, now) {
				break
			}
		}
		fmt.Fprintf(a.stdout, "\n=== %s: files changed, running again\n", time.Now().Format("15:04:05"))
	}
}
