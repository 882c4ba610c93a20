package transcript

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Config is a run of many transcripts, as `botctl test` makes it.
type Config struct {
	// Paths are transcripts and directories searched for them, as Find
	// does (none: the current directory).
	Paths []string
	// Filter, when set, keeps the transcripts whose slash-separated path
	// it matches.
	Filter *regexp.Regexp
	// Bot, when set, is the bot every transcript runs against.
	Bot string
	// Update rewrites the < and << lines of each transcript that ran
	// from what the bot did, keeping every other byte.
	Update bool
	// Cover records the steps and edges the transcripts exercise;
	// CoverMin fails the run when a bot's steps or its edges are under
	// this percentage (Counts.Under).
	Cover    bool
	CoverMin float64
	// Report, when set, is told of each transcript as it is run, in the
	// order of the paths; an error it returns ends the run.
	Report func(*Result, Verdict) error
}

// Verdict is how one transcript of RunAll went.
type Verdict struct {
	// Passed is set when the transcript passed, or with Update, passes
	// now that its file is rewritten.
	Passed bool
	// Updated is set when its file was rewritten.
	Updated bool
}

// Summary is the outcome of RunAll.
type Summary struct {
	Total, Failed, Updated int
	// Coverage is each bot's coverage, with Config.Cover.
	Coverage CoverReport
	// CoverMin is Config.CoverMin.
	CoverMin float64
}

// UnderMin reports whether bc is under the coverage the run requires.
func (s *Summary) UnderMin(bc BotCover) bool {
	return s.CoverMin > 0 && bc.Total.Under(s.CoverMin)
}

// CoverFailed reports whether a bot's coverage is under the minimum.
func (s *Summary) CoverFailed() bool {
	for _, bc := range s.Coverage {
		if s.UnderMin(bc) {
			return true
		}
	}
	return false
}

// OK reports whether every transcript passed and the coverage is enough.
func (s *Summary) OK() bool { return s.Failed == 0 && !s.CoverFailed() }

// RunAll runs the transcripts cfg names, one after the other, until they
// are done or ctx is. An error is one that stops the run (no transcript
// found, a file that cannot be rewritten); failing transcripts are counted
// in the Summary.
func RunAll(ctx context.Context, cfg Config) (*Summary, error) {
	paths, err := selected(cfg)
	if err != nil {
		return nil, err
	}
	r := &Runner{Bot: cfg.Bot}
	if cfg.Cover {
		r.Coverage = &Coverage{}
	}
	sum := &Summary{Total: len(paths), CoverMin: cfg.CoverMin}
	for _, path := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res, out, err := runOne(r, path, cfg.Update)
		if err != nil {
			return nil, err
		}
		if !out.Passed {
			sum.Failed++
		}
		if out.Updated {
			sum.Updated++
		}
		if cfg.Report != nil {
			if err := cfg.Report(res, out); err != nil {
				return nil, err
			}
		}
	}
	if r.Coverage != nil {
		sum.Coverage = r.Coverage.Report()
	}
	return sum, nil
}

// selected lists the transcripts of cfg, filtered.
func selected(cfg Config) ([]string, error) {
	args := cfg.Paths
	if len(args) == 0 {
		args = []string{"."}
	}
	paths, err := Find(args)
	if err != nil || cfg.Filter == nil {
		return paths, err
	}
	var kept []string
	for _, p := range paths {
		if cfg.Filter.MatchString(filepath.ToSlash(p)) {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("no transcript matches --run %q (of %s)", cfg.Filter.String(), plural(len(paths), "transcript"))
	}
	return kept, nil
}

// runOne runs the transcript at path, and rewrites it with update.
func runOne(r *Runner, path string, update bool) (*Result, Verdict, error) {
	res := r.Run(path)
	var out Verdict
	if update && res.Ran() && !bytes.Equal(res.Actual, res.Expected) {
		if err := writeKeepingMode(path, res.Actual); err != nil {
			return nil, out, err
		}
		out.Updated = true
	}
	out.Passed = res.Passed() || update && res.PassedAfterUpdate()
	return res, out, nil
}

// Find lists the transcripts the paths name: files as given, and every
// *.transcript below a directory, sorted, skipping directories named
// testdata or starting with "." or "_" (as go test does) unless named.
// A directory with none is an error.
func Find(paths []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, root := range paths {
		found, err := find(root)
		if err != nil {
			return nil, err
		}
		for _, p := range found {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// find lists the transcripts of one path.
func find(root string) ([]string, error) {
	info, err := os.Stat(root)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%s: no such file or directory", root)
		}
		return nil, err
	}
	if !info.IsDir() {
		return []string{root}, nil
	}
	var found []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(d.Name(), ".transcript") {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("%s: no .transcript files found", root)
	}
	sort.Strings(found)
	return found, nil
}

// writeKeepingMode replaces a file's content, keeping its permissions.
func writeKeepingMode(path string, data []byte) error {
	mode := fs.FileMode(0o644)
	if info, err := os.Stat(path); err == nil {
		mode = info.Mode().Perm()
	}
	return os.WriteFile(path, data, mode)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
