package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/payments-go/payments"
)

var _ payments.MethodStore = (*Store)(nil)

// methodSQL is the SQL text of the saved payment methods, built once for
// the schema.
type methodSQL struct {
	create, get, update, list, byToken string
	putCustomer, getCustomer           string
	putSetup, getSetup                 string
}

// methodColumns lists the payment_methods columns in the order that
// scanMethod reads and methodArgs writes them.
const methodColumns = `id, gateway, customer_id, type, brand, last4, status, token, gateway_customer, removed_by, created_at, updated_at, event_seq, version`

func newMethodSQL(q func(string) string, outbox string) methodSQL {
	methods, customers, setups := q("payment_methods"), q("payment_customers"), q("payment_method_setups")
	// The events of a method write go to the outbox in the same
	// statement, in the method's own stream (payments.MethodStream), only
	// when the CTE named written returned a row.
	insertEvents := func(n string) string {
		return `ev AS (
    INSERT INTO ` + outbox + ` (id, order_number, seq, type, event, created_at, due_at)
    SELECT e.id, $15, e.seq, e.type, e.event, e.at, e.at
    FROM jsonb_to_recordset(` + n + `::jsonb) AS e(id text, seq bigint, type text, at timestamptz, event jsonb)
    WHERE EXISTS (SELECT 1 FROM written)
)`
	}
	return methodSQL{
		create: `WITH written AS (
    INSERT INTO ` + methods + ` (` + methodColumns + `)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1)
    ON CONFLICT (id) DO NOTHING
    RETURNING version
), ` + insertEvents("$14") + `
SELECT count(*) FROM written`,
		get: `SELECT ` + methodColumns + ` FROM ` + methods + ` WHERE id = $1`,
		update: `WITH written AS (
    UPDATE ` + methods + ` SET gateway = $2, customer_id = $3, type = $4, brand = $5, last4 = $6, status = $7,
        token = $8, gateway_customer = $9, removed_by = $10, created_at = $11, updated_at = $12, event_seq = $13,
        version = version + 1
    WHERE id = $1 AND version = $16
    RETURNING version
), ` + insertEvents("$14") + `
SELECT (SELECT version FROM written), EXISTS (SELECT 1 FROM ` + methods + ` WHERE id = $1)`,
		list:    `SELECT ` + methodColumns + ` FROM ` + methods + ` WHERE customer_id = $1 ORDER BY created_at, id`,
		byToken: `SELECT ` + methodColumns + ` FROM ` + methods + ` WHERE gateway = $1 AND token = $2 LIMIT 1`,
		putCustomer: `WITH ins AS (
    INSERT INTO ` + customers + ` (gateway, customer_id, reference, created_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (gateway, customer_id) DO NOTHING
    RETURNING reference, created_at
)
SELECT reference, created_at FROM ins
UNION ALL
SELECT reference, created_at FROM ` + customers + ` WHERE gateway = $1 AND customer_id = $2 AND NOT EXISTS (SELECT 1 FROM ins)`,
		getCustomer: `SELECT reference, created_at FROM ` + customers + ` WHERE gateway = $1 AND customer_id = $2`,
		putSetup: `INSERT INTO ` + setups + ` (id, gateway, customer_id, success_url, fail_url, session, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id) DO UPDATE SET gateway = $2, customer_id = $3, success_url = $4, fail_url = $5, session = $6, created_at = $7`,
		getSetup: `SELECT id, gateway, customer_id, success_url, fail_url, session, created_at FROM ` + setups + ` WHERE id = $1`,
	}
}

func methodArgs(m *payments.PaymentMethod, events []payments.Event) ([]any, error) {
	evs, err := encodeEvents("", events)
	if err != nil {
		return nil, err
	}
	return []any{
		m.ID, clean(m.Gateway), clean(m.CustomerID), clean(string(m.Type)), clean(m.Brand), clean(m.Last4), clean(string(m.Status)),
		clean(m.Token.Reveal()), clean(m.GatewayCustomer.Reveal()), clean(m.RemovedBy), m.CreatedAt, m.UpdatedAt, m.EventSeq,
		evs, payments.MethodStream(m.ID),
	}, nil
}

func scanMethod(row scanner) (*payments.PaymentMethod, error) {
	var (
		m                  payments.PaymentMethod
		typ, status        string
		token, cust        string
		created, updatedAt time.Time
	)
	if err := row.Scan(&m.ID, &m.Gateway, &m.CustomerID, &typ, &m.Brand, &m.Last4, &status, &token, &cust,
		&m.RemovedBy, &created, &updatedAt, &m.EventSeq, &m.Version); err != nil {
		return nil, err
	}
	m.Type, m.Status = payments.Method(typ), payments.MethodStatus(status)
	m.Token, m.GatewayCustomer = payments.Secret(token), payments.Secret(cust)
	m.CreatedAt, m.UpdatedAt = created.UTC(), updatedAt.UTC()
	return &m, nil
}

func methodNotFound(op, id string) error {
	return &payments.Error{Code: payments.CodeMethodNotFound, Message: fmt.Sprintf("sqlstore: %s payment method %q: no such method", op, id)}
}

func methodError(op, id string, err error) error {
	return fmt.Errorf("sqlstore: %s payment method %q: %w", op, id, err)
}

func checkMethod(op string, m *payments.PaymentMethod) error {
	if m == nil {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: "sqlstore: " + op + " payment method: the method is nil"}
	}
	if err := checkText(m.ID); err != "" {
		return &payments.Error{Code: payments.CodeInvalidRequest, Message: fmt.Sprintf("sqlstore: %s payment method: the id %s", op, err)}
	}
	return nil
}

// CreateMethod implements [payments.MethodStore] with one statement that
// stores the method and its events.
func (s *Store) CreateMethod(ctx context.Context, m *payments.PaymentMethod, events []payments.Event) error {
	if err := checkMethod("create", m); err != nil {
		return err
	}
	args, err := methodArgs(m, events)
	if err != nil {
		return methodError("create", m.ID, err)
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, s.methods.create, args...).Scan(&n); err != nil {
		return methodError("create", m.ID, err)
	}
	if n == 0 {
		return methodError("create", m.ID, payments.ErrConflict)
	}
	m.Version = 1
	return nil
}

// GetMethod implements [payments.MethodStore].
func (s *Store) GetMethod(ctx context.Context, id string) (*payments.PaymentMethod, error) {
	m, err := scanMethod(s.db.QueryRowContext(ctx, s.methods.get, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, methodNotFound("get", id)
	}
	if err != nil {
		return nil, methodError("get", id, err)
	}
	return m, nil
}

// UpdateMethod implements [payments.MethodStore] with one compare-and-set
// statement that stores the method and its events.
func (s *Store) UpdateMethod(ctx context.Context, m *payments.PaymentMethod, events []payments.Event) error {
	if err := checkMethod("update", m); err != nil {
		return err
	}
	args, err := methodArgs(m, events)
	if err != nil {
		return methodError("update", m.ID, err)
	}
	args = append(args, m.Version)
	var version sql.NullInt64
	var exists bool
	if err := s.db.QueryRowContext(ctx, s.methods.update, args...).Scan(&version, &exists); err != nil {
		return methodError("update", m.ID, err)
	}
	switch {
	case version.Valid:
		m.Version = version.Int64
		return nil
	case !exists:
		return methodNotFound("update", m.ID)
	default:
		return methodError("update", m.ID, payments.ErrConflict)
	}
}

// ListMethods implements [payments.MethodStore].
func (s *Store) ListMethods(ctx context.Context, customerID string) ([]*payments.PaymentMethod, error) {
	rows, err := s.db.QueryContext(ctx, s.methods.list, clean(customerID))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list payment methods: %w", err)
	}
	defer rows.Close()
	var out []*payments.PaymentMethod
	for rows.Next() {
		m, err := scanMethod(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list payment methods: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list payment methods: %w", err)
	}
	return out, nil
}

// MethodByToken implements [payments.MethodStore].
func (s *Store) MethodByToken(ctx context.Context, gateway string, token payments.Secret) (*payments.PaymentMethod, error) {
	if token.IsZero() {
		return nil, methodNotFound("find", "")
	}
	m, err := scanMethod(s.db.QueryRowContext(ctx, s.methods.byToken, clean(gateway), clean(token.Reveal())))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &payments.Error{Code: payments.CodeMethodNotFound, Message: "sqlstore: no payment method has that token"}
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find payment method by token: %w", err)
	}
	return m, nil
}

// PutCustomer implements [payments.MethodStore] with one statement: the
// first record of a (gateway, customer) pair wins, on any replica.
func (s *Store) PutCustomer(ctx context.Context, c *payments.GatewayCustomer) (*payments.GatewayCustomer, error) {
	out := *c
	var ref string
	if err := s.db.QueryRowContext(ctx, s.methods.putCustomer, clean(c.Gateway), clean(c.CustomerID), clean(c.Reference.Reveal()),
		c.CreatedAt).Scan(&ref, &out.CreatedAt); err != nil {
		return nil, fmt.Errorf("sqlstore: store the %s customer of %q: %w", c.Gateway, c.CustomerID, err)
	}
	out.Reference, out.CreatedAt = payments.Secret(ref), out.CreatedAt.UTC()
	return &out, nil
}

// GetCustomer implements [payments.MethodStore].
func (s *Store) GetCustomer(ctx context.Context, gateway, customerID string) (*payments.GatewayCustomer, error) {
	c := payments.GatewayCustomer{Gateway: gateway, CustomerID: customerID}
	var ref string
	err := s.db.QueryRowContext(ctx, s.methods.getCustomer, clean(gateway), clean(customerID)).Scan(&ref, &c.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read the %s customer of %q: %w", gateway, customerID, err)
	}
	c.Reference, c.CreatedAt = payments.Secret(ref), c.CreatedAt.UTC()
	return &c, nil
}

// PutSetup implements [payments.MethodStore].
func (s *Store) PutSetup(ctx context.Context, st *payments.MethodSetup) error {
	if _, err := s.db.ExecContext(ctx, s.methods.putSetup, clean(st.ID), clean(st.Gateway), clean(st.CustomerID), clean(st.SuccessURL),
		clean(st.FailURL), clean(st.Session), st.CreatedAt); err != nil {
		return fmt.Errorf("sqlstore: store setup %q: %w", st.ID, err)
	}
	return nil
}

// GetSetup implements [payments.MethodStore].
func (s *Store) GetSetup(ctx context.Context, id string) (*payments.MethodSetup, error) {
	var st payments.MethodSetup
	err := s.db.QueryRowContext(ctx, s.methods.getSetup, id).Scan(&st.ID, &st.Gateway, &st.CustomerID, &st.SuccessURL, &st.FailURL, &st.Session, &st.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &payments.Error{Code: payments.CodeMethodNotFound, Message: fmt.Sprintf("sqlstore: no save in progress has the id %q", id)}
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read setup %q: %w", id, err)
	}
	st.CreatedAt = st.CreatedAt.UTC()
	return &st, nil
}
