package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/botctl/botctl/engine/runtime"
	"github.com/botctl/botctl/engine/store"
)

// Caller performs integration calls; *integration.Client is one, and so is
// *mock.Performer (tests).
type Caller interface {
	Call(ctx context.Context, req *runtime.Request) runtime.CallResult
}

// Agents requests transfers to agents from the host's agent desk. An error
// means the transfer could not even be requested: the bot takes its
// on_failure route. Without Agents every request is accepted and the
// desk learns of it from the `transfer` event (webhooks, OnEvent).
type Agents interface {
	Transfer(ctx context.Context, conversation string, t *runtime.Transfer) error
}

// Files stores the files users upload and returns an id for each.
type Files interface {
	Put(ctx context.Context, conversation string, f *runtime.File, data []byte) (id string, err error)
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
func (m *MemoryFiles) Put(_ context.Context, conv string, _ *runtime.File, data []byte) (string, error) {
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

// DirFiles stores uploaded files in a directory, one subdirectory per
// conversation: DIR/<conversation>/<id>. A file is written to a temporary
// name, synced and renamed, so a stored id always names a whole file.
type DirFiles struct {
	Dir string
}

// Put implements Files.
func (d DirFiles) Put(_ context.Context, conv string, _ *runtime.File, data []byte) (string, error) {
	if conv == "" || strings.ContainsAny(conv, `/\`) || conv == "." || conv == ".." {
		return "", fmt.Errorf("files: bad conversation id %q", conv)
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

// performer performs the effects of one turn for the server: integration
// calls through the Caller (or from the server's mocks), transfers to
// agents through Agents (to bots: checked against the registry), and the
// turn's uploaded file through Files. It records every outcome as a log
// entry, so that the transcript export can replay the conversation.
type performer struct {
	s       *Server
	conv    string
	lastSeq int64  // the Seq of the last log entry before this turn; 0 for a new conversation
	bot     string // the bot whose turn it is
	upload  []byte // the bytes of the upload event, if any
	now     time.Time

	records []store.Message

	// mockCalls counts the conversation's calls per integration, with
	// WithMocks: read from its log at the turn's first call.
	mockCalls map[string]int
}

func (p *performer) Call(ctx context.Context, req *runtime.Request) runtime.CallResult {
	name := ""
	if req.Integration != nil {
		name = req.Integration.Name
	}
	var res runtime.CallResult
	if p.s.mocks != nil {
		res = p.mock(ctx, name)
	} else {
		res = p.s.caller.Call(ctx, req)
	}
	p.s.metrics.call(p.bot, name, res)
	p.records = append(p.records, recordMessage(kindCall, name, record{
		Integration: name, Method: req.Method, Response: callResponse(res),
	}, p.now))
	return res
}

// mock answers a call from the server's mocks: the conversation's n-th
// call to an integration gets its n-th mock. The calls before this turn are
// counted from the conversation's log (its "call" entries, up to lastSeq,
// the turn's starting point: a turn rerun after a conflict counts what was
// committed, not what the lost attempt did), so nothing is kept between
// turns, and a conversation goes on where it was after a restart or on
// another replica.
func (p *performer) mock(ctx context.Context, name string) runtime.CallResult {
	if p.mockCalls == nil {
		counts, err := p.s.countCalls(ctx, p.conv, p.lastSeq)
		if err != nil {
			p.s.log.ErrorContext(ctx, "reading the conversation's log to answer a call from the mocks failed",
				"conversation", p.conv, "integration", name, "error", err)
			return runtime.CallResult{Error: "the mocks could not be read: the conversation's log is unavailable"}
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

func (p *performer) Transfer(ctx context.Context, t *runtime.Transfer) error {
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

func (p *performer) Store(ctx context.Context, f *runtime.File) (string, error) {
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
