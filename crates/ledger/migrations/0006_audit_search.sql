-- Words in the audit log: a contentless FTS5 trigram index (any substring of three or more
-- characters, case- and accent-insensitive) over each event's actor, action, note and changed
-- fields and values, whose rowid is the event's sequence number. Events are append-only, so
-- a trigger on insert keeps it whole.
CREATE VIRTUAL TABLE audit_search USING fts5 (
    body,
    tokenize = 'trigram remove_diacritics 1',
    content = ''
);

INSERT INTO audit_search (rowid, body)
SELECT seq, actor || ' ' || action || ' ' || note || ' ' || IFNULL(
           (SELECT group_concat(value ->> 'field' || ' ' || IFNULL(value ->> 'old', '') || ' '
                                || IFNULL(value ->> 'new', ''), ' ')
              FROM json_each(changes)), '')
  FROM audit_events;

CREATE TRIGGER audit_search_insert
AFTER INSERT ON audit_events
BEGIN
    INSERT INTO audit_search (rowid, body)
    VALUES (NEW.seq, NEW.actor || ' ' || NEW.action || ' ' || NEW.note || ' ' || IFNULL(
           (SELECT group_concat(value ->> 'field' || ' ' || IFNULL(value ->> 'old', '') || ' '
                                || IFNULL(value ->> 'new', ''), ' ')
              FROM json_each(NEW.changes)), ''));
END;
