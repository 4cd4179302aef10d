-- Why a payout failed (issue 14, item 1): said on every move to Failed, cleared when it is
-- retried. Payouts that failed before this step have none recorded (NULL).
ALTER TABLE payouts ADD COLUMN failure_reason TEXT CHECK (
    failure_reason IS NULL OR failure_reason IN (
        'details_invalid', 'account_closed', 'unclaimed', 'returned_by_bank',
        'rejected_by_provider', 'other'));

-- What a statement says of a return: the reason it maps to, and the bank's ISO 20022 return
-- reason code (a camt.053 return's RtrInf/Rsn/Cd, e.g. AC04), for the payout it returns.
ALTER TABLE statement_lines ADD COLUMN return_reason TEXT;
ALTER TABLE statement_lines ADD COLUMN return_code TEXT;
