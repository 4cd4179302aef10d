//! Names on statements remembered for customers: when the owner confirms a line from a name
//! that is not the payout's recipient as the book knows it ("R. DUBOIS" for Renée Dubois), the
//! name is kept for her customer, and later lines from it are suggested for her payouts.
//!
//! Invariants: a name (by its key, see `names::name_key`) belongs to at most one customer;
//! remembering and forgetting are audit events of the customer; a name is never taken from
//! one customer for another by a confirm.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::names::{name_key, same_recipient};
use crate::audit::{Action, Diff, Event, Origin, Record, WriteTx};
use crate::error::{Error, Result};
use crate::ids::{CustomerId, PayoutId};
use crate::Ledger;

/// A name remembered for a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StatementName {
    pub name: String,
    pub name_key: String,
    pub created_at: String,
}

/// What remembering needs of a payout: its customer and the names the book knows them by.
#[derive(Deserialize)]
struct Known {
    id: PayoutId,
    customer_id: CustomerId,
    recipient: String,
    display_name: String,
}

/// Inside a confirm of lines, each `(name, payout, line reference)`: remembers each name for
/// its payout's customer, unless it is the recipient as the book knows them already, has no
/// words, or is remembered already (for this customer or another, or earlier in the batch).
pub(super) async fn remember_all(
    tx: &mut WriteTx<'_>,
    names: &[(String, PayoutId, String)],
) -> Result<()> {
    let named: Vec<(&str, PayoutId, &str, String)> = names
        .iter()
        .map(|(name, payout, line)| (name.trim(), *payout, line.as_str(), name_key(name)))
        .filter(|(_, _, _, key)| !key.is_empty())
        .collect();
    if named.is_empty() {
        return Ok(());
    }
    let ids: Vec<PayoutId> = named.iter().map(|n| n.1).collect();
    let keys: Vec<&str> = named.iter().map(|n| n.3.as_str()).collect();
    let mut known: HashMap<PayoutId, Known> = HashMap::new();
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (ids, keys) in ids.chunks(10_000).zip(keys.chunks(10_000)) {
        // One JSON array of rows in `Known`'s field order (see `payouts::status::currents`).
        let rows: String = sqlx::query_scalar(
            "SELECT json_group_array(json_array(
                        p.id, p.customer_id,
                        coalesce(p.account_snapshot ->> '$.holder_name',
                                 p.account_snapshot ->> '$.handle', ''),
                        c.display_name))
               FROM payouts p JOIN customers c ON c.id = p.customer_id
              WHERE p.id IN (SELECT value FROM json_each(?))",
        )
        .bind(json!(ids).to_string())
        .fetch_one(tx.conn())
        .await?;
        let rows: Vec<Known> = serde_json::from_str(&rows)
            .map_err(|e| Error::Storage(format!("A payout could not be read: {e}")))?;
        known.extend(rows.into_iter().map(|k| (k.id, k)));
        let stored: Vec<String> = sqlx::query_scalar(
            "SELECT name_key FROM counterparty_names
              WHERE name_key IN (SELECT value FROM json_each(?))",
        )
        .bind(json!(keys).to_string())
        .fetch_all(tx.conn())
        .await?;
        taken.extend(stored);
    }
    let at = tx.at();
    for (name, payout, line, key) in named {
        let Some(payout) = known.get(&payout) else {
            continue;
        };
        if same_recipient(name, &payout.recipient)
            || same_recipient(name, &payout.display_name)
            || !taken.insert(key.clone())
        {
            continue;
        }
        sqlx::query(
            "INSERT INTO counterparty_names (name_key, name, customer_id, created_at)
             VALUES (?, ?, ?, ?)",
        )
        .bind(&key)
        .bind(name)
        .bind(payout.customer_id)
        .bind(&at)
        .execute(tx.conn())
        .await?;
        tx.record(Event {
            action: Action::Update,
            record: Record::Customer(payout.customer_id),
            diff: Diff::new().created("statement_name", name),
            note: &format!("Remembered from statement line {line}."),
        })
        .await?;
    }
    Ok(())
}

impl Ledger {
    /// The names remembered for `customer`, oldest first.
    pub async fn statement_names(&self, customer: CustomerId) -> Result<Vec<StatementName>> {
        Ok(sqlx::query_as(
            "SELECT name, name_key, created_at FROM counterparty_names
              WHERE customer_id = ? ORDER BY created_at, name_key",
        )
        .bind(customer)
        .fetch_all(&self.reader)
        .await?)
    }

    /// Forgets a name remembered for `customer`: later lines from it suggest nobody.
    pub async fn forget_statement_name(
        &self,
        origin: &Origin,
        customer: CustomerId,
        name_key: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write(origin).await?;
        let name: Option<String> = sqlx::query_scalar(
            "DELETE FROM counterparty_names WHERE name_key = ? AND customer_id = ? RETURNING name",
        )
        .bind(name_key)
        .bind(customer)
        .fetch_optional(tx.conn())
        .await?;
        let Some(name) = name else {
            return Err(Error::NotFound(format!(
                "No name {name_key:?} is remembered for {customer}."
            )));
        };
        tx.commit_with(Event {
            action: Action::Update,
            record: Record::Customer(customer),
            diff: Diff::new().field("statement_name", &name, None::<String>),
            note: "Name on statements forgotten.",
        })
        .await
    }

    /// The customers the names of `counterparties` are remembered for, by name key.
    pub(super) async fn remembered_customers<'a>(
        &self,
        counterparties: impl Iterator<Item = &'a str>,
    ) -> Result<HashMap<String, CustomerId>> {
        let mut keys: Vec<String> = counterparties
            .map(name_key)
            .filter(|k| !k.is_empty())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(sqlx::query_as(
            "SELECT name_key, customer_id FROM counterparty_names
              WHERE name_key IN (SELECT value FROM json_each(?))",
        )
        .bind(json!(keys).to_string())
        .fetch_all(&self.reader)
        .await?
        .into_iter()
        .collect())
    }
}
