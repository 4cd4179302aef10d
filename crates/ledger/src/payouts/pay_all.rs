//! "Pay all approved": a payout for every approved request that has none, to each customer's
//! default active account, in one transaction with set-based writes (rows, audit events and
//! index lines many to a statement), so a hundred thousand requests take seconds, not an hour.
//!
//! Invariants: the same payouts and audit events as [`Ledger::create_payout`] makes one by one
//! (the diff is built by the same function, so the replay of history agrees); requests whose
//! customer has no active account are left as they are and listed; a retry after a crash only
//! pays what the first run did not (a paid request is no longer payable).

use std::collections::HashMap;

use serde::Serialize;
use uuid::Uuid;

use crate::accounts::{AccountDetails, AccountRow};
use crate::audit::{Action, Event, Origin, Record};
use crate::error::Result;
use crate::ids::{AccountId, CustomerId, PayoutId, RequestId};
use crate::money::Money;
use crate::text::{self, Lines};
use crate::Ledger;

/// Payouts inserted by one statement.
const PER_INSERT: usize = 2_000;
/// Request numbers listed of those left without a payout.
const LISTED: usize = 20;

/// What "Pay all approved" did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PaidAll {
    /// How many payouts were made, and the first and last of them.
    pub created: i64,
    #[serde(serialize_with = "crate::ids::as_number")]
    pub first: Option<PayoutId>,
    #[serde(serialize_with = "crate::ids::as_number")]
    pub last: Option<PayoutId>,
    /// Approved requests left without a payout because their customer has no active payment
    /// account: how many, and the first [`LISTED`] numbers.
    pub without_account: i64,
    pub without_account_numbers: Vec<String>,
}

/// A payable request.
#[derive(sqlx::FromRow)]
struct Payable {
    id: RequestId,
    customer_id: CustomerId,
    amount_minor: i64,
    currency: String,
}

/// The customer of payable requests, with the account their payouts go to, if they have one.
#[derive(sqlx::FromRow)]
struct Payee {
    id: CustomerId,
    username: String,
    account_id: Option<AccountId>,
}

/// An account payouts go to, as each payout records it.
struct Paid {
    row: AccountRow,
    details: AccountDetails,
    snapshot: String,
}

impl Ledger {
    /// Makes a payout, with `description`, for every approved request that has no payout that
    /// is not Failed, to the customer's default active account.
    pub async fn pay_all_approved(&self, origin: &Origin, description: &str) -> Result<PaidAll> {
        let description =
            text::optional("description", "Description", description, 1000, Lines::Many)?
                .unwrap_or_default();
        let mut tx = self.begin_write(origin).await?;
        // Read inside the write lock, from the partial index of payable requests (0007).
        let payable: Vec<Payable> = sqlx::query_as(
            "SELECT id, customer_id, amount_minor, currency
               FROM incentive_requests INDEXED BY incentive_requests_payable
              WHERE status = 'approved' AND open_payout_id IS NULL
              ORDER BY id",
        )
        .fetch_all(tx.conn())
        .await?;
        let mut customers: Vec<CustomerId> = payable.iter().map(|p| p.customer_id).collect();
        customers.sort_unstable();
        customers.dedup();
        let mut payees: HashMap<CustomerId, Payee> = HashMap::with_capacity(customers.len());
        for chunk in customers.chunks(10_000) {
            let rows: Vec<Payee> = sqlx::query_as(
                "SELECT c.id, c.username,
                        (SELECT a.id FROM payment_accounts a
                          WHERE a.customer_id = c.id AND a.archived_at IS NULL
                          ORDER BY a.is_default DESC, a.id LIMIT 1) AS account_id
                   FROM customers c WHERE c.id IN (SELECT value FROM json_each(?))",
            )
            .bind(serde_json::to_string(chunk).expect("ids serialise"))
            .fetch_all(tx.conn())
            .await?;
            payees.extend(rows.into_iter().map(|payee| (payee.id, payee)));
        }
        let accounts: Vec<AccountId> = payees.values().filter_map(|p| p.account_id).collect();
        let mut paid_to: HashMap<AccountId, Paid> = HashMap::with_capacity(accounts.len());
        for chunk in accounts.chunks(10_000) {
            let rows: Vec<AccountRow> = sqlx::query_as(
                "SELECT * FROM payment_accounts WHERE id IN (SELECT value FROM json_each(?))",
            )
            .bind(serde_json::to_string(chunk).expect("ids serialise"))
            .fetch_all(tx.conn())
            .await?;
            for row in rows {
                let details = row.details()?;
                let snapshot = serde_json::to_string(&details).expect("account details serialise");
                paid_to.insert(
                    row.id,
                    Paid {
                        row,
                        details,
                        snapshot,
                    },
                );
            }
        }
        let account_of = |request: &Payable| {
            let payee = &payees[&request.customer_id];
            payee.account_id.map(|id| (payee, &paid_to[&id]))
        };
        let (payable, without): (Vec<Payable>, Vec<Payable>) = payable
            .into_iter()
            .partition(|request| account_of(request).is_some());
        let mut paid = PaidAll {
            without_account: without.len() as i64,
            without_account_numbers: without
                .iter()
                .take(LISTED)
                .map(|request| request.id.to_string())
                .collect(),
            ..PaidAll::default()
        };
        let at = tx.at();
        for chunk in payable.chunks(PER_INSERT) {
            let mut rows = Vec::with_capacity(chunk.len());
            let mut diffs = HashMap::with_capacity(chunk.len());
            for request in chunk {
                let (payee, account) = account_of(request).expect("partitioned above");
                let amount = Money::stored(request.amount_minor, &request.currency)?;
                let diff = self.created_diff(
                    request.id,
                    &payee.username,
                    &amount,
                    &account.details,
                    &description,
                );
                diffs.insert(request.id, diff);
                rows.push((
                    Uuid::now_v7().simple().to_string(),
                    request.id,
                    request.customer_id,
                    request.amount_minor,
                    &request.currency,
                    account.details.method(),
                    account.row.id,
                    &account.snapshot,
                ));
            }
            let mut made: Vec<(PayoutId, RequestId)> = sqlx::query_as(
                "INSERT INTO payouts (uuid, request_id, customer_id, amount_minor, currency, method,
                                      account_id, account_snapshot, description, created_at,
                                      updated_at, status_at)
                 SELECT unhex(value ->> 0), value ->> 1, value ->> 2, value ->> 3, value ->> 4,
                        value ->> 5, value ->> 6, value ->> 7, ?2, ?3, ?3, ?3
                   FROM json_each(?1) ORDER BY key
                 RETURNING id, request_id",
            )
            .bind(serde_json::to_string(&rows).expect("payout rows serialise"))
            .bind(&description)
            .bind(&at)
            .fetch_all(tx.conn())
            .await?;
            made.sort_unstable();
            for (id, request) in made {
                let diff = diffs.remove(&request).expect("one row per request");
                tx.record(Event {
                    action: Action::Create,
                    record: Record::Payout(id),
                    diff,
                    note: "",
                })
                .await?;
                paid.first = paid.first.or(Some(id));
                paid.last = Some(id);
                paid.created += 1;
            }
        }
        if paid.created == 0 {
            // Nothing changed: no event, nothing to commit.
            return Ok(paid);
        }
        tx.commit().await?;
        Ok(paid)
    }
}
