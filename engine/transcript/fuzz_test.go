package transcript_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/botctl/botctl/engine/transcript"
)

// FuzzParse feeds arbitrary bytes to the transcript parser. It must never
// panic, and a transcript it accepts must survive rewriting: rewritten with
// its own expected lines it is unchanged, byte for byte; rewritten with
// other lines it still parses, with every line that is not an expected one
// kept as it was.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"testdata/*.transcript", "../../testdata/transcripts/*.transcript", "../../dialogs/*/tests/*.transcript"} {
		files, _ := filepath.Glob(glob)
		for _, name := range files {
			if src, err := os.ReadFile(name); err == nil {
				f.Add(src)
			}
		}
	}
	f.Add([]byte("---\nbot: x\n---\n> hi\n< hello\n"))
	f.Add([]byte("\uFEFF< a\r\n> b\r\n<< close"))
	f.Add([]byte(">> upload name=\"a b\" size=1\n? vars.x == 1\n"))
	f.Add([]byte("---\nmocks: {a: [{status: 200}]}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		tr, diags := transcript.Parse("fuzz.transcript", src)
		if tr == nil {
			if !diags.HasErrors() {
				t.Fatal("no transcript and no error")
			}
			return
		}
		turns := tr.Turns()
		same := make([][]string, len(turns))
		other := make([][]string, len(turns))
		for i, turn := range turns {
			for _, l := range turn.Expected {
				same[i] = append(same[i], l.Raw)
			}
			if i%2 == 0 {
				other[i] = []string{"< x", "<< close"}
			}
		}
		if got := tr.Rewrite(same); string(got) != string(src) {
			t.Fatalf("rewriting with its own lines changed the transcript:\n%q\n%q", src, got)
		}
		out := tr.Rewrite(other)
		tr2, diags := transcript.Parse("fuzz.transcript", out)
		if tr2 == nil {
			t.Fatalf("the rewritten transcript does not parse: %v\n%q", diags, out)
		}
		var a, b []string
		for _, l := range tr.Lines {
			if !l.Kind.Expected() {
				a = append(a, l.Raw)
			}
		}
		for _, l := range tr2.Lines {
			if !l.Kind.Expected() {
				b = append(b, l.Raw)
			}
		}
		if len(a) != len(b) {
			t.Fatalf("rewriting changed other lines:\n%q\n%q", a, b)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("rewriting changed line %q to %q", a[i], b[i])
			}
		}
	})
}
