-- The search indexes follow a large change (40,000 confirmed statement lines) right after it
-- instead of inside it: a change of a few records still indexes them before it commits, a
-- large one leaves them to a catch-up that runs after its commit and before any search.
--
-- The audit log's word index (0006) is no longer fed by a trigger, one event at a time
-- (audit_search.rs). Every event up to `seq` is indexed, none after it.
DROP TRIGGER audit_search_insert;

CREATE TABLE audit_search_upto (
    seq  INTEGER NOT NULL
) STRICT;

INSERT INTO audit_search_upto (seq) SELECT IFNULL(MAX(seq), 0) FROM audit_events;

-- Payouts whose line in the payout search index (0002) a large change left for the catch-up
-- to rewrite (search_index.rs).
CREATE TABLE payout_search_stale (
    payout_id  INTEGER PRIMARY KEY
) STRICT;

-- A status move sets `status_at` itself, in the same UPDATE: the trigger (0005) then has
-- nothing left to do, instead of updating each moved row a second time.
DROP TRIGGER payouts_status_at_update;
CREATE TRIGGER payouts_status_at_update
AFTER UPDATE OF status ON payouts
WHEN NEW.status_at IS NOT NEW.updated_at
BEGIN
    UPDATE payouts SET status_at = NEW.updated_at WHERE id = NEW.id;
END;
