-- Terminal states (issue 14, item 3): a payout can be Cancelled (from Pending or Failed, with a
-- reason: it will never be paid) and an approved request with no open payout can be Voided
-- (with a reason: it will never be paid). Both stay in the book forever.
--
-- The status CHECKs of 0001 gain the new value. SQLite cannot alter a CHECK, and rebuilding
-- `payouts` would rewrite a million rows and every index and trigger on it; a CHECK that only
-- grows refuses nothing it accepted before, so the table definitions are edited in place, by
-- the procedure SQLite's documentation gives for removing a CHECK ("ALTER TABLE", section
-- "Making other kinds of table schema changes"): writable_schema, then a schema reload. The
-- DDL below bumps the schema cookie, so no connection keeps the old definitions.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql,
                     'CHECK (status IN (''pending'', ''on_process'', ''success'', ''failed''))',
                     'CHECK (status IN (''pending'', ''on_process'', ''success'', ''failed'', ''cancelled''))')
 WHERE type = 'table' AND name = 'payouts';
UPDATE sqlite_schema
   SET sql = replace(sql,
                     'CHECK (status IN (''pending'', ''approved'', ''rejected''))',
                     'CHECK (status IN (''pending'', ''approved'', ''rejected'', ''voided''))')
 WHERE type = 'table' AND name = 'incentive_requests';
PRAGMA writable_schema = RESET;

-- Both definitions must have changed; a book whose text differs stops here (the step fails and
-- the book stays as it was).
CREATE TEMP TABLE widened (both INTEGER NOT NULL CHECK (both = 2));
INSERT INTO widened
SELECT COUNT(*) FROM sqlite_schema
 WHERE (name = 'payouts' AND instr(sql, '''failed'', ''cancelled'')') > 0)
    OR (name = 'incentive_requests' AND instr(sql, '''rejected'', ''voided'')') > 0);
DROP TABLE widened;

-- Why a request was voided: set exactly when it is.
ALTER TABLE incentive_requests ADD COLUMN void_reason TEXT
    CHECK ((status = 'voided') = (void_reason IS NOT NULL));

-- A request's open payout (0007) is one neither Failed nor Cancelled; at most one per request.
DROP INDEX payouts_one_open_per_request;
CREATE UNIQUE INDEX payouts_one_open_per_request ON payouts (request_id)
    WHERE status NOT IN ('failed', 'cancelled');

DROP TRIGGER requests_open_payout_insert;
CREATE TRIGGER requests_open_payout_insert
AFTER INSERT ON payouts WHEN NEW.status NOT IN ('failed', 'cancelled')
BEGIN
    UPDATE incentive_requests SET open_payout_id = NEW.id WHERE id = NEW.request_id;
END;

DROP TRIGGER requests_open_payout_failed;
CREATE TRIGGER requests_open_payout_closed
AFTER UPDATE OF status ON payouts
WHEN OLD.status NOT IN ('failed', 'cancelled') AND NEW.status IN ('failed', 'cancelled')
BEGIN
    UPDATE incentive_requests SET open_payout_id = NULL
     WHERE id = NEW.request_id AND open_payout_id = NEW.id;
END;

DROP TRIGGER requests_open_payout_reopened;
CREATE TRIGGER requests_open_payout_reopened
AFTER UPDATE OF status ON payouts
WHEN OLD.status IN ('failed', 'cancelled') AND NEW.status NOT IN ('failed', 'cancelled')
BEGIN
    UPDATE incentive_requests SET open_payout_id = NEW.id WHERE id = NEW.request_id;
END;

DROP TRIGGER requests_open_payout_delete;
CREATE TRIGGER requests_open_payout_delete
AFTER DELETE ON payouts WHEN OLD.status NOT IN ('failed', 'cancelled')
BEGIN
    UPDATE incentive_requests SET open_payout_id = NULL
     WHERE id = OLD.request_id AND open_payout_id = OLD.id;
END;

-- The request totals of 0017 count voided requests too: the table is derived (its triggers
-- stay), so it is made again with the new kind and counted.
DROP TABLE request_totals;
CREATE TABLE request_totals (
    kind  TEXT PRIMARY KEY CHECK (kind IN ('pending', 'approved', 'rejected', 'voided', 'payable')),
    n     INTEGER NOT NULL CHECK (n >= 0)
) STRICT, WITHOUT ROWID;

INSERT INTO request_totals (kind, n)
SELECT k.kind, (SELECT COUNT(*) FROM incentive_requests r
                 WHERE r.status = k.kind
                    OR (k.kind = 'payable' AND r.status = 'approved' AND r.open_payout_id IS NULL))
  FROM (SELECT 'pending' AS kind UNION ALL SELECT 'approved' UNION ALL SELECT 'rejected'
        UNION ALL SELECT 'voided' UNION ALL SELECT 'payable') k;
