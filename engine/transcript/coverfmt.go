package transcript

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
)

// WriteText writes the text report of `botctl test --cover` for one bot:
// a headline, a row of steps and edges per dialog and their total, then
// every missed step and edge by position.
func (b BotCover) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "coverage of bot %s (%s): %s of steps, %s of edges\n",
		b.Name, b.Path, percent(b.Total.StepsPercent()), percent(b.Total.EdgesPercent()))
	width := len("dialog")
	for _, d := range b.Dialogs {
		width = max(width, len(d.Name))
	}
	row := func(name, steps, edges string) {
		line := fmt.Sprintf("  %-*s  %-14s  %s", width, name, steps, edges)
		fmt.Fprintln(bw, strings.TrimRight(line, " "))
	}
	row("dialog", "steps", "edges")
	for _, d := range b.Dialogs {
		row(d.Name, ratio(d.StepsHit, d.Steps), ratio(d.EdgesHit, d.Edges))
	}
	row("total", ratio(b.Total.StepsHit, b.Total.Steps), ratio(b.Total.EdgesHit, b.Total.Edges))
	if len(b.Missed) > 0 {
		fmt.Fprintf(bw, "  missed:\n")
		for _, m := range b.Missed {
			fmt.Fprintf(bw, "    %s\n", m)
		}
	}
	return bw.Flush()
}

// ratio formats "hit/total  percent", or "-" when there is nothing to hit.
func ratio(hit, total int) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%-6s %7s", fmt.Sprintf("%d/%d", hit, total), percent(share(hit, total)))
}

func percent(f float64) string { return fmt.Sprintf("%.1f%%", f) }

// WriteJSON writes the report as one JSON object, {"coverage": [bot...]},
// each bot as BotCover.MarshalJSON gives it, and a newline.
func (r CoverReport) WriteJSON(w io.Writer) error {
	bots := r
	if bots == nil {
		bots = CoverReport{} // [] rather than null
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Coverage CoverReport `json:"coverage"`
	}{bots})
}

// jsonCounts is the JSON form of a share: {"covered", "total", "percent"}.
type jsonCounts struct {
	Covered int     `json:"covered"`
	Total   int     `json:"total"`
	Percent float64 `json:"percent"` // rounded to 0.1
}

func counts(hit, total int) jsonCounts {
	return jsonCounts{hit, total, math.Round(10*share(hit, total)) / 10}
}

type jsonDialog struct {
	Dialog string     `json:"dialog"`
	Steps  jsonCounts `json:"steps"`
	Edges  jsonCounts `json:"edges"`
}

// jsonMiss is an uncovered step, or with Edge an uncovered edge of it.
type jsonMiss struct {
	Dialog  string `json:"dialog"`
	Step    string `json:"step"`
	Kind    string `json:"kind"`             // the step's action
	Edge    string `json:"edge,omitempty"`   // graph.EdgeKind.String
	Target  string `json:"target,omitempty"` // where the edge goes
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

// MarshalJSON gives a bot's coverage as
//
//	{"bot", "path", "steps": {"covered", "total", "percent"}, "edges": {...},
//	 "dialogs": [{"dialog", "steps", "edges"}],
//	 "uncovered": [{"dialog", "step", "kind", "edge", "target", "file", "line", "col", "message"}]}
//
// where an uncovered step has no "edge", and an uncovered edge names its
// kind: rules, branch, on_fail, on_failure, exhausted, failed or
// interrupted (graph.EdgeKind).
func (b BotCover) MarshalJSON() ([]byte, error) {
	out := struct {
		Bot       string       `json:"bot"`
		Path      string       `json:"path"`
		Steps     jsonCounts   `json:"steps"`
		Edges     jsonCounts   `json:"edges"`
		Dialogs   []jsonDialog `json:"dialogs"`
		Uncovered []jsonMiss   `json:"uncovered"`
	}{
		Bot: b.Name, Path: b.Path,
		Steps:     counts(b.Total.StepsHit, b.Total.Steps),
		Edges:     counts(b.Total.EdgesHit, b.Total.Edges),
		Dialogs:   []jsonDialog{},
		Uncovered: []jsonMiss{},
	}
	for _, d := range b.Dialogs {
		out.Dialogs = append(out.Dialogs, jsonDialog{d.Name, counts(d.StepsHit, d.Steps), counts(d.EdgesHit, d.Edges)})
	}
	for _, m := range b.Missed {
		j := jsonMiss{Dialog: m.Dialog, Step: m.Step, Kind: m.Kind.String(),
			File: m.Pos.File, Line: m.Pos.Line, Col: m.Pos.Col, Message: m.What}
		if m.IsEdge {
			j.Edge, j.Target = m.Edge.String(), m.Target
		}
		out.Uncovered = append(out.Uncovered, j)
	}
	return json.Marshal(out)
}
