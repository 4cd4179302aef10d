//! The payout search index (`payout_search`, migration 0002): one line of text per payout that
//! holds everything the list can be searched by, matched as substrings of three or more
//! characters by an FTS5 trigram index.
//!
//! Invariant: the index is derived data kept by the write choke point: at commit,
//! `audit::WriteTx` re-indexes every payout and customer whose audit events in the
//! transaction changed an indexed field ([`PAYOUT_FIELDS`], [`CUSTOMER_FIELDS`]), so no writer
//! indexes by hand. A change of more than [`AT_COMMIT`] payouts (a 40,000-line statement
//! confirm) marks them in `payout_search_stale` instead, and [`catch_up`] rewrites them right
//! after its commit, before a search that finds lines waiting, at close and on open. A search
//! that checks just before such a change commits may still read the old lines of its payouts;
//! the next search reads the new ones. A book open read-only cannot catch up: its searches say
//! so ([`READ_ONLY_BEHIND`]).

use std::collections::BTreeSet;

use sqlx::{SqliteConnection, SqlitePool};

use crate::error::Result;
use crate::ids::{CustomerId, PayoutId, RequestId};
use crate::money::Money;

/// Bump when the indexed text changes; books with an older index are re-indexed on open.
const INDEX_VERSION: &str = "1";

/// What a search in a read-only book whose index lags says beside its results.
pub(crate) const READ_ONLY_BEHIND: &str = "The search index is not up to date in this read-only book: the newest changes may be missing from the results.";

/// A change that touches more payouts than this leaves their lines to [`catch_up`].
pub(crate) const AT_COMMIT: usize = 1_000;
/// Payouts a catch-up rewrites in one transaction.
const STEP: i64 = 5_000;

/// The fields of a payout's events that its index line holds (a new payout's `request`,
/// `amount` and `description` among them).
pub(crate) const PAYOUT_FIELDS: [&str; 4] =
    ["request", "amount", "description", "external_reference"];
/// The fields of a customer's events that the index lines of their payouts hold.
pub(crate) const CUSTOMER_FIELDS: [&str; 2] = ["username", "display_name"];

/// The payouts and customers whose index lines a transaction rewrites before it commits, or
/// leaves to [`catch_up`] when they are many.
#[derive(Debug, Default)]
pub(crate) struct Touched {
    payouts: BTreeSet<PayoutId>,
    customers: BTreeSet<CustomerId>,
}

impl Touched {
    pub(crate) fn payout(&mut self, id: PayoutId) {
        self.payouts.insert(id);
    }

    /// Every payout of the customer.
    pub(crate) fn customer(&mut self, id: CustomerId) {
        self.customers.insert(id);
    }

    /// Rewrites the index lines of everything noted; past [`AT_COMMIT`] payouts, marks them
    /// for [`catch_up`] instead. Answers whether it left any.
    pub(crate) async fn reindex(&self, conn: &mut SqliteConnection) -> Result<bool> {
        let mut ids: Vec<PayoutId> = self.payouts.iter().copied().collect();
        for &customer in &self.customers {
            let theirs: Vec<PayoutId> =
                sqlx::query_scalar("SELECT id FROM payouts WHERE customer_id = ?")
                    .bind(customer)
                    .fetch_all(&mut *conn)
                    .await?;
            ids.extend(theirs);
        }
        ids.sort_unstable();
        ids.dedup();
        if ids.len() <= AT_COMMIT {
            rewrite(conn, &ids).await?;
            return Ok(false);
        }
        for chunk in ids.chunks(10_000) {
            sqlx::query(
                "INSERT OR IGNORE INTO payout_search_stale (payout_id)
                 SELECT value FROM json_each(?)",
            )
            .bind(serde_json::to_string(chunk).expect("ids serialise"))
            .execute(&mut *conn)
            .await?;
        }
        Ok(true)
    }
}

/// Rewrites the index lines of `ids`, 10,000 payouts to a query.
async fn rewrite(conn: &mut SqliteConnection, ids: &[PayoutId]) -> Result<()> {
    for chunk in ids.chunks(10_000) {
        let chunk = serde_json::to_string(chunk).expect("ids serialise");
        sqlx::query("DELETE FROM payout_search WHERE rowid IN (SELECT value FROM json_each(?))")
            .bind(&chunk)
            .execute(&mut *conn)
            .await?;
        index_rows(conn, Rows::Of(&chunk)).await?;
    }
    Ok(())
}

/// Whether some payouts' lines wait for [`catch_up`].
pub(crate) async fn behind(pool: &SqlitePool) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM payout_search_stale)")
            .fetch_one(pool)
            .await?,
    )
}

/// Rewrites the lines a large change left, [`STEP`] payouts to a transaction.
pub(crate) async fn catch_up(writer: &SqlitePool) -> Result<()> {
    loop {
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let ids: Vec<PayoutId> = sqlx::query_scalar(
            "SELECT payout_id FROM payout_search_stale ORDER BY payout_id LIMIT ?",
        )
        .bind(STEP)
        .fetch_all(&mut *tx)
        .await?;
        if ids.is_empty() {
            return Ok(());
        }
        rewrite(&mut tx, &ids).await?;
        sqlx::query(
            "DELETE FROM payout_search_stale WHERE payout_id IN (SELECT value FROM json_each(?))",
        )
        .bind(serde_json::to_string(&ids).expect("ids serialise"))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
}

/// Which payouts [`index_rows`] indexes.
enum Rows<'a> {
    /// The first 10,000 after this id.
    After(i64),
    /// Those of a JSON array of ids.
    Of(&'a str),
}

/// Indexes every payout into an empty index, in batches so memory stays flat.
async fn index_all(conn: &mut SqliteConnection) -> Result<()> {
    let mut after = 0;
    while let Some(last) = index_rows(conn, Rows::After(after)).await? {
        after = last;
    }
    Ok(())
}

/// Indexes the payouts `rows` names; returns the last id indexed.
async fn index_rows(conn: &mut SqliteConnection, rows: Rows<'_>) -> Result<Option<i64>> {
    type Row = (
        i64,
        i64,
        String,
        String,
        i64,
        String,
        String,
        Option<String>,
    );
    const SELECT: &str = "SELECT p.id, p.request_id, c.username, c.display_name, p.amount_minor,
                                 p.currency, p.description, p.external_reference
                            FROM payouts p JOIN customers c ON c.id = p.customer_id";
    let rows: Vec<Row> = match rows {
        Rows::After(after) => {
            sqlx::query_as(&format!(
                "{SELECT} WHERE p.id > ? ORDER BY p.id LIMIT 10000"
            ))
            .bind(after)
            .fetch_all(&mut *conn)
            .await?
        }
        Rows::Of(ids) => {
            sqlx::query_as(&format!(
                "{SELECT} WHERE p.id IN (SELECT value FROM json_each(?)) ORDER BY p.id"
            ))
            .bind(ids)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    let last = rows.last().map(|row| row.0);
    let mut lines = Vec::with_capacity(rows.len());
    for (id, request_id, username, name, minor, currency, description, reference) in rows {
        let amount = Money::stored(minor, &currency)?;
        let body = format!(
            "{} {} {username} {name} {} {currency} {description} {}",
            PayoutId(id),
            RequestId(request_id),
            amount.amount_text(),
            reference.unwrap_or_default()
        );
        lines.push((id, body));
    }
    // One statement for the whole batch.
    sqlx::query(
        "INSERT INTO payout_search (rowid, body) SELECT value ->> 0, value ->> 1 FROM json_each(?)",
    )
    .bind(serde_json::to_string(&lines).expect("index lines serialise"))
    .execute(&mut *conn)
    .await?;
    Ok(last)
}

/// Builds the index of a book that has none yet, or one made by an older version. The index is
/// derived data, not a change to the book, so this is the one write without an audit event.
pub(crate) async fn bring_up_to_date(writer: &SqlitePool) -> Result<()> {
    let version: Option<String> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'payout_search_version'")
            .fetch_optional(writer)
            .await?;
    if version.as_deref() == Some(INDEX_VERSION) {
        return Ok(());
    }
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("INSERT INTO payout_search (payout_search) VALUES ('delete-all')")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM payout_search_stale")
        .execute(&mut *tx)
        .await?;
    index_all(&mut tx).await?;
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('payout_search_version', ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(INDEX_VERSION)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the user typed, as an FTS5 query: every word of three or more characters must occur
/// (quoted, so `"`, `*`, `%`, `_` and FTS5 operators are plain text). Shorter words cannot be
/// looked up in a trigram index and are left out; `None` when no word is long enough.
pub(crate) fn match_expression(search: &str) -> Option<String> {
    let words: Vec<String> = search
        .split_whitespace()
        .filter(|word| word.chars().count() >= 3)
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::match_expression;

    #[test]
    fn words_are_quoted_and_short_words_left_out() {
        assert_eq!(match_expression(""), None);
        assert_eq!(match_expression(" ab  c "), None);
        assert_eq!(
            match_expression("ada 12 \"x\" 50%_ OR"),
            Some(r#""ada" """x""" "50%_""#.to_owned())
        );
    }
}

#[cfg(test)]
mod catch_up_tests {
    use chrono::Utc;

    use crate::audit::Origin;
    use crate::customers::CustomerInput;
    use crate::payouts::list::PayoutQuery;
    use crate::store::{Create, Ledger};

    fn searching(words: &str) -> PayoutQuery {
        PayoutQuery {
            search: words.into(),
            ..PayoutQuery::page(1, 50)
        }
    }

    /// A book whose one customer has `n` payouts, made with SQL and indexed on open.
    async fn book_of(dir: &std::path::Path, n: i64) -> (Ledger, crate::ids::CustomerId) {
        let path = dir.join("book.sqlite");
        let ledger = Ledger::open(&path, Create::IfMissing, Utc::now())
            .await
            .unwrap();
        let me = Origin::manual("Tester", Utc::now());
        let input = CustomerInput {
            username: "ada".into(),
            display_name: "Ada Lovelace".into(),
            email: String::new(),
        };
        let customer = ledger.add_customer(&me, &input).await.unwrap().id;
        for sql in [
            "INSERT INTO payment_accounts (id, uuid, customer_id, kind, is_default, provider,
                                           handle_kind, handle, created_at, updated_at)
             VALUES (1, randomblob(16), ?2, 'digital', 1, 'paypal', 'email', 'ada@example.com',
                     '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')",
            "WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < ?1)
             INSERT INTO incentive_requests (id, uuid, customer_id, amount_minor, currency, status,
                                             decided_at, created_at, updated_at)
             SELECT x, randomblob(16), ?2, 100, 'EUR', 'approved', '2026-01-01T00:00:00.000000Z',
                    '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' FROM i",
            "INSERT INTO payouts (id, uuid, request_id, customer_id, amount_minor, currency, method,
                                  account_id, account_snapshot, status, description, created_at,
                                  updated_at)
             SELECT id, randomblob(16), id, customer_id, 100, 'EUR', 'digital', 1,
                    json_object('kind', 'digital', 'provider', 'paypal', 'handle_kind', 'email',
                                'handle', 'ada@example.com'),
                    'pending', 'Cashback', created_at, created_at FROM incentive_requests",
            "DELETE FROM settings WHERE key = 'payout_search_version'",
        ] {
            sqlx::query(sql)
                .bind(n)
                .bind(customer)
                .execute(&ledger.writer)
                .await
                .unwrap();
        }
        ledger.close().await;
        let ledger = Ledger::open(&path, Create::Never, Utc::now())
            .await
            .unwrap();
        (ledger, customer)
    }

    #[tokio::test]
    async fn a_change_to_more_payouts_than_a_commit_indexes_is_searchable_right_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let n = super::AT_COMMIT as i64 + 1;
        let (ledger, customer) = book_of(dir.path(), n).await;
        assert_eq!(
            ledger
                .list_payouts(&searching("Lovelace"))
                .await
                .unwrap()
                .page
                .total,
            n
        );
        let me = Origin::manual("Tester", Utc::now());
        let renamed = CustomerInput {
            username: "ada".into(),
            display_name: "Ada Byron".into(),
            email: String::new(),
        };
        ledger.edit_customer(&me, customer, &renamed).await.unwrap();
        // Whether or not the catch-up the change started has run, no search sees an old line.
        let byron = ledger.list_payouts(&searching("Byron")).await.unwrap();
        assert_eq!(byron.page.total, n);
        assert_eq!(byron.search_hint, None);
        let lovelace = ledger.list_payouts(&searching("Lovelace")).await.unwrap();
        assert_eq!(lovelace.page.total, 0);
        assert!(!super::behind(&ledger.reader).await.unwrap());
        ledger.close().await;
    }

    #[tokio::test]
    async fn stale_lines_are_rewritten_on_search_and_close_and_a_read_only_book_says_its_index_lags(
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (ledger, _) = book_of(dir.path(), 3).await;
        // As if a large change's catch-up had not run yet.
        let stale = async |pool: &sqlx::SqlitePool| {
            for sql in [
                "INSERT INTO payout_search (payout_search) VALUES ('delete-all')",
                "INSERT INTO payout_search_stale (payout_id) SELECT id FROM payouts",
            ] {
                sqlx::query(sql).execute(pool).await.unwrap();
            }
        };
        stale(&ledger.writer).await;
        let found = ledger.list_payouts(&searching("Lovelace")).await.unwrap();
        assert_eq!(found.page.total, 3);
        stale(&ledger.writer).await;
        let path = ledger.path().to_owned();
        ledger.close().await;
        let read_only = Ledger::open_read_only(&path).await.unwrap();
        assert!(
            !super::behind(&read_only.reader).await.unwrap(),
            "close caught up"
        );
        read_only.close().await;

        // As if the app had stopped before the catch-up, and the book were then opened
        // read-only.
        let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        stale(&raw).await;
        raw.close().await;
        let read_only = Ledger::open_read_only(&path).await.unwrap();
        let found = read_only
            .list_payouts(&searching("Lovelace"))
            .await
            .unwrap();
        assert!(found.search_hint.unwrap().contains("not up to date"));
        read_only.close().await;

        let ledger = Ledger::open(&path, Create::Never, Utc::now())
            .await
            .unwrap();
        assert!(!super::behind(&ledger.reader).await.unwrap());
        ledger.close().await;
    }
}
