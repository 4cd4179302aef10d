-- Each request's payout that is not Failed, kept by triggers on payouts, so "approved requests
-- without a payout" (Add cashback payout, the Payable filter, Needs attention) is read from a
-- partial index instead of probing the payouts of every approved request (2.4 s on a million).
ALTER TABLE incentive_requests ADD COLUMN open_payout_id INTEGER;
UPDATE incentive_requests SET open_payout_id = (
    SELECT p.id FROM payouts p WHERE p.request_id = incentive_requests.id AND p.status <> 'failed');

CREATE TRIGGER requests_open_payout_insert
AFTER INSERT ON payouts WHEN NEW.status <> 'failed'
BEGIN
    UPDATE incentive_requests SET open_payout_id = NEW.id WHERE id = NEW.request_id;
END;

CREATE TRIGGER requests_open_payout_failed
AFTER UPDATE OF status ON payouts WHEN OLD.status <> 'failed' AND NEW.status = 'failed'
BEGIN
    UPDATE incentive_requests SET open_payout_id = NULL
     WHERE id = NEW.request_id AND open_payout_id = NEW.id;
END;

CREATE TRIGGER requests_open_payout_reopened
AFTER UPDATE OF status ON payouts WHEN OLD.status = 'failed' AND NEW.status <> 'failed'
BEGIN
    UPDATE incentive_requests SET open_payout_id = NEW.id WHERE id = NEW.request_id;
END;

CREATE TRIGGER requests_open_payout_delete
AFTER DELETE ON payouts WHEN OLD.status <> 'failed'
BEGIN
    UPDATE incentive_requests SET open_payout_id = NULL
     WHERE id = OLD.request_id AND open_payout_id = OLD.id;
END;

CREATE INDEX incentive_requests_payable ON incentive_requests (id)
    WHERE status = 'approved' AND open_payout_id IS NULL;
