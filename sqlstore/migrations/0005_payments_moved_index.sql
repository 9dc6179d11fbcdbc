-- 0005: the audit's query, the payments whose money moved in a period.

-- Store.PaymentsMoved reads the paid payments updated since the period
-- began (a payment paid or refunded in the period was updated then or
-- later), in (updated_at, order_number) order, a page at a time. The
-- index holds only payments that were ever paid.
CREATE INDEX payments_moved_idx ON payments (updated_at, order_number) WHERE paid_at IS NOT NULL;
