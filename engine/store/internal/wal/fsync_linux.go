package wal

import (
	"os"
	"syscall"
)

// fdatasync flushes a file's data, and of its metadata only what reading
// the data back needs (its size), which is all a log append needs.
func fdatasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
		}
		return nil
	}
}
