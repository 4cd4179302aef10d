-- When a payout was really paid and what the provider charged for it (issue 10). A payout
-- confirmed from a statement takes the line's booking day and fee; one marked Success by hand
-- the day it was marked. Payouts paid before this migration take the day they became Success.
ALTER TABLE payouts ADD COLUMN paid_on TEXT CHECK (paid_on IS NULL OR length(paid_on) = 10);
ALTER TABLE payouts ADD COLUMN fee_minor INTEGER CHECK (fee_minor IS NULL OR fee_minor >= 0);
UPDATE payouts SET paid_on = substr(status_at, 1, 10) WHERE status = 'success';
-- "Paid this month" reads Success payouts of a currency by their paid-on day.
CREATE INDEX payouts_by_paid_on ON payouts (currency, paid_on) WHERE status = 'success';

-- What the provider charged on a statement line (PayPal's fee, a bank's charges on a return),
-- in minor units of the line's currency.
ALTER TABLE statement_lines ADD COLUMN fee_minor INTEGER NOT NULL DEFAULT 0 CHECK (fee_minor >= 0);
