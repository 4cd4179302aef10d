//! Opening the book: settings, refusals, and the pre-migration backup.
mod common;

use common::*;
use ledger::{Create, Ledger};

#[tokio::test]
async fn never_creates_a_file_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.sqlite");
    let err = Ledger::open(&path, Create::Never, at(0)).await.unwrap_err();
    assert_eq!(err.kind(), "not_found");
    assert!(!path.exists());
}

#[tokio::test]
async fn reopens_what_was_written() {
    let b = book().await;
    let c = customer(&b.ledger, "ada").await;
    let path = b.ledger.path().to_owned();
    b.ledger.close().await;
    let again = Ledger::open(&path, Create::Never, at(5)).await.unwrap();
    assert_eq!(again.customer(c.id).await.unwrap().username, "ada");
    assert!(
        !ledger::store::backup_dir(&path).exists(),
        "no migration pending, so no backup"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn the_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let b = book().await;
    let mode = std::fs::metadata(b.ledger.path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn refuses_a_file_that_is_not_a_book() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite");
    std::fs::write(
        &path,
        b"this is not a database at all, just some text that fills a page",
    )
    .unwrap();
    assert_eq!(
        Ledger::open(&path, Create::Never, at(0))
            .await
            .unwrap_err()
            .kind(),
        "storage"
    );

    let other = dir.path().join("other-app.sqlite");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", other.display()))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE notes (body TEXT)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let err = Ledger::open(&other, Create::Never, at(0))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "precondition");
    assert!(err.to_string().contains("not an Incentise Payouts book"));
}

#[tokio::test]
async fn refuses_a_book_from_a_newer_app() {
    let b = book().await;
    let path = b.ledger.path().to_owned();
    b.ledger.close().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (9999, 'from the future', 1, x'00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let err = Ledger::open(&path, Create::Never, at(0)).await.unwrap_err();
    assert_eq!(err.kind(), "precondition");
    assert!(err.to_string().contains("newer version"), "{err}");
}

#[tokio::test]
async fn backs_up_before_a_migration_and_a_failed_one_changes_nothing() {
    let b = book().await;
    let ada = customer(&b.ledger, "ada").await;
    let path = b.ledger.path().to_owned();
    b.ledger.close().await;
    // Pretend migration 1 never ran: it is then pending, and fails because its tables exist.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 1")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let err = Ledger::open(&path, Create::Never, at(0)).await.unwrap_err();
    assert_eq!(err.kind(), "storage", "{err}");

    let backups: Vec<_> = std::fs::read_dir(ledger::store::backup_dir(&path))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1);
    assert!(backups[0]
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("before-migration-1-20260105T090000Z"));
    for file in [&path, &backups[0]] {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", file.display()))
            .await
            .unwrap();
        let name: String = sqlx::query_scalar("SELECT username FROM customers WHERE id = ?")
            .bind(ada.id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(name, "ada", "{}", file.display());
        pool.close().await;
    }
}
