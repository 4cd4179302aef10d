//! What the owner keeps with the book besides the payouts: the operator name the audit trail
//! records, their own bank account (the debtor of SEPA payment files) and the column mappings
//! of their banks' CSV statements and of the files they import customers and requests from.
//!
//! Invariants: settings are stored as JSON under a key in the `settings` table, checked before
//! they are stored, and every change is an audit event on the book (old and new value).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::audit::{Action, Diff, Event, Origin, Record, WriteTx};
use crate::error::{Error, Result};
use crate::statements::CsvMapping;
use crate::text::{self, Lines};
use crate::{validate, Ledger};

const OWNER_ACCOUNT: &str = "owner_account";
const OPERATOR_NAME: &str = "operator_name";
const MAPPING_PREFIX: &str = "statement_mapping:";
const SECOND_BACKUP_FOLDER: &str = "second_backup_folder";

/// The owner's own bank account, which SEPA payment files pay from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerAccount {
    /// The account holder's name as the bank knows it (the business).
    pub name: String,
    pub iban: String,
    /// Optional: SEPA banks find the bank from the IBAN.
    #[serde(default)]
    pub bic: String,
}

impl OwnerAccount {
    fn clean(self) -> Result<OwnerAccount> {
        let name = text::required("name", "The account holder", &self.name, 70, Lines::One)?;
        let iban = validate::iban(&self.iban).map_err(|m| Error::validation("iban", m))?;
        let bic = match self.bic.trim() {
            "" => String::new(),
            bic => validate::bic(bic).map_err(|m| Error::validation("bic", m))?,
        };
        Ok(OwnerAccount { name, iban, bic })
    }
}

impl Ledger {
    async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.reader)
            .await?;
        value
            .map(|v| {
                serde_json::from_str(&v)
                    .map_err(|e| Error::Storage(format!("The setting {key} is damaged: {e}.")))
            })
            .transpose()
    }

    /// Stores `value` under `key` with an audit event; nothing is recorded when it is unchanged.
    pub(crate) async fn put_setting<T: Serialize>(
        &self,
        origin: &Origin,
        key: &str,
        value: &T,
        note: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write(origin).await?;
        if put_setting_in(&mut tx, key, value, note).await? {
            tx.commit().await?;
        }
        Ok(())
    }

    /// The owner's own bank account, once it has been given.
    pub async fn owner_account(&self) -> Result<Option<OwnerAccount>> {
        self.setting(OWNER_ACCOUNT).await
    }

    pub async fn set_owner_account(
        &self,
        origin: &Origin,
        account: OwnerAccount,
    ) -> Result<OwnerAccount> {
        let account = account.clean()?;
        self.put_setting(origin, OWNER_ACCOUNT, &account, "Own bank account set.")
            .await?;
        Ok(account)
    }

    /// The folder every backup is also copied to (see [`crate::second_copy`]), if one is set.
    pub async fn second_backup_folder(&self) -> Result<Option<String>> {
        self.setting(SECOND_BACKUP_FOLDER).await
    }

    /// Sets the second backup folder (`None` stops the copies). The folder must exist and take
    /// a file: a test file is written and removed first.
    pub async fn set_second_backup_folder(
        &self,
        origin: &Origin,
        folder: Option<&std::path::Path>,
    ) -> Result<Option<String>> {
        let value = match folder {
            Some(folder) => {
                let probe = folder.join(format!(".incentise-probe-{}", uuid::Uuid::now_v7()));
                std::fs::write(&probe, b"")
                    .and_then(|()| std::fs::remove_file(&probe))
                    .map_err(|e| crate::files::io_error("write into", folder, e))?;
                Some(folder.display().to_string())
            }
            None => None,
        };
        self.put_setting(
            origin,
            SECOND_BACKUP_FOLDER,
            &value,
            "Second backup folder set.",
        )
        .await?;
        Ok(value)
    }

    /// The name the audit trail records for changes made in the app, once it has been set.
    pub async fn operator_name(&self) -> Result<Option<String>> {
        self.setting(OPERATOR_NAME).await
    }

    pub async fn set_operator_name(&self, origin: &Origin, name: &str) -> Result<String> {
        let name = text::required("name", "Your name", name, 60, Lines::One)?;
        self.put_setting(origin, OPERATOR_NAME, &name, "Operator name set.")
            .await?;
        Ok(name)
    }

    /// The saved statement mappings, by source name.
    pub async fn statement_mappings(&self) -> Result<Vec<CsvMapping>> {
        self.settings_under(MAPPING_PREFIX, "A statement mapping")
            .await
    }

    /// The settings whose key starts with `prefix`, in key order; `what` names one in the
    /// error for a damaged value.
    pub(crate) async fn settings_under<T: DeserializeOwned>(
        &self,
        prefix: &str,
        what: &str,
    ) -> Result<Vec<T>> {
        let values: Vec<String> = sqlx::query_scalar(
            "SELECT value FROM settings WHERE key >= ? AND key < ? ORDER BY key",
        )
        .bind(prefix)
        .bind(format!("{prefix}\u{10ffff}"))
        .fetch_all(&self.reader)
        .await?;
        values
            .iter()
            .map(|v| {
                serde_json::from_str(v)
                    .map_err(|e| Error::Storage(format!("{what} is damaged: {e}.")))
            })
            .collect()
    }

    /// Saves a mapping under its source (replacing the one saved before for that source).
    pub async fn save_statement_mapping(
        &self,
        origin: &Origin,
        mapping: CsvMapping,
    ) -> Result<CsvMapping> {
        let mapping = mapping.clean()?;
        let key = format!("{MAPPING_PREFIX}{}", text::compare_key(&mapping.source));
        self.put_setting(origin, &key, &mapping, "Statement column mapping saved.")
            .await?;
        Ok(mapping)
    }
}

/// Stores `value` under `key` in `tx` with its audit event (old and new value; the caller
/// commits); false when the value was stored already, and then nothing is recorded.
pub(crate) async fn put_setting_in<T: Serialize>(
    tx: &mut WriteTx<'_>,
    key: &str,
    value: &T,
    note: &str,
) -> Result<bool> {
    let new = serde_json::to_string(value)
        .map_err(|e| Error::Storage(format!("The setting {key} cannot be stored: {e}.")))?;
    let old: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
        .bind(key)
        .fetch_optional(tx.conn())
        .await?;
    let old: Option<serde_json::Value> = old.and_then(|v| serde_json::from_str(&v).ok());
    let diff = Diff::new().field(key, old, value);
    if diff.is_empty() {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(&new)
    .execute(tx.conn())
    .await?;
    tx.record(Event {
        action: Action::Update,
        record: Record::Book,
        diff,
        note,
    })
    .await?;
    Ok(true)
}
