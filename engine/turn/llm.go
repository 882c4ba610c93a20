package turn

// This file is the language model's part in a turn: the requests of a
// generate step and of a question with `extract: llm`, and what their
// answers mean. A model call is an integration call (EffCall) to the
// model's API, so hosts perform it with the integration client, under the
// turn's effect key and lease, and transcripts mock it. The model never
// chooses where the conversation goes: its answer is a text to save or a
// value to check like any answer.

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
)

// The instructions botctl gives the model for each use.
const (
	extractInstructions = "You read a user's answer to a question and return the value the question asks for, " +
		"as JSON {\"value\": \"...\"}. Return only the value itself, in the user's words (a city, a date, a number). " +
		"If the answer does not give one, return {\"value\": \"\"}."
	generateInstructions = "You write one reply of a chat bot to its user, following the instructions below. " +
		"Write only the reply's text. Use only the documents given for facts; if they do not say, say you do not know."
)

// valueSchema is the structured output an extraction asks for.
var valueSchema = map[string]any{
	"type": "json_schema",
	"json_schema": map[string]any{
		"name": "value", "strict": true,
		"schema": map[string]any{
			"type":                 "object",
			"properties":           map[string]any{"value": map[string]any{"type": "string"}},
			"required":             []any{"value"},
			"additionalProperties": false,
		},
	},
}

// ChatMessage is one message of a chat-completions request.
type ChatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// completionRequest is the body of a chat-completions request.
type completionRequest struct {
	Model          string        `json:"model"`
	Messages       []ChatMessage `json:"messages"`
	MaxTokens      int           `json:"max_tokens"`
	Temperature    float64       `json:"temperature"`
	ResponseFormat any           `json:"response_format,omitempty"`
}

// Completion is what botctl reads of a chat-completions response.
type Completion struct {
	Content          string // the message's text, or a tool call's arguments
	PromptTokens     int
	CompletionTokens int
}

// ParseCompletion reads a chat-completions response body, as decoded JSON:
// the first choice's message content, or else its first tool call's
// arguments, and the token usage. Anything else is an error.
func ParseCompletion(body any) (Completion, error) {
	var c Completion
	root, ok := body.(map[string]any)
	if !ok {
		return c, errors.New("the model's response is not a JSON object")
	}
	if u, ok := root["usage"].(map[string]any); ok {
		c.PromptTokens, c.CompletionTokens = count(u["prompt_tokens"]), count(u["completion_tokens"])
	}
	choices, _ := root["choices"].([]any)
	if len(choices) == 0 {
		return c, errors.New("the model's response has no choices")
	}
	choice, _ := choices[0].(map[string]any)
	msg, _ := choice["message"].(map[string]any)
	if msg == nil {
		return c, errors.New("the model's response has no message")
	}
	if s, ok := msg["content"].(string); ok && s != "" {
		c.Content = s
		return c, nil
	}
	if calls, _ := msg["tool_calls"].([]any); len(calls) > 0 {
		call, _ := calls[0].(map[string]any)
		fn, _ := call["function"].(map[string]any)
		if args, ok := fn["arguments"].(string); ok {
			c.Content = args
			return c, nil
		}
	}
	return c, errors.New("the model's message has no content")
}

func count(v any) int {
	switch n := v.(type) {
	case int:
		return max(n, 0)
	case float64:
		return max(int(n), 0)
	case json.Number:
		i, _ := n.Int64()
		return max(int(i), 0)
	}
	return 0
}

// ParseValue reads the structured answer of an extraction: a JSON object
// whose "value" is a string or a number. An empty value, or anything
// else, is no value.
func ParseValue(content string) (string, bool) {
	var out map[string]any
	dec := json.NewDecoder(strings.NewReader(strings.TrimSpace(content)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil || dec.More() {
		return "", false
	}
	var s string
	switch v := out["value"].(type) {
	case string:
		s = strings.TrimSpace(v)
	case json.Number:
		s = v.String()
	}
	return s, s != "" && utf8.ValidString(s)
}

// masked returns the environment a prompt is rendered in: sensitive
// variables read "[sensitive]", and no secrets.
func (m *machine) masked() *cond.Env {
	env := m.env
	env.Vars = MaskVars(m.bot, m.st.Vars)
	env.Secret = nil
	return &env
}

// scrub removes from text that leaves botctl every secret and every
// sensitive value it may still hold (a variable's value copied into
// another, the answer to a sensitive question).
func (m *machine) scrub(text string) string {
	if r := NewMasker(SensitiveTexts(m.bot, m.st)...); r != nil {
		text = r.Redact(text)
	}
	if r := m.redactor(); r != nil {
		text = r.Redact(text)
	}
	return text
}

// askModel requests a completion of model l and waits for it (WaitCall at
// step s). It reports false, having failed the step, when the request
// cannot be made.
func (m *machine) askModel(s *graph.Step, l *graph.LLM, msgs []ChatMessage, format any) bool {
	for i := range msgs {
		msgs[i].Content = m.scrub(msgs[i].Content)
	}
	if m.tracing() {
		m.traceStep(s, "llm", "prompt to ", l.Name, ": ", quoteText(oneLine(msgs[len(msgs)-1].Content)))
	}
	u, err := renderURL(l.API.URL, &m.env)
	if err != nil {
		return false
	}
	body, err := json.Marshal(completionRequest{
		Model: l.Model, Messages: msgs, MaxTokens: l.MaxTokens, ResponseFormat: format,
	})
	if err != nil {
		return false
	}
	req := &Request{
		Integration: l.API, Method: l.API.Method, URL: strings.TrimRight(u, "/") + "/chat/completions",
		Headers: [][2]string{{"Content-Type", "application/json"}},
		Body:    body, Timeout: l.API.Timeout, Retries: l.API.Retries,
	}
	if l.APIKey != "" {
		req.Headers = append(req.Headers, [2]string{"Authorization", "Bearer " + m.ctx.Secrets[l.APIKey]})
	}
	m.st.Wait = WaitCall
	m.effect(Effect{Kind: EffCall, Call: req})
	return true
}

// completion reads a model's result: its text, or why there is none.
func (m *machine) completion(s *graph.Step, r *CallResult) (string, error) {
	res := m.redactor().Result(*r)
	if res.Error != "" {
		return "", errors.New(res.Error)
	}
	if res.Status < 200 || res.Status > 299 {
		return "", fmt.Errorf("the model's API answered with status %d", res.Status)
	}
	c, err := ParseCompletion(res.Body)
	if err != nil {
		return "", err
	}
	if m.tracing() {
		m.traceStep(s, "llm", "answer: ", quoteText(oneLine(c.Content)), " (", strconv.Itoa(c.PromptTokens+c.CompletionTokens), " tokens)")
	}
	return c.Content, nil
}

// generateStep renders the prompt and asks the model for the text.
func (m *machine) generateStep(s *graph.Step) (graph.Target, bool) {
	m.traceStep(s, "generate", "")
	g := s.Generate
	prompt, err := g.Prompt.Render(m.masked())
	if err != nil {
		m.fail(s, "generate: %v", err)
		return graph.Target{}, true
	}
	sys := generateInstructions
	if len(g.Knowledge) > 0 {
		var b strings.Builder
		b.WriteString(sys)
		b.WriteString("\n\nDocuments:")
		for _, d := range g.Knowledge {
			b.WriteString("\n\n[document " + d.ID + "]\n" + d.Text)
		}
		sys = b.String()
	}
	msgs := []ChatMessage{{Role: "system", Content: sys}, {Role: "user", Content: prompt}}
	if !m.askModel(s, g.LLM, msgs, nil) {
		m.generated(s, "", errors.New("the request to the model could not be made"))
	}
	return graph.Target{}, true
}

// generated takes a generate step's text: cut to max_length, checked by
// validate, saved. A failure goes to on_failure, else error_message.
func (m *machine) generated(s *graph.Step, text string, err error) {
	g := s.Generate
	m.clearWait()
	m.st.Dialog, m.st.Step = s.Dialog.Name, s.Key
	text = cut(strings.TrimSpace(text), g.MaxLength)
	if err == nil && text == "" {
		err = errors.New("the model gave an empty text")
	}
	if err == nil && g.Validate != nil {
		m.env.Answer = text
		ok, verr := g.Validate.Bool(&m.env)
		switch {
		case verr != nil:
			err = fmt.Errorf("validate: %v", verr)
		case !ok:
			err = errors.New("validate rejected the text")
		}
	}
	if err != nil {
		edge := EdgeFailed
		if s.HasOnFailure {
			edge = EdgeOnFailure
		}
		m.traceEdge(s, "result", edge, "failure: ", err.Error())
		if s.HasOnFailure {
			m.run(m.follow(s.OnFailure))
			return
		}
		m.sayError()
		m.endDialog()
		return
	}
	m.st.Vars[g.Save] = text
	m.traceStep(s, "result", "saved ", g.Save)
	m.run(m.follow(s.Next))
}

// cut shortens text to at most n characters, at a word when it can.
func cut(text string, n int) string {
	if n <= 0 || utf8.RuneCountInString(text) <= n {
		return text
	}
	r := []rune(text)[:n]
	if i := strings.LastIndexAny(string(r), " \n"); i > len(string(r))/2 {
		return strings.TrimSpace(string(r)[:i]) + "…"
	}
	return string(r) + "…"
}

// extract asks the model for the value in a free-text answer to question
// s; the attempt is already counted.
func (m *machine) extract(s *graph.Step, text string) {
	a := s.Ask
	question, err := a.Text.Render(m.masked())
	if err != nil {
		m.fail(s, "%v", err)
		return
	}
	msgs := []ChatMessage{
		{Role: "system", Content: extractInstructions},
		{Role: "user", Content: "Question: " + question + "\nAnswer: " + text},
	}
	if !m.askModel(s, a.Extract, msgs, valueSchema) {
		m.attemptFailed(s, a.Retry, "the request to the model could not be made")
	}
}

// extracted checks the value the model read out of the answer as the
// answer itself would be checked. No value is a failed attempt.
func (m *machine) extracted(s *graph.Step, r *CallResult) {
	content, err := m.completion(s, r)
	m.st.Wait = WaitAnswer
	value, ok := ParseValue(content)
	switch {
	case err != nil:
		m.attemptFailed(s, s.Ask.Retry, "the model gave no value: "+err.Error())
	case !ok:
		m.attemptFailed(s, s.Ask.Retry, "the model gave no value")
	default:
		m.check(s, value)
	}
}

// llmDone takes a model's result for the step the conversation waits at.
func (m *machine) llmDone(s *graph.Step, r *CallResult) {
	if s.Generate != nil {
		text, err := m.completion(s, r)
		m.generated(s, text, err)
		return
	}
	m.extracted(s, r)
}

// waitsForModel reports whether step s waits for a model's answer.
func waitsForModel(s *graph.Step) bool {
	return s != nil && (s.Generate != nil || s.Ask != nil && s.Ask.Extract != nil)
}

// oneLine writes a prompt or an answer on one trace line.
func oneLine(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", `\n`)
}
