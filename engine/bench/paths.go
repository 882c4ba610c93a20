package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/transcript"
)

// RunPath loads the bot at botPath and replays transcripts as o says:
// those named (files or directories of them), or with none, those below
// the bot's directory that are about it. A bot that does not compile gives
// an *engine.LoadError.
func RunPath(ctx context.Context, botPath string, transcripts []string, o Options) (*Report, error) {
	paths, err := Transcripts(botPath, transcripts)
	if err != nil {
		return nil, err
	}
	bot, diags := engine.Load(botPath)
	if diags.HasErrors() {
		return nil, &engine.LoadError{Diags: diags}
	}
	suite, err := Prepare(bot, botPath, paths)
	if err != nil {
		return nil, err
	}
	return Run(ctx, suite, o)
}

// Transcripts lists the transcripts to replay against the bot at botPath:
// those args names, as transcript.Find does, or with none, those below the
// bot's directory whose header names this bot (or no bot).
func Transcripts(botPath string, args []string) ([]string, error) {
	if len(args) > 0 {
		return transcript.Find(args)
	}
	info, err := os.Stat(botPath)
	if err != nil {
		return nil, fmt.Errorf("%s: no such file or directory", botPath)
	}
	dir := botPath
	if !info.IsDir() {
		dir = filepath.Dir(botPath)
	}
	found, err := transcript.Find([]string{dir})
	if err != nil {
		return nil, fmt.Errorf("%w; name the transcripts to replay after PATH", err)
	}
	bot, err := filepath.Abs(botPath)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range found {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		t, _ := transcript.Parse(p, src)
		if t == nil || t.Header.Bot == "" || about(bot, filepath.Join(filepath.Dir(p), filepath.FromSlash(t.Header.Bot)), info.IsDir()) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no transcripts about this bot below %s; name the transcripts to replay after PATH", botPath, dir)
	}
	return out, nil
}

// about reports whether the bot path a transcript names is the bot at
// bot (a directory bot: the directory or a YAML file in it).
func about(bot, named string, dir bool) bool {
	named, err := filepath.Abs(named)
	if err != nil {
		return false
	}
	if named == bot {
		return true
	}
	info, err := os.Stat(named)
	return dir && err == nil && !info.IsDir() && filepath.Dir(named) == bot
}
