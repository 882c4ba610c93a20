package store

// Exclusive reports that no other process uses the database while this one
// has it open (bbolt holds a lock on the file): whatever a stored
// conversation says another server is doing was left by a process that is
// gone.
func (f *File) Exclusive() bool { return true }
