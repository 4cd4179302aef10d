//! The audit log's word index (`audit_search`, migrations 0006 and 0015): a trigram index of
//! each event's actor, action, note and changed fields and values, whose rowid is the event's
//! sequence number.
//!
//! Invariants: every event up to `audit_search_upto.seq` is indexed and none after it; a
//! change of at most [`AT_COMMIT`] events indexes them before it commits, so the usual write
//! leaves the index whole; a larger change leaves them to [`catch_up`], which runs right after
//! it, [`STEP`] events to a transaction, before a word search that finds events waiting, at
//! close and on open. Indexing is derived data, not a change to the book, so a catch-up writes
//! no audit event.

use sqlx::{SqliteConnection, SqlitePool};

use crate::error::Result;

/// A change of up to this many events indexes them before it commits.
pub(crate) const AT_COMMIT: i64 = 1_000;
/// Events a catch-up indexes in one transaction, so a write waiting behind it waits briefly.
const STEP: i64 = 5_000;

/// The last event the index holds.
async fn upto(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT seq FROM audit_search_upto")
        .fetch_one(conn)
        .await?)
}

/// Indexes the events after the index's last one up to `through`.
async fn index(conn: &mut SqliteConnection, from: i64, through: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_search (rowid, body)
         SELECT seq, actor || ' ' || action || ' ' || note || ' ' || IFNULL(
                (SELECT group_concat(value ->> 'field' || ' ' || IFNULL(value ->> 'old', '') || ' '
                                     || IFNULL(value ->> 'new', ''), ' ')
                   FROM json_each(changes)), '')
           FROM audit_events WHERE seq > ? AND seq <= ?",
    )
    .bind(from)
    .bind(through)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_search_upto SET seq = ?")
        .bind(through)
        .execute(conn)
        .await?;
    Ok(())
}

/// Inside a change about to commit, whose last event is `head`: indexes the events the index
/// lacks when they are few. Answers whether the index is left behind.
pub(crate) async fn at_commit(conn: &mut SqliteConnection, head: i64) -> Result<bool> {
    let from = upto(conn).await?;
    if head - from > AT_COMMIT {
        return Ok(true);
    }
    if head > from {
        index(conn, from, head).await?;
    }
    Ok(false)
}

/// Whether some events are not indexed yet.
pub(crate) async fn behind(pool: &SqlitePool) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT (SELECT seq FROM audit_search_upto)
                < (SELECT IFNULL(MAX(seq), 0) FROM audit_events)",
    )
    .fetch_one(pool)
    .await?)
}

/// Indexes every event the index lacks, [`STEP`] to a transaction.
pub(crate) async fn catch_up(writer: &SqlitePool) -> Result<()> {
    loop {
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let from = upto(&mut tx).await?;
        let head: i64 = sqlx::query_scalar("SELECT IFNULL(MAX(seq), 0) FROM audit_events")
            .fetch_one(&mut *tx)
            .await?;
        if head <= from {
            return Ok(());
        }
        index(&mut tx, from, head.min(from + STEP)).await?;
        tx.commit().await?;
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use crate::audit::{Action, Diff, Event, Origin, Record};
    use crate::audit_log::AuditQuery;
    use crate::store::{Create, Ledger};

    fn words(search: &str) -> AuditQuery {
        serde_json::from_value(serde_json::json!({ "search": search, "page": 1, "page_size": 50 }))
            .unwrap()
    }

    /// One change of `n` events, each noting `word`.
    async fn events(ledger: &Ledger, n: i64, word: &str) {
        let origin = Origin::manual("Tester", Utc::now());
        let mut tx = ledger.begin_write(&origin).await.unwrap();
        for k in 0..n {
            tx.record(Event {
                action: Action::Backup,
                record: Record::Book,
                diff: Diff::new(),
                note: &format!("{word} {k}"),
            })
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }

    async fn found(ledger: &Ledger, search: &str) -> i64 {
        ledger.audit_log(&words(search)).await.unwrap().total
    }

    #[tokio::test]
    async fn a_small_change_is_indexed_before_it_commits_and_a_large_one_before_any_search() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("book.sqlite");
        let ledger = Ledger::open(&path, Create::IfMissing, Utc::now())
            .await
            .unwrap();
        events(&ledger, 3, "zebrafish").await;
        assert!(!super::behind(&ledger.reader).await.unwrap());
        assert_eq!(found(&ledger, "zebrafish").await, 3);

        events(&ledger, super::AT_COMMIT + 1, "quokka").await;
        // Whether or not the catch-up started by the change has run, a search sees them all.
        assert_eq!(found(&ledger, "quokka").await, super::AT_COMMIT + 1);
        assert!(!super::behind(&ledger.reader).await.unwrap());
        ledger.close().await;
    }

    #[tokio::test]
    async fn an_index_left_behind_catches_up_on_search_close_and_open_and_read_only_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("book.sqlite");
        let ledger = Ledger::open(&path, Create::IfMissing, Utc::now())
            .await
            .unwrap();
        events(&ledger, 5, "axolotl").await;
        // As if the change had been large and its catch-up had not run yet.
        let forget = async |pool: &sqlx::SqlitePool| {
            sqlx::query("INSERT INTO audit_search (audit_search) VALUES ('delete-all')")
                .execute(pool)
                .await
                .unwrap();
            sqlx::query("UPDATE audit_search_upto SET seq = 0")
                .execute(pool)
                .await
                .unwrap();
        };
        forget(&ledger.writer).await;
        assert_eq!(found(&ledger, "axolotl").await, 5);
        assert!(!super::behind(&ledger.reader).await.unwrap());
        forget(&ledger.writer).await;
        ledger.close().await;
        let read_only = Ledger::open_read_only(&path).await.unwrap();
        assert!(
            !super::behind(&read_only.reader).await.unwrap(),
            "close caught up"
        );
        read_only.close().await;

        // As if the app had stopped before the catch-up, and the book were then opened
        // read-only: the index is searched as it is, and the page says it lags.
        let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        forget(&raw).await;
        raw.close().await;
        let read_only = Ledger::open_read_only(&path).await.unwrap();
        let page = read_only.audit_log(&words("axolotl")).await.unwrap();
        assert_eq!(page.total, 0);
        assert!(page.search_hint.unwrap().contains("not up to date"));
        read_only.close().await;

        let ledger = Ledger::open(&path, Create::Never, Utc::now())
            .await
            .unwrap();
        assert!(!super::behind(&ledger.reader).await.unwrap());
        let page = ledger.audit_log(&words("axolotl")).await.unwrap();
        assert_eq!((page.total, page.search_hint), (5, None));
        ledger.close().await;
    }
}
