//! Payouts: the record of paying an approved request, outside the app, to a payment account.
//!
//! Invariants: a payout is made only from an approved request whose customer has an active
//! payment account; amount and currency are copied from the request; the account is
//! snapshotted, so later edits of the account never change the record; at most one payout per
//! request is not Failed (a unique index backs this up); a create carrying an idempotency key
//! that was used before returns the first payout instead of making a second.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::accounts::{AccountDetails, AccountRow, AccountSummary};
use crate::audit::{Diff, Entity, Event, Origin};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::requests::{stored_money, Request, RequestStatus};
use crate::text::{self, Lines};
use crate::Ledger;

pub(crate) mod list;
pub(crate) mod search;
pub(crate) mod status;

pub use list::{PayoutList, PayoutQuery, PayoutSort, BROAD, COUNT_CAP};
pub use status::{BulkOutcome, PayoutDetail, PayoutEdit, Skipped, StatusChange};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum PayoutStatus {
    Pending,
    OnProcess,
    Success,
    Failed,
}

impl PayoutStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PayoutStatus::Pending => "pending",
            PayoutStatus::OnProcess => "on_process",
            PayoutStatus::Success => "success",
            PayoutStatus::Failed => "failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PayoutStatus::Pending => "Pending",
            PayoutStatus::OnProcess => "On Process",
            PayoutStatus::Success => "Success",
            PayoutStatus::Failed => "Failed",
        }
    }

    /// The moves of PRODUCT.md: Pending → On Process / Success / Failed; On Process → Success /
    /// Failed / Pending; Failed → Pending (retry); Success → Failed (returned, note required).
    pub fn can_move_to(self, to: PayoutStatus) -> bool {
        use PayoutStatus::*;
        matches!(
            (self, to),
            (Pending, OnProcess | Success | Failed)
                | (OnProcess, Success | Failed | Pending)
                | (Failed, Pending)
                | (Success, Failed)
        )
    }

    /// A move that must carry a note saying why.
    pub fn needs_note(self, to: PayoutStatus) -> bool {
        self == PayoutStatus::Success && to == PayoutStatus::Failed
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewPayout {
    pub request_id: i64,
    /// The account to pay; `None` takes the customer's default.
    #[serde(default)]
    pub account_id: Option<i64>,
    #[serde(default)]
    pub description: String,
    /// Chosen by the UI once per create dialog; a retry with the same key is harmless.
    #[serde(default)]
    pub idempotency_key: Option<String>,
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
    pub id: i64,
    /// "PO-000123"
    pub number: String,
    pub uuid: Uuid,
    pub request_id: i64,
    pub request_number: String,
    pub customer_id: i64,
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
}

#[derive(sqlx::FromRow)]
pub(crate) struct PayoutRow {
    pub(crate) id: i64,
    uuid: Uuid,
    request_id: i64,
    customer_id: i64,
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
}

pub(crate) const SELECT_PAYOUT: &str = "
    SELECT p.id, p.uuid, p.request_id, p.customer_id, c.username, c.display_name, p.amount_minor,
           p.currency, p.method, p.account_snapshot, p.status, p.description, p.external_reference,
           p.created_at, p.updated_at
      FROM payouts p JOIN customers c ON c.id = p.customer_id";

impl TryFrom<PayoutRow> for Payout {
    type Error = Error;
    fn try_from(row: PayoutRow) -> Result<Payout> {
        let snapshot: AccountDetails =
            serde_json::from_str(&row.account_snapshot).map_err(|_| damaged_snapshot(row.id))?;
        Ok(Payout {
            number: format!("PO-{:06}", row.id),
            request_number: format!("IR-{:06}", row.request_id),
            id: row.id,
            uuid: row.uuid,
            request_id: row.request_id,
            customer_id: row.customer_id,
            username: row.username,
            display_name: row.display_name,
            amount: stored_money(row.amount_minor, &row.currency)?,
            method: row.method,
            account: snapshot.masked(),
            status: row.status,
            description: row.description,
            external_reference: row.external_reference,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

fn payable(request: &Request) -> Result<()> {
    match request.status {
        RequestStatus::Approved => {}
        RequestStatus::Pending => {
            return Err(Error::Precondition(format!(
            "Request {} is not approved yet. Approve it on the Incentive requests screen first.",
            request.number
        )))
        }
        RequestStatus::Rejected => {
            return Err(Error::Precondition(format!(
                "Request {} was rejected; it cannot be paid.",
                request.number
            )))
        }
    }
    if let Some(open) = &request.open_payout {
        return Err(Error::Conflict(format!(
            "Request {} already has payout {open}, which is not Failed.",
            request.number
        )));
    }
    Ok(())
}

impl Ledger {
    /// The request and the accounts a payout for it could use; refuses what cannot be paid.
    pub async fn payout_preview(&self, request_id: i64) -> Result<PayoutPreview> {
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
        let key = match &input.idempotency_key {
            Some(key) => Some(text::required(
                "idempotency_key",
                "Idempotency key",
                key,
                100,
                Lines::One,
            )?),
            None => None,
        };
        if let Some(key) = &key {
            if let Some(id) = self.payout_by_key(key).await? {
                return self.payout(id).await;
            }
        }
        let mut tx = self.begin_write(origin).await?;
        // Read again inside the write lock: another window may have paid the request meanwhile.
        let request = self.request_in(tx.conn(), input.request_id).await?;
        payable(&request)?;
        let account: Option<AccountRow> = sqlx::query_as(
            "SELECT * FROM payment_accounts
              WHERE customer_id = ?1 AND archived_at IS NULL AND (?2 IS NULL OR id = ?2)
              ORDER BY is_default DESC, id LIMIT 1",
        )
        .bind(request.customer_id)
        .bind(input.account_id)
        .fetch_optional(tx.conn())
        .await?;
        let account = match (account, input.account_id) {
            (Some(account), _) => account,
            (None, Some(_)) => {
                return Err(Error::validation(
                    "account_id",
                    "Choose one of the customer's active payment accounts.",
                ))
            }
            (None, None) => return Err(no_account(&request)),
        };
        let details = account.details()?;
        let snapshot = serde_json::to_string(&details).expect("account details serialise");
        let at = tx.at();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO payouts (uuid, request_id, customer_id, amount_minor, currency, method, account_id,
                                  account_snapshot, description, idempotency_key, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
        .bind(&at)
        .fetch_one(tx.conn())
        .await?;
        let diff = Diff::new()
            .created("request", &request.number)
            .created("customer", &request.username)
            .created("amount", request.amount.to_string())
            .created("method", details.method())
            .created("account", details.masked())
            .created("status", PayoutStatus::Pending)
            .created("description", &description);
        tx.record(Event {
            action: "create",
            entity: Entity::Payout,
            entity_id: Some(id),
            diff,
            note: "",
        })
        .await?;
        search::index_payouts(tx.conn(), search::Scope::Payout(id)).await?;
        tx.commit().await?;
        self.payout(id).await
    }

    async fn payout_by_key(&self, key: &str) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM payouts WHERE idempotency_key = ?")
                .bind(key)
                .fetch_optional(&self.reader)
                .await?,
        )
    }

    pub async fn payout(&self, id: i64) -> Result<Payout> {
        let row: PayoutRow = sqlx::query_as(&format!("{SELECT_PAYOUT} WHERE p.id = ?"))
            .bind(id)
            .fetch_optional(&self.reader)
            .await?
            .ok_or_else(|| Error::NotFound(format!("There is no payout PO-{id:06}.")))?;
        row.try_into()
    }

    /// The payouts of `ids` that exist, in one query.
    pub(crate) async fn payouts_by_ids(&self, ids: &[i64]) -> Result<HashMap<i64, Payout>> {
        let rows: Vec<PayoutRow> = sqlx::query_as(&format!(
            "{SELECT_PAYOUT} WHERE p.id IN (SELECT value FROM json_each(?))"
        ))
        .bind(serde_json::Value::from(ids).to_string())
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
        ids: &[i64],
    ) -> Result<HashMap<i64, (Payout, AccountDetails)>> {
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
    pub async fn customer_payouts(&self, customer_id: i64, limit: i64) -> Result<Vec<Payout>> {
        let rows: Vec<PayoutRow> = sqlx::query_as(&format!(
            "{SELECT_PAYOUT} WHERE p.customer_id = ? ORDER BY p.id DESC LIMIT ?"
        ))
        .bind(customer_id)
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter().map(Payout::try_from).collect()
    }

    pub async fn payout_history(&self, id: i64) -> Result<Vec<crate::AuditEvent>> {
        self.payout(id).await?;
        self.history(Entity::Payout, id).await
    }
}

pub(crate) fn damaged_snapshot(id: i64) -> Error {
    Error::Storage(format!("Payout PO-{id:06} has a damaged account snapshot."))
}

fn no_account(request: &Request) -> Error {
    Error::Precondition(format!(
        "{} ({}) has no payment account yet. Add one on the Customers screen, then create the payout.",
        request.display_name, request.username
    ))
}
