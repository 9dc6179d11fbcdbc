package sqlstore

// UnsettledSQL exposes the Unsettled query so that a test can EXPLAIN it.
func (s *Store) UnsettledSQL() string { return s.unsettledSQL }
