//! The record search indexes: one line of text per payout (`payout_search`, migration 0002)
//! and per incentive request (`request_search`, migration 0019) that holds everything its list
//! can be searched by, matched as substrings of three or more characters by an FTS5 trigram
//! index whose rowid is the record's id, so walking it in rowid order is walking the list.
//!
//! Invariant: the indexes are derived data kept by the write choke point: at commit,
//! `audit::WriteTx` re-indexes every payout, request and customer whose audit events in the
//! transaction changed an indexed field ([`PAYOUT_FIELDS`], [`REQUEST_FIELDS`],
//! [`CUSTOMER_FIELDS`]), so no writer indexes by hand. A change of more than [`AT_COMMIT`]
//! records of one kind (a 40,000-line statement confirm) marks them stale instead, and
//! [`catch_up`] rewrites them right after its commit, before a search that finds lines
//! waiting, at close and on open. A search that checks just before such a change commits may
//! still read the old lines of its records; the next search reads the new ones. A book open
//! read-only cannot catch up: its searches say so ([`READ_ONLY_BEHIND`]).

use std::collections::BTreeSet;

use sqlx::{SqliteConnection, SqlitePool};

use crate::error::Result;
use crate::ids::{CustomerId, PayoutId, RequestId};
use crate::lifecycle::RequestStatus;
use crate::money::Money;

/// What a search in a read-only book whose index lags says beside its results.
pub(crate) const READ_ONLY_BEHIND: &str = "The search index is not up to date in this read-only book: the newest changes may be missing from the results.";

/// A change that touches more records of one kind than this leaves their lines to
/// [`catch_up`].
pub(crate) const AT_COMMIT: usize = 1_000;
/// Records a catch-up rewrites in one transaction.
const STEP: i64 = 5_000;
/// Records indexed by one statement.
const BATCH: usize = 10_000;

/// The fields of a payout's events that its index line holds (a new payout's `request`,
/// `amount` and `description` among them).
pub(crate) const PAYOUT_FIELDS: [&str; 4] =
    ["request", "amount", "description", "external_reference"];
/// The fields of a request's events that its index line holds (a new request has both).
pub(crate) const REQUEST_FIELDS: [&str; 2] = ["customer", "note"];
/// The fields of a customer's events that the index lines of their payouts and requests hold.
pub(crate) const CUSTOMER_FIELDS: [&str; 2] = ["username", "display_name"];

/// One of the record indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Index {
    Payouts,
    Requests,
}

impl Index {
    const ALL: [Index; 2] = [Index::Payouts, Index::Requests];

    /// The FTS5 table.
    pub(crate) fn table(self) -> &'static str {
        match self {
            Index::Payouts => "payout_search",
            Index::Requests => "request_search",
        }
    }

    /// The table of records whose lines wait for [`catch_up`], and its one column.
    fn stale(self) -> (&'static str, &'static str) {
        match self {
            Index::Payouts => ("payout_search_stale", "payout_id"),
            Index::Requests => ("request_search_stale", "request_id"),
        }
    }

    /// The indexed records' table.
    fn records(self) -> &'static str {
        match self {
            Index::Payouts => "payouts",
            Index::Requests => "incentive_requests",
        }
    }

    /// The setting that says which version of the line the index holds. Bump a version when
    /// its line changes: books with an older index are re-indexed on open.
    fn version(self) -> (&'static str, &'static str) {
        match self {
            Index::Payouts => ("payout_search_version", "1"),
            Index::Requests => ("request_search_version", "1"),
        }
    }

    /// Rewrites the lines of `ids`, of every record of `customers` and of those marked stale
    /// (by a trigger of the change, or by an earlier large change); past [`AT_COMMIT`] records,
    /// marks them for [`catch_up`] instead. Answers whether it left any.
    async fn reindex(
        self,
        conn: &mut SqliteConnection,
        ids: &BTreeSet<i64>,
        customers: &BTreeSet<CustomerId>,
    ) -> Result<bool> {
        let (stale, column) = self.stale();
        let mut ids: Vec<i64> = ids.iter().copied().collect();
        for &customer in customers {
            let theirs: Vec<i64> = sqlx::query_scalar(&format!(
                "SELECT id FROM {} WHERE customer_id = ?",
                self.records()
            ))
            .bind(customer)
            .fetch_all(&mut *conn)
            .await?;
            ids.extend(theirs);
        }
        let waiting: Vec<i64> =
            sqlx::query_scalar(&format!("SELECT {column} FROM {stale} LIMIT ?"))
                .bind(AT_COMMIT as i64 + 1)
                .fetch_all(&mut *conn)
                .await?;
        let some_wait = !waiting.is_empty();
        ids.extend(waiting);
        ids.sort_unstable();
        ids.dedup();
        if ids.len() <= AT_COMMIT {
            self.rewrite(conn, &ids).await?;
            if some_wait {
                sqlx::query(&format!("DELETE FROM {stale}"))
                    .execute(&mut *conn)
                    .await?;
            }
            return Ok(false);
        }
        for chunk in ids.chunks(BATCH) {
            sqlx::query(&format!(
                "INSERT OR IGNORE INTO {stale} ({column}) SELECT value FROM json_each(?)"
            ))
            .bind(serde_json::to_string(chunk).expect("ids serialise"))
            .execute(&mut *conn)
            .await?;
        }
        Ok(true)
    }

    /// Rewrites the index lines of `ids`, [`BATCH`] records to a statement.
    async fn rewrite(self, conn: &mut SqliteConnection, ids: &[i64]) -> Result<()> {
        for chunk in ids.chunks(BATCH) {
            let chunk = serde_json::to_string(chunk).expect("ids serialise");
            sqlx::query(&format!(
                "DELETE FROM {} WHERE rowid IN (SELECT value FROM json_each(?))",
                self.table()
            ))
            .bind(&chunk)
            .execute(&mut *conn)
            .await?;
            self.index_rows(conn, Rows::Of(&chunk)).await?;
        }
        Ok(())
    }

    /// Whether some lines wait for [`catch_up`].
    pub(crate) async fn behind(self, pool: &SqlitePool) -> Result<bool> {
        Ok(
            sqlx::query_scalar(&format!("SELECT EXISTS (SELECT 1 FROM {})", self.stale().0))
                .fetch_one(pool)
                .await?,
        )
    }

    /// Rewrites the lines a large change left, [`STEP`] records to a transaction.
    async fn catch_up(self, writer: &SqlitePool) -> Result<()> {
        let (stale, column) = self.stale();
        loop {
            let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
            let ids: Vec<i64> = sqlx::query_scalar(&format!(
                "SELECT {column} FROM {stale} ORDER BY {column} LIMIT ?"
            ))
            .bind(STEP)
            .fetch_all(&mut *tx)
            .await?;
            if ids.is_empty() {
                return Ok(());
            }
            self.rewrite(&mut tx, &ids).await?;
            sqlx::query(&format!(
                "DELETE FROM {stale} WHERE {column} IN (SELECT value FROM json_each(?))"
            ))
            .bind(serde_json::to_string(&ids).expect("ids serialise"))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
    }

    /// Indexes the records `rows` names; returns the last id indexed.
    async fn index_rows(self, conn: &mut SqliteConnection, rows: Rows<'_>) -> Result<Option<i64>> {
        let lines = match self {
            Index::Payouts => payout_lines(conn, rows).await?,
            Index::Requests => request_lines(conn, rows).await?,
        };
        let last = lines.last().map(|line| line.0);
        // One statement for the whole batch.
        let insert = match self {
            Index::Payouts => {
                "INSERT INTO payout_search (rowid, body)
                               SELECT value ->> 0, value ->> 1 FROM json_each(?)"
            }
            Index::Requests => {
                "INSERT INTO request_search (rowid, body, state)
                                SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)"
            }
        };
        sqlx::query(insert)
            .bind(serde_json::to_string(&lines).expect("index lines serialise"))
            .execute(&mut *conn)
            .await?;
        Ok(last)
    }

    /// Indexes every record into an empty index, in batches so memory stays flat.
    async fn index_all(self, conn: &mut SqliteConnection) -> Result<()> {
        let mut after = 0;
        while let Some(last) = self.index_rows(conn, Rows::After(after)).await? {
            after = last;
        }
        Ok(())
    }

    /// Builds the index of a book that has none yet, or one made by an older version. The
    /// index is derived data, not a change to the book, so this is a write without an audit
    /// event.
    async fn bring_up_to_date(self, writer: &SqlitePool) -> Result<()> {
        let (key, version) = self.version();
        let stored: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(writer)
            .await?;
        if stored.as_deref() == Some(version) {
            return Ok(());
        }
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let table = self.table();
        sqlx::query(&format!(
            "INSERT INTO {table} ({table}) VALUES ('delete-all')"
        ))
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!("DELETE FROM {}", self.stale().0))
            .execute(&mut *tx)
            .await?;
        self.index_all(&mut tx).await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The payouts, requests and customers whose index lines a transaction rewrites before it
/// commits, or leaves to [`catch_up`] when they are many.
#[derive(Debug, Default)]
pub(crate) struct Touched {
    payouts: BTreeSet<i64>,
    requests: BTreeSet<i64>,
    customers: BTreeSet<CustomerId>,
}

impl Touched {
    pub(crate) fn payout(&mut self, id: PayoutId) {
        self.payouts.insert(id.0);
    }

    pub(crate) fn request(&mut self, id: RequestId) {
        self.requests.insert(id.0);
    }

    /// Every payout and request of the customer.
    pub(crate) fn customer(&mut self, id: CustomerId) {
        self.customers.insert(id);
    }

    /// Rewrites the index lines of everything noted, or leaves them to [`catch_up`] when they
    /// are many. Answers whether it left any.
    pub(crate) async fn reindex(&self, conn: &mut SqliteConnection) -> Result<bool> {
        let payouts = Index::Payouts
            .reindex(conn, &self.payouts, &self.customers)
            .await?;
        let requests = Index::Requests
            .reindex(conn, &self.requests, &self.customers)
            .await?;
        Ok(payouts || requests)
    }
}

/// Rewrites the lines large changes left in both indexes.
pub(crate) async fn catch_up(writer: &SqlitePool) -> Result<()> {
    for index in Index::ALL {
        index.catch_up(writer).await?;
    }
    Ok(())
}

/// Builds the indexes of a book that has none yet, or ones made by an older version.
pub(crate) async fn bring_up_to_date(writer: &SqlitePool) -> Result<()> {
    for index in Index::ALL {
        index.bring_up_to_date(writer).await?;
    }
    Ok(())
}

/// A line of an index: the record's id, the text searched and (requests only) the filter codes.
type Line = (i64, String, String);

/// Which records [`Index::index_rows`] indexes.
enum Rows<'a> {
    /// The first [`BATCH`] after this id.
    After(i64),
    /// Those of a JSON array of ids.
    Of(&'a str),
}

impl Rows<'_> {
    /// The rows of `select` (whose records are `p`) these name, by id.
    async fn fetch<T>(&self, conn: &mut SqliteConnection, select: &str) -> Result<Vec<T>>
    where
        T: Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
    {
        Ok(match self {
            Rows::After(after) => {
                sqlx::query_as(&format!(
                    "{select} WHERE p.id > ? ORDER BY p.id LIMIT {BATCH}"
                ))
                .bind(after)
                .fetch_all(&mut *conn)
                .await?
            }
            Rows::Of(ids) => {
                sqlx::query_as(&format!(
                    "{select} WHERE p.id IN (SELECT value FROM json_each(?)) ORDER BY p.id"
                ))
                .bind(ids)
                .fetch_all(&mut *conn)
                .await?
            }
        })
    }
}

/// A payout's line: its number, its request's, the customer, amount, currency, description
/// and provider reference.
async fn payout_lines(conn: &mut SqliteConnection, rows: Rows<'_>) -> Result<Vec<Line>> {
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
    let rows: Vec<Row> = rows
        .fetch(
            conn,
            "SELECT p.id, p.request_id, c.username, c.display_name, p.amount_minor, p.currency,
                    p.description, p.external_reference
               FROM payouts p JOIN customers c ON c.id = p.customer_id",
        )
        .await?;
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
        lines.push((id, body, String::new()));
    }
    Ok(lines)
}

/// A request's line: its number, the customer and its note, and the codes of the filters it is
/// in (see migration 0019).
async fn request_lines(conn: &mut SqliteConnection, rows: Rows<'_>) -> Result<Vec<Line>> {
    let rows: Vec<(i64, String, String, String, RequestStatus, bool)> = rows
        .fetch(
            conn,
            "SELECT p.id, c.username, c.display_name, p.note, p.status,
                    p.status = 'approved' AND p.open_payout_id IS NULL
               FROM incentive_requests p JOIN customers c ON c.id = p.customer_id",
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, username, name, note, status, payable)| {
            let body = format!("{} {username} {name} {note}", RequestId(id));
            let state = if payable {
                format!("{} {PAYABLE_CODE}", status_code(status))
            } else {
                status_code(status).to_owned()
            };
            (id, body, state)
        })
        .collect())
}

/// The code of a request status in the `state` column of its line: three characters, so one
/// trigram, and searched apart from the words.
pub(crate) fn status_code(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Pending => "@pe",
        RequestStatus::Approved => "@ap",
        RequestStatus::Rejected => "@re",
        RequestStatus::Voided => "@vo",
    }
}

/// The code of an approved request with no payout that is not Failed.
pub(crate) const PAYABLE_CODE: &str = "@pa";

/// What a search says when some of its words are too short for a trigram index.
pub(crate) fn short_words_hint(search: &str) -> Option<String> {
    search
        .split_whitespace()
        .any(|word| word.chars().count() < 3)
        .then(|| "Words shorter than 3 characters are not searched.".to_owned())
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
    use crate::ids::RequestId;
    use crate::payouts::list::{PayoutQuery, COUNT_CAP};
    use crate::requests::RequestFilter;
    use crate::store::{Create, Ledger};
    use crate::PageRequest;

    fn searching(words: &str) -> PayoutQuery {
        PayoutQuery {
            search: words.into(),
            ..PayoutQuery::page(1, 50)
        }
    }

    /// A book whose one customer has `n` requests and payouts, made with SQL and indexed on
    /// open.
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
            "DELETE FROM settings WHERE key IN ('payout_search_version', 'request_search_version')",
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
        // The customer's requests follow the rename the same way.
        let requests = async |words: &str| {
            let list = ledger
                .list_requests(
                    words,
                    RequestFilter::All,
                    PageRequest {
                        page: 1,
                        page_size: 20,
                    },
                )
                .await
                .unwrap();
            assert_eq!(list.search_hint, None);
            list.page.total
        };
        assert_eq!(requests("Byron").await, n);
        assert_eq!(requests("Lovelace").await, 0);
        for index in super::Index::ALL {
            assert!(!index.behind(&ledger.reader).await.unwrap(), "{index:?}");
        }
        ledger.close().await;
    }

    /// A search is counted up to [`COUNT_CAP`]; the pages past the count are still read, newest
    /// first, from the index.
    #[tokio::test]
    async fn a_search_matching_more_requests_than_the_cap_says_so_and_pages_on() {
        let dir = tempfile::tempdir().unwrap();
        let n = COUNT_CAP + 30;
        let (ledger, _) = book_of(dir.path(), n).await;
        let page = |page| PageRequest {
            page,
            page_size: 20,
        };
        let first = ledger
            .list_requests("lovelace", RequestFilter::All, page(1))
            .await
            .unwrap();
        assert_eq!((first.page.total, first.total_exact), (COUNT_CAP, false));
        assert_eq!(first.page.items[0].id, RequestId(n));
        let past = ledger
            .list_requests("lovelace", RequestFilter::All, page(COUNT_CAP / 20 + 1))
            .await
            .unwrap();
        let ids: Vec<_> = past.page.items.iter().map(|r| r.id.0).collect();
        assert_eq!(ids, (11..=30).rev().collect::<Vec<_>>());
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
            !super::Index::Payouts
                .behind(&read_only.reader)
                .await
                .unwrap(),
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
        assert!(!super::Index::Payouts.behind(&ledger.reader).await.unwrap());
        ledger.close().await;
    }
}
