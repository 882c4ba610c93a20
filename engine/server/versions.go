package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/botctl/botctl/engine"
	"github.com/botctl/botctl/engine/diff"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/turn"
)

// Policy says what happens to a conversation waiting at a question when the
// server runs a newer version of its bot than the one it started on.
type Policy string

const (
	// Finish lets every conversation finish its dialog on the version it
	// started on. The default.
	Finish Policy = "finish"
	// Migrate moves a waiting conversation to the newest version where
	// the step it waits at is the same there (Migratable); the others
	// finish on their version.
	Migrate Policy = "migrate"
)

// ParsePolicy reads a --on-new-version value.
func ParsePolicy(s string) (Policy, error) {
	switch Policy(s) {
	case Finish, Migrate:
		return Policy(s), nil
	}
	return "", fmt.Errorf("on-new-version is %q; use finish (conversations finish on the version they started on) or migrate", s)
}

// WithOnNewVersion sets the policy for conversations on an older version
// of their bot (default Finish).
func WithOnNewVersion(p Policy) Option {
	return func(s *Server) error {
		if _, err := ParsePolicy(string(p)); err != nil {
			return err
		}
		s.policy = p
		return nil
	}
}

// Outcomes of choosing the version a conversation's turn runs on, for the
// log and the botctl_version_migrations_total metric.
const (
	outcomeMigrated = "migrated"         // moved to the newest version at its waiting step
	outcomeKept     = "kept"             // finishes on the version it started on
	outcomeAtRest   = "upgraded_at_rest" // between dialogs: on to the newest version
	outcomeLost     = "version_missing"  // its version is nowhere to be found
)

// botFor returns the bot a stored conversation's turn runs on, and moves
// st to another version where that is safe:
//   - a conversation on the current version stays there;
//   - one at rest (between dialogs) moves to the current version, since no
//     step of the old one holds anything it said;
//   - one inside a dialog stays on its version, loaded from the store when
//     this process does not hold it, unless the policy is Migrate and its
//     step is the same in the current version (diff.Migratable).
//
// A conversation whose version is in no store (one stored before versions
// were kept) continues on the current version only at a step of the same
// key and kind; otherwise its dialog is dropped and it goes on at rest.
// Every decision is logged and counted, unless quiet (a look at the
// conversation that runs no turn).
func (s *Server) botFor(ctx context.Context, st *turn.State, quiet bool) (*Bot, error) {
	cur := s.bots.Current(st.Bot)
	if cur == nil {
		// Versions of a bot this server does not host are not run here,
		// even though the store has them: the bot was taken out.
		return nil, errorf(CodeConflict, "this server does not host the bot %s the conversation belongs to", st.Bot)
	}
	if cur.Version == st.Version {
		return cur, nil
	}
	if st.AtRest() {
		s.moved(ctx, quiet, st, cur, outcomeAtRest, "between dialogs")
		st.Version = cur.Version
		st.DeclareVariables(cur.Bot)
		return cur, nil
	}
	old, err := s.version(ctx, st.Bot, st.Version)
	if err != nil {
		return nil, err
	}
	if old == nil {
		return s.lost(ctx, quiet, st, cur), nil
	}
	if s.policy != Migrate {
		s.moved(ctx, quiet, st, old, outcomeKept, "finishes its dialog on the version it started on (--on-new-version=finish)")
		return old, nil
	}
	from := turn.StepAt(old.Bot, st.Dialog, st.Step)
	if from == nil {
		s.moved(ctx, quiet, st, old, outcomeKept, "its step is not in its own version")
		return old, nil
	}
	if ok, why := diff.Migratable(old.Bot, cur.Bot, st.Dialog, from.Key); !ok {
		s.moved(ctx, quiet, st, old, outcomeKept, from.Name()+": "+why)
		return old, nil
	}
	why := "its step " + from.Name() + " is the same in the new version"
	if to := turn.StepAt(cur.Bot, st.Dialog, from.Key); to != nil && to.Name() != from.Name() {
		why += ", as " + to.Name()
	}
	s.moved(ctx, quiet, st, cur, outcomeMigrated, why)
	st.Version, st.Step = cur.Version, from.Key
	st.DeclareVariables(cur.Bot)
	return cur, nil
}

// lost moves a conversation whose version cannot be loaded to cur.
func (s *Server) lost(ctx context.Context, quiet bool, st *turn.State, cur *Bot) *Bot {
	step := turn.StepAt(cur.Bot, st.Dialog, st.Step)
	if st.AtRest() || (step != nil && !strings.HasPrefix(st.Step, "#") && waitsAt(step, st.Wait)) {
		s.moved(ctx, quiet, st, cur, outcomeLost, "its version is not in the store; the current version has its step")
		st.Version = cur.Version
		st.DeclareVariables(cur.Bot)
		return cur
	}
	if !quiet {
		s.log.WarnContext(ctx, "the conversation's bot version is not in the store, and the current version has no step where it waits; its dialog is dropped",
			"conversation", st.ID, "bot", st.Bot, "version", st.Version, "current", cur.Version, "dialog", st.Dialog, "step", st.Step)
		s.metrics.migration(st.Bot, outcomeLost)
	}
	st.Version = cur.Version
	st.DeclareVariables(cur.Bot)
	st.LeaveDialog()
	return cur
}

// waitsAt reports whether a conversation can wait for w at step.
func waitsAt(step *graph.Step, w turn.Wait) bool {
	switch w {
	case turn.WaitAnswer, turn.WaitUpload:
		return step.Kind == graph.StepAsk
	case turn.WaitCall: // an integration's result, or a language model's answer
		return step.Kind == graph.StepCall || step.Kind == graph.StepGenerate ||
			step.Kind == graph.StepAsk && step.Ask.Extract != nil
	case turn.WaitTransfer:
		return step.Kind == graph.StepTransfer
	}
	return false
}

func (s *Server) moved(ctx context.Context, quiet bool, st *turn.State, to *Bot, outcome, why string) {
	if quiet {
		return
	}
	s.metrics.migration(st.Bot, outcome)
	s.log.InfoContext(ctx, "conversation on an older version of its bot", "conversation", st.ID, "bot", st.Bot,
		"version", st.Version, "runs_on", to.Version, "outcome", outcome, "reason", why,
		"dialog", st.Dialog, "step", st.Step)
}

// version returns the bot at a version: from this process if it holds it,
// else compiled from the source in the store (and then held). nil, nil when
// no store has it.
func (s *Server) version(ctx context.Context, name, hash string) (*Bot, error) {
	if b := s.bots.Version(name, hash); b != nil {
		return b, nil
	}
	vs, ok := s.store.(store.Versions)
	if !ok || hash == "" {
		return nil, nil
	}
	v, err := vs.GetVersion(ctx, name, hash)
	if errors.Is(err, store.ErrVersionNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, storeError("reading a bot version", err)
	}
	src := make([]graph.Source, len(v.Files))
	for i, f := range v.Files {
		src[i] = graph.Source{Name: f.Name, Src: f.Src}
	}
	g, diags := engine.LoadSources(src)
	if diags.HasErrors() || g.Version != hash {
		why := "it compiles to another version"
		if diags.HasErrors() {
			why = diags.Err().Error()
		}
		err := fmt.Errorf("the stored version %.12s of the bot %s cannot be loaded (%s); the store's copy is damaged or was written by an incompatible botctl", hash, name, why)
		s.log.ErrorContext(ctx, "loading a bot version from the store", "bot", name, "version", hash, "error", err)
		return nil, err
	}
	b := &Bot{Bot: g}
	s.bots.hold(b)
	s.log.InfoContext(ctx, "loaded a bot version from the store", "bot", name, "version", hash)
	return b, nil
}

// republish is how long publish trusts that a version it stored is still
// in the store. Another server may collect a version no conversation ran on
// for a day (CollectVersions) while this one still starts conversations on
// it; storing it again now and then puts it back before they need it.
const republish = 10 * time.Minute

// publish stores the source of b's version, so that any server can run the
// conversations that start on it: once, then again every republish.
func (s *Server) publish(ctx context.Context, b *Bot) error {
	vs, ok := s.store.(store.Versions)
	if !ok {
		return nil
	}
	key := b.Name + "@" + b.Version
	now := s.now()
	if at, done := s.published.Load(key); done && now.Sub(at.(time.Time)) < republish {
		return nil
	}
	files := make([]store.SourceFile, len(b.Sources))
	for i, f := range b.Sources {
		files[i] = store.SourceFile{Name: f.Name, Src: f.Src}
	}
	if err := vs.PutVersion(ctx, store.BotVersion{Bot: b.Name, Hash: b.Version, Files: files}); err != nil {
		return storeError("storing the bot's version", err)
	}
	s.published.Store(key, now)
	return nil
}

// PublishVersions stores the source of every current bot's version (see
// publish); serve calls it at start, so that the versions are in the store
// before any conversation needs them.
func (s *Server) PublishVersions(ctx context.Context) error {
	for _, b := range s.bots.List() {
		if err := s.publish(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// VersionGrace is how long a stored version is kept even when no
// conversation runs on it: long enough for a rolling deploy, during which
// a replica still on the old version starts conversations on it.
const VersionGrace = 24 * time.Hour

// CollectVersions deletes the stored versions no conversation runs on:
// none of their conversations is inside a dialog or had a turn in the last
// VersionGrace, none is current here, and they were stored more than
// VersionGrace ago. (A conversation's recent turn on a version says a
// replica may still run it, and start conversations on it, however long
// ago the version was first stored.) It returns how many it deleted.
// Stores that cannot list their conversations keep every version.
func (s *Server) CollectVersions(ctx context.Context) (int, error) {
	vs, ok := s.store.(store.Versions)
	sc, ok2 := s.store.(store.Scanner)
	if !ok || !ok2 {
		return 0, nil
	}
	used := map[string]bool{}
	for _, b := range s.bots.List() {
		used[b.Name+"@"+b.Version] = true
	}
	bots := map[string]bool{}
	cutoff := s.now().Add(-VersionGrace)
	err := sc.Scan(ctx, func(rec store.Record) error {
		st, err := turn.Unmarshal(rec.State)
		if err != nil {
			return nil // not ours to judge here; its turns report it
		}
		bots[st.Bot] = true
		if !st.AtRest() || rec.Updated.After(cutoff) {
			used[st.Bot+"@"+st.Version] = true
		}
		return nil
	})
	if err != nil {
		return 0, storeError("listing conversations", err)
	}
	for _, b := range s.bots.List() {
		bots[b.Name] = true
	}
	deleted := 0
	for name := range bots {
		list, err := vs.ListVersions(ctx, name)
		if err != nil {
			return deleted, storeError("listing bot versions", err)
		}
		for _, v := range list {
			if used[name+"@"+v.Hash] || v.Stored.After(cutoff) {
				continue
			}
			if err := vs.DeleteVersion(ctx, name, v.Hash); err != nil {
				return deleted, storeError("deleting a bot version", err)
			}
			s.log.InfoContext(ctx, "deleted a bot version no conversation runs on", "bot", name, "version", v.Hash)
			deleted++
		}
	}
	return deleted, nil
}

// CollectVersionsEvery runs CollectVersions now and then every interval
// until ctx is done, logging what fails.
func (s *Server) CollectVersionsEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.CollectVersions(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "collecting unused bot versions", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
