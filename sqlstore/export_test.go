package sqlstore

// UnsettledSQL exposes the Unsettled query so that a test can EXPLAIN it.
func (s *Store) UnsettledSQL() string { return s.unsettledSQL }

// ClaimSQL and PruneSQL expose the outbox queries so that a test can
// EXPLAIN them.
func (s *Store) ClaimSQL() string { return s.claimSQL }
func (s *Store) PruneSQL() string { return s.pruneSQL }

// EmbeddedMigrations counts the migrations embedded in the package, whose
// version numbers may have gaps.
func EmbeddedMigrations() int {
	ms, err := migrations()
	if err != nil {
		panic(err)
	}
	return len(ms)
}
