// Package testproc holds what the packages that start a throwaway server
// for tests (redistest, pgtest) share: a free loopback port, and the end of
// the server's log for the error that says why it did not start.
package testproc

import (
	"net"
	"os"
	"strings"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// LogTail returns the last 20 lines of the file at path, "" when it
// cannot be read.
func LogTail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}
