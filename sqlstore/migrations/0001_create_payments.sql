-- 0001: payments and the webhook events already processed.
--
-- Statements end with a semicolon at the end of a line; Migrate runs them
-- one by one in a single transaction with search_path set to the store's
-- schema, so names here are unqualified.

-- One row per order. Scalar fields of payments.Payment are columns; the
-- attempt history and the refunds are JSONB arrays written in the same
-- statement as the row, so a payment is always read and written whole.
CREATE TABLE payments (
    order_number      text        PRIMARY KEY CHECK (order_number <> ''),
    id                text        NOT NULL,
    amount            bigint      NOT NULL,
    currency          text        NOT NULL,
    status            text        NOT NULL,
    gateway           text        NOT NULL,
    method            text        NOT NULL,
    gateway_reference text        NOT NULL,
    refunded_amount   bigint      NOT NULL,
    refunds           jsonb       NOT NULL,
    attempts          jsonb       NOT NULL,
    virtual_account   jsonb,
    failure           jsonb,
    -- unsettled is payments.Payment.Unsettled(), kept by every write.
    unsettled         boolean     NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    paid_at           timestamptz,
    version           bigint      NOT NULL CHECK (version > 0)
);

-- Reconcile's query: unsettled payments, oldest first. The index holds
-- only unsettled rows, so it stays small however many payments settle.
CREATE INDEX payments_unsettled_idx ON payments (updated_at, order_number) WHERE unsettled;

-- Webhook events processed, by gateway and the gateway's event id.
CREATE TABLE payment_events (
    gateway     text        NOT NULL,
    event_id    text        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (gateway, event_id)
);
