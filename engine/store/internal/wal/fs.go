package wal

import (
	"os"
)

// FS is what the log needs of a file system. OS is the real one; tests
// put one in its place that fails where they say.
type FS interface {
	// Create creates the file name for writing, mode 0600; it fails if
	// the file exists.
	Create(name string) (File, error)
	ReadFile(name string) ([]byte, error)
	// ReadDir returns the names of the entries of the directory dir.
	ReadDir(dir string) ([]string, error)
	Remove(name string) error
	// SyncDir makes the files created in dir and removed from it
	// durable.
	SyncDir(dir string) error
}

// File is a segment being written.
type File interface {
	// WriteAt writes b at offset off; it returns an error when it
	// writes less than all of b.
	WriteAt(b []byte, off int64) (int, error)
	// Sync makes what was written durable: the data, and of the
	// metadata what reading the data back needs (its size). After it
	// fails once, it cannot be trusted for that data again.
	Sync() error
	Truncate(size int64) error
	Close() error
}

// OS is the operating system's file system. Its Sync is fdatasync where
// the system has one.
var OS FS = osFS{}

type osFS struct{}

func (osFS) Create(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }

func (osFS) ReadDir(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names, err
}

func (osFS) Remove(name string) error { return os.Remove(name) }

func (osFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

type osFile struct{ *os.File }

func (f osFile) Sync() error { return fdatasync(f.File) }
