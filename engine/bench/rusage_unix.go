//go:build unix

package bench

import (
	"runtime"
	"syscall"
)

// maxRSS returns the most resident memory this process has had, in
// bytes (getrusage's ru_maxrss: KiB on Linux, bytes on macOS), or 0.
func maxRSS() uint64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil || ru.Maxrss <= 0 {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return uint64(ru.Maxrss)
	}
	return uint64(ru.Maxrss) * 1024
}
