package transcript

import (
	"fmt"
	"strings"

	"github.com/fatih/color"
)

// diffContext is how many unchanged lines a hunk shows around a change.
const diffContext = 3

// maxDiffCells bounds the work of the line matching; past it, the changed
// middle of the files is shown as one replacement.
const maxDiffCells = 4 << 20

// Diff returns a unified diff from expected to actual (the transcript as
// written and as the bot ran it), headed by name, or "" when they are
// equal. With color, removed lines are red, added lines green and hunk
// headers cyan.
func Diff(name string, expected, actual []byte, colour bool) string {
	if string(expected) == string(actual) {
		return ""
	}
	a, b := splitLines(string(expected)), splitLines(string(actual))
	ops := diffLines(a, b)

	paint := func(attrs ...color.Attribute) func(string) string {
		c := color.New(attrs...)
		if colour {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return func(s string) string { return c.Sprint(s) }
	}
	red, green, cyan, bold := paint(color.FgRed), paint(color.FgGreen), paint(color.FgCyan), paint(color.Bold)

	var out strings.Builder
	out.WriteString(bold("--- "+name+" (expected)") + "\n")
	out.WriteString(bold("+++ "+name+" (actual)") + "\n")
	for _, h := range hunks(ops) {
		out.WriteString(cyan(fmt.Sprintf("@@ -%s +%s @@", span(h.aStart, h.aLen), span(h.bStart, h.bLen))) + "\n")
		for _, op := range h.ops {
			switch op.kind {
			case ' ':
				out.WriteString(" " + content(a[op.a]) + "\n")
			case '-':
				out.WriteString(red("-"+content(a[op.a])) + "\n")
			case '+':
				out.WriteString(green("+"+content(b[op.b])) + "\n")
			}
		}
	}
	return out.String()
}

func span(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start)
	}
	if n == 0 {
		start-- // the line before which nothing is; diff(1) writes 0 at the top
	}
	return fmt.Sprintf("%d,%d", start, n)
}

// op is one line of an edit script: ' ' (both), '-' (a only), '+' (b only),
// with 0-based line indexes.
type op struct {
	kind byte
	a, b int
}

// diffLines returns an edit script from a to b with the fewest changed
// lines (a longest common subsequence).
func diffLines(a, b []string) []op {
	var ops []op
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		ops = append(ops, op{' ', pre, pre})
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	am, bm := a[pre:len(a)-suf], b[pre:len(b)-suf]
	n, m := len(am), len(bm)
	if n*m > maxDiffCells {
		for i := range am {
			ops = append(ops, op{'-', pre + i, -1})
		}
		for j := range bm {
			ops = append(ops, op{'+', -1, pre + j})
		}
	} else {
		// lcs[i][j] is the LCS length of am[i:] and bm[j:].
		lcs := make([][]int32, n+1)
		for i := range lcs {
			lcs[i] = make([]int32, m+1)
		}
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if am[i] == bm[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < n || j < m {
			switch {
			case i < n && j < m && am[i] == bm[j]:
				ops = append(ops, op{' ', pre + i, pre + j})
				i++
				j++
			case j < m && (i == n || lcs[i][j+1] > lcs[i+1][j]):
				ops = append(ops, op{'+', -1, pre + j})
				j++
			default:
				ops = append(ops, op{'-', pre + i, -1})
				i++
			}
		}
	}
	for k := 0; k < suf; k++ {
		ops = append(ops, op{' ', len(a) - suf + k, len(b) - suf + k})
	}
	return ops
}

type hunk struct {
	aStart, aLen, bStart, bLen int // 1-based starts
	ops                        []op
}

// hunks groups an edit script into hunks with diffContext lines of
// context, merging hunks whose context would touch.
func hunks(ops []op) []hunk {
	var out []hunk
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(0, i-diffContext)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*diffContext {
				end = min(end+diffContext, len(ops))
				break
			}
			end = run
		}
		h := hunk{ops: ops[start:end]}
		// Line numbers: count the lines of a and b before the hunk.
		aBefore, bBefore := 0, 0
		for _, o := range ops[:start] {
			if o.kind != '+' {
				aBefore++
			}
			if o.kind != '-' {
				bBefore++
			}
		}
		for _, o := range h.ops {
			if o.kind != '+' {
				h.aLen++
			}
			if o.kind != '-' {
				h.bLen++
			}
		}
		h.aStart, h.bStart = aBefore+1, bBefore+1
		out = append(out, h)
		i = end
	}
	return out
}
