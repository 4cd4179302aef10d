-- How many requests there are per status, and how many are payable (approved, with no payout
-- that is not Failed), kept by triggers, so the Incentive requests list's total without a
-- search is one row instead of a count over a million.
CREATE TABLE request_totals (
    kind  TEXT PRIMARY KEY CHECK (kind IN ('pending', 'approved', 'rejected', 'payable')),
    n     INTEGER NOT NULL CHECK (n >= 0)
) STRICT, WITHOUT ROWID;

INSERT INTO request_totals (kind, n)
SELECT k.kind, (SELECT COUNT(*) FROM incentive_requests r
                 WHERE r.status = k.kind
                    OR (k.kind = 'payable' AND r.status = 'approved' AND r.open_payout_id IS NULL))
  FROM (SELECT 'pending' AS kind UNION ALL SELECT 'approved' UNION ALL SELECT 'rejected'
        UNION ALL SELECT 'payable') k;

CREATE TRIGGER request_totals_insert
AFTER INSERT ON incentive_requests
BEGIN
    UPDATE request_totals SET n = n + 1
     WHERE kind = NEW.status
        OR (kind = 'payable' AND NEW.status = 'approved' AND NEW.open_payout_id IS NULL);
END;

CREATE TRIGGER request_totals_update
AFTER UPDATE OF status, open_payout_id ON incentive_requests
BEGIN
    UPDATE request_totals SET n = n - 1
     WHERE kind = OLD.status
        OR (kind = 'payable' AND OLD.status = 'approved' AND OLD.open_payout_id IS NULL);
    UPDATE request_totals SET n = n + 1
     WHERE kind = NEW.status
        OR (kind = 'payable' AND NEW.status = 'approved' AND NEW.open_payout_id IS NULL);
END;

CREATE TRIGGER request_totals_delete
AFTER DELETE ON incentive_requests
BEGIN
    UPDATE request_totals SET n = n - 1
     WHERE kind = OLD.status
        OR (kind = 'payable' AND OLD.status = 'approved' AND OLD.open_payout_id IS NULL);
END;
