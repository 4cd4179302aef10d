-- Search over incentive requests, as over payouts (0002): a contentless FTS5 trigram index whose
-- rowid is the request id, written by the ledger at commit (search_index.rs). `body` holds what
-- a user searches by (the request number, the customer's username and name, the note); `state`
-- holds the list filters the request is in, one three-letter code each (`@pe` pending, `@ap`
-- approved, `@re` rejected, `@pa` approved with no open payout), so a search with a filter is
-- one index query that counts and pages without reading the requests. Walked in rowid order it
-- hands the requests in the list's order, newest first. It is built on the first open after
-- this migration (the `request_search_version` setting is missing).
CREATE VIRTUAL TABLE request_search USING fts5 (
    body,
    state,
    tokenize = 'trigram remove_diacritics 1',
    content = '',
    contentless_delete = 1
);

-- Requests whose line waits to be rewritten: left by a large change (a rename of a customer
-- with thousands of requests) for the catch-up, or marked by the trigger below and rewritten
-- when the change commits.
CREATE TABLE request_search_stale (
    request_id  INTEGER PRIMARY KEY
) STRICT;

-- A decision, or a payout made, failed or retried (the triggers of 0007), moves a request
-- between the filters; whichever write did it, its line follows.
CREATE TRIGGER request_search_state
AFTER UPDATE OF status, open_payout_id ON incentive_requests
WHEN OLD.status IS NOT NEW.status
  OR (OLD.open_payout_id IS NULL) <> (NEW.open_payout_id IS NULL)
BEGIN
    INSERT OR IGNORE INTO request_search_stale (request_id) VALUES (NEW.id);
END;
