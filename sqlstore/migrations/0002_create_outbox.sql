-- 0002: the outbox of events, stored with the changes that make them.

-- The Seq of the last event stored with the payment (payments.Payment.EventSeq).
ALTER TABLE payments ADD COLUMN event_seq bigint NOT NULL DEFAULT 0;

-- One row per event. A row is pending until delivered_at or dead_at is
-- set. A claim holds a pending row until lease_until under claim_token.
-- The event column is the whole event, the payment after the change
-- included; the other columns serve the queries.
CREATE TABLE payment_outbox (
    id           text        PRIMARY KEY,
    order_number text        NOT NULL,
    seq          bigint      NOT NULL,
    type         text        NOT NULL,
    event        jsonb       NOT NULL,
    created_at   timestamptz NOT NULL,
    -- due_at is when the next try may start.
    due_at       timestamptz NOT NULL,
    tries        integer     NOT NULL DEFAULT 0,
    lease_until  timestamptz,
    claim_token  text,
    last_error   text,
    delivered_at timestamptz,
    dead_at      timestamptz
);

-- The claim's queries: the pending rows by due time, and the pending rows
-- of one payment by seq (an event waits for the earlier ones). Both hold
-- only pending rows, so they stay small however many events are
-- delivered.
CREATE INDEX payment_outbox_due_idx ON payment_outbox (due_at) WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX payment_outbox_pending_idx ON payment_outbox (order_number, seq) WHERE delivered_at IS NULL AND dead_at IS NULL;

-- Pruning of delivered events, and the list of dead ones.
CREATE INDEX payment_outbox_delivered_idx ON payment_outbox (delivered_at) WHERE delivered_at IS NOT NULL;
CREATE INDEX payment_outbox_dead_idx ON payment_outbox (dead_at, id) WHERE dead_at IS NOT NULL;

-- Pruning of webhook dedup records.
CREATE INDEX payment_events_recorded_idx ON payment_events (recorded_at);
