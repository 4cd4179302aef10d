//! Creates that may be retried. The UI sends a key with each create attempt (a customer, a
//! payment account, a request, a program, a payout); a second create with the same key, after
//! a crash, a timeout or from another window, returns the record the first one made.
//!
//! Invariant: the key is looked up inside the write transaction, after `BEGIN IMMEDIATE`, so
//! two attempts with one key are serialised by the write lock and the second finds the first's
//! record: never a duplicate, never a conflict. A unique index on each table backs this up.

use crate::audit::WriteTx;
use crate::error::Result;
use crate::text::{self, Lines};

/// The kinds of record a keyed create makes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Made {
    Customer,
    PaymentAccount,
    Request,
    Program,
    Payout,
}

impl Made {
    fn table(self) -> &'static str {
        match self {
            Made::Customer => "customers",
            Made::PaymentAccount => "payment_accounts",
            Made::Request => "incentive_requests",
            Made::Program => "incentive_programs",
            Made::Payout => "payouts",
        }
    }
}

/// A create attempt's key, checked: one line of at most 100 characters.
pub(crate) fn attempt_key(key: Option<&str>) -> Result<Option<String>> {
    key.map(|key| text::required("idempotency_key", "Idempotency key", key, 100, Lines::One))
        .transpose()
}

impl WriteTx<'_> {
    /// The id of the record a create with `key` made already, if any.
    pub(crate) async fn made_before(
        &mut self,
        made: Made,
        key: Option<&str>,
    ) -> Result<Option<i64>> {
        let Some(key) = key else {
            return Ok(None);
        };
        Ok(sqlx::query_scalar(&format!(
            "SELECT id FROM {} WHERE idempotency_key = ?",
            made.table()
        ))
        .bind(key)
        .fetch_optional(self.conn())
        .await?)
    }

    /// Stores `key` with the record `id` this write just made.
    pub(crate) async fn remember_attempt(
        &mut self,
        made: Made,
        id: i64,
        key: Option<&str>,
    ) -> Result<()> {
        if let Some(key) = key {
            sqlx::query(&format!(
                "UPDATE {} SET idempotency_key = ? WHERE id = ?",
                made.table()
            ))
            .bind(key)
            .bind(id)
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }
}
