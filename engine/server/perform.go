package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/turn"
)

// Caller performs integration calls; *integration.Client is one, and so is
// *mock.Performer (tests).
type Caller interface {
	Call(ctx context.Context, req *turn.Request) turn.CallResult
}

// Agents requests transfers to agents from the host's agent desk. An error
// means the transfer could not even be requested: the bot takes its
// on_failure route. Without Agents every request is accepted and the
// desk learns of it from the `transfer` event (webhooks, OnEvent).
type Agents interface {
	Transfer(ctx context.Context, conversation string, t *turn.Transfer) error
}

// Files stores the files users upload and returns an id for each.
type Files interface {
	Put(ctx context.Context, conversation string, f *turn.File, data []byte) (id string, err error)
	// Delete erases every file of a conversation; none is not an error.
	Delete(ctx context.Context, conversation string) error
	// Conversations lists the conversations that have files, so that
	// files outliving their conversation (erased by another replica)
	// can be found.
	Conversations(ctx context.Context) ([]string, error)
}

// newID returns a random identifier: prefix and 32 hex digits.
func newID(prefix string) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return prefix + hex.EncodeToString(b[:])
}

// MemoryFiles keeps uploaded files in memory: for tests and --store memory.
// It is safe for concurrent use.
type MemoryFiles struct {
	mu    sync.Mutex
	files map[string][]byte // conversation/id -> bytes
}

// Put implements Files.
func (m *MemoryFiles) Put(_ context.Context, conv string, _ *turn.File, data []byte) (string, error) {
	id := newID("f_")
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files == nil {
		m.files = map[string][]byte{}
	}
	m.files[conv+"/"+id] = append([]byte(nil), data...)
	return id, nil
}

// Get returns a stored file's bytes.
func (m *MemoryFiles) Get(conv, id string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[conv+"/"+id]
	return b, ok
}

// Delete implements Files.
func (m *MemoryFiles) Delete(_ context.Context, conv string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.files {
		if strings.HasPrefix(k, conv+"/") {
			delete(m.files, k)
		}
	}
	return nil
}

// Conversations implements Files.
func (m *MemoryFiles) Conversations(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.files {
		conv, _, _ := strings.Cut(k, "/")
		if !slices.Contains(out, conv) {
			out = append(out, conv)
		}
	}
	return out, nil
}

// DirFiles stores uploaded files in a directory, one subdirectory per
// conversation: DIR/<conversation>/<id>. A file is written to a temporary
// name, synced and renamed, so a stored id always names a whole file.
type DirFiles struct {
	Dir string
}

// Put implements Files.
func (d DirFiles) Put(_ context.Context, conv string, _ *turn.File, data []byte) (string, error) {
	if err := checkFilesConv(conv); err != nil {
		return "", err
	}
	dir := filepath.Join(d.Dir, conv)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	id := newID("f_")
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, id)); err != nil {
		return "", err
	}
	return id, nil
}

// Delete implements Files.
func (d DirFiles) Delete(_ context.Context, conv string) error {
	if err := checkFilesConv(conv); err != nil {
		return err
	}
	return os.RemoveAll(filepath.Join(d.Dir, conv))
}

// Conversations implements Files.
func (d DirFiles) Conversations(context.Context) ([]string, error) {
	ents, err := os.ReadDir(d.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() && checkFilesConv(e.Name()) == nil {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// checkFilesConv refuses a conversation id that is not one directory name.
func checkFilesConv(conv string) error {
	if conv == "" || strings.ContainsAny(conv, `/\`) || conv == "." || conv == ".." {
		return fmt.Errorf("files: bad conversation id %q", conv)
	}
	return nil
}

// performer performs the effects of one turn for the server: integration
// calls through the Caller (or from the server's mocks), transfers to
// agents through Agents (to bots: checked against the registry), and the
// turn's uploaded file through Files. It records every outcome as a log
// entry, so that the transcript export can replay the conversation, and
// stores the turn before each effect (Checkpoint).
type performer struct {
	s       *Server
	t       *ledger
	conv    string
	lastSeq int64  // the Seq of the last log entry before this turn; 0 for a new conversation
	bot     *Bot   // the bot whose turn it is
	upload  []byte // the bytes of the upload event, if any
	now     time.Time

	records []store.Message
	// outSeen and errSeen count the outputs and errors of the current
	// turn.Drive's reply already moved to the turn's entries.
	outSeen, errSeen int
	// stop is what made a Checkpoint fail: Drive returns it too.
	stop error

	// mockCalls counts the conversation's calls per integration, with
	// WithMocks: read from its log at the turn's first call.
	mockCalls map[string]int
}

// use starts a turn.Drive of bot.
func (p *performer) use(b *Bot) {
	p.bot = b
	p.outSeen, p.errSeen = 0, 0
}

// collect moves what the turn did since the last collect to its pending
// log entries: the records of performed effects, then the reply's outputs
// and errors.
func (p *performer) collect(ctx context.Context, r turn.Reply) {
	t := p.t
	t.pending = append(t.pending, p.records...)
	p.records = p.records[:0]
	for _, o := range r.Outputs[p.outSeen:] {
		t.add(outputMessage(p.bot.Name, o, p.now))
	}
	for _, e := range r.Errors[p.errSeen:] {
		t.add(recordMessage(kindError, e, record{Bot: p.bot.Name}, p.now))
		p.s.log.WarnContext(ctx, "bot error", "conversation", p.conv, "bot", p.bot.Name, "error", t.mask().Redact(e))
	}
	p.outSeen, p.errSeen = len(r.Outputs), len(r.Errors)
}

// leaseMargin is how much longer than a turn may last a lease is held.
const leaseMargin = 5 * time.Second

// Checkpoint stores the turn so far, with the state that waits for eff and
// a lease on eff, before eff is performed.
func (p *performer) Checkpoint(ctx context.Context, st turn.State, eff turn.Effect, sofar turn.Reply) error {
	p.t.see(p.bot.Bot, st)
	p.collect(ctx, sofar)
	st.Lease = &turn.Lease{Key: eff.Key, Holder: p.s.instance, Until: p.s.now().Add(p.s.turnLimit + leaseMargin), Request: p.t.request.id, Input: p.t.request.fp}
	if err := p.t.checkpoint(ctx, st); err != nil {
		p.stop = err
		return err
	}
	return nil
}

func (p *performer) Call(ctx context.Context, req *turn.Request) turn.CallResult {
	name := ""
	if req.Integration != nil {
		name = req.Integration.Name
	}
	var res turn.CallResult
	if p.s.mocks != nil {
		// A mock that echoes a secret is redacted like a real response
		// (the client redacts those), before the log records it.
		res = p.s.runContext(p.bot, p.now).Redactor.Result(p.mock(ctx, name))
	} else {
		res = p.s.caller.Call(ctx, req)
	}
	p.s.metrics.call(p.bot.Name, name, res)
	p.records = append(p.records, recordMessage(kindCall, name, record{
		Integration: name, Method: req.Method, Response: callResponse(res),
	}, p.now))
	return res
}

// errRerun says a turn lost a race before it stored anything: run it
// again from the conversation as it is now.
var errRerun = errors.New("the conversation changed since the turn read it")

// ledger is what a turn stores: the log entries it has stored and those it
// has yet to store, and the record they go on.
type ledger struct {
	s       *Server
	id      string
	bot     string       // the bot the conversation is created with
	rec     store.Record // as read, or as the last commit left it
	created bool         // false until the conversation is in the store
	request idem         // the client request's idempotency key, if any
	stored  bool         // part of the turn is stored: it cannot be rerun

	committed []store.Message // stored, with their Seq
	pending   []store.Message // to store at the next commit

	// sensitive are the texts of the turn's sensitive values: its
	// entries, its stored reply and its events are masked by them
	// (masker, built by mask).
	sensitive []string
	masker    *turn.Redactor
}

func (t *ledger) add(m store.Message) { t.pending = append(t.pending, m) }

// output builds the turn's answer as it will be once its pending entries
// are committed, and the reply to store with them for k.
func (t *ledger) output(st turn.State, last *Bot, k idem, reply replyFunc) (*turnOutput, *store.Reply, error) {
	msgs := make([]store.Message, 0, len(t.committed)+len(t.pending))
	msgs = append(msgs, t.committed...)
	for i, m := range t.pending {
		m.Seq = t.rec.LastSeq + int64(i) + 1
		msgs = append(msgs, m)
	}
	out := &turnOutput{rec: t.rec, st: st, bot: last, msgs: msgs}
	out.rec.LastSeq = t.rec.LastSeq + int64(len(t.pending))
	status, v := reply(out)
	body, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	out.status, out.body = status, body
	var rep *store.Reply
	if k.id != "" {
		// The stored reply is masked: a retry gets the reply as the log
		// has it, while the request itself gets its own values.
		t.see(t.s.stateBot(st), st)
		rep = &store.Reply{Key: k.id, Status: status, Body: packReply(k.fp, maskJSON(t.mask(), body))}
	}
	return out, rep, nil
}

// checkpoint stores the turn so far, before an effect. Receivers waiting
// for the conversation's next messages are not woken: they get the turn's
// messages together when it ends, as they would without the effect.
func (t *ledger) checkpoint(ctx context.Context, st turn.State) error {
	return t.store(ctx, st, nil, false)
}

// commit stores the end of the turn: st, the pending entries and reply.
func (t *ledger) commit(ctx context.Context, st turn.State, reply *store.Reply) error {
	return t.store(ctx, st, reply, true)
}

// store stores st with the pending entries (and reply, if not nil):
// creating the conversation the first time for a new one. A conflict is
// errRerun while nothing of the turn is stored; after that it means the
// conversation moved on without this turn (its lease was taken over).
func (t *ledger) store(ctx context.Context, st turn.State, reply *store.Reply, wake bool) error {
	s := t.s
	bot := s.stateBot(st)
	t.see(bot, st)
	sealed, err := s.sealState(st)
	if err != nil {
		return fmt.Errorf("conversation %s: %w", t.id, err)
	}
	data, err := turn.Marshal(sealed)
	if err != nil {
		return fmt.Errorf("conversation %s: encoding the state: %w", t.id, err)
	}
	clear := t.pending
	for i := range clear {
		clear[i].Seq = t.rec.LastSeq + int64(i) + 1
	}
	msgs := maskMessages(t.mask(), clear)
	meta := metaOf(bot, st)
	if !t.created {
		now := s.now()
		err := s.store.Create(ctx, store.Record{ID: t.id, Bot: t.bot, State: data, Created: now, Meta: meta}, msgs)
		if err != nil {
			return storeError("create", err)
		}
		t.rec = store.Record{ID: t.id, Bot: t.bot, Version: 1, State: data, LastSeq: int64(len(msgs))}
		t.created = true
	} else {
		rec, err := s.store.Commit(ctx, t.id, t.rec.Version, store.Update{State: data, Meta: &meta, Msgs: msgs, Reply: reply})
		if errors.Is(err, store.ErrConflict) {
			if !t.stored {
				return errRerun
			}
			s.log.ErrorContext(ctx, "the conversation moved on while this turn performed an effect; its result is not stored",
				"conversation", t.id)
			return errorf(CodeConflict, "the conversation moved on while this turn waited for an integration call; its outcome was recorded as unknown")
		}
		if err != nil {
			return storeError("commit", err)
		}
		t.rec = rec
	}
	t.stored = true
	t.committed = append(t.committed, clear...)
	t.pending = nil
	if wake {
		s.notify.wake(t.id)
	}
	s.emit(t.id, st.Bot, msgs)
	return nil
}

// shared reports whether other servers may use the store too, so that a
// lease held by another instance may be alive. Only a store that one
// process holds alone (the file store) says it is not.
func (s *Server) shared() bool {
	ex, ok := s.store.(interface{ Exclusive() bool })
	return !ok || !ex.Exclusive()
}

// mock answers a call from the server's mocks: the conversation's n-th
// call to an integration gets its n-th mock. The calls before this turn are
// counted from the conversation's log (its "call" entries, up to lastSeq,
// the turn's starting point: a turn rerun after a conflict counts what was
// committed, not what the lost attempt did), so nothing is kept between
// turns, and a conversation goes on where it was after a restart or on
// another replica.
func (p *performer) mock(ctx context.Context, name string) turn.CallResult {
	if p.mockCalls == nil {
		counts, err := p.s.countCalls(ctx, p.conv, p.lastSeq)
		if err != nil {
			p.s.log.ErrorContext(ctx, "reading the conversation's log to answer a call from the mocks failed",
				"conversation", p.conv, "integration", name, "error", err)
			return turn.CallResult{Error: "the mocks could not be read: the conversation's log is unavailable"}
		}
		p.mockCalls = counts
	}
	n := p.mockCalls[name]
	p.mockCalls[name]++
	return p.s.mocks.Answer(name, n)
}

// logPage is how many log entries countCalls reads at a time.
var logPage = 256

// countCalls counts the integration calls in a conversation's log up to
// the entry last (none for 0), by integration, reading the log a page at
// a time.
func (s *Server) countCalls(ctx context.Context, conv string, last int64) (map[string]int, error) {
	page := logPage
	counts := map[string]int{}
	for after := int64(0); after < last; {
		msgs, err := s.store.Messages(ctx, conv, after, page)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.Seq > last {
				return counts, nil
			}
			if m.Kind == kindCall {
				counts[m.Text]++
			}
		}
		if len(msgs) < page {
			break
		}
		after = msgs[len(msgs)-1].Seq
	}
	return counts, nil
}

func (p *performer) Transfer(ctx context.Context, t *turn.Transfer) error {
	var err error
	switch {
	case t.To == "bot":
		if p.s.bots.Current(t.Bot) == nil {
			err = fmt.Errorf("this server hosts no bot named %s", t.Bot)
		}
	case p.s.agents != nil:
		err = p.s.agents.Transfer(ctx, p.conv, t)
	}
	r := record{To: t.To, Bot: t.Bot}
	if err != nil {
		r.Error = err.Error()
	}
	p.records = append(p.records, recordMessage(kindTransfer, "", r, p.now))
	return err
}

var errNoBytes = errors.New("the upload carried no file")

func (p *performer) Store(ctx context.Context, f *turn.File) (string, error) {
	var id string
	err := errNoBytes
	if p.upload != nil {
		id, err = p.s.files.Put(ctx, p.conv, f, p.upload)
		p.upload = nil
	}
	r := record{ID: id, Name: f.Name, Type: f.Type, Size: f.Size}
	if err != nil {
		p.s.log.ErrorContext(ctx, "storing an upload failed", "conversation", p.conv, "error", err)
		r.Error = "storing the file failed"
		err = errors.New(r.Error)
	}
	p.records = append(p.records, recordMessage(kindStored, "", r, p.now))
	return id, err
}
