//! The payout search index (`payout_search`, migration 0002): one line of text per payout that
//! holds everything the list can be searched by, matched as substrings of three or more
//! characters by an FTS5 trigram index.
//!
//! Invariant: the index is derived data kept by the write choke point: at commit,
//! `audit::WriteTx` re-indexes every payout and customer whose audit events in the
//! transaction changed an indexed field ([`PAYOUT_FIELDS`], [`CUSTOMER_FIELDS`]), so the
//! index never disagrees with the book a reader sees and no writer indexes by hand.

use std::collections::BTreeSet;

use sqlx::{SqliteConnection, SqlitePool};

use crate::error::Result;
use crate::ids::{CustomerId, PayoutId, RequestId};
use crate::money::Money;

/// Bump when the indexed text changes; books with an older index are re-indexed on open.
const INDEX_VERSION: &str = "1";

/// The fields of a payout's events that its index line holds (a new payout's `request`,
/// `amount` and `description` among them).
pub(crate) const PAYOUT_FIELDS: [&str; 4] =
    ["request", "amount", "description", "external_reference"];
/// The fields of a customer's events that the index lines of their payouts hold.
pub(crate) const CUSTOMER_FIELDS: [&str; 2] = ["username", "display_name"];

/// The payouts and customers whose index lines a transaction must rewrite before it commits.
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

    /// Rewrites the index lines of everything noted, 10,000 payouts to a query.
    pub(crate) async fn reindex(&self, conn: &mut SqliteConnection) -> Result<()> {
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
        for chunk in ids.chunks(10_000) {
            let chunk = serde_json::to_string(chunk).expect("ids serialise");
            sqlx::query(
                "DELETE FROM payout_search WHERE rowid IN (SELECT value FROM json_each(?))",
            )
            .bind(&chunk)
            .execute(&mut *conn)
            .await?;
            index_rows(conn, Rows::Of(&chunk)).await?;
        }
        Ok(())
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
