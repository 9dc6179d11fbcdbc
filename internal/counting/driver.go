package counting

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync/atomic"
)

// SQLCounts are the calls that reached a database through a [Connector].
type SQLCounts struct {
	// Exec and Query count statements run, directly or through a
	// prepared statement (QueryRow is a Query).
	Exec, Query int64
	// Prepare counts statements prepared explicitly.
	Prepare int64
	// Begin, Commit and Rollback count transactions and their ends.
	Begin, Commit, Rollback int64
}

// Statements is the number of statements sent to the database: every
// Exec and Query, and each BEGIN, COMMIT and ROLLBACK.
func (c SQLCounts) Statements() int64 {
	return c.Exec + c.Query + c.Begin + c.Commit + c.Rollback
}

// Sub returns the calls made between o and c, two readings of one
// Connector.
func (c SQLCounts) Sub(o SQLCounts) SQLCounts {
	return SQLCounts{
		Exec: c.Exec - o.Exec, Query: c.Query - o.Query, Prepare: c.Prepare - o.Prepare,
		Begin: c.Begin - o.Begin, Commit: c.Commit - o.Commit, Rollback: c.Rollback - o.Rollback,
	}
}

// Connector is a driver.Connector that counts what reaches the
// connections it opens; open a pool on it with sql.OpenDB. It passes
// every optional interface of the wrapped driver's connections on, so
// that database/sql takes the same path with and without it (a
// connection without ExecerContext, for instance, still makes
// database/sql prepare, run and close a statement, each counted).
type Connector struct {
	next driver.Connector
	drv  driver.Driver

	exec, query, prepare, begin, commit, rollback atomic.Int64
}

// NewConnector returns a Connector for the data source name dsn of
// driver d (such as pgx's stdlib.GetDefaultDriver()).
func NewConnector(d driver.Driver, dsn string) (*Connector, error) {
	c := &Connector{drv: d}
	if dc, ok := d.(driver.DriverContext); ok {
		next, err := dc.OpenConnector(dsn)
		if err != nil {
			return nil, err
		}
		c.next = next
	} else {
		c.next = dsnConnector{d: d, dsn: dsn}
	}
	return c, nil
}

// Counts returns the calls made so far.
func (c *Connector) Counts() SQLCounts {
	return SQLCounts{
		Exec: c.exec.Load(), Query: c.query.Load(), Prepare: c.prepare.Load(),
		Begin: c.begin.Load(), Commit: c.commit.Load(), Rollback: c.rollback.Load(),
	}
}

// Connect implements driver.Connector.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	cn, err := c.next.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{next: cn, c: c}, nil
}

// Driver implements driver.Connector.
func (c *Connector) Driver() driver.Driver { return c.drv }

// dsnConnector opens connections of a driver that has no Connector of
// its own, as sql.Open does.
type dsnConnector struct {
	d   driver.Driver
	dsn string
}

func (d dsnConnector) Connect(context.Context) (driver.Conn, error) { return d.d.Open(d.dsn) }
func (d dsnConnector) Driver() driver.Driver                        { return d.d }

// count adds one to n unless err is driver.ErrSkip, with which a driver
// declines a call that database/sql then makes another way.
func count(n *atomic.Int64, err error) {
	if !errors.Is(err, driver.ErrSkip) {
		n.Add(1)
	}
}

type conn struct {
	next driver.Conn
	c    *Connector
}

var (
	_ driver.Conn               = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
)

func (cn *conn) Prepare(query string) (driver.Stmt, error) {
	return cn.PrepareContext(context.Background(), query)
}

func (cn *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var (
		st  driver.Stmt
		err error
	)
	if p, ok := cn.next.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = cn.next.Prepare(query)
	}
	cn.c.prepare.Add(1)
	if err != nil {
		return nil, err
	}
	return &stmt{next: st, c: cn.c}, nil
}

func (cn *conn) Close() error { return cn.next.Close() }

func (cn *conn) Begin() (driver.Tx, error) {
	return cn.BeginTx(context.Background(), driver.TxOptions{})
}

func (cn *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	var (
		tx  driver.Tx
		err error
	)
	if b, ok := cn.next.(driver.ConnBeginTx); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else {
		//lint:ignore SA1019 the fallback database/sql itself uses for drivers without BeginTx
		tx, err = cn.next.Begin()
	}
	cn.c.begin.Add(1)
	if err != nil {
		return nil, err
	}
	return &txn{next: tx, c: cn.c}, nil
}

func (cn *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := cn.next.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := e.ExecContext(ctx, query, args)
	count(&cn.c.exec, err)
	return res, err
}

func (cn *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := cn.next.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, query, args)
	count(&cn.c.query, err)
	return rows, err
}

func (cn *conn) Ping(ctx context.Context) error {
	if p, ok := cn.next.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (cn *conn) ResetSession(ctx context.Context) error {
	if r, ok := cn.next.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (cn *conn) IsValid() bool {
	if v, ok := cn.next.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (cn *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := cn.next.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

type stmt struct {
	next driver.Stmt
	c    *Connector
}

var (
	_ driver.StmtExecContext   = (*stmt)(nil)
	_ driver.StmtQueryContext  = (*stmt)(nil)
	_ driver.NamedValueChecker = (*stmt)(nil)
)

func (s *stmt) Close() error  { return s.next.Close() }
func (s *stmt) NumInput() int { return s.next.NumInput() }

func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	//lint:ignore SA1019 the interface requires it; database/sql calls ExecContext
	res, err := s.next.Exec(args)
	count(&s.c.exec, err)
	return res, err
}

func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	//lint:ignore SA1019 the interface requires it; database/sql calls QueryContext
	rows, err := s.next.Query(args)
	count(&s.c.query, err)
	return rows, err
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.next.(driver.StmtExecContext)
	if !ok {
		vals, err := values(args)
		if err != nil {
			return nil, err
		}
		return s.Exec(vals)
	}
	res, err := e.ExecContext(ctx, args)
	count(&s.c.exec, err)
	return res, err
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.next.(driver.StmtQueryContext)
	if !ok {
		vals, err := values(args)
		if err != nil {
			return nil, err
		}
		return s.Query(vals)
	}
	rows, err := q.QueryContext(ctx, args)
	count(&s.c.query, err)
	return rows, err
}

func (s *stmt) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := s.next.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// values turns named arguments into the positional ones of the old
// interface, as database/sql does for such drivers.
func values(named []driver.NamedValue) ([]driver.Value, error) {
	out := make([]driver.Value, len(named))
	for i, nv := range named {
		if nv.Name != "" {
			return nil, errors.New("counting: the driver does not support named arguments")
		}
		out[i] = nv.Value
	}
	return out, nil
}

type txn struct {
	next driver.Tx
	c    *Connector
}

func (t *txn) Commit() error {
	t.c.commit.Add(1)
	return t.next.Commit()
}

func (t *txn) Rollback() error {
	t.c.rollback.Add(1)
	return t.next.Rollback()
}
