//! Payment accounts: where a customer wants to be paid, by bank transfer or a digital wallet.
//!
//! Invariants: details are validated and normalised before they are stored; lists carry only a
//! masked form ([`AccountSummary`]); the full details ([`AccountDetails`]) leave the ledger only
//! as a payout's snapshot through an audited reveal. A customer's first account is the default.

use serde::{Deserialize, Serialize};
use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;
use sqlx::Sqlite;
use uuid::Uuid;

use crate::audit::{Action, Diff, Event, Origin, Record};
use crate::error::{Error, Result};
use crate::ids::{AccountId, CustomerId};
use crate::refusal::Refusal;
use crate::text::{self, Lines};
use crate::{validate, Ledger};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum Provider {
    Paypal,
    Wise,
    Venmo,
    CashApp,
    Other,
}

impl Provider {
    pub fn label(self) -> &'static str {
        match self {
            Provider::Paypal => "PayPal",
            Provider::Wise => "Wise",
            Provider::Venmo => "Venmo",
            Provider::CashApp => "Cash App",
            Provider::Other => "Other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum HandleKind {
    Email,
    Phone,
    Username,
}

/// What the user types for a new account. Empty strings mean "not given".
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AccountInput {
    Bank {
        holder_name: String,
        #[serde(default)]
        bank_name: String,
        #[serde(default)]
        account_number: String,
        #[serde(default)]
        iban: String,
        #[serde(default)]
        routing_number: String,
        #[serde(default)]
        bic: String,
        #[serde(default)]
        country: String,
    },
    Digital {
        provider: Provider,
        handle_kind: HandleKind,
        handle: String,
    },
}

/// The full, validated details of an account: what a payout snapshots and a reveal shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AccountDetails {
    Bank {
        holder_name: String,
        bank_name: Option<String>,
        account_number: Option<String>,
        iban: Option<String>,
        routing_number: Option<String>,
        bic: Option<String>,
        country: Option<String>,
    },
    Digital {
        provider: Provider,
        handle_kind: HandleKind,
        handle: String,
    },
}

impl AccountDetails {
    pub fn method(&self) -> &'static str {
        match self {
            AccountDetails::Bank { .. } => "bank",
            AccountDetails::Digital { .. } => "digital",
        }
    }

    /// A one-line description that never shows more than the last four characters of a number
    /// or the first character of a handle: "Bank · Chase · acct •••• 6789".
    pub fn masked(&self) -> String {
        match self {
            AccountDetails::Bank {
                bank_name,
                account_number,
                iban,
                ..
            } => {
                let number = match (iban, account_number) {
                    (Some(iban), _) => format!("IBAN {} •••• {}", &iban[..2], last4(iban)),
                    (None, Some(number)) => format!("acct •••• {}", last4(number)),
                    (None, None) => String::new(),
                };
                match bank_name {
                    Some(bank) => format!("Bank · {bank} · {number}"),
                    None => format!("Bank · {number}"),
                }
            }
            AccountDetails::Digital {
                provider,
                handle_kind,
                handle,
            } => {
                format!(
                    "{} · {}",
                    provider.label(),
                    mask_handle(*handle_kind, handle)
                )
            }
        }
    }
}

/// One labelled field of an account, as the detail panel shows it (and a person copies it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountField {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
    /// Shown masked unless revealed.
    pub secret: bool,
}

impl AccountDetails {
    /// The fields of the account, in the order a bank or wallet form asks for them; secret ones
    /// (account number, IBAN, handle) masked unless `reveal`.
    pub fn fields(&self, reveal: bool) -> Vec<AccountField> {
        let plain = |key, label, value: &str| AccountField {
            key,
            label,
            value: value.to_owned(),
            secret: false,
        };
        let secret = |key, label, value: &str, masked: String| AccountField {
            key,
            label,
            value: if reveal { value.to_owned() } else { masked },
            secret: true,
        };
        match self {
            AccountDetails::Bank {
                holder_name,
                bank_name,
                account_number,
                iban,
                routing_number,
                bic,
                country,
            } => [
                Some(plain("holder_name", "Account holder", holder_name)),
                bank_name.as_deref().map(|v| plain("bank_name", "Bank", v)),
                iban.as_deref()
                    .map(|v| secret("iban", "IBAN", v, format!("{} •••• {}", &v[..2], last4(v)))),
                account_number.as_deref().map(|v| {
                    secret(
                        "account_number",
                        "Account number",
                        v,
                        format!("•••• {}", last4(v)),
                    )
                }),
                routing_number
                    .as_deref()
                    .map(|v| plain("routing_number", "Routing number", v)),
                bic.as_deref().map(|v| plain("bic", "SWIFT/BIC", v)),
                country.as_deref().map(|v| plain("country", "Country", v)),
            ]
            .into_iter()
            .flatten()
            .collect(),
            AccountDetails::Digital {
                provider,
                handle_kind,
                handle,
            } => {
                let label = match handle_kind {
                    HandleKind::Email => "Email",
                    HandleKind::Phone => "Phone",
                    HandleKind::Username => "Username",
                };
                vec![
                    plain("provider", "Provider", provider.label()),
                    secret("handle", label, handle, mask_handle(*handle_kind, handle)),
                ]
            }
        }
    }
}

fn last4(value: &str) -> &str {
    let start = value.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
    &value[start..]
}

fn mask_handle(kind: HandleKind, handle: &str) -> String {
    match kind {
        HandleKind::Email => match handle.split_once('@') {
            Some((local, domain)) => {
                format!("{}•••@{domain}", local.chars().next().unwrap_or('•'))
            }
            None => "•••".into(),
        },
        HandleKind::Phone => format!("•••• {}", last4(handle)),
        HandleKind::Username => {
            let first: String = handle.chars().take(2).collect();
            format!("{first}•••")
        }
    }
}

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

fn clean(input: &AccountInput) -> Result<AccountDetails> {
    let field = |name: &'static str, label: &str, value: &str, max: usize| {
        text::optional(name, label, value, max, Lines::One)
    };
    let check =
        |name: &'static str, value: Option<String>, rule: fn(&str) -> Result<String, String>| {
            value
                .map(|v| rule(&v).map_err(|message| Error::validation(name, message)))
                .transpose()
        };
    match input {
        AccountInput::Bank {
            holder_name,
            bank_name,
            account_number,
            iban,
            routing_number,
            bic,
            country,
        } => {
            let holder_name = text::required(
                "holder_name",
                "Account holder",
                holder_name,
                140,
                Lines::One,
            )?;
            let bank_name = field("bank_name", "Bank name", bank_name, 140)?;
            let account_number = field("account_number", "Account number", account_number, 34)?
                .map(|n| n.chars().filter(|c| !c.is_whitespace()).collect::<String>());
            if let Some(n) = &account_number {
                if !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                    return Err(Error::validation(
                        "account_number",
                        "An account number has only letters, digits and dashes.",
                    ));
                }
            }
            let iban = check("iban", field("iban", "IBAN", iban, 42)?, validate::iban)?;
            let routing_number = check(
                "routing_number",
                field("routing_number", "Routing number", routing_number, 11)?,
                validate::routing_number,
            )?;
            let bic = check("bic", field("bic", "SWIFT/BIC", bic, 14)?, validate::bic)?;
            let country = field("country", "Country", country, 2)?.map(|c| c.to_uppercase());
            if let Some(c) = &country {
                if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                    return Err(Error::validation(
                        "country",
                        "Use the two-letter country code, such as DE or US.",
                    ));
                }
            }
            if account_number.is_none() && iban.is_none() {
                return Err(Error::validation(
                    "account_number",
                    "Enter an account number or an IBAN.",
                ));
            }
            if let (Some(iban), Some(country)) = (&iban, &country) {
                if !iban.starts_with(country.as_str()) {
                    return Err(Error::validation(
                        "iban",
                        format!("This IBAN is from {}, not {country}.", &iban[..2]),
                    ));
                }
            }
            if let (Some(bic), Some(country)) = (&bic, &country) {
                if &bic[4..6] != country {
                    return Err(Error::validation(
                        "bic",
                        format!("This BIC is for a bank in {}, not {country}.", &bic[4..6]),
                    ));
                }
            }
            Ok(AccountDetails::Bank {
                holder_name,
                bank_name,
                account_number,
                iban,
                routing_number,
                bic,
                country,
            })
        }
        AccountInput::Digital {
            provider,
            handle_kind,
            handle,
        } => {
            let raw = text::required("handle", "Handle", handle, 254, Lines::One)?;
            let handle = match handle_kind {
                HandleKind::Email if text::is_email(&raw) => Ok(raw),
                HandleKind::Email => {
                    Err("This is not an e-mail address, such as name@example.com.".to_owned())
                }
                HandleKind::Phone => validate::phone(&raw),
                HandleKind::Username => validate::wallet_username(&raw),
            }
            .map_err(|message| Error::validation("handle", message))?;
            Ok(AccountDetails::Digital {
                provider: *provider,
                handle_kind: *handle_kind,
                handle,
            })
        }
    }
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

impl Ledger {
    /// Adds a payment account; the customer's first active account becomes the default.
    pub async fn add_payment_account(
        &self,
        origin: &Origin,
        customer_id: CustomerId,
        input: &AccountInput,
    ) -> Result<AccountSummary> {
        let details = clean(input)?;
        let mut tx = self.begin_write(origin).await?;
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
                  provider, handle_kind, handle, uuid, customer_id, is_default, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
        let id = AccountId(
            bind_details(insert, &details)
                .bind(Uuid::now_v7())
                .bind(customer_id)
                .bind(is_default)
                .bind(&at)
                .bind(&at)
                .execute(tx.conn())
                .await?
                .last_insert_rowid(),
        );
        // The trail records the masked form: full numbers never reach the audit log either.
        let diff = Diff::new()
            .created("customer", customer_id.to_string())
            .created("account", details.masked())
            .created("is_default", is_default);
        tx.commit_with(Event {
            action: Action::Create,
            record: Record::PaymentAccount(id),
            diff,
            note: "",
        })
        .await?;
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
        let diff = Diff::new().field("account", old.masked(), details.masked());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_the_tail() {
        let bank = AccountDetails::Bank {
            holder_name: "Ada".into(),
            bank_name: Some("Chase".into()),
            account_number: Some("000123456789".into()),
            iban: None,
            routing_number: None,
            bic: None,
            country: None,
        };
        assert_eq!(bank.masked(), "Bank · Chase · acct •••• 6789");
        let paypal = AccountDetails::Digital {
            provider: Provider::Paypal,
            handle_kind: HandleKind::Email,
            handle: "jane@example.com".into(),
        };
        assert_eq!(paypal.masked(), "PayPal · j•••@example.com");
        assert_eq!(last4("ab"), "ab");
    }
}
