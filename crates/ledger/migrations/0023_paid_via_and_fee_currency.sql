-- How a payout was really paid, and the currency of its fee (issue 14, item 4). Marking a
-- payout Success by hand now says the day it was paid (today, or earlier), how (PayPal, bank
-- transfer, Wise, cash, other) and what it cost, in the fee's own currency (a bank in EUR may
-- charge for a USD transfer); a statement's confirm takes the line's day and fee, and the way
-- the payout's account is paid.
--
-- Payouts paid before this step have no recorded way (NULL, shown as "Not recorded"); their
-- fees, all from statements, were in the payout's currency.
ALTER TABLE payouts ADD COLUMN paid_via TEXT CHECK (
    paid_via IS NULL OR paid_via IN ('paypal', 'bank_transfer', 'wise', 'cash', 'other'));
ALTER TABLE payouts ADD COLUMN fee_currency TEXT CHECK (
    fee_currency IS NULL OR (length(fee_currency) = 3 AND fee_currency = upper(fee_currency)));
UPDATE payouts SET fee_currency = currency WHERE fee_minor IS NOT NULL;
