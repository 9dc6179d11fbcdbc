-- 0003: saved payment methods, the gateways' customers, and saves in
-- progress.

-- One row per saved method. token is the gateway's handle (a Toss
-- billingKey, a Stripe pm_… id) and gateway_customer the Toss customerKey
-- or Stripe cus_… id the method belongs to; both are secrets, stored as
-- the values themselves.
CREATE TABLE payment_methods (
    id               text        PRIMARY KEY CHECK (id <> ''),
    gateway          text        NOT NULL,
    customer_id      text        NOT NULL,
    type             text        NOT NULL,
    brand            text        NOT NULL,
    last4            text        NOT NULL,
    status           text        NOT NULL,
    token            text        NOT NULL,
    gateway_customer text        NOT NULL,
    removed_by       text        NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    event_seq        bigint      NOT NULL,
    version          bigint      NOT NULL CHECK (version > 0)
);

CREATE INDEX payment_methods_customer_idx ON payment_methods (customer_id, created_at, id);
CREATE INDEX payment_methods_token_idx ON payment_methods (gateway, token);

-- The gateway's customer of each of the application's customers.
CREATE TABLE payment_customers (
    gateway     text        NOT NULL,
    customer_id text        NOT NULL,
    reference   text        NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (gateway, customer_id)
);

-- Saves in progress: where the customer goes once the gateway answers.
CREATE TABLE payment_method_setups (
    id          text        PRIMARY KEY,
    gateway     text        NOT NULL,
    customer_id text        NOT NULL,
    success_url text        NOT NULL,
    fail_url    text        NOT NULL,
    session     text        NOT NULL,
    created_at  timestamptz NOT NULL
);
