//! Payment accounts: where a customer wants to be paid, by bank transfer or a digital wallet.
//!
//! Invariants: details are validated and normalised before they are stored; lists carry only a
//! masked form ([`AccountSummary`]); the full details ([`AccountDetails`]) leave the ledger only
//! as a payout's snapshot through an audited reveal. A customer's first account is the default.

use serde::Serialize;
use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;
use sqlx::Sqlite;
use uuid::Uuid;

use crate::audit::{Action, Diff, Event, Origin, Record, WriteTx};
use crate::error::{Error, Result};
use crate::ids::{AccountId, CustomerId};
use crate::refusal::Refusal;
use crate::retries::{attempt_key, Made};
use crate::Ledger;

mod details;
mod input;

pub use details::{AccountDetails, AccountField, HandleKind, Provider};
pub use input::AccountInput;

pub(crate) use input::clean;

/// An account as lists show it: masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountSummary {
    pub id: AccountId,
    pub number: String,
    pub customer_id: CustomerId,
    pub method: &'static str,
    pub is_default: bool,
    pub archived: bool,
    pub masked: String,
    /// The fields with secret ones masked, for an edit form or a detail view.
    pub fields: Vec<AccountField>,
}

/// Binds the 11 detail columns, in the order `kind, holder_name, bank_name, account_number,
/// iban, routing_number, bic, country, provider, handle_kind, handle`.
fn bind_details<'q>(
    query: Query<'q, Sqlite, SqliteArguments<'q>>,
    details: &'q AccountDetails,
) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    let query = query.bind(details.method());
    match details {
        AccountDetails::Bank {
            holder_name,
            bank_name,
            account_number,
            iban,
            routing_number,
            bic,
            country,
        } => query
            .bind(holder_name)
            .bind(bank_name)
            .bind(account_number)
            .bind(iban)
            .bind(routing_number)
            .bind(bic)
            .bind(country)
            .bind(None::<Provider>)
            .bind(None::<HandleKind>)
            .bind(None::<String>),
        AccountDetails::Digital {
            provider,
            handle_kind,
            handle,
        } => query
            .bind(None::<String>)
            .bind(None::<String>)
            .bind(None::<String>)
            .bind(None::<String>)
            .bind(None::<String>)
            .bind(None::<String>)
            .bind(None::<String>)
            .bind(provider)
            .bind(handle_kind)
            .bind(handle),
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    pub id: AccountId,
    pub customer_id: CustomerId,
    pub kind: String,
    pub is_default: bool,
    pub holder_name: Option<String>,
    pub bank_name: Option<String>,
    pub account_number: Option<String>,
    pub iban: Option<String>,
    pub routing_number: Option<String>,
    pub bic: Option<String>,
    pub country: Option<String>,
    pub provider: Option<Provider>,
    pub handle_kind: Option<HandleKind>,
    pub handle: Option<String>,
    pub archived_at: Option<String>,
}

impl AccountRow {
    pub(crate) fn details(&self) -> Result<AccountDetails> {
        match (
            self.kind.as_str(),
            self.provider,
            self.handle_kind,
            &self.handle,
        ) {
            ("digital", Some(provider), Some(handle_kind), Some(handle)) => {
                Ok(AccountDetails::Digital {
                    provider,
                    handle_kind,
                    handle: handle.clone(),
                })
            }
            ("bank", ..) => Ok(AccountDetails::Bank {
                holder_name: self.holder_name.clone().unwrap_or_default(),
                bank_name: self.bank_name.clone(),
                account_number: self.account_number.clone(),
                iban: self.iban.clone(),
                routing_number: self.routing_number.clone(),
                bic: self.bic.clone(),
                country: self.country.clone(),
            }),
            _ => Err(Error::Storage(format!(
                "Payment account {} is damaged in the book.",
                self.id
            ))),
        }
    }

    pub(crate) fn summary(&self) -> Result<AccountSummary> {
        let details = self.details()?;
        Ok(AccountSummary {
            id: self.id,
            number: self.id.to_string(),
            customer_id: self.customer_id,
            method: details.method(),
            is_default: self.is_default,
            archived: self.archived_at.is_some(),
            masked: details.masked(),
            fields: details.fields(false),
        })
    }
}

/// Adds the account `details` of `customer_id` in `tx`, with its creation event (the caller
/// commits); `seal` is [`Ledger::account_seal`]'s for the details. The customer's first active
/// account becomes the default.
pub(crate) async fn insert(
    tx: &mut WriteTx<'_>,
    customer_id: CustomerId,
    details: &AccountDetails,
    seal: Option<String>,
    key: Option<&str>,
) -> Result<AccountId> {
    let active: Option<i64> = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM payment_accounts WHERE customer_id = c.id AND archived_at IS NULL)
               FROM customers c WHERE c.id = ?",
        )
        .bind(customer_id)
        .fetch_optional(tx.conn())
        .await?;
    let Some(active) = active else {
        return Err(crate::customers::not_found(customer_id));
    };
    let is_default = active == 0;
    let at = tx.at();
    let insert = sqlx::query(
            "INSERT INTO payment_accounts
                 (kind, holder_name, bank_name, account_number, iban, routing_number, bic, country,
                  provider, handle_kind, handle, uuid, customer_id, is_default, created_at, updated_at,
                  idempotency_key)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
    let id = AccountId(
        bind_details(insert, details)
            .bind(Uuid::now_v7())
            .bind(customer_id)
            .bind(is_default)
            .bind(&at)
            .bind(&at)
            .bind(key)
            .execute(tx.conn())
            .await?
            .last_insert_rowid(),
    );
    // The trail records the masked form: full numbers never reach the audit log either.
    let diff = Diff::new()
        .created("customer", customer_id.to_string())
        .created("account", details.masked())
        .created("account_seal", seal)
        .created("is_default", is_default);
    tx.record(Event {
        action: Action::Create,
        record: Record::PaymentAccount(id),
        diff,
        note: "",
    })
    .await?;
    Ok(id)
}

impl Ledger {
    /// Adds a payment account; the customer's first active account becomes the default.
    pub async fn add_payment_account(
        &self,
        origin: &Origin,
        customer_id: CustomerId,
        input: &AccountInput,
    ) -> Result<AccountSummary> {
        self.add_payment_account_once(origin, customer_id, input, None)
            .await
    }

    /// [`Ledger::add_payment_account`] as one attempt of a create that may be retried (see
    /// [`crate::retries`]).
    pub async fn add_payment_account_once(
        &self,
        origin: &Origin,
        customer_id: CustomerId,
        input: &AccountInput,
        key: Option<&str>,
    ) -> Result<AccountSummary> {
        let details = clean(input)?;
        let key = attempt_key(key)?;
        let mut tx = self.begin_write(origin).await?;
        if let Some(id) = tx.made_before(Made::PaymentAccount, key.as_deref()).await? {
            return self.payment_account(AccountId(id)).await;
        }
        let seal = self.account_seal(&details);
        let id = insert(&mut tx, customer_id, &details, seal, key.as_deref()).await?;
        tx.commit().await?;
        self.payment_account(id).await
    }

    async fn payment_account(&self, id: AccountId) -> Result<AccountSummary> {
        account_row(&mut *self.reader.acquire().await?, id)
            .await?
            .summary()
    }

    /// Replaces an account's details. Payouts made to it keep their snapshot.
    pub async fn edit_payment_account(
        &self,
        origin: &Origin,
        id: AccountId,
        input: &AccountInput,
    ) -> Result<AccountSummary> {
        let details = clean(input)?;
        let mut tx = self.begin_write(origin).await?;
        let old = account_row(tx.conn(), id).await?;
        if old.archived_at.is_some() {
            return Err(Refusal::AccountArchived(id).into());
        }
        let old = old.details()?;
        if old == details {
            return self.payment_account(id).await;
        }
        let at = tx.at();
        let update = sqlx::query(
            "UPDATE payment_accounts
                SET kind = ?, holder_name = ?, bank_name = ?, account_number = ?, iban = ?,
                    routing_number = ?, bic = ?, country = ?, provider = ?, handle_kind = ?,
                    handle = ?, updated_at = ?
              WHERE id = ?",
        );
        bind_details(update, &details)
            .bind(&at)
            .bind(id)
            .execute(tx.conn())
            .await?;
        let diff = Diff::new()
            .field("account", old.masked(), details.masked())
            .field(
                "account_seal",
                self.account_seal(&old),
                self.account_seal(&details),
            );
        tx.commit_with(Event {
            action: Action::Update,
            record: Record::PaymentAccount(id),
            diff,
            note: "",
        })
        .await?;
        self.payment_account(id).await
    }

    /// Makes `id` the customer's default account.
    pub async fn set_default_account(
        &self,
        origin: &Origin,
        id: AccountId,
    ) -> Result<AccountSummary> {
        let mut tx = self.begin_write(origin).await?;
        let row = account_row(tx.conn(), id).await?;
        if row.archived_at.is_some() {
            return Err(Refusal::ArchivedCannotBeDefault(id).into());
        }
        if row.is_default {
            return self.payment_account(id).await;
        }
        let at = tx.at();
        let previous: Option<AccountId> = sqlx::query_scalar(
            "UPDATE payment_accounts SET is_default = 0, updated_at = ?
              WHERE customer_id = ? AND is_default = 1 RETURNING id",
        )
        .bind(&at)
        .bind(row.customer_id)
        .fetch_optional(tx.conn())
        .await?;
        sqlx::query("UPDATE payment_accounts SET is_default = 1, updated_at = ? WHERE id = ?")
            .bind(&at)
            .bind(id)
            .execute(tx.conn())
            .await?;
        tx.commit_with(Event {
            action: Action::Default,
            record: Record::PaymentAccount(id),
            diff: Diff::new().field(
                "default_account",
                previous.map(|p| p.to_string()),
                id.to_string(),
            ),
            note: "",
        })
        .await?;
        self.payment_account(id).await
    }

    /// Archives an account: it is kept (payouts made to it keep their snapshot) but no longer
    /// offered for new payouts. If it was the default, the oldest other active account is.
    pub async fn archive_payment_account(
        &self,
        origin: &Origin,
        id: AccountId,
    ) -> Result<AccountSummary> {
        let mut tx = self.begin_write(origin).await?;
        let row = account_row(tx.conn(), id).await?;
        if row.archived_at.is_some() {
            return Err(Refusal::AccountAlreadyArchived(id).into());
        }
        let at = tx.at();
        sqlx::query(
            "UPDATE payment_accounts SET archived_at = ?, is_default = 0, updated_at = ? WHERE id = ?",
        )
        .bind(&at)
        .bind(&at)
        .bind(id)
        .execute(tx.conn())
        .await?;
        let mut diff = Diff::new().field("archived", false, true);
        if row.is_default {
            let next: Option<AccountId> = sqlx::query_scalar(
                "UPDATE payment_accounts SET is_default = 1, updated_at = ?1
                  WHERE id = (SELECT id FROM payment_accounts
                               WHERE customer_id = ?2 AND archived_at IS NULL ORDER BY id LIMIT 1)
                  RETURNING id",
            )
            .bind(&at)
            .bind(row.customer_id)
            .fetch_optional(tx.conn())
            .await?;
            diff = diff.field(
                "default_account",
                id.to_string(),
                next.map(|n| n.to_string()),
            );
        }
        tx.commit_with(Event {
            action: Action::Archive,
            record: Record::PaymentAccount(id),
            diff,
            note: "",
        })
        .await?;
        self.payment_account(id).await
    }

    /// The full details of an account, for the person who pays; leaves a `reveal` event.
    pub async fn reveal_payment_account(
        &self,
        origin: &Origin,
        id: AccountId,
    ) -> Result<Vec<AccountField>> {
        let mut tx = self.begin_write(origin).await?;
        let details = account_row(tx.conn(), id).await?.details()?;
        tx.commit_with(Event {
            action: Action::Reveal,
            record: Record::PaymentAccount(id),
            diff: Diff::new(),
            note: "Payment account shown in full.",
        })
        .await?;
        Ok(details.fields(true))
    }

    /// All of a customer's accounts, active ones first (default first), then archived.
    pub async fn all_customer_accounts(
        &self,
        customer_id: CustomerId,
    ) -> Result<Vec<AccountSummary>> {
        let rows: Vec<AccountRow> = sqlx::query_as(
            "SELECT * FROM payment_accounts WHERE customer_id = ?
              ORDER BY archived_at IS NOT NULL, is_default DESC, id",
        )
        .bind(customer_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(AccountRow::summary).collect()
    }

    /// A customer's active accounts, default first, masked.
    pub async fn customer_accounts(&self, customer_id: CustomerId) -> Result<Vec<AccountSummary>> {
        let rows: Vec<AccountRow> = sqlx::query_as(
            "SELECT * FROM payment_accounts WHERE customer_id = ? AND archived_at IS NULL
              ORDER BY is_default DESC, id",
        )
        .bind(customer_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(AccountRow::summary).collect()
    }
}

async fn account_row(conn: &mut sqlx::SqliteConnection, id: AccountId) -> Result<AccountRow> {
    sqlx::query_as("SELECT * FROM payment_accounts WHERE id = ?")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("There is no payment account {id}.")))
}
