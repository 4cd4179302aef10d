-- Names a bank or PayPal writes for a customer ("R. DUBOIS"), remembered when the owner
-- confirms a line from that name for one of the customer's payouts (issue 10): later lines
-- from the name suggest the customer. Known by a key that sets accents, case, punctuation,
-- word order and legal forms aside; each remembered or forgotten name is an audit event of the
-- customer.
CREATE TABLE counterparty_names (
    name_key    TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX counterparty_names_by_customer ON counterparty_names (customer_id);

-- Whether a line's provider reference is the provider's own id of the transaction (PayPal's
-- transaction id, a bank's AcctSvcrRef) rather than text standing in for one (a bank CSV
-- without ids: "VIR SEPA"). Only a real id may match a payout by its stored reference.
ALTER TABLE statement_lines ADD COLUMN reference_is_id INTEGER NOT NULL DEFAULT 1
    CHECK (reference_is_id IN (0, 1));
