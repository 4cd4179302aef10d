-- What matching decided for each statement line, stored (issue 10): the review pages in SQL
-- instead of matching the whole import again for every page. Decisions are derived data: they
-- are made at import and made again, once, when payouts or remembered names have changed
-- since (see matching_generation); a confirm still checks the pair itself.

-- The line's state: matched, suggested, unmatched or pending while open; confirmed once a
-- payout is linked; dismissed when the owner set it aside with a note. NULL: not decided yet.
ALTER TABLE statement_lines ADD COLUMN match_state TEXT
    CHECK (match_state IN ('matched', 'suggested', 'unmatched', 'pending', 'confirmed', 'dismissed'));
-- Why, in words: "payout id PO-000012 on the statement line".
ALTER TABLE statement_lines ADD COLUMN match_evidence TEXT NOT NULL DEFAULT '';
-- A line the owner set aside ("a supplier's payment, not a payout"), audited on its import.
ALTER TABLE statement_lines ADD COLUMN dismissed_note TEXT;
ALTER TABLE statement_lines ADD COLUMN dismissed_at TEXT;
-- When the provider booked the line, as a UTC instant, where the statement gives a time and a
-- zone: the matching window then compares instants.
ALTER TABLE statement_lines ADD COLUMN booked_at TEXT;
UPDATE statement_lines SET match_state = 'confirmed' WHERE payout_id IS NOT NULL;

-- The payouts an open line matches or may match, best first.
CREATE TABLE statement_candidates (
    line_id   INTEGER NOT NULL REFERENCES statement_lines (id),
    rank      INTEGER NOT NULL CHECK (rank >= 0),
    payout_id INTEGER NOT NULL REFERENCES payouts (id),
    PRIMARY KEY (line_id, rank)
) STRICT, WITHOUT ROWID;
-- "Payouts without a line" leaves out payouts some line of any import matches or confirmed.
CREATE INDEX statement_candidates_by_payout ON statement_candidates (payout_id);
CREATE INDEX statement_lines_by_payout ON statement_lines (payout_id) WHERE payout_id IS NOT NULL;
-- A review's page of the lines in one state, and the pool of open lines of every import.
CREATE INDEX statement_lines_by_state ON statement_lines (import_id, match_state, line_no);
CREATE INDEX statement_lines_open ON statement_lines (match_state, import_id, line_no)
    WHERE match_state IN ('matched', 'suggested', 'unmatched', 'pending');

-- Bumped by every commit that changes a payout or a customer (remembered statement names are
-- the customer's): an import decided at an older generation is decided again before its review.
CREATE TABLE matching_generation (
    only  INTEGER PRIMARY KEY CHECK (only = 1),
    value INTEGER NOT NULL
) STRICT;
INSERT INTO matching_generation (only, value) VALUES (1, 1);
ALTER TABLE statement_imports ADD COLUMN decided_generation INTEGER NOT NULL DEFAULT 0;
-- The lines in each state (a JSON object), stored whenever states change: a review page of a
-- large import reads it instead of counting.
ALTER TABLE statement_imports ADD COLUMN counts TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(counts));
-- The statement's period and currencies, for the payouts it could carry.
ALTER TABLE statement_imports ADD COLUMN first_booked_on TEXT;
ALTER TABLE statement_imports ADD COLUMN last_booked_on TEXT;
ALTER TABLE statement_imports ADD COLUMN currencies TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(currencies));
UPDATE statement_imports SET
    first_booked_on = (SELECT min(booked_on) FROM statement_lines l WHERE l.import_id = statement_imports.id),
    last_booked_on = (SELECT max(booked_on) FROM statement_lines l WHERE l.import_id = statement_imports.id),
    currencies = (SELECT json_group_array(DISTINCT currency) FROM statement_lines l
                   WHERE l.import_id = statement_imports.id);
