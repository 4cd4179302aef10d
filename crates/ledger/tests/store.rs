//! Opening the book: settings, refusals, and the pre-migration backup.
mod common;

use common::*;
use ledger::{Create, Ledger};

#[tokio::test]
async fn never_creates_a_file_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.sqlite");
    assert!(!ledger::store::upgrade_pending(&path).await);
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
    assert!(!ledger::store::upgrade_pending(&path).await, "up to date");
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
    let err = Ledger::open(&path, Create::Never, at(0)).await.unwrap_err();
    assert_eq!(err.kind(), "precondition");
    assert!(err.to_string().contains("not an SQLite database"), "{err}");

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

/// Issue 11, item 3: every file that is not a book is refused before anything touches it (no
/// WAL switch, no chmod, no migration), a zero-byte file included; a file its owner made
/// read-only is refused for writing and never made writable again. (Unix: it reads the modes.)
#[cfg(unix)]
#[tokio::test]
async fn a_file_that_is_not_a_book_is_left_byte_for_byte_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;

    let empty = dir.path().join("empty.sqlite");
    std::fs::write(&empty, b"").unwrap();
    let err = Ledger::open(&empty, Create::IfMissing, at(0))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is empty (0 bytes)"), "{err}");
    assert_eq!(
        std::fs::metadata(&empty).unwrap().len(),
        0,
        "never migrated"
    );

    // Another program's database in rollback-journal mode, readable by others, with its own
    // application id (as Fossil, GeoPackage and others set one).
    let other = dir.path().join("notes.sqlite");
    for sql in [
        "CREATE TABLE notes (body TEXT)",
        "PRAGMA application_id = 1196444487",
    ] {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", other.display()))
            .await
            .unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    }
    std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = std::fs::read(&other).unwrap();
    let err = Ledger::open(&other, Create::Never, at(0))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("another application's database"),
        "{err}"
    );
    assert_eq!(std::fs::read(&other).unwrap(), before, "not a byte changed");
    assert_eq!(mode(&other), 0o644, "not chmodded");
    assert!(
        !dir.path().join("notes.sqlite-wal").exists(),
        "no WAL switch"
    );

    // A book carries this app's id; made read-only by its owner, it is not opened for writing
    // and keeps its mode; the read-only open reads it.
    let book = dir.path().join("book.sqlite");
    Ledger::open(&book, Create::IfMissing, at(0))
        .await
        .unwrap()
        .close()
        .await;
    // (Read through SQLite: the header page may still be in the WAL.)
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", book.display()))
        .await
        .unwrap();
    let id: i32 = sqlx::query_scalar("PRAGMA application_id")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_eq!(id, ledger::store::APPLICATION_ID);
    std::fs::set_permissions(&book, std::fs::Permissions::from_mode(0o444)).unwrap();
    assert!(!ledger::store::can_write(&book));
    let err = Ledger::open(&book, Create::Never, at(0)).await.unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
    assert_eq!(mode(&book), 0o444);
    let read = Ledger::open_read_only(&book).await.unwrap();
    assert!(!read.writable());
    read.close().await;
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
    // Said before the open, so the window can tell a long upgrade from a plain open.
    assert!(ledger::store::upgrade_pending(&path).await);
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
