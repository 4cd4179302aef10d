//! The book's schema steps (`migrations/`), embedded at build time and checksummed over their
//! text with LF line endings.
//!
//! SQLx records each applied step's checksum (SHA-384 of its text) in the book and refuses a
//! book whose recorded checksum differs from the build's. Its `migrate!` hashes the files as the
//! checkout wrote them, so a Windows checkout that turned them into CRLF would build an app
//! that refuses every book made on Linux or macOS ("migration 1 was previously applied but has
//! been modified"), and the reverse. `.gitattributes` keeps the files LF; this module makes the
//! checksums independent of the checkout all the same.
//!
//! Invariant: every step's text and checksum are those of its LF form.

use std::sync::LazyLock;

use futures_util::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, Migrator};
use sqlx::SqlitePool;

/// The steps as the checkout wrote them.
static EMBEDDED: Migrator = sqlx::migrate!("./migrations");

/// Every step of this version, oldest first, with LF line endings.
pub(crate) static STEPS: LazyLock<Vec<Migration>> =
    LazyLock::new(|| EMBEDDED.iter().map(with_lf_line_endings).collect());

/// Runs the steps `pool`'s book has not had.
pub(crate) async fn run(pool: &SqlitePool) -> Result<(), sqlx::migrate::MigrateError> {
    Migrator::new(Steps).await?.run(pool).await
}

/// The schema versions of this build, oldest first.
pub(crate) fn versions() -> impl Iterator<Item = i64> {
    STEPS.iter().map(|step| step.version)
}

fn with_lf_line_endings(step: &Migration) -> Migration {
    if !step.sql.contains("\r\n") {
        return step.clone();
    }
    with_text(step, step.sql.replace("\r\n", "\n"))
}

/// `step` with another text, checksummed anew.
fn with_text(step: &Migration, sql: String) -> Migration {
    Migration::new(
        step.version,
        step.description.clone(),
        step.migration_type,
        sql.into(),
        step.no_tx,
    )
}

/// [`STEPS`] as SQLx's migrator takes them.
#[derive(Debug)]
struct Steps;

impl<'s> MigrationSource<'s> for Steps {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async { Ok(STEPS.clone()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha384};

    #[test]
    fn a_crlf_checkout_builds_the_same_checksums() {
        for step in STEPS.iter() {
            let crlf = with_text(step, step.sql.replace('\n', "\r\n"));
            assert_ne!(
                crlf.checksum, step.checksum,
                "step {} has lines",
                step.version
            );
            let read = with_lf_line_endings(&crlf);
            assert_eq!(read.checksum, step.checksum, "step {}", step.version);
            assert_eq!(read.sql, step.sql, "step {}", step.version);
        }
    }

    #[test]
    fn each_checksum_is_that_of_the_file_with_lf_line_endings() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .expect("the migrations folder")
            .map(|entry| entry.expect("an entry").path())
            .filter(|path| path.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        assert_eq!(files.len(), STEPS.len());
        for (file, step) in files.iter().zip(STEPS.iter()) {
            let text = std::fs::read_to_string(file)
                .expect("a step")
                .replace("\r\n", "\n");
            assert!(!step.sql.contains('\r'), "step {}", step.version);
            assert_eq!(
                step.checksum.as_ref(),
                Sha384::digest(text.as_bytes()).as_slice(),
                "{}",
                file.display()
            );
        }
    }

    /// Some of [`STEPS`], as SQLx's migrator takes them.
    #[derive(Debug)]
    struct Only(Vec<Migration>);

    impl<'s> MigrationSource<'s> for Only {
        fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
            Box::pin(async { Ok(self.0) })
        }
    }

    async fn book_up_to(path: &std::path::Path, version: i64) -> SqlitePool {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        let pool = SqlitePool::connect_with(options).await.unwrap();
        let steps = STEPS.iter().filter(|s| s.version <= version).cloned();
        Migrator::new(Only(steps.collect()))
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        pool
    }

    /// A customer with a PayPal account, two approved requests of 12.50 and 5.00 USD, and a
    /// Pending payout PO-000001 for the first, written as the steps of their time wrote them.
    async fn seed(pool: &SqlitePool) {
        let at = "2026-01-05T09:00:00.000000Z";
        for sql in [
            "INSERT INTO customers (id, uuid, username, username_key, display_name, created_at,
                                    updated_at)
             VALUES (1, randomblob(16), 'ada', 'ada', 'Ada', ?1, ?1)",
            "INSERT INTO payment_accounts (id, uuid, customer_id, kind, is_default, provider,
                                           handle_kind, handle, created_at, updated_at)
             VALUES (1, randomblob(16), 1, 'digital', 1, 'paypal', 'email', 'ada@example.com',
                     ?1, ?1)",
            "INSERT INTO incentive_requests (id, uuid, customer_id, amount_minor, currency, status,
                                             decided_at, created_at, updated_at)
             VALUES (1, randomblob(16), 1, 1250, 'USD', 'approved', ?1, ?1, ?1),
                    (2, randomblob(16), 1, 500, 'USD', 'approved', ?1, ?1, ?1)",
            "INSERT INTO payouts (id, uuid, request_id, customer_id, amount_minor, currency, method,
                                  account_id, account_snapshot, created_at, updated_at, status_at)
             VALUES (1, randomblob(16), 1, 1, 1250, 'USD', 'digital', 1, '{}', ?1, ?1, ?1)",
        ] {
            sqlx::query(sql).bind(at).execute(pool).await.unwrap();
        }
    }

    /// Verify compares a book's schema with a new book's (`consistency`): a book made by the
    /// steps of an older version and upgraded since must have exactly that schema.
    #[tokio::test]
    async fn a_book_upgraded_from_any_step_has_the_schema_of_a_new_one() {
        let fresh = crate::consistency::fresh_schema().await.unwrap();
        for version in [1, 7, 15, 21, 23] {
            let dir = tempfile::tempdir().unwrap();
            let pool = book_up_to(&dir.path().join("old.sqlite"), version).await;
            if version == 21 {
                seed(&pool).await;
            }
            run(&pool).await.unwrap();
            let upgraded = crate::consistency::schema(&pool).await.unwrap();
            assert_eq!(upgraded, fresh, "upgraded from step {version}");
            pool.close().await;
        }
    }

    #[tokio::test]
    async fn step_22_lets_an_existing_book_cancel_and_void_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let pool = book_up_to(&dir.path().join("old.sqlite"), 21).await;
        seed(&pool).await;
        let refused = "UPDATE payouts SET status = 'cancelled'";
        assert!(sqlx::query(refused).execute(&pool).await.is_err());

        run(&pool).await.unwrap();
        let open: Option<i64> =
            sqlx::query_scalar("SELECT open_payout_id FROM incentive_requests WHERE id = 1")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(open, Some(1));
        sqlx::query("UPDATE payouts SET status = 'cancelled' WHERE id = 1")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(
            "UPDATE incentive_requests SET status = 'voided', void_reason = 'refunded' WHERE id = 2",
        )
        .execute(&pool)
        .await
        .unwrap();
        // The cancelled payout no longer stands for its request; the totals follow.
        let totals: Vec<(String, i64)> =
            sqlx::query_as("SELECT kind, n FROM request_totals ORDER BY kind")
                .fetch_all(&pool)
                .await
                .unwrap();
        let expected = [
            ("approved", 1),
            ("payable", 1),
            ("pending", 0),
            ("rejected", 0),
            ("voided", 1),
        ];
        assert_eq!(totals, expected.map(|(k, n)| (k.to_owned(), n)).to_vec());
        for refused in [
            "UPDATE payouts SET status = 'lost'",
            "UPDATE incentive_requests SET status = 'paid' WHERE id = 1",
            "UPDATE incentive_requests SET status = 'voided' WHERE id = 1",
            "UPDATE incentive_requests SET void_reason = 'x' WHERE id = 1",
        ] {
            assert!(
                sqlx::query(refused).execute(&pool).await.is_err(),
                "{refused}"
            );
        }
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(check, "ok");
    }

    #[tokio::test]
    async fn step_23_gives_old_fees_the_payouts_currency_and_no_way_paid() {
        let dir = tempfile::tempdir().unwrap();
        let pool = book_up_to(&dir.path().join("old.sqlite"), 22).await;
        seed(&pool).await;
        sqlx::query(
            "UPDATE payouts SET status = 'success', paid_on = '2026-01-05', fee_minor = 35",
        )
        .execute(&pool)
        .await
        .unwrap();
        run(&pool).await.unwrap();
        let row: (Option<String>, Option<String>) =
            sqlx::query_as("SELECT fee_currency, paid_via FROM payouts WHERE id = 1")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(row, (Some("USD".to_owned()), None));
        for refused in [
            "UPDATE payouts SET paid_via = 'venmo'",
            "UPDATE payouts SET fee_currency = 'usd'",
        ] {
            assert!(
                sqlx::query(refused).execute(&pool).await.is_err(),
                "{refused}"
            );
        }
    }

    #[test]
    fn the_versions_are_in_order() {
        let versions: Vec<i64> = versions().collect();
        assert!(versions.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(versions.first(), Some(&1));
    }
}
