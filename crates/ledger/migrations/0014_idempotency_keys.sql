-- Customers, payment accounts, requests and programs take an idempotency key like payouts do
-- (issue 11): the UI sends one per create attempt, so a create retried after a crash or a
-- timeout returns the record the first attempt made instead of a duplicate.
ALTER TABLE customers ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX customers_by_idempotency_key ON customers (idempotency_key)
    WHERE idempotency_key IS NOT NULL;

ALTER TABLE payment_accounts ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX payment_accounts_by_idempotency_key ON payment_accounts (idempotency_key)
    WHERE idempotency_key IS NOT NULL;

ALTER TABLE incentive_requests ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX incentive_requests_by_idempotency_key ON incentive_requests (idempotency_key)
    WHERE idempotency_key IS NOT NULL;

ALTER TABLE incentive_programs ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX incentive_programs_by_idempotency_key ON incentive_programs (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
