-- Lines of an imported statement that could not be read, with the reason: one bad line never
-- loses the file (issue 10), and the review lists what it left out.
CREATE TABLE statement_unreadable (
    import_id INTEGER NOT NULL REFERENCES statement_imports (id),
    line_no   INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    PRIMARY KEY (import_id, line_no, reason)
) STRICT;
