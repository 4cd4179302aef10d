-- Needs attention and the audit log screen: the amounts per status and currency beside the
-- counts, when each payout last changed status ("paid this month"), the Success payouts that
-- have no reference, and the audit log by kind of record or source.

ALTER TABLE payout_totals ADD COLUMN amount_minor INTEGER NOT NULL DEFAULT 0;
UPDATE payout_totals SET amount_minor = (
    SELECT IFNULL(SUM(p.amount_minor), 0) FROM payouts p
     WHERE p.status = payout_totals.status AND p.currency = payout_totals.currency);

DROP TRIGGER payout_totals_insert;
CREATE TRIGGER payout_totals_insert
AFTER INSERT ON payouts
BEGIN
    INSERT INTO payout_totals (status, currency, n, amount_minor)
        VALUES (NEW.status, NEW.currency, 1, NEW.amount_minor)
        ON CONFLICT (status, currency) DO UPDATE
            SET n = n + 1, amount_minor = amount_minor + excluded.amount_minor;
END;

DROP TRIGGER payout_totals_update;
CREATE TRIGGER payout_totals_update
AFTER UPDATE OF status, currency, amount_minor ON payouts
BEGIN
    UPDATE payout_totals SET n = n - 1, amount_minor = amount_minor - OLD.amount_minor
     WHERE status = OLD.status AND currency = OLD.currency;
    INSERT INTO payout_totals (status, currency, n, amount_minor)
        VALUES (NEW.status, NEW.currency, 1, NEW.amount_minor)
        ON CONFLICT (status, currency) DO UPDATE
            SET n = n + 1, amount_minor = amount_minor + excluded.amount_minor;
END;

DROP TRIGGER payout_totals_delete;
CREATE TRIGGER payout_totals_delete
AFTER DELETE ON payouts
BEGIN
    UPDATE payout_totals SET n = n - 1, amount_minor = amount_minor - OLD.amount_minor
     WHERE status = OLD.status AND currency = OLD.currency;
END;

-- When the payout reached its status: set by triggers, so every way of moving a payout keeps it.
ALTER TABLE payouts ADD COLUMN status_at TEXT;
UPDATE payouts SET status_at = updated_at;

CREATE TRIGGER payouts_status_at_insert
AFTER INSERT ON payouts
BEGIN
    UPDATE payouts SET status_at = NEW.created_at WHERE id = NEW.id;
END;

CREATE TRIGGER payouts_status_at_update
AFTER UPDATE OF status ON payouts
BEGIN
    UPDATE payouts SET status_at = NEW.updated_at WHERE id = NEW.id;
END;

CREATE INDEX payouts_by_status_at ON payouts (status, currency, status_at);
CREATE INDEX payouts_success_without_reference ON payouts (created_at)
    WHERE status = 'success' AND external_reference IS NULL;

-- The audit log filtered by kind of record or by source, newest first, without a sort.
CREATE INDEX audit_events_by_entity_seq ON audit_events (entity, seq);
CREATE INDEX audit_events_by_source_seq ON audit_events (source, seq);
