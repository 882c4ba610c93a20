//go:build !unix

package bench

// maxRSS is not known on this system.
func maxRSS() uint64 { return 0 }
