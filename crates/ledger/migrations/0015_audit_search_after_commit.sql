-- The audit log's word index (0006) is no longer fed by a trigger, one event at a time inside
-- the change that writes it: a change of a few events still indexes them before it commits,
-- but a large one (40,000 confirmed statement lines) leaves them to a catch-up that runs right
-- after it and before any word search (audit_search.rs). Every event up to `seq` is indexed,
-- none after it.
DROP TRIGGER audit_search_insert;

CREATE TABLE audit_search_upto (
    seq  INTEGER NOT NULL
) STRICT;

INSERT INTO audit_search_upto (seq) SELECT IFNULL(MAX(seq), 0) FROM audit_events;
