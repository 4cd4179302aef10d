//! Payouts: the record of paying an approved request, outside the app, to a payment account.
//!
//! Invariants: a payout is made only from an approved request whose customer has an active
//! payment account; amount and currency are copied from the request; the account is
//! snapshotted, so later edits of the account never change the record; at most one payout per
//! request is open, neither Failed nor Cancelled (a unique index backs this up); a create carrying an idempotency key
//! that was used before returns the first payout instead of making a second.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::accounts::{AccountDetails, AccountRow, AccountSummary};
use crate::audit::{Action, Diff, Event, Origin, Record};
use crate::error::{Error, Result};
use crate::ids::{AccountId, CustomerId, PayoutId, RequestId};
use crate::money::Money;
use crate::refusal::Refusal;
use crate::requests::{Request, RequestStatus};
use crate::retries::{attempt_key, Made};
use crate::text::{self, Lines};
use crate::Ledger;

pub(crate) mod list;
pub(crate) mod paid;
pub(crate) mod pay_all;
pub(crate) mod status;

pub use crate::lifecycle::{FailureReason, PaidVia, PayoutStatus};
pub use list::{Cursor, PayoutList, PayoutQuery, PayoutSort, BROAD, COUNT_CAP, WALK};
pub use paid::Payment;
pub use pay_all::PaidAll;
pub use status::{BulkOutcome, PayoutDetail, PayoutEdit, Retry, Skipped, StatusChange};

#[derive(Debug, Clone, Deserialize)]
pub struct NewPayout {
    pub request_id: RequestId,
    /// The account to pay; `None` takes the customer's default.
    #[serde(default)]
    pub account_id: Option<AccountId>,
    #[serde(default)]
    pub description: String,
    /// Chosen by the UI once per create dialog; a retry with the same key is harmless.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

impl NewPayout {
    /// A payout of `request_id` to the customer's default account, without a description.
    pub fn for_request(request_id: RequestId) -> NewPayout {
        NewPayout {
            request_id,
            account_id: None,
            description: String::new(),
            idempotency_key: None,
        }
    }
}

/// What "Add cashback payout" shows before the user confirms.
#[derive(Debug, Clone, Serialize)]
pub struct PayoutPreview {
    pub request: Request,
    /// Active accounts, default first, masked.
    pub accounts: Vec<AccountSummary>,
}

/// A payout as the list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Payout {
    pub id: PayoutId,
    /// "PO-000123"
    pub number: String,
    pub uuid: Uuid,
    pub request_id: RequestId,
    pub request_number: String,
    pub customer_id: CustomerId,
    pub username: String,
    pub display_name: String,
    pub amount: Money,
    pub method: String,
    /// The snapshot of the account, masked.
    pub account: String,
    pub status: PayoutStatus,
    pub description: String,
    pub external_reference: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The day it was really paid (a statement's booking day, or the day said when it was
    /// marked Success); `None` unless it is Success.
    pub paid_on: Option<String>,
    /// How it was paid; `None` unless it is Success (and for payouts paid before the way was
    /// recorded).
    pub paid_via: Option<PaidVia>,
    /// What paying it cost, in the fee's own currency, when a statement or the owner said.
    pub fee: Option<Money>,
    /// Why it failed; `None` unless it is Failed (and for payouts that failed before reasons
    /// were recorded).
    pub failure_reason: Option<FailureReason>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct PayoutRow {
    pub(crate) id: PayoutId,
    uuid: Uuid,
    request_id: RequestId,
    customer_id: CustomerId,
    username: String,
    display_name: String,
    amount_minor: i64,
    currency: String,
    method: String,
    account_snapshot: String,
    status: PayoutStatus,
    description: String,
    external_reference: Option<String>,
    created_at: String,
    updated_at: String,
    paid_on: Option<String>,
    fee_minor: Option<i64>,
    fee_currency: Option<String>,
    failure_reason: Option<FailureReason>,
    paid_via: Option<PaidVia>,
}

pub(crate) const SELECT_PAYOUT: &str = "
    SELECT p.id, p.uuid, p.request_id, p.customer_id, c.username, c.display_name, p.amount_minor,
           p.currency, p.method, p.account_snapshot, p.status, p.description, p.external_reference,
           p.created_at, p.updated_at, p.paid_on, p.fee_minor, p.fee_currency, p.failure_reason,
           p.paid_via
      FROM payouts p JOIN customers c ON c.id = p.customer_id";

impl TryFrom<PayoutRow> for Payout {
    type Error = Error;
    fn try_from(row: PayoutRow) -> Result<Payout> {
        let snapshot: AccountDetails =
            serde_json::from_str(&row.account_snapshot).map_err(|_| damaged_snapshot(row.id))?;
        Ok(Payout {
            number: row.id.to_string(),
            request_number: row.request_id.to_string(),
            id: row.id,
            uuid: row.uuid,
            request_id: row.request_id,
            customer_id: row.customer_id,
            username: row.username,
            display_name: row.display_name,
            amount: Money::stored(row.amount_minor, &row.currency)?,
            method: row.method,
            account: snapshot.masked(),
            status: row.status,
            description: row.description,
            external_reference: row.external_reference,
            created_at: row.created_at,
            updated_at: row.updated_at,
            paid_on: row.paid_on,
            paid_via: row.paid_via,
            fee: row
                .fee_minor
                .map(|fee| Money::stored(fee, row.fee_currency.as_deref().unwrap_or(&row.currency)))
                .transpose()?,
            failure_reason: row.failure_reason,
        })
    }
}

/// The customer's active account a payout pays: `chosen`, or else their default. `None` when
/// they have no active account; a chosen account that is not one of theirs, or archived, is
/// refused next to its field.
pub(crate) async fn account_to_pay(
    conn: &mut sqlx::SqliteConnection,
    customer_id: CustomerId,
    chosen: Option<AccountId>,
) -> Result<Option<AccountRow>> {
    let account: Option<AccountRow> = sqlx::query_as(
        "SELECT * FROM payment_accounts
          WHERE customer_id = ?1 AND archived_at IS NULL AND (?2 IS NULL OR id = ?2)
          ORDER BY is_default DESC, id LIMIT 1",
    )
    .bind(customer_id)
    .bind(chosen)
    .fetch_optional(conn)
    .await?;
    if account.is_none() && chosen.is_some() {
        return Err(Error::validation(
            "account_id",
            "Choose one of the customer's active payment accounts.",
        ));
    }
    Ok(account)
}

fn payable(request: &Request) -> Result<(), Refusal> {
    match (request.status, request.open_payout) {
        (RequestStatus::Pending, _) => Err(Refusal::RequestNotApproved(request.id)),
        (RequestStatus::Rejected, _) => Err(Refusal::RequestRejected(request.id)),
        (RequestStatus::Voided, _) => Err(Refusal::RequestVoided(request.id)),
        (RequestStatus::Approved, Some(open)) => Err(Refusal::RequestAlreadyPaid {
            request: request.id,
            open,
        }),
        (RequestStatus::Approved, None) => Ok(()),
    }
}

impl Ledger {
    /// The request and the accounts a payout for it could use; refuses what cannot be paid.
    pub async fn payout_preview(&self, request_id: RequestId) -> Result<PayoutPreview> {
        let request = self.request(request_id).await?;
        payable(&request)?;
        let accounts = self.customer_accounts(request.customer_id).await?;
        if accounts.is_empty() {
            return Err(no_account(&request));
        }
        Ok(PayoutPreview { request, accounts })
    }

    pub async fn create_payout(&self, origin: &Origin, input: &NewPayout) -> Result<Payout> {
        let description = text::optional(
            "description",
            "Description",
            &input.description,
            1000,
            Lines::Many,
        )?
        .unwrap_or_default();
        let key = attempt_key(input.idempotency_key.as_deref())?;
        let mut tx = self.begin_write(origin).await?;
        if let Some(id) = tx.made_before(Made::Payout, key.as_deref()).await? {
            return self.payout(PayoutId(id)).await;
        }
        // Read again inside the write lock: another window may have paid the request meanwhile.
        let request = self.request_in(tx.conn(), input.request_id).await?;
        payable(&request)?;
        let account = account_to_pay(tx.conn(), request.customer_id, input.account_id)
            .await?
            .ok_or_else(|| no_account(&request))?;
        let details = account.details()?;
        let snapshot = serde_json::to_string(&details).expect("account details serialise");
        let at = tx.at();
        let id: PayoutId = sqlx::query_scalar(
            "INSERT INTO payouts (uuid, request_id, customer_id, amount_minor, currency, method, account_id,
                                  account_snapshot, description, idempotency_key, created_at, updated_at,
                                  status_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?11) RETURNING id",
        )
        .bind(Uuid::now_v7())
        .bind(request.id)
        .bind(request.customer_id)
        .bind(request.amount.minor())
        .bind(request.amount.currency().code())
        .bind(details.method())
        .bind(account.id)
        .bind(&snapshot)
        .bind(&description)
        .bind(&key)
        .bind(&at)
        .fetch_one(tx.conn())
        .await?;
        let diff = self.created_diff(
            request.id,
            &request.username,
            &request.amount,
            &details,
            &description,
        );
        tx.record(Event {
            action: Action::Create,
            record: Record::Payout(id),
            diff,
            note: "",
        })
        .await?;
        tx.commit().await?;
        self.payout(id).await
    }

    /// The fields of a new payout's audit event, for one made alone or with many.
    pub(crate) fn created_diff(
        &self,
        request: RequestId,
        username: &str,
        amount: &Money,
        details: &AccountDetails,
        description: &str,
    ) -> Diff {
        Diff::new()
            .created("request", request.to_string())
            .created("customer", username)
            .created("amount", amount.to_string())
            .created("method", details.method())
            .created("account", details.masked())
            .created("account_seal", self.account_seal(details))
            .created("status", PayoutStatus::Pending)
            .created("description", description)
    }

    pub async fn payout(&self, id: PayoutId) -> Result<Payout> {
        let row: PayoutRow = sqlx::query_as(&format!("{SELECT_PAYOUT} WHERE p.id = ?"))
            .bind(id)
            .fetch_optional(&self.reader)
            .await?
            .ok_or_else(|| not_found(id))?;
        row.try_into()
    }

    /// The payouts of `ids` that exist, in one query.
    pub(crate) async fn payouts_by_ids(
        &self,
        ids: &[PayoutId],
    ) -> Result<HashMap<PayoutId, Payout>> {
        let rows: Vec<PayoutRow> = sqlx::query_as(&format!(
            "{SELECT_PAYOUT} WHERE p.id IN (SELECT value FROM json_each(?))"
        ))
        .bind(serde_json::to_string(ids).expect("ids serialise"))
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter()
            .map(|row| Payout::try_from(row).map(|p| (p.id, p)))
            .collect()
    }

    /// The payouts of `ids` that exist, each with the full account it was made to, read 500 at
    /// a time; for the ledger's own files only.
    pub(crate) async fn payouts_with_accounts(
        &self,
        ids: &[PayoutId],
    ) -> Result<HashMap<PayoutId, (Payout, AccountDetails)>> {
        let mut found = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut sql = QueryBuilder::new(SELECT_PAYOUT);
            sql.push(" WHERE p.id IN (");
            let mut list = sql.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            sql.push(")");
            let rows: Vec<PayoutRow> = sql.build_query_as().fetch_all(&self.reader).await?;
            for row in rows {
                let details: AccountDetails = serde_json::from_str(&row.account_snapshot)
                    .map_err(|_| damaged_snapshot(row.id))?;
                let payout = Payout::try_from(row)?;
                found.insert(payout.id, (payout, details));
            }
        }
        Ok(found)
    }

    /// A customer's latest `limit` payouts, newest first.
    pub async fn customer_payouts(
        &self,
        customer_id: CustomerId,
        limit: i64,
    ) -> Result<Vec<Payout>> {
        let rows: Vec<PayoutRow> = sqlx::query_as(&format!(
            "{SELECT_PAYOUT} WHERE p.customer_id = ? ORDER BY p.id DESC LIMIT ?"
        ))
        .bind(customer_id)
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter().map(Payout::try_from).collect()
    }

    pub async fn payout_history(&self, id: PayoutId) -> Result<Vec<crate::AuditEvent>> {
        self.payout(id).await?;
        self.history(Record::Payout(id)).await
    }
}

pub(crate) fn not_found(id: PayoutId) -> Error {
    Error::NotFound(format!("There is no payout {id}."))
}

pub(crate) fn damaged_snapshot(id: PayoutId) -> Error {
    Error::Storage(format!("Payout {id} has a damaged account snapshot."))
}

fn no_account(request: &Request) -> Error {
    Refusal::NoPaymentAccount {
        name: request.display_name.clone(),
        username: request.username.clone(),
    }
    .into()
}
