-- Statement matching looks payouts up by currency and amount within a date window.
CREATE INDEX payouts_by_amount ON payouts (currency, amount_minor, created_at);
