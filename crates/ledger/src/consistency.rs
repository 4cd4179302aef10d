//! What the book derives, and the book's schema, checked against what they come from.
//!
//! The replay ([`crate::replay`]) compares each record with its own history. Some of what the
//! screens show is not a record's own field but derived from others: the totals per status and
//! currency, a request's open payout, a payout's customer (its request's). Triggers keep them,
//! and the schema (tables, indexes, triggers) is what the schema steps made. Someone with
//! `sqlite3` can change either without touching a record: a payout moved to another customer,
//! a total that hides a currency, a trigger dropped or added. Each is found here and named as
//! a difference like any other: the record (or "totals …", "schema …"), the field, what it
//! must be and what the book says.

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::sqlite::SqlitePoolOptions;

use crate::error::Result;
use crate::ids::{CustomerId, PayoutId, RequestId};
use crate::replay::StateReport;
use crate::Ledger;

/// Links a payout keeps beside its request's, with the query that finds payouts where they
/// disagree: (payout, what it must be, what it is).
const PAYOUT_LINKS: [(&str, &str); 2] = [
    (
        "customer",
        "SELECT p.id, r.customer_id, p.customer_id
           FROM payouts p JOIN incentive_requests r ON r.id = p.request_id
          WHERE p.customer_id <> r.customer_id ORDER BY p.id",
    ),
    // The account paid belongs to the payout's customer.
    (
        "account_customer",
        "SELECT p.id, p.customer_id, a.customer_id
           FROM payouts p JOIN payment_accounts a ON a.id = p.account_id
          WHERE a.customer_id <> p.customer_id ORDER BY p.id",
    ),
];

/// A request's open payout: the one of its payouts that is neither Failed nor Cancelled.
const OPEN_PAYOUTS: &str = "
    SELECT r.id, o.id, r.open_payout_id
      FROM incentive_requests r
      LEFT JOIN payouts o ON o.request_id = r.id AND o.status NOT IN ('failed', 'cancelled')
     WHERE o.id IS NOT r.open_payout_id
     ORDER BY r.id";

/// Each (status, currency) with its payouts counted and summed, beside what `payout_totals`
/// keeps; rows where they differ.
const PAYOUT_TOTALS: &str = "
    WITH counted AS (SELECT status, currency, COUNT(*) AS n, SUM(amount_minor) AS amount
                       FROM payouts GROUP BY status, currency),
         kept AS (SELECT status, currency, n, amount_minor AS amount FROM payout_totals
                   WHERE n <> 0 OR amount_minor <> 0),
         both_ AS (SELECT status, currency FROM counted UNION SELECT status, currency FROM kept)
    SELECT b.status, b.currency, c.n, c.amount, k.n AS kept_n, k.amount AS kept_amount
      FROM both_ b
      LEFT JOIN counted c ON c.status = b.status AND c.currency = b.currency
      LEFT JOIN kept k ON k.status = b.status AND k.currency = b.currency
     WHERE c.n IS NOT k.n OR c.amount IS NOT k.amount
     ORDER BY b.status, b.currency";

/// Each kind of `request_totals` counted from the requests, beside what it keeps.
const REQUEST_TOTALS: &str = "
    WITH kinds(kind) AS (VALUES ('pending'), ('approved'), ('rejected'), ('voided'), ('payable'))
    SELECT k.kind,
           (SELECT COUNT(*) FROM incentive_requests r
             WHERE r.status = k.kind
                OR (k.kind = 'payable' AND r.status = 'approved' AND r.open_payout_id IS NULL)),
           (SELECT n FROM request_totals t WHERE t.kind = k.kind)
      FROM kinds k";

/// The schema's objects as the book has them: (type, name) → SQL.
const SCHEMA: &str = "
    SELECT type, name, sql FROM sqlite_master
     WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name";

type Schema = BTreeMap<(String, String), Option<String>>;

/// One (status, currency) where the payouts and `payout_totals` disagree.
#[derive(sqlx::FromRow)]
struct TotalsRow {
    status: String,
    currency: String,
    n: Option<i64>,
    amount: Option<i64>,
    kept_n: Option<i64>,
    kept_amount: Option<i64>,
}

impl Ledger {
    /// Adds to `report` every derived value and schema object that is not what it must be.
    pub(crate) async fn check_derived(&self, report: &mut StateReport) -> Result<()> {
        for (field, query) in PAYOUT_LINKS {
            let found: Vec<(i64, i64, i64)> = sqlx::query_as(query).fetch_all(&self.reader).await?;
            for (payout, must, is) in found {
                report.differ(
                    PayoutId(payout).to_string(),
                    field,
                    CustomerId(must).to_string().into(),
                    CustomerId(is).to_string().into(),
                );
            }
        }
        let open: Vec<(i64, Option<i64>, Option<i64>)> =
            sqlx::query_as(OPEN_PAYOUTS).fetch_all(&self.reader).await?;
        let payout = |id: Option<i64>| id.map_or(Value::Null, |id| PayoutId(id).to_string().into());
        for (request, must, is) in open {
            report.differ(
                RequestId(request).to_string(),
                "open_payout",
                payout(must),
                payout(is),
            );
        }
        let totals: Vec<TotalsRow> = sqlx::query_as(PAYOUT_TOTALS)
            .fetch_all(&self.reader)
            .await?;
        for t in totals {
            let record = format!("totals {} {}", t.status, t.currency);
            let value = |n: Option<i64>| Value::from(n.unwrap_or(0));
            if t.n.unwrap_or(0) != t.kept_n.unwrap_or(0) {
                report.differ(record.clone(), "count", value(t.n), value(t.kept_n));
            }
            if t.amount.unwrap_or(0) != t.kept_amount.unwrap_or(0) {
                report.differ(
                    record,
                    "amount_minor",
                    value(t.amount),
                    value(t.kept_amount),
                );
            }
        }
        let requests: Vec<(String, i64, Option<i64>)> = sqlx::query_as(REQUEST_TOTALS)
            .fetch_all(&self.reader)
            .await?;
        for (kind, n, kept) in requests {
            if Some(n) != kept {
                report.differ(
                    format!("request totals {kind}"),
                    "count",
                    n.into(),
                    kept.map_or(Value::Null, Value::from),
                );
            }
        }
        self.check_schema(report).await
    }

    /// The book's tables, indexes, triggers and views against those the schema steps make on
    /// an empty book: one dropped, added or changed is a difference.
    async fn check_schema(&self, report: &mut StateReport) -> Result<()> {
        let mut stored = schema(&self.reader).await?;
        for ((kind, name), sql) in fresh_schema().await? {
            let record = format!("schema {kind} {name}");
            match stored.remove(&(kind, name)) {
                Some(now) if now == sql => {}
                Some(now) => report.differ(record, "sql", sql.into(), now.into()),
                None => report.differ(record, "sql", sql.into(), Value::Null),
            }
        }
        for ((kind, name), sql) in stored {
            report.differ(
                format!("schema {kind} {name}"),
                "sql",
                Value::Null,
                sql.into(),
            );
        }
        Ok(())
    }
}

pub(crate) async fn schema(pool: &sqlx::SqlitePool) -> Result<Schema> {
    let rows: Vec<(String, String, Option<String>)> =
        sqlx::query_as(SCHEMA).fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(kind, name, sql)| ((kind, name), sql))
        .collect())
}

/// The schema the steps make on an empty book in memory.
pub(crate) async fn fresh_schema() -> Result<Schema> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await?;
    crate::schema_steps::run(&pool)
        .await
        .map_err(|e| crate::Error::Storage(format!("The schema steps failed in memory: {e}.")))?;
    let fresh = schema(&pool).await;
    pool.close().await;
    fresh
}
