package pgtest

// SetLibGlob replaces where BinDir looks after PATH; the function it
// returns restores it.
func SetLibGlob(g string) func() {
	old := libGlob
	libGlob = g
	return func() { libGlob = old }
}
