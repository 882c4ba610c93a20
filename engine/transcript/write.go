package transcript

import (
	"bytes"
	"fmt"
	"github.com/botctl/botctl/engine/internal/duration"
	"io"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/botctl/botctl/engine/mock"
	"github.com/botctl/botctl/engine/turn"
)

// MessageLine is the line of a user message.
func MessageLine(text string) Line { return Line{Kind: Message, Text: text} }

// OutputLine is the line of something the bot showed.
func OutputLine(o turn.Output) Line {
	if o.Kind == turn.OutText {
		return Line{Kind: Say, Text: o.Text}
	}
	return ActionLine(strings.TrimPrefix(o.Line(), "<< "))
}

// ActionLine is the line of a bot action given as turn.Output.Line
// writes it after "<< " (as hosts record it): its line breaks are written
// `\n` and `\r`, and nothing else changes.
func ActionLine(text string) Line {
	l := Line{Kind: Action, Text: breakEscaper.Replace(text)}
	_ = parseAction(&l) // runtime writes every action so that it parses
	return l
}

// RefusalLine is the line of an input the host refused with err.
func RefusalLine(err error) Line { return Line{Kind: Refusal, Text: err.Error()} }

// EventLine is the line of a host event.
func EventLine(name string, fields ...Field) Line {
	return Line{Kind: Event, Event: name, Fields: fields}
}

// Format returns the text of l as it appears in a transcript (without a
// line ending). A line read by Parse is returned as it was written.
func Format(l Line) string {
	if l.Raw != "" {
		return l.Raw
	}
	with := func(prefix, text string) string {
		if text == "" {
			return prefix
		}
		return prefix + " " + text
	}
	switch l.Kind {
	case Message:
		return with(">", Escape(l.Text))
	case Say:
		return with("<", Escape(l.Text))
	case Action:
		return with("<<", l.Text)
	case Refusal:
		return with("<!", Escape(l.Text))
	case Event:
		if l.Event == WaitEvent {
			return ">> wait " + duration.Format(l.Wait)
		}
		var b strings.Builder
		b.WriteString(">> " + l.Event)
		for _, f := range l.Fields {
			b.WriteString(" " + f.Key + "=" + fieldValue(f.Value))
		}
		return b.String()
	case Assertion:
		return with("?", l.Text)
	case Comment:
		return with("#", l.Text)
	}
	return ""
}

// fieldValue quotes an event field's value when it would not read back
// as one word.
func fieldValue(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\"\\\n\r") {
		return strconv.Quote(v)
	}
	return v
}

// Write writes a transcript: the header (when it sets anything) and the
// lines. Secrets are never written; env values are. Hosts use it to export a
// recorded conversation with the integration responses it got as mocks.
func Write(w io.Writer, h Header, lines []Line) error {
	var b bytes.Buffer
	if head, err := headerYAML(h); err != nil {
		return err
	} else if len(head) > 0 {
		b.WriteString("---\n")
		b.Write(head)
		b.WriteString("---\n")
	}
	for _, l := range lines {
		b.WriteString(Format(l))
		b.WriteByte('\n')
	}
	_, err := w.Write(b.Bytes())
	return err
}

func headerYAML(h Header) ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	add := func(key string, v *yaml.Node) {
		root.Content = append(root.Content, scalar(key), v)
	}
	if h.Bot != "" {
		add("bot", scalar(h.Bot))
	}
	if h.ID != "" {
		add("id", scalar(h.ID))
	}
	if !h.Now.IsZero() {
		add("now", scalar(h.Now.Format(time.RFC3339Nano)))
	}
	if h.Dialog != "" {
		add("dialog", scalar(h.Dialog))
	}
	if h.Interaction != "" {
		add("interaction", scalar(h.Interaction))
	}
	for _, kv := range []struct {
		key string
		m   map[string]any
	}{{"user", h.User}, {"params", h.Params}} {
		if len(kv.m) > 0 {
			n, err := valueNode(kv.m)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", kv.key, err)
			}
			n.Style = yaml.FlowStyle
			add(kv.key, n)
		}
	}
	if len(h.Env) > 0 {
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range sortedKeys(h.Env) {
			n.Content = append(n.Content, scalar(k), scalar(h.Env[k]))
		}
		add("env", n)
	}
	if len(h.Mocks) > 0 {
		n, err := mocksNode(h.Mocks)
		if err != nil {
			return nil, err
		}
		add("mocks", n)
	}
	if len(h.Transfers) > 0 {
		add("transfers", outcomesNode(h.Transfers))
	}
	if len(h.Uploads) > 0 {
		add("uploads", outcomesNode(h.Uploads))
	}
	if h.MaskSensitive {
		add("mask_sensitive", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	}
	if len(root.Content) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s, Tag: "!!str"} }

func valueNode(v any) (*yaml.Node, error) {
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		return nil, err
	}
	return &n, nil
}

func mocksNode(set mock.Set) (*yaml.Node, error) {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, name := range sortedKeys(set) {
		list := &yaml.Node{Kind: yaml.SequenceNode}
		for _, r := range set[name] {
			item := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
			if r.Error != "" {
				item.Content = append(item.Content, scalar("error"), scalar(r.Error))
			} else {
				status := r.Status
				if status == 0 {
					status = 200
				}
				item.Content = append(item.Content, scalar("status"),
					&yaml.Node{Kind: yaml.ScalarNode, Value: strconv.Itoa(status), Tag: "!!int"})
				if len(r.Headers) > 0 {
					h := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
					for _, k := range sortedKeys(r.Headers) {
						h.Content = append(h.Content, scalar(k), scalar(r.Headers[k]))
					}
					item.Content = append(item.Content, scalar("headers"), h)
				}
				if r.Body != nil {
					b, err := valueNode(r.Body)
					if err != nil {
						return nil, fmt.Errorf("mocks for %s: %w", name, err)
					}
					flow(b)
					item.Content = append(item.Content, scalar("body"), b)
				}
			}
			list.Content = append(list.Content, item)
		}
		n.Content = append(n.Content, scalar(name), list)
	}
	return n, nil
}

// flow makes n and everything in it use YAML's flow style.
func flow(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = yaml.FlowStyle
	}
	for _, c := range n.Content {
		flow(c)
	}
}

func outcomesNode(list []Outcome) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode}
	for _, o := range list {
		switch {
		case o.Error != "":
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle,
				Content: []*yaml.Node{scalar("error"), scalar(o.Error)}})
		case o.ID != "":
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle,
				Content: []*yaml.Node{scalar("id"), scalar(o.ID)}})
		default:
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "ok"})
		}
	}
	return n
}

// Rewrite returns the transcript's source with the expected lines of each
// turn replaced by got[i], the lines (as Format gives them) of turn i of
// Turns. Every other byte is kept: the header, comments, blank lines,
// inputs, assertions and line endings. Lines beyond a turn's expected ones
// are inserted after its last expected line (or its input); expected lines
// beyond what the turn got are removed.
func (t *Transcript) Rewrite(got [][]string) []byte {
	turns := t.Turns()
	replace := map[int]string{}
	remove := map[int]bool{}
	insert := map[int][]string{} // after raw line i; -1: before the first line
	for k, turn := range turns {
		var lines []string
		if k < len(got) {
			lines = got[k]
		}
		for i, l := range turn.Expected {
			if i < len(lines) {
				if lines[i] != l.Raw {
					replace[l.Num-1] = lines[i]
				}
			} else {
				remove[l.Num-1] = true
			}
		}
		if len(lines) <= len(turn.Expected) {
			continue
		}
		anchor := t.anchor(k, turn)
		insert[anchor] = append(insert[anchor], lines[len(turn.Expected):]...)
	}
	if len(replace) == 0 && len(remove) == 0 && len(insert) == 0 {
		return t.Src
	}

	nl := "\n"
	if len(t.raw) > 0 && strings.HasSuffix(t.raw[0], "\r\n") {
		nl = "\r\n"
	}
	var b bytes.Buffer
	b.Grow(len(t.Src) + 256)
	if len(t.raw) > 0 && strings.HasPrefix(t.raw[0], bom) {
		b.WriteString(bom) // the byte order mark stays first
	}
	for _, l := range insert[-1] {
		b.WriteString(l + nl)
	}
	for i, raw := range t.raw {
		if i == 0 {
			raw = strings.TrimPrefix(raw, bom)
		}
		ending := raw[len(content(raw)):]
		switch {
		case remove[i]:
			continue
		case hasKey(replace, i):
			b.WriteString(replace[i] + ending)
		default:
			b.WriteString(raw)
		}
		if extra := insert[i]; len(extra) > 0 {
			// The last line of a file may have no line break: the new
			// lines then need one before them, and the last of them none.
			broken := strings.HasSuffix(ending, "\n")
			if !broken {
				b.WriteString(nl)
			}
			for j, l := range extra {
				b.WriteString(l)
				if j < len(extra)-1 || broken {
					b.WriteString(nl)
				}
			}
		}
	}
	return b.Bytes()
}

// bom is the UTF-8 byte order mark some editors put first in a file.
const bom = "\uFEFF"

func hasKey(m map[int]string, k int) bool {
	_, ok := m[k]
	return ok
}

// anchor is the raw line after which new output lines of turn k go: its
// last expected line, else its input. The start of the conversation's lines
// go before the first input or assertion, after the comments before it.
func (t *Transcript) anchor(k int, turn Turn) int {
	if n := len(turn.Expected); n > 0 {
		return turn.Expected[n-1].Num - 1
	}
	if turn.Input != nil {
		return turn.Input.Num - 1
	}
	// The start: after the last non-blank line before the first input or
	// assertion (assertions are checked after the bot's lines).
	end := len(t.raw)
	for _, l := range t.Lines {
		if l.Kind.Input() || l.Kind == Assertion {
			end = l.Num - 1
			break
		}
	}
	for i := end - 1; i >= t.body; i-- {
		if strings.TrimSpace(content(t.raw[i])) != "" {
			return i
		}
	}
	return t.body - 1
}
