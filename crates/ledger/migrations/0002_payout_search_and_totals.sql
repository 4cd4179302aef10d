-- Keyword search over payouts: a contentless FTS5 trigram index (any substring of three or more
-- characters, case- and accent-insensitive) whose rowid is the payout id. The ledger writes it
-- (payouts/search.rs) in the same transaction as every change to an indexed field, because the
-- indexed text (amounts formatted by the currency's minor unit) is made in Rust.
CREATE VIRTUAL TABLE payout_search USING fts5 (
    body,
    tokenize = 'trigram remove_diacritics 1',
    content = '',
    contentless_delete = 1
);

-- How many payouts there are per status and currency, kept by triggers, so the list's total for
-- status and currency filters is a sum of a few rows instead of a count over a million.
CREATE TABLE payout_totals (
    status    TEXT NOT NULL,
    currency  TEXT NOT NULL,
    n         INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (status, currency)
) STRICT, WITHOUT ROWID;

INSERT INTO payout_totals (status, currency, n)
SELECT status, currency, COUNT(*) FROM payouts GROUP BY status, currency;

CREATE TRIGGER payout_totals_insert
AFTER INSERT ON payouts
BEGIN
    INSERT INTO payout_totals (status, currency, n) VALUES (NEW.status, NEW.currency, 1)
        ON CONFLICT (status, currency) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER payout_totals_update
AFTER UPDATE OF status, currency ON payouts
BEGIN
    UPDATE payout_totals SET n = n - 1 WHERE status = OLD.status AND currency = OLD.currency;
    INSERT INTO payout_totals (status, currency, n) VALUES (NEW.status, NEW.currency, 1)
        ON CONFLICT (status, currency) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER payout_totals_delete
AFTER DELETE ON payouts
BEGIN
    UPDATE payout_totals SET n = n - 1 WHERE status = OLD.status AND currency = OLD.currency;
END;

-- The list filtered by currency (and status), in date order, without a sort.
CREATE INDEX payouts_by_currency_created ON payouts (currency, created_at, id);
CREATE INDEX payouts_by_status_currency_created ON payouts (status, currency, created_at, id);
