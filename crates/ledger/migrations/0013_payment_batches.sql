-- The payment files the app wrote that name themselves inside (a SEPA file's MsgId and
-- PmtInfId), with their payouts (issue 10): a bank that books a whole file as one collective
-- entry names it by that id, and the entry is matched to the file's payouts together.
CREATE TABLE payment_batches (
    batch_id    TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    currency    TEXT NOT NULL CHECK (length(currency) = 3),
    total_minor INTEGER NOT NULL CHECK (total_minor > 0),
    file_name   TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE payment_batch_payouts (
    batch_id  TEXT NOT NULL REFERENCES payment_batches (batch_id),
    payout_id INTEGER NOT NULL REFERENCES payouts (id),
    PRIMARY KEY (batch_id, payout_id)
) STRICT, WITHOUT ROWID;

-- The payment file a bank's collective entry names (camt.053 Btch or Refs: PmtInfId, else
-- MsgId), when the line is the whole entry.
ALTER TABLE statement_lines ADD COLUMN batch_reference TEXT;
