package graph

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/botctl/botctl/engine/diag"
)

// Limits on the text drawn in a node or on an edge, in characters. Longer
// texts are cut and end in "…".
const (
	maxText        = 32 // a step's say/ask text, a starter, a set's variable list
	maxEdgeLabel   = 32 // a rule's condition
	maxEntryLines  = 6  // starters listed in an entry node before "+N more"
	truncationMark = "…"
)

// DOT writes the graph of b in Graphviz DOT: one cluster per dialog, a box per
// step, an entry node listing what starts the dialog (starters, welcome,
// fallback, interactions), terminal nodes for end and close, and an edge per
// next, goto, rule and failure target. dialog "" draws every dialog; a
// dialog name draws only that one, with the steps of other dialogs it jumps
// to as dashed nodes outside its cluster. An unknown name is an error.
//
// The output depends only on b and dialog, so it can be kept in version
// control and diffed.
func DOT(w io.Writer, b *Bot, dialog string) error {
	m, err := buildModel(b, dialog)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "digraph %s {\n", dotQuote(m.name))
	bw.WriteString("  graph [fontname=\"Helvetica\"];\n")
	bw.WriteString("  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n")
	bw.WriteString("  edge [fontname=\"Helvetica\", fontsize=9];\n")
	for _, c := range m.clusters {
		fmt.Fprintf(bw, "\n  subgraph %s {\n", dotQuote("cluster_"+c.name))
		fmt.Fprintf(bw, "    label=%s;\n", dotQuote(c.name))
		for _, n := range c.nodes {
			bw.WriteString("    ")
			writeDOTNode(bw, n)
		}
		bw.WriteString("  }\n")
	}
	if len(m.external) > 0 {
		bw.WriteString("\n")
	}
	for _, n := range m.external {
		bw.WriteString("  ")
		writeDOTNode(bw, n)
	}
	if len(m.edges) > 0 {
		bw.WriteString("\n")
	}
	for _, e := range m.edges {
		fmt.Fprintf(bw, "  %s -> %s", dotQuote(e.from.dotID), dotQuote(e.to.dotID))
		if e.label != "" {
			fmt.Fprintf(bw, " [label=%s]", dotQuote(e.label))
		}
		bw.WriteString(";\n")
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

func writeDOTNode(w *bufio.Writer, n *node) {
	lines := make([]string, len(n.lines))
	for i, l := range n.lines {
		lines[i] = dotEscape(l)
	}
	fmt.Fprintf(w, "%s [label=\"%s\"", dotQuote(n.dotID), strings.Join(lines, `\n`))
	switch n.kind {
	case entryNode:
		w.WriteString(", shape=oval, style=bold")
	case endNode:
		w.WriteString(", shape=circle, style=\"\"")
	case closeNode:
		w.WriteString(", shape=doublecircle, style=\"\"")
	case branchNode:
		w.WriteString(", shape=diamond, style=\"\"")
	case externalNode:
		w.WriteString(", style=\"rounded,dashed\"")
	}
	w.WriteString("];\n")
}

// dotQuote returns s as a DOT double-quoted string.
func dotQuote(s string) string { return `"` + dotEscape(s) + `"` }

// dotEscape escapes s for the inside of a DOT double-quoted string. A
// backslash is doubled so that label escapes such as \n or \N in the
// author's text print as written.
func dotEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Mermaid writes the graph of b as a Mermaid flowchart, with the same content
// as DOT: one subgraph per dialog, a node per step, entry and terminal nodes,
// labelled edges. Node ids are generated (d2_s5 is step 5 of the third
// dialog), so no dialog or step name can clash with Mermaid's keywords; every
// label is quoted, with the characters Mermaid would interpret written as
// its #entity; codes.
func Mermaid(w io.Writer, b *Bot, dialog string) error {
	m, err := buildModel(b, dialog)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("flowchart TD\n")
	for _, c := range m.clusters {
		fmt.Fprintf(bw, "  subgraph %s[\"%s\"]\n", c.mermaidID, mermaidEscape(c.name))
		for _, n := range c.nodes {
			bw.WriteString("    ")
			writeMermaidNode(bw, n)
		}
		bw.WriteString("  end\n")
	}
	for _, n := range m.external {
		bw.WriteString("  ")
		writeMermaidNode(bw, n)
	}
	for _, e := range m.edges {
		if e.label != "" {
			fmt.Fprintf(bw, "  %s -->|\"%s\"| %s\n", e.from.mermaidID, mermaidEscape(e.label), e.to.mermaidID)
		} else {
			fmt.Fprintf(bw, "  %s --> %s\n", e.from.mermaidID, e.to.mermaidID)
		}
	}
	return bw.Flush()
}

func writeMermaidNode(w *bufio.Writer, n *node) {
	lines := make([]string, len(n.lines))
	for i, l := range n.lines {
		lines[i] = mermaidEscape(l)
	}
	label := `"` + strings.Join(lines, "<br>") + `"`
	open, close := "[", "]"
	switch n.kind {
	case entryNode:
		open, close = "([", "])"
	case endNode:
		open, close = "((", "))"
	case closeNode:
		open, close = "(((", ")))"
	case branchNode:
		open, close = "{", "}"
	case externalNode:
		open, close = ">", "]"
	}
	w.WriteString(n.mermaidID + open + label + close + "\n")
}

// mermaidEscape escapes s for the inside of a quoted Mermaid label. Quotes,
// markup (< > &), the edge-label bar and the backtick (which would start a
// Markdown string) become entity codes; a '#' is escaped only where Mermaid
// would otherwise read an entity (#name;). Mermaid also rewrites any line
// that looks like a style statement (style or classDef, then ':', '#' and
// ';') before parsing, so in such a text ':' is escaped too.
func mermaidEscape(s string) string {
	colon := strings.Contains(s, "style") || strings.Contains(s, "classDef")
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '"':
			b.WriteString("#quot;")
		case '<':
			b.WriteString("#lt;")
		case '>':
			b.WriteString("#gt;")
		case '&':
			b.WriteString("#amp;")
		case '|':
			b.WriteString("#124;")
		case '`':
			b.WriteString("#96;")
		case '\n':
			b.WriteString("<br>")
		case ':':
			if colon {
				b.WriteString("#58;")
			} else {
				b.WriteByte(':')
			}
		case '#':
			if looksLikeEntity(s[i+1:]) {
				b.WriteString("#35;")
			} else {
				b.WriteByte('#')
			}
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// looksLikeEntity reports whether s starts with one or more word characters
// and a ';', which after a '#' Mermaid decodes as an entity.
func looksLikeEntity(s string) bool {
	n := 0
	for n < len(s) && (s[n] == '_' || s[n] >= '0' && s[n] <= '9' || s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z') {
		n++
	}
	return n > 0 && n < len(s) && s[n] == ';'
}

// The drawing model shared by DOT and Mermaid.

type nodeKind int

const (
	stepNode nodeKind = iota
	branchNode
	entryNode
	endNode
	closeNode
	externalNode
)

type node struct {
	kind      nodeKind
	dotID     string
	mermaidID string
	lines     []string
}

type edge struct {
	from, to *node
	label    string
}

type cluster struct {
	name      string
	mermaidID string
	nodes     []*node
}

type model struct {
	name     string
	clusters []*cluster
	external []*node
	edges    []edge
}

// modelBuilder collects the nodes of the drawn dialogs; terminal and
// external nodes are made on first use, in a deterministic order.
type modelBuilder struct {
	b        *Bot
	m        *model
	index    map[*Dialog]int // position in b.Dialogs, for Mermaid ids
	drawn    map[*Dialog]*cluster
	steps    map[*Step]*node
	ends     map[*Dialog]*node
	closes   map[*Dialog]*node
	external map[*Step]*node
}

func buildModel(b *Bot, dialog string) (*model, error) {
	if b == nil {
		return nil, fmt.Errorf("no bot to draw")
	}
	mb := &modelBuilder{
		b:        b,
		m:        &model{name: b.Name},
		index:    map[*Dialog]int{},
		drawn:    map[*Dialog]*cluster{},
		steps:    map[*Step]*node{},
		ends:     map[*Dialog]*node{},
		closes:   map[*Dialog]*node{},
		external: map[*Step]*node{},
	}
	for i, d := range b.Dialogs {
		mb.index[d] = i
	}
	dialogs := b.Dialogs
	if dialog != "" {
		d := findDialog(b, dialog)
		if d == nil {
			return nil, unknownDialog(b, dialog)
		}
		dialogs = []*Dialog{d}
	}
	// Clusters and step nodes first, so edges can point at any of them.
	for _, d := range dialogs {
		c := &cluster{name: d.Name, mermaidID: "d" + strconv.Itoa(mb.index[d])}
		mb.drawn[d] = c
		mb.m.clusters = append(mb.m.clusters, c)
		if entry := mb.entryNode(d); entry != nil {
			c.nodes = append(c.nodes, entry)
		}
		for _, s := range d.Steps {
			n := mb.stepNode(s)
			mb.steps[s] = n
			c.nodes = append(c.nodes, n)
		}
	}
	for _, d := range dialogs {
		c := mb.drawn[d]
		if len(c.nodes) > 0 && c.nodes[0].kind == entryNode && len(d.Steps) > 0 {
			mb.edge(c.nodes[0], mb.steps[d.Steps[0]], "")
		}
		for _, s := range d.Steps {
			mb.stepEdges(s)
		}
	}
	// Terminal nodes go at the end of their cluster, in the order the
	// dialogs were drawn.
	for _, d := range dialogs {
		c := mb.drawn[d]
		if n := mb.ends[d]; n != nil {
			c.nodes = append(c.nodes, n)
		}
		if n := mb.closes[d]; n != nil {
			c.nodes = append(c.nodes, n)
		}
	}
	return mb.m, nil
}

func findDialog(b *Bot, name string) *Dialog {
	if d := b.Dialog(name); d != nil {
		return d
	}
	for _, d := range b.Dialogs { // a hand-built Bot may not be indexed
		if d.Name == name {
			return d
		}
	}
	return nil
}

func unknownDialog(b *Bot, name string) error {
	names := make([]string, len(b.Dialogs))
	for i, d := range b.Dialogs {
		names[i] = d.Name
	}
	bot := "the bot"
	if b.Name != "" {
		bot = "bot " + b.Name
	}
	if s := diag.DidYouMean(name, names); s != "" {
		return fmt.Errorf("%s has no dialog `%s`; %s", bot, name, s)
	}
	if len(names) == 0 {
		return fmt.Errorf("%s has no dialog `%s`; it has no dialogs", bot, name)
	}
	return fmt.Errorf("%s has no dialog `%s`; its dialogs are %s", bot, name, strings.Join(names, ", "))
}

func (mb *modelBuilder) dotPrefix(d *Dialog) string { return d.Name }

func (mb *modelBuilder) mermaidPrefix(d *Dialog) string {
	return "d" + strconv.Itoa(mb.index[d])
}

// entryNode lists what starts d, or returns nil when only jumps reach it.
func (mb *modelBuilder) entryNode(d *Dialog) *node {
	var lines []string
	if mb.b.Welcome == d {
		lines = append(lines, "welcome")
	}
	if mb.b.Fallback == d {
		lines = append(lines, "fallback")
	}
	for _, s := range d.Starters {
		switch s.Kind {
		case Regex:
			lines = append(lines, "/"+shorten(s.Text, maxText)+"/")
		case Event:
			lines = append(lines, "event "+shorten(s.Text, maxText))
		case IntentStarter:
			lines = append(lines, "intent "+shorten(s.Text, maxText))
		default:
			lines = append(lines, `"`+shorten(s.Text, maxText)+`"`)
		}
	}
	for _, in := range mb.b.Interactions {
		if in.Dialog == d {
			lines = append(lines, "interaction "+in.ID)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	if len(lines) > maxEntryLines {
		more := len(lines) - (maxEntryLines - 1)
		lines = append(lines[:maxEntryLines-1], "+"+strconv.Itoa(more)+" more")
	}
	return &node{
		kind:      entryNode,
		dotID:     mb.dotPrefix(d) + ":start",
		mermaidID: mb.mermaidPrefix(d) + "_in",
		lines:     lines,
	}
}

// stepRef names s inside its dialog: its id, or #n (1-based).
func stepRef(s *Step) string {
	if s.ID != "" {
		return s.ID
	}
	return "#" + strconv.Itoa(s.Index+1)
}

// stepID is the DOT id of s: dialog.id or dialog#n, as Step.Name gives it
// (ids cannot hold '.', '#' or ':', so these never clash).
func stepID(s *Step) string {
	if s.Dialog == nil {
		return stepRef(s)
	}
	return s.Name()
}

func (mb *modelBuilder) stepNode(s *Step) *node {
	n := &node{
		kind:      stepNode,
		dotID:     stepID(s),
		mermaidID: mb.mermaidPrefix(s.Dialog) + "_s" + strconv.Itoa(s.Index+1),
	}
	head := s.Kind.String() + " " + stepRef(s)
	var text string
	switch s.Kind {
	case StepSay:
		if len(s.Say) > 0 && s.Say[0] != nil {
			text = s.Say[0].Source
		}
	case StepAsk:
		if s.Ask != nil {
			if s.Ask.Type != Text {
				head += " (" + s.Ask.Type.String() + ")"
			}
			if s.Ask.Text != nil {
				text = s.Ask.Text.Source
			}
		}
	case StepSet:
		vars := make([]string, len(s.Set))
		for i, a := range s.Set {
			vars[i] = a.Var
		}
		text = strings.Join(vars, ", ")
	case StepBranch:
		n.kind = branchNode
	case StepCall:
		if s.Call != nil {
			text = s.Call.Name
		}
	case StepTransfer:
		if t := s.Transfer; t != nil {
			text = "to " + t.To
			if t.To == "bot" && t.Bot != "" {
				text += " " + t.Bot
			}
		}
	case StepGoto:
		text = "to " + targetName(s, s.Goto)
	case StepEnd:
		n.kind = endNode
	case StepClose:
		n.kind = closeNode
	}
	n.lines = []string{head}
	if text = shorten(text, maxText); text != "" {
		n.lines = append(n.lines, text)
	}
	return n
}

func (mb *modelBuilder) stepEdges(s *Step) {
	from := mb.steps[s]
	hasElse := false
	for _, r := range s.Branch {
		hasElse = hasElse || r.Kind == WhenElse
	}
	for _, e := range s.Edges() {
		if e.Kind.Implicit() {
			continue // the drawing shows what the author wrote
		}
		label := ""
		switch e.Kind {
		case EdgeBranch, EdgeRule:
			label = ruleLabel(*e.Rule)
		case EdgeOnFail, EdgeOnFailure:
			label = e.Kind.String()
		case EdgeNext:
			if hasElse {
				continue // a branch with else never falls through
			}
		}
		mb.edge(from, mb.target(s, e.Target), label)
	}
}

// targetName names t as the author of step s would write it: a step of
// the same dialog by its id (or #n), the first step of another dialog by
// the dialog's name, any other step as dialog.id (or dialog#n).
func targetName(s *Step, t Target) string {
	to := t.Step
	if t.Kind != ToStep || to == nil {
		return t.String()
	}
	switch {
	case to.Dialog == s.Dialog:
		return stepRef(to)
	case to.Index == 0 && to.ID == "" && to.Dialog != nil:
		return to.Dialog.Name
	}
	return to.Name()
}

func ruleLabel(r Rule) string {
	switch r.Kind {
	case WhenSuccess:
		return "success"
	case WhenFailure:
		return "failure"
	case WhenElse:
		return "else"
	}
	if r.When == nil {
		return "when"
	}
	return shorten(r.When.Source, maxEdgeLabel)
}

// target returns the node control reaches from step s through t: a step of
// a drawn dialog, a dashed node for a step of another dialog, or the end or
// close node of s's own dialog.
func (mb *modelBuilder) target(s *Step, t Target) *node {
	if t.Kind == ToStep && t.Step != nil {
		if n := mb.steps[t.Step]; n != nil {
			return n
		}
		return mb.externalNode(t.Step)
	}
	d := s.Dialog
	if t.Kind == ToClose {
		if n := mb.closes[d]; n != nil {
			return n
		}
		n := &node{kind: closeNode, dotID: mb.dotPrefix(d) + ":close", mermaidID: mb.mermaidPrefix(d) + "_close", lines: []string{"close"}}
		mb.closes[d] = n
		return n
	}
	if n := mb.ends[d]; n != nil {
		return n
	}
	// Mermaid reads a bare "end" as the end of a subgraph: the id avoids it.
	n := &node{kind: endNode, dotID: mb.dotPrefix(d) + ":end", mermaidID: mb.mermaidPrefix(d) + "_out", lines: []string{"end"}}
	mb.ends[d] = n
	return n
}

func (mb *modelBuilder) externalNode(s *Step) *node {
	if n := mb.external[s]; n != nil {
		return n
	}
	prefix := "x"
	if s.Dialog != nil {
		if i, ok := mb.index[s.Dialog]; ok {
			prefix = "d" + strconv.Itoa(i)
		}
	}
	n := &node{
		kind:      externalNode,
		dotID:     stepID(s),
		mermaidID: prefix + "_s" + strconv.Itoa(s.Index+1),
		lines:     []string{stepID(s)},
	}
	mb.external[s] = n
	mb.m.external = append(mb.m.external, n)
	return n
}

func (mb *modelBuilder) edge(from, to *node, label string) {
	mb.m.edges = append(mb.m.edges, edge{from: from, to: to, label: label})
}

// shorten folds runs of white space (line breaks included) into one space,
// drops other control characters and cuts s to max characters, the last of
// which is then "…".
func shorten(s string, max int) string {
	var rs []rune
	space := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsSpace(r):
			space = true
		case unicode.IsControl(r):
		default:
			if space {
				rs = append(rs, ' ')
				space = false
			}
			rs = append(rs, r)
		}
	}
	if len(rs) > max {
		return strings.TrimRight(string(rs[:max-1]), " ") + truncationMark
	}
	return string(rs)
}
