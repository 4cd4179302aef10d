//! The start-up cases of issue 11 (item 3), each as the app meets it: a book that is missing,
//! empty, another program's database, damaged, from a newer version, or read-only. Each shows
//! what happened and the way out, and leaves the file as it was.

mod support;

use std::path::Path;

use chrono::Utc;
use ledger::{Create, Ledger};
use support::*;

fn block_on<F: std::future::Future>(work: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(work)
}

/// A real book with one customer, closed.
fn make_book(path: &Path) {
    block_on(async {
        let ledger = Ledger::open(path, Create::IfMissing, Utc::now())
            .await
            .unwrap();
        ledger
            .load_sample_data(&ledger::Origin::manual("Seeder", Utc::now()))
            .await
            .unwrap();
        ledger.close().await;
    });
}

async fn exec(path: &Path, sql: &str) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    sqlx::query(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

#[test]
fn a_missing_book_is_reported_and_nothing_is_created() {
    run_prepared(
        "start-up-missing",
        |_| {},
        |s| async move {
            let c = &s.client;
            let card = wait_text(c, "#start-up", |t| t.contains("There is no book here")).await;
            assert!(card.contains("Start a new book"), "{card}");
            assert!(!s.book.exists(), "nothing was created");
            s
        },
    );
}

#[test]
fn an_empty_file_is_refused_and_left_empty() {
    run_prepared(
        "start-up-empty",
        |book| std::fs::write(book, b"").unwrap(),
        |s| async move {
            let c = &s.client;
            wait_text(c, "#start-up", |t| t.contains("is empty (0 bytes)")).await;
            assert_eq!(std::fs::metadata(&s.book).unwrap().len(), 0);
            s
        },
    );
}

#[test]
fn another_programs_database_is_refused_byte_for_byte_untouched() {
    run_prepared(
        "start-up-not-a-book",
        |book| {
            block_on(exec(
                book,
                "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)",
            ));
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(book, std::fs::Permissions::from_mode(0o644)).unwrap();
            }
            std::fs::copy(book, book.with_extension("before")).unwrap();
        },
        |s| async move {
            let c = &s.client;
            wait_text(c, "#start-up", |t| {
                t.contains("not an Incentise Payouts book")
            })
            .await;
            let before = std::fs::read(s.book.with_extension("before")).unwrap();
            assert_eq!(
                std::fs::read(&s.book).unwrap(),
                before,
                "not a byte changed"
            );
            assert!(
                !s.book.with_extension("sqlite-wal").exists(),
                "no WAL switch"
            );
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&s.book).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o644, "no chmod");
            }
            s
        },
    );
}

#[test]
fn a_damaged_book_is_named_damaged_and_offers_its_backups() {
    run_prepared(
        "start-up-damaged",
        |book| {
            make_book(book);
            let backups = book.with_file_name("backups");
            std::fs::create_dir_all(&backups).unwrap();
            std::fs::copy(book, backups.join("manual-20260301T090000Z.sqlite")).unwrap();
            // Pages 2 to 40 overwritten, as a failing disk would.
            let mut bytes = std::fs::read(book).unwrap();
            let end = bytes.len().min(40 * 4096);
            bytes[4096..end].fill(0xA5);
            std::fs::write(book, bytes).unwrap();
        },
        |s| async move {
            let c = &s.client;
            let card = wait_text(c, "#start-up", |t| t.contains("could not be opened")).await;
            assert!(card.contains("damaged"), "{card}");
            let offered = wait_text(c, "#start-backups", |t| !t.is_empty()).await;
            assert!(
                offered.contains("manual-20260301T090000Z.sqlite"),
                "{offered}"
            );
            assert!(card.contains("Choose a backup file"), "{card}");
            s
        },
    );
}

#[test]
fn a_book_of_a_newer_version_is_refused() {
    run_prepared(
        "start-up-newer",
        |book| {
            make_book(book);
            block_on(exec(
                book,
                "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
                 VALUES (9999, 'from the future', '2027-01-01', 1, x'00', 0)",
            ));
        },
        |s| async move {
            let c = &s.client;
            wait_text(c, "#start-up", |t| t.contains("newer version")).await;
            s
        },
    );
}

#[test]
fn a_read_only_book_opens_read_only_and_stays_so() {
    run_prepared(
        "start-up-read-only",
        |book| {
            make_book(book);
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(book, std::fs::Permissions::from_mode(0o444)).unwrap();
            }
        },
        |s| async move {
            let c = &s.client;
            wait_text(c, "#read-only", |t| t.contains("open read-only")).await;
            wait_text(c, "#payouts-table tbody", |t| t.contains("PO-")).await;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&s.book).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o444, "the owner's protection stays");
            }
            s
        },
    );
}
