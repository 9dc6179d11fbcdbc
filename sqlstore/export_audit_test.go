package sqlstore

// MovedSQL exposes the query of PaymentsMoved so that a test can EXPLAIN
// it.
func (s *Store) MovedSQL() string { return s.movedSQL() }
