package compile

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/engine/graph"
)

// Defaults of a language model (`llm:`) and of a generate step.
const (
	DefaultLLMTimeout   = 10 * time.Second
	DefaultLLMRetries   = 2
	DefaultMaxTokens    = 200
	DefaultMaxLength    = 1000
	maxKnowledgeBytes   = 64 << 10 // one knowledge file
	llmIntegrationScope = "llm."
)

// compileLLMs compiles the language models of `llm:`. Each becomes an
// integration (graph.LLM.API) whose URL follows the integrations' rule:
// its scheme and host read only env, so a conversation cannot send a
// prompt to a host of its choosing.
func (c *compiler) compileLLMs() {
	for _, l := range c.tree.LLMs {
		if !l.Name.IsSet() {
			continue
		}
		name := l.Name.Value
		pl := place{kind: integrationPlace, name: llmIntegrationScope + name}
		g := &graph.LLM{Name: name, Model: l.Model.Value, MaxTokens: DefaultMaxTokens}
		api := &graph.Integration{
			Name: llmIntegrationScope + name, Method: "POST", Timeout: DefaultLLMTimeout,
			Retries: DefaultLLMRetries, Pos: l.Pos(), LLM: g,
		}
		g.API = api
		c.bot.LLMs = append(c.bot.LLMs, g)
		if api.URL = c.template(l.URL, "url", scope{pl: pl}); api.URL != nil {
			c.checkURLHost(l.URL, api.URL, pl)
		}
		if d, ok := c.duration(l.Timeout, "timeout", pl, true); ok {
			api.Timeout = d
		}
		if n, ok := intValue(l.Retries); ok {
			api.Retries = n
		}
		if n, ok := intValue(l.MaxTokens); ok && n > 0 {
			g.MaxTokens = n
		}
		if n, ok := intValue(l.Budget); ok {
			g.Budget = n
		}
		if k := l.APIKey; k.IsSet() && k.Value != "" {
			if !c.secrets[k.Value] {
				c.errorf(k.Pos(), "unknown-secret", pl,
					"`api_key` names %s, which is not declared under `bot.secrets`", k.Value).
					Suggestion = "add " + k.Value + " to `bot.secrets`: the key is a secret, never written in the bot"
			} else {
				g.APIKey = k.Value
			}
		}
	}
}

func intValue(s dialog.Scalar) (int, bool) {
	if !s.IsSet() || s.Node == nil || s.Node.Tag != "!!int" {
		return 0, false
	}
	n, err := strconv.Atoi(s.Value)
	return n, err == nil && n >= 0
}

// model resolves the model a step uses: the one `llm:` names, else the
// only one, else the one named default.
func (c *compiler) model(st *stp, pl place, what string) *graph.LLM {
	s := st.src
	names := make([]string, len(c.bot.LLMs))
	for i, l := range c.bot.LLMs {
		names[i] = l.Name
	}
	want := "default"
	if s.LLM.IsSet() && s.LLM.Value != "" {
		want = s.LLM.Value
	} else if len(c.bot.LLMs) == 1 {
		return c.bot.LLMs[0]
	}
	for _, l := range c.bot.LLMs {
		if l.Name == want {
			return l
		}
	}
	pos := s.Actions[0].Pos()
	switch {
	case len(names) == 0:
		c.errorf(pos, "unknown-llm", pl, "%s needs a language model, and the bot declares none under `llm:`", what)
	case s.LLM.IsSet():
		c.errorf(s.LLM.Pos(), "unknown-llm", pl, "`llm` names %s, which is not declared under `llm:` (declared: %s)", want, strings.Join(names, ", "))
	default:
		c.errorf(pos, "unknown-llm", pl, "%s needs `llm:` to say which model (the bot declares %s and none named default)", what, strings.Join(names, ", "))
	}
	return nil
}

// compileGenerate compiles a generate step.
func (c *compiler) compileGenerate(st *stp, pl place) {
	s, n := st.src, st.src.Node
	g := &graph.Generate{MaxLength: DefaultMaxLength}
	st.g.Generate = g
	g.Prompt = c.template(s.Generate, "generate", scope{pl: pl})
	g.LLM = c.model(st, pl, "`generate`")
	if keyNode(n, "save") == nil && !misspelt(n, "save") {
		c.errorf(s.Actions[0].Pos(), "missing-save", pl, "`generate` needs `save`").
			Suggestion = "add `save:` with the declared variable that receives the text"
	} else if isString(s.Save) && c.assignTo(s.Save, "save", pl) {
		g.Save = s.Save.Value
	}
	g.Validate = c.expr(s.Validate, "validate", scope{pl: pl, answer: true}, true)
	if n, ok := intValue(s.MaxLength); ok && n > 0 {
		g.MaxLength = n
	}
	for _, k := range s.Knowledge {
		if d, ok := c.knowledge(st, k, pl); ok {
			g.Knowledge = append(g.Knowledge, d)
		}
	}
	if t, ok := c.target(st, s.OnFailure, "on_failure", pl); ok {
		st.g.OnFailure, st.g.HasOnFailure = t, true
	}
}

// knowledge reads a knowledge file: a path relative to the file that
// names it, which must stay inside that file's directory.
func (c *compiler) knowledge(st *stp, k dialog.Scalar, pl place) (graph.Document, bool) {
	rel := filepath.ToSlash(filepath.Clean(k.Value))
	if k.Value == "" || filepath.IsAbs(k.Value) || rel == ".." || strings.HasPrefix(rel, "../") {
		c.errorf(k.Pos(), "bad-knowledge", pl, "knowledge file %q must be a path inside the bot's directory", k.Value)
		return graph.Document{}, false
	}
	dir := "."
	if st.src.File != nil {
		dir = filepath.Dir(st.src.File.Path)
	}
	src, err := os.ReadFile(filepath.Join(dir, rel))
	switch {
	case err != nil:
		c.errorf(k.Pos(), "bad-knowledge", pl, "knowledge file %s: %v", rel, err)
		return graph.Document{}, false
	case len(src) > maxKnowledgeBytes:
		c.errorf(k.Pos(), "bad-knowledge", pl, "knowledge file %s has %d bytes; the limit is %d", rel, len(src), maxKnowledgeBytes)
		return graph.Document{}, false
	}
	return graph.Document{ID: rel, Text: string(src)}, true
}
