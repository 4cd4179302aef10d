//! The customer page: a customer with all their accounts, requests and payouts, read together.
//! A module of its own because it sits above customers, accounts, requests and payouts.

use serde::Serialize;

use crate::accounts::AccountSummary;
use crate::customers::Customer;
use crate::error::Result;
use crate::ids::CustomerId;
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
        Ok(CustomerOverview {
            customer,
            accounts,
            requests,
            payouts,
            statement_names,
        })
    }
}
