-- Payment runs (issue 14, item 6): every payment file the app writes is kept as a run, with
-- the payouts it carries and the file's bytes, so the file can be written again byte for byte
-- (a bank upload that failed, a lost download) and the run followed to its end (marked paid as
-- a whole, or payout by payout; the statement entry that paid it). A run never changes: what
-- happens to it afterwards is what happens to its payouts, each with its own history.
--
-- Files written before this step are not runs (their bytes were never kept); the audit trail
-- still names them.
CREATE TABLE payment_runs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('paypal', 'wise', 'sepa')),
    currency      TEXT NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
    -- The file's name, and the folder it was first written to.
    file_name     TEXT NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    folder        TEXT NOT NULL,
    payout_count  INTEGER NOT NULL CHECK (payout_count > 0),
    total_minor   INTEGER NOT NULL CHECK (total_minor > 0),
    -- The id a SEPA file names itself by (MsgId and PmtInfId), which a bank's collective
    -- entry carries back; NULL for formats without one.
    batch_id      TEXT UNIQUE,
    content       BLOB NOT NULL,
    -- SHA-256 (hex) of `content`, also in the run's audit event.
    sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
    operator      TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE payment_run_payouts (
    run_id     INTEGER NOT NULL REFERENCES payment_runs (id),
    payout_id  INTEGER NOT NULL REFERENCES payouts (id),
    PRIMARY KEY (run_id, payout_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX payment_run_payouts_by_payout ON payment_run_payouts (payout_id, run_id);

CREATE TRIGGER payment_runs_no_update BEFORE UPDATE ON payment_runs
BEGIN
    SELECT RAISE(ABORT, 'a payment run is never changed');
END;

CREATE TRIGGER payment_runs_no_delete BEFORE DELETE ON payment_runs
BEGIN
    SELECT RAISE(ABORT, 'a payment run is never deleted');
END;

-- A run shows the statement entry that booked its whole file: lines by the file id they name.
CREATE INDEX statement_lines_by_batch ON statement_lines (batch_reference)
    WHERE batch_reference IS NOT NULL;
