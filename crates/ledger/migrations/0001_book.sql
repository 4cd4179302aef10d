-- The whole book of PRODUCT.md. Never edit this file once landed: add a new numbered one.
--
-- Every table has an INTEGER PRIMARY KEY, which is also the readable number people see
-- (CU-000001, PA-..., PG-..., IR-000045, PO-000123); rows are never deleted, so numbers are never
-- reused. `uuid` (v7, 16 bytes) is the record's global identity. Money is an integer count of
-- minor units plus an ISO 4217 code. Times are RFC 3339 UTC text written by the ledger.

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    uuid          BLOB NOT NULL UNIQUE CHECK (length(uuid) = 16),
    username      TEXT NOT NULL CHECK (length(username) BETWEEN 1 AND 64),
    -- NFC + lower case: usernames are unique without regard to case or normal form.
    username_key  TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    email         TEXT CHECK (email IS NULL OR length(email) <= 254),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

CREATE TABLE payment_accounts (
    id              INTEGER PRIMARY KEY,
    uuid            BLOB NOT NULL UNIQUE CHECK (length(uuid) = 16),
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    kind            TEXT NOT NULL CHECK (kind IN ('bank', 'digital')),
    is_default      INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    label           TEXT,
    -- bank
    holder_name     TEXT,
    bank_name       TEXT,
    account_number  TEXT,
    iban            TEXT,
    routing_number  TEXT,
    bic             TEXT,
    country         TEXT CHECK (country IS NULL OR (length(country) = 2 AND country = upper(country))),
    -- digital
    provider        TEXT CHECK (provider IS NULL OR provider IN ('paypal', 'wise', 'venmo', 'cash_app', 'other')),
    handle_kind     TEXT CHECK (handle_kind IS NULL OR handle_kind IN ('email', 'phone', 'username')),
    handle          TEXT,
    archived_at     TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK (
        (kind = 'bank' AND holder_name IS NOT NULL AND (account_number IS NOT NULL OR iban IS NOT NULL)
            AND provider IS NULL AND handle IS NULL AND handle_kind IS NULL)
        OR
        (kind = 'digital' AND provider IS NOT NULL AND handle IS NOT NULL AND handle_kind IS NOT NULL
            AND account_number IS NULL AND iban IS NULL AND routing_number IS NULL AND bic IS NULL)
    ),
    CHECK (archived_at IS NULL OR is_default = 0)
) STRICT;

CREATE INDEX payment_accounts_by_customer ON payment_accounts (customer_id);
-- At most one default account per customer.
CREATE UNIQUE INDEX payment_accounts_one_default ON payment_accounts (customer_id) WHERE is_default = 1;

CREATE TABLE incentive_programs (
    id                    INTEGER PRIMARY KEY,
    uuid                  BLOB NOT NULL UNIQUE CHECK (length(uuid) = 16),
    name                  TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    name_key              TEXT NOT NULL UNIQUE,
    default_reward_minor  INTEGER CHECK (default_reward_minor IS NULL OR default_reward_minor > 0),
    default_currency      TEXT CHECK (default_currency IS NULL OR length(default_currency) = 3),
    archived_at           TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    CHECK ((default_reward_minor IS NULL) = (default_currency IS NULL))
) STRICT;

CREATE TABLE incentive_requests (
    id             INTEGER PRIMARY KEY,
    uuid           BLOB NOT NULL UNIQUE CHECK (length(uuid) = 16),
    customer_id    INTEGER NOT NULL REFERENCES customers (id),
    program_id     INTEGER REFERENCES incentive_programs (id),
    amount_minor   INTEGER NOT NULL CHECK (amount_minor > 0),
    currency       TEXT NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    note           TEXT NOT NULL DEFAULT '',
    decision_note  TEXT NOT NULL DEFAULT '',
    decided_at     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CHECK ((status = 'pending') = (decided_at IS NULL))
) STRICT;

CREATE INDEX incentive_requests_by_customer ON incentive_requests (customer_id);
CREATE INDEX incentive_requests_by_status ON incentive_requests (status, id);

CREATE TABLE payouts (
    id                  INTEGER PRIMARY KEY,
    uuid                BLOB NOT NULL UNIQUE CHECK (length(uuid) = 16),
    request_id          INTEGER NOT NULL REFERENCES incentive_requests (id),
    customer_id         INTEGER NOT NULL REFERENCES customers (id),
    amount_minor        INTEGER NOT NULL CHECK (amount_minor > 0),
    currency            TEXT NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
    method              TEXT NOT NULL CHECK (method IN ('bank', 'digital')),
    account_id          INTEGER NOT NULL REFERENCES payment_accounts (id),
    -- The payment account as it was when the payout was made (JSON), so later edits of the
    -- account never change what a payout says it was paid to.
    account_snapshot    TEXT NOT NULL CHECK (json_valid(account_snapshot)),
    status              TEXT NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'on_process', 'success', 'failed')),
    description         TEXT NOT NULL DEFAULT '',
    external_reference  TEXT,
    -- Set by the UI per create attempt, so a retried create returns the first payout.
    idempotency_key     TEXT UNIQUE,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
) STRICT;

-- At most one payout that is not Failed per request.
CREATE UNIQUE INDEX payouts_one_open_per_request ON payouts (request_id) WHERE status <> 'failed';
CREATE INDEX payouts_by_request ON payouts (request_id);
CREATE INDEX payouts_by_customer ON payouts (customer_id);
CREATE INDEX payouts_by_created ON payouts (created_at, id);
CREATE INDEX payouts_by_status_created ON payouts (status, created_at, id);

-- The audit trail: append-only, gapless, hash-chained.
CREATE TABLE audit_events (
    seq        INTEGER PRIMARY KEY CHECK (seq >= 1),
    uuid       BLOB NOT NULL UNIQUE CHECK (length(uuid) = 16),
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('manual', 'bulk', 'import', 'system')),
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  INTEGER,
    -- [{"field": ..., "old": ..., "new": ...}, ...]
    changes    TEXT NOT NULL CHECK (json_valid(changes)),
    note       TEXT NOT NULL DEFAULT '',
    -- SHA-256 (hex) of the previous event's hash and this event's fields; see audit.rs.
    prev_hash  TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash       TEXT NOT NULL CHECK (length(hash) = 64)
) STRICT;

CREATE INDEX audit_events_by_entity ON audit_events (entity, entity_id, seq);

CREATE TRIGGER audit_events_gapless
BEFORE INSERT ON audit_events
WHEN NEW.seq IS NOT (SELECT IFNULL(MAX(seq), 0) + 1 FROM audit_events)
BEGIN
    SELECT RAISE(ABORT, 'audit events are numbered without gaps');
END;

CREATE TRIGGER audit_events_no_update
BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;

CREATE TRIGGER audit_events_no_delete
BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;

-- Settings the owner keeps with the book (operator name, own account for payment files, ...).
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) STRICT;
