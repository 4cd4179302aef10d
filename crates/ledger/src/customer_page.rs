//! The customer page: a customer with all their accounts, requests and payouts, read together.
//! A module of its own because it sits above customers, accounts, requests and payouts.

use serde::Serialize;

use crate::accounts::AccountSummary;
use crate::customers::Customer;
use crate::error::Result;
use crate::ids::CustomerId;
use crate::money::Money;
use crate::payouts::Payout;
use crate::requests::Request;
use crate::statements::StatementName;
use crate::Ledger;

/// Everything the customer page shows.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerOverview {
    pub customer: Customer,
    pub accounts: Vec<AccountSummary>,
    pub requests: Vec<Request>,
    pub payouts: Vec<Payout>,
    /// Names banks and PayPal write for the customer, remembered from confirmed lines.
    pub statement_names: Vec<StatementName>,
    /// What the book owes the customer and has paid them, per currency, over all their
    /// requests and payouts (not only the latest 100 listed).
    pub totals: Vec<CustomerTotals>,
}

/// A customer's money in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerTotals {
    pub currency: String,
    /// Approved requests no payout stands for (none made yet, or the last one failed or was
    /// cancelled): owed, not yet on its way.
    pub approved_unpaid: Money,
    /// Pending payouts: owed, to be paid.
    pub pending: Money,
    /// On Process payouts: sent, not yet confirmed.
    pub on_process: Money,
    /// Success payouts: paid.
    pub paid: Money,
}

impl Ledger {
    /// A customer's page: the customer, all their accounts, their requests and payouts (newest
    /// first, the latest 100 of each).
    pub async fn customer_overview(&self, id: CustomerId) -> Result<CustomerOverview> {
        let customer = self.customer(id).await?;
        let accounts = self.all_customer_accounts(id).await?;
        let requests = self.customer_requests(id, 100).await?;
        let payouts = self.customer_payouts(id, 100).await?;
        let statement_names = self.statement_names(id).await?;
        let totals = self.customer_totals(id).await?;
        Ok(CustomerOverview {
            customer,
            accounts,
            requests,
            payouts,
            statement_names,
            totals,
        })
    }

    /// [`CustomerTotals`] for each currency the customer has a request or payout in.
    async fn customer_totals(&self, id: CustomerId) -> Result<Vec<CustomerTotals>> {
        let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT currency,
                    COALESCE(SUM(CASE WHEN kind = 'request' THEN amount_minor END), 0),
                    COALESCE(SUM(CASE WHEN kind = 'pending' THEN amount_minor END), 0),
                    COALESCE(SUM(CASE WHEN kind = 'on_process' THEN amount_minor END), 0),
                    COALESCE(SUM(CASE WHEN kind = 'success' THEN amount_minor END), 0)
               FROM (SELECT status AS kind, currency, amount_minor FROM payouts
                      WHERE customer_id = ?1
                     UNION ALL
                     SELECT 'request', currency, amount_minor FROM incentive_requests
                      WHERE customer_id = ?1 AND status = 'approved' AND open_payout_id IS NULL)
              GROUP BY currency ORDER BY currency",
        )
        .bind(id)
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter()
            .map(|(currency, approved, pending, on_process, paid)| {
                Ok(CustomerTotals {
                    approved_unpaid: Money::stored(approved, &currency)?,
                    pending: Money::stored(pending, &currency)?,
                    on_process: Money::stored(on_process, &currency)?,
                    paid: Money::stored(paid, &currency)?,
                    currency,
                })
            })
            .collect()
    }
}
