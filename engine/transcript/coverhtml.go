package transcript

import (
	"bytes"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strconv"

	"github.com/botctl/botctl/engine/graph"
)

// WriteHTML writes the report as web pages into dir, which it creates:
// dir/index.html lists the bots with their shares, and one page per bot
// (named after the bot, see BotPage) lists each dialog's steps, each
// followed by the edges it counts, covered ones in green and missed ones
// in red, with where they are written. The pages are self-contained: no
// script, no style sheet or font from elsewhere, so they work offline.
func (r CoverReport) WriteHTML(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var idx indexPage
	for _, b := range r {
		page := b.htmlPage()
		var buf bytes.Buffer
		if err := botTemplate.Execute(&buf, page); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, BotPage(b.Name)), buf.Bytes(), 0o644); err != nil {
			return err
		}
		idx.Bots = append(idx.Bots, indexRow{Name: b.Name, Path: b.Path, Page: BotPage(b.Name),
			Steps: ratioText(b.Total.StepsHit, b.Total.Steps), Edges: ratioText(b.Total.EdgesHit, b.Total.Edges),
			Full: b.Total.StepsHit == b.Total.Steps && b.Total.EdgesHit == b.Total.Edges})
	}
	var buf bytes.Buffer
	if err := indexTemplate.Execute(&buf, idx); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "index.html"), buf.Bytes(), 0o644)
}

// BotPage is the name of the page WriteHTML writes for the bot called
// name: "bot-NAME.html", with the bytes a file name should not hold
// replaced by '_'.
func BotPage(name string) string {
	b := []byte(name)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok || i == 0 && c == '.' {
			b[i] = '_'
		}
	}
	return "bot-" + string(b) + ".html"
}

func ratioText(hit, total int) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d (%s)", hit, total, percent(share(hit, total)))
}

type indexPage struct{ Bots []indexRow }

type indexRow struct {
	Name, Path, Page, Steps, Edges string
	Full                           bool
}

type botPage struct {
	Name, Path, Steps, Edges string
	Dialogs                  []htmlDialog
}

type htmlDialog struct {
	Name, Steps, Edges string
	Rows               []htmlRow
}

// htmlRow is a step, or an edge of the step above it.
type htmlRow struct {
	Edge    bool
	Name    string // the step's name, or the edge's kind
	Kind    string // the step's action, or where the edge goes
	Pos     string
	Covered bool
	Note    string // why an edge is missed
}

func (b BotCover) htmlPage() botPage {
	p := botPage{Name: b.Name, Path: b.Path,
		Steps: ratioText(b.Total.StepsHit, b.Total.Steps), Edges: ratioText(b.Total.EdgesHit, b.Total.Edges)}
	if b.bot == nil {
		return p
	}
	src := sourceSteps(b.Path)
	for i, d := range b.bot.Dialogs {
		dc := b.Dialogs[i]
		hd := htmlDialog{Name: d.Name, Steps: ratioText(dc.StepsHit, dc.Steps), Edges: ratioText(dc.EdgesHit, dc.Edges)}
		for _, s := range d.Steps {
			hd.Rows = append(hd.Rows, htmlRow{Name: s.Name(), Kind: s.Kind.String(), Pos: s.Pos.String(), Covered: b.hits.steps[s]})
			for _, e := range edges(s) {
				// missedEdge knows where each edge is written and where
				// it goes, taken or not.
				m := missedEdge(e, src[d.Name+"#"+strconv.Itoa(s.Index)], b.hits.calls[s])
				row := htmlRow{Edge: true, Name: edgeName(e), Kind: "→ " + m.Target, Pos: m.Pos.String(), Covered: b.hits.edges[e]}
				if !row.Covered {
					row.Note = m.What
				}
				hd.Rows = append(hd.Rows, row)
			}
		}
		p.Dialogs = append(p.Dialogs, hd)
	}
	return p
}

// edgeName is how the page lists an edge: a rule by number and condition,
// another edge by its kind.
func edgeName(e edge) string {
	rules := e.step.Rules
	if e.kind == graph.EdgeBranch {
		rules = e.step.Branch
	}
	if e.kind == graph.EdgeBranch || e.kind == graph.EdgeRule {
		return fmt.Sprintf("rule %d: %s", e.index+1, when(rules[e.index]))
	}
	return e.kind.String()
}

const pageStyle = `<style>
body { font: 15px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin-bottom: 2em; }
th, td { text-align: left; padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; vertical-align: top; }
code { font: 13px ui-monospace, monospace; }
.hit { background: #e6f4e6; }
.miss { background: #fbe3e3; }
.edge td:first-child { padding-left: 2.5em; }
.note { color: #666; font-size: 13px; }
</style>`

var indexTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Coverage</title>` + pageStyle + `</head><body>
<h1>Coverage</h1>
<table>
<tr><th>bot</th><th>path</th><th>steps</th><th>edges</th></tr>
{{range .Bots}}<tr class="{{if .Full}}hit{{else}}miss{{end}}"><td><a href="{{.Page}}">{{.Name}}</a></td><td><code>{{.Path}}</code></td><td>{{.Steps}}</td><td>{{.Edges}}</td></tr>
{{end}}</table>
</body></html>
`))

var botTemplate = template.Must(template.New("bot").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Coverage of {{.Name}}</title>` + pageStyle + `</head><body>
<p><a href="index.html">All bots</a></p>
<h1>Coverage of bot {{.Name}}</h1>
<p><code>{{.Path}}</code>: steps {{.Steps}}, edges {{.Edges}}. Green ran, red never did.</p>
{{range .Dialogs}}<h2 id="{{.Name}}">{{.Name}}</h2>
<p>steps {{.Steps}}, edges {{.Edges}}</p>
<table>
<tr><th>step or edge</th><th>action or target</th><th>where</th><th></th></tr>
{{range .Rows}}<tr class="{{if .Edge}}edge {{end}}{{if .Covered}}hit{{else}}miss{{end}}"><td>{{if .Edge}}{{.Name}}{{else}}<code>{{.Name}}</code>{{end}}</td><td>{{.Kind}}</td><td><code>{{.Pos}}</code></td><td>{{if .Covered}}covered{{else}}missed{{if .Note}}<div class="note">{{.Note}}</div>{{end}}{{end}}</td></tr>
{{end}}</table>
{{end}}</body></html>
`))
