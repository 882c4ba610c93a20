package terminal

import (
	"bufio"
	"io"
	"strings"
	"testing"
)

// TestReadLine checks that a scripted input line longer than the limit is
// skipped as a whole, and the lines after it are still read.
func TestReadLine(t *testing.T) {
	in := "short\n" + strings.Repeat("x", 100) + "\nnext\nlast"
	r := bufio.NewReaderSize(strings.NewReader(in), 16)
	type got struct {
		line    string
		tooLong bool
	}
	var lines []got
	for {
		l, long, err := readLine(r, 50)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, got{l, long})
	}
	want := []got{{"short", false}, {"", true}, {"next", false}, {"last", false}}
	if len(lines) != len(want) {
		t.Fatalf("lines = %+v, want %+v", lines, want)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %+v, want %+v", i, lines[i], want[i])
		}
	}
}
