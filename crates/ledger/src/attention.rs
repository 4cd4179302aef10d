//! Needs attention: what the owner owes and has paid, per currency, and the records that want a
//! look (payouts pending or On Process too long, On Process with no reference long after their
//! payment file, Failed and not dealt with, Success without a reference, approved requests
//! nobody paid, customers with no way to be paid).
//!
//! Invariants: read-only; every figure comes from an index or from `payout_totals` (kept by
//! triggers), so the screen answers at once on a million payouts; each list shows its first
//! rows, oldest first, and a count up to [`COUNT_CAP`].

use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Serialize;

use crate::audit::timestamp;
use crate::customers::Customer;
use crate::error::Result;
use crate::ids::{CustomerId, PayoutId, RequestId};
use crate::money::Money;
use crate::payouts::Payout;
use crate::requests::{Request, RequestRow, SELECT_REQUEST};
use crate::Ledger;

/// Lists are counted up to this many rows ("1,000+"): a dashboard needs no more, and counting
/// approved requests without a payout costs a probe each (about 0.1 s for 10,000 on a million).
pub const COUNT_CAP: i64 = 1_000;
/// Rows shown in each list.
const SHOWN: usize = 10;

/// The money in one currency, by where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrencyTotals {
    pub currency: String,
    /// Pending: owed and not yet sent.
    pub owed: Money,
    pub in_process: Money,
    /// Marked Success in the month of the dashboard's day (UTC).
    pub paid_this_month: Money,
    pub failed: Money,
}

/// The first rows of a list and how many there are.
#[derive(Debug, Clone, Serialize)]
pub struct Attention<T> {
    pub items: Vec<T>,
    pub total: i64,
    /// False when `total` is only a lower bound.
    pub total_exact: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct NeedsAttention {
    pub totals: Vec<CurrencyTotals>,
    pub older_than_days: i64,
    pub pending_too_long: Attention<Payout>,
    /// On Process (sent) for longer than `older_than_days`, by the time they were moved there.
    pub in_process_too_long: Attention<Payout>,
    /// On Process with no provider's reference, in a payment file written more than
    /// `older_than_days` ago: the statement that would confirm them has not been reconciled.
    pub file_without_reference: Attention<Payout>,
    /// Failed, and neither retried, cancelled, paid by another payout nor voided.
    pub failed_not_dealt_with: Attention<Payout>,
    pub success_without_reference: Attention<Payout>,
    pub approved_without_payout: Attention<Request>,
    pub customers_without_account: Attention<Customer>,
}

impl Ledger {
    /// The dashboard as of `now`, with Pending payouts older than `older_than_days` days.
    pub async fn needs_attention(
        &self,
        now: DateTime<Utc>,
        older_than_days: i64,
    ) -> Result<NeedsAttention> {
        let older_than_days = older_than_days.clamp(1, 3650);
        let month_start = now
            .date_naive()
            .with_day(1)
            .expect("every month has a first day");
        let next_month = month_start
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(chrono::NaiveDate::MAX);
        let sums: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT currency, status, amount_minor FROM payout_totals WHERE n > 0 ORDER BY currency",
        )
        .fetch_all(&self.reader)
        .await?;
        let paid: Vec<(String, i64)> = sqlx::query_as(
            "SELECT t.currency,
                    (SELECT IFNULL(SUM(p.amount_minor), 0) FROM payouts p
                      WHERE p.status = 'success' AND p.currency = t.currency
                        AND p.paid_on >= ? AND p.paid_on < ?)
               FROM payout_totals t WHERE t.status = 'success' AND t.n > 0",
        )
        .bind(month_start.to_string())
        .bind(next_month.to_string())
        .fetch_all(&self.reader)
        .await?;
        let mut totals: Vec<CurrencyTotals> = Vec::new();
        for (currency, status, minor) in sums {
            let zero = Money::stored(0, &currency)?;
            if totals.last().is_none_or(|t| t.currency != currency) {
                totals.push(CurrencyTotals {
                    currency: currency.clone(),
                    owed: zero,
                    in_process: zero,
                    paid_this_month: zero,
                    failed: zero,
                });
            }
            let t = totals.last_mut().expect("pushed above");
            let amount = Money::stored(minor, &currency)?;
            match status.as_str() {
                "pending" => t.owed = amount,
                "on_process" => t.in_process = amount,
                "failed" => t.failed = amount,
                _ => {}
            }
        }
        for (currency, minor) in paid {
            if let Some(t) = totals.iter_mut().find(|t| t.currency == currency) {
                t.paid_this_month = Money::stored(minor, &currency)?;
            }
        }

        let cutoff = timestamp(now - Duration::days(older_than_days));
        // The indexes are named: without statistics SQLite would rather walk every Pending or
        // Success payout by (status, ...) than use the narrow ones (0.5 s on a million).
        let pending_too_long = self
            .oldest_payouts(
                "payouts p INDEXED BY payouts_by_status_created
                  WHERE p.status = 'pending' AND p.created_at < ?",
                Some(&cutoff),
            )
            .await?;
        let in_process_too_long = self
            .oldest_payouts(
                "payouts p INDEXED BY payouts_by_status_created
                  WHERE p.status = 'on_process' AND p.status_at < ?",
                Some(&cutoff),
            )
            .await?;
        let file_without_reference = self
            .oldest_payouts(
                "payouts p INDEXED BY payouts_by_status_created
                  WHERE p.status = 'on_process' AND p.external_reference IS NULL
                    AND EXISTS (SELECT 1 FROM payment_run_payouts x
                                  JOIN payment_runs r ON r.id = x.run_id
                                 WHERE x.payout_id = p.id AND r.created_at < ?)",
                Some(&cutoff),
            )
            .await?;
        // Its request has another payout standing for it, was voided, or was paid again by a
        // later payout (which, failed too, is the one listed): dealt with.
        let failed_not_dealt_with = self
            .oldest_payouts(
                "payouts p INDEXED BY payouts_by_status_created
                  WHERE p.status = 'failed'
                    AND NOT EXISTS (SELECT 1 FROM incentive_requests r
                                     WHERE r.id = p.request_id
                                       AND (r.open_payout_id IS NOT NULL OR r.status = 'voided'))
                    AND NOT EXISTS (SELECT 1 FROM payouts later
                                     WHERE later.request_id = p.request_id AND later.id > p.id)",
                None,
            )
            .await?;
        let success_without_reference = self
            .oldest_payouts(
                "payouts p INDEXED BY payouts_success_without_reference
                  WHERE p.status = 'success' AND p.external_reference IS NULL",
                None,
            )
            .await?;

        let payable = self
            .first_ids::<RequestId>(
                "r.id",
                "incentive_requests r WHERE r.status = 'approved' AND r.open_payout_id IS NULL",
                "r.id",
                None,
            )
            .await?;
        let rows: Vec<RequestRow> = sqlx::query_as(&format!(
            "{SELECT_REQUEST} WHERE r.id IN (SELECT value FROM json_each(?)) ORDER BY r.id"
        ))
        .bind(serde_json::to_string(&payable.items).expect("ids serialise"))
        .fetch_all(&self.reader)
        .await?;
        let approved_without_payout = payable.with(
            rows.into_iter()
                .map(Request::try_from)
                .collect::<Result<_>>()?,
        );

        let accountless = self
            .first_ids::<CustomerId>(
                "c.id",
                "customers c WHERE NOT EXISTS (SELECT 1 FROM payment_accounts a
                                 WHERE a.customer_id = c.id AND a.archived_at IS NULL)",
                "c.id",
                None,
            )
            .await?;
        let mut customers = Vec::with_capacity(accountless.items.len());
        for &id in &accountless.items {
            customers.push(self.customer(id).await?);
        }
        Ok(NeedsAttention {
            totals,
            older_than_days,
            pending_too_long,
            in_process_too_long,
            file_without_reference,
            failed_not_dealt_with,
            success_without_reference,
            approved_without_payout,
            customers_without_account: accountless.with(customers),
        })
    }

    /// The ids of the first [`SHOWN`] rows of `from_where` in `order` (with `value` for its
    /// `?`, if it has one), and how many rows there are up to [`COUNT_CAP`], counted in SQL so
    /// no more than [`SHOWN`] rows come back.
    async fn first_ids<Id>(
        &self,
        id: &str,
        from_where: &str,
        order: &str,
        value: Option<&str>,
    ) -> Result<Attention<Id>>
    where
        Id: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite> + Send + Unpin,
    {
        let sql = format!("SELECT {id} FROM {from_where} ORDER BY {order} LIMIT {SHOWN}");
        let mut query = sqlx::query_scalar::<_, Id>(&sql);
        if let Some(value) = value {
            query = query.bind(value);
        }
        let ids = query.fetch_all(&self.reader).await?;
        let total = if ids.len() < SHOWN {
            ids.len() as i64
        } else {
            let sql = format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM {from_where} LIMIT {})",
                COUNT_CAP + 1
            );
            let mut count = sqlx::query_scalar::<_, i64>(&sql);
            if let Some(value) = value {
                count = count.bind(value);
            }
            count.fetch_one(&self.reader).await?
        };
        Ok(Attention {
            items: ids,
            total: total.min(COUNT_CAP),
            total_exact: total <= COUNT_CAP,
        })
    }

    /// The oldest payouts of `from_where` (with `value` for its `?`, if it has one) and how
    /// many there are.
    async fn oldest_payouts(
        &self,
        from_where: &str,
        value: Option<&str>,
    ) -> Result<Attention<Payout>> {
        let first = self
            .first_ids::<PayoutId>("p.id", from_where, "p.created_at, p.id", value)
            .await?;
        let mut found = self.payouts_by_ids(&first.items).await?;
        let payouts = first
            .items
            .iter()
            .filter_map(|id| found.remove(id))
            .collect();
        Ok(first.with(payouts))
    }
}

impl<Id> Attention<Id> {
    /// The same count, with the records the ids name.
    fn with<T>(&self, items: Vec<T>) -> Attention<T> {
        Attention {
            items,
            total: self.total,
            total_exact: self.total_exact,
        }
    }
}
