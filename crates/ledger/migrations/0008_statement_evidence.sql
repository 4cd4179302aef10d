-- Where a statement line's payout number came from, and whether the provider still calls the
-- transaction pending (issue 10). A number in a field the app filled (SEPA EndToEndId, PayPal's
-- custom number) is evidence enough with the amount; one found in free text (a bank's
-- remittance line) needs the recipient too. Lines imported before this knew no difference, so
-- they count as free text: the careful reading.
ALTER TABLE statement_lines ADD COLUMN reference_source TEXT NOT NULL DEFAULT 'text'
    CHECK (reference_source IN ('field', 'text'));
-- A pending line is shown but never confirmed.
ALTER TABLE statement_lines ADD COLUMN pending INTEGER NOT NULL DEFAULT 0 CHECK (pending IN (0, 1));
