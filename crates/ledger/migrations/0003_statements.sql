-- Provider statements imported for reconciliation, and their lines.
CREATE TABLE statement_imports (
    id           INTEGER PRIMARY KEY,
    uuid         BLOB NOT NULL UNIQUE CHECK (length(uuid) = 16),
    format       TEXT NOT NULL CHECK (format IN ('paypal_csv', 'camt053', 'generic_csv')),
    file_name    TEXT NOT NULL,
    -- SHA-256 (hex) of the file's bytes: the same file again is recognised at once.
    file_sha256  TEXT NOT NULL CHECK (length(file_sha256) = 64),
    line_count   INTEGER NOT NULL CHECK (line_count >= 0),
    imported_at  TEXT NOT NULL
) STRICT;

CREATE TABLE statement_lines (
    id                 INTEGER PRIMARY KEY,
    import_id          INTEGER NOT NULL REFERENCES statement_imports (id),
    line_no            INTEGER NOT NULL CHECK (line_no >= 1),
    -- The provider's own id of the transaction ("paypal:<Transaction ID>"): a line is imported
    -- once, however many files carry it.
    fingerprint        TEXT NOT NULL UNIQUE,
    booked_on          TEXT NOT NULL CHECK (length(booked_on) = 10),
    -- Signed, as the statement has it: money out of the owner's account is negative.
    amount_minor       INTEGER NOT NULL,
    currency           TEXT NOT NULL CHECK (length(currency) = 3),
    counterparty       TEXT NOT NULL DEFAULT '',
    -- A payout id the provider carried back (PayPal's customer id, SEPA's EndToEndId), if any.
    payout_reference   TEXT,
    provider_reference TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('payment', 'return', 'other')),
    description        TEXT NOT NULL DEFAULT '',
    -- Set when the user confirms the line against a payout.
    payout_id          INTEGER REFERENCES payouts (id),
    confirmed_at       TEXT,
    CHECK ((payout_id IS NULL) = (confirmed_at IS NULL))
) STRICT;

CREATE INDEX statement_lines_by_import ON statement_lines (import_id, line_no);
CREATE INDEX payouts_by_external_reference ON payouts (external_reference) WHERE external_reference IS NOT NULL;
