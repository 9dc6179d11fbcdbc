package sqlstore

// EmbeddedMigrations is the number of migrations embedded in the
// package, and the latest version among them; versions may have gaps.
func EmbeddedMigrations() (n, latest int) {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0, 0
	}
	return len(ms), ms[len(ms)-1].version
}
