package transcript_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/transcript"
)

func TestDiff(t *testing.T) {
	var a, b []string
	for i := 1; i <= 20; i++ {
		a = append(a, fmt.Sprintf("line %d", i))
	}
	b = append(b, a...)
	b[1] = "line two"                                         // a change near the top
	b = append(b[:10], append([]string{"new"}, b[10:]...)...) // an insertion after line 10
	b = append(b[:18], b[19:]...)                             // line 18 removed
	// Changes more than twice the context (6 lines) apart get hunks of
	// their own.
	expected := strings.Join(a, "\n") + "\n"
	actual := strings.Join(b, "\n") + "\n"

	got := transcript.Diff("t.transcript", []byte(expected), []byte(actual), false)
	want := `--- t.transcript (expected)
+++ t.transcript (actual)
@@ -1,5 +1,5 @@
 line 1
-line 2
+line two
 line 3
 line 4
 line 5
@@ -8,6 +8,7 @@
 line 8
 line 9
 line 10
+new
 line 11
 line 12
 line 13
@@ -15,6 +16,5 @@
 line 15
 line 16
 line 17
-line 18
 line 19
 line 20
`
	if got != want {
		t.Errorf("Diff\n--- got\n%s--- want\n%s", got, want)
	}
	if d := transcript.Diff("t", []byte(expected), []byte(expected), false); d != "" {
		t.Errorf("equal files give %q", d)
	}
	coloured := transcript.Diff("t.transcript", []byte("a\n"), []byte("b\n"), true)
	wantColoured := "\x1b[1m--- t.transcript (expected)\x1b[22m\n\x1b[1m+++ t.transcript (actual)\x1b[22m\n" +
		"\x1b[36m@@ -1 +1 @@\x1b[0m\n\x1b[31m-a\x1b[0m\n\x1b[32m+b\x1b[0m\n"
	if coloured != wantColoured {
		t.Errorf("coloured Diff = %q", coloured)
	}
	// Changes closer than that share one.
	close := transcript.Diff("t", []byte("1\n2\n3\n4\n5\n6\n7\n8\n9\n"), []byte("1\nA\n3\n4\n5\n6\n7\nB\n9\n"), false)
	wantClose := "--- t (expected)\n+++ t (actual)\n@@ -1,9 +1,9 @@\n 1\n-2\n+A\n 3\n 4\n 5\n 6\n 7\n-8\n+B\n 9\n"
	if close != wantClose {
		t.Errorf("Diff of close changes = %q", close)
	}
	// Lines added to an empty file start at 0 on the expected side.
	if got := transcript.Diff("t", nil, []byte("x\n"), false); got != "--- t (expected)\n+++ t (actual)\n@@ -0,0 +1 @@\n+x\n" {
		t.Errorf("Diff from empty = %q", got)
	}
}
