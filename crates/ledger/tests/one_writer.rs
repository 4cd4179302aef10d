//! One app per book: while one window (or program) has the book open, another that would
//! open it is refused with a clear message, and a restore waits (a while, for the app that
//! restarted to be gone; then for the next start); the command-line program's
//! read-only view is still allowed.

mod common;

use chrono::{TimeZone, Utc};
use common::*;
use ledger::backups::apply_pending_restore;
use ledger::{Create, Ledger};

#[tokio::test]
async fn a_second_window_is_refused_while_the_book_is_open() {
    let b = book().await;
    let path = b.ledger.path().to_owned();
    let err = Ledger::open(&path, Create::Never, at(0)).await.unwrap_err();
    assert_eq!(err.kind(), "conflict", "{err}");
    assert!(
        err.to_string()
            .contains("open in another window or program"),
        "{err}"
    );
    // The first window goes on writing; a reader beside it is fine.
    customer(&b.ledger, "ada").await;
    let reader = Ledger::open_read_only(&path).await.unwrap();
    assert_eq!(count(&reader, "customers").await, 1);
    reader.close().await;

    // Once it closes, the book opens elsewhere.
    let Book { ledger, dir: _dir } = b;
    ledger.close().await;
    let again = Ledger::open(&path, Create::Never, at(0)).await.unwrap();
    assert_eq!(count(&again, "customers").await, 1);
    again.close().await;
}

/// A book with ada and bob, and a restore scheduled of the backup made before bob came.
async fn restore_scheduled() -> (Book, std::path::PathBuf) {
    let b = book().await;
    let path = b.ledger.path().to_owned();
    customer(&b.ledger, "ada").await;
    let backup = b.ledger.back_up(&me()).await.unwrap();
    customer(&b.ledger, "bob").await;
    b.ledger
        .schedule_restore(&me(), &backup.file_name)
        .await
        .unwrap();
    (b, path)
}

#[tokio::test]
async fn a_restore_waits_while_another_window_has_the_book_open() {
    let (b, path) = restore_scheduled().await;
    // The app that scheduled it is still open (another window): the restore would lose bob.
    let now = Utc.with_ymd_and_hms(2026, 1, 6, 7, 0, 0).unwrap();
    let err = apply_pending_restore(&path, now, None).await.unwrap_err();
    assert_eq!(err.kind(), "conflict", "{err}");
    assert_eq!(count(&b.ledger, "customers").await, 2, "nothing restored");

    let Book { ledger, dir: _dir } = b;
    ledger.close().await;
    let note = apply_pending_restore(&path, now, None).await.unwrap();
    assert!(
        note.is_some(),
        "still scheduled, carried out once nothing holds the book"
    );
}

#[tokio::test]
async fn a_restore_after_a_restart_waits_for_the_old_app_to_be_gone() {
    let (b, path) = restore_scheduled().await;
    // The app restarts: the new one starts while the old one is still closing (on Windows a
    // webview takes a moment), and holds the book a little longer.
    let Book { ledger, dir: _dir } = b;
    let closing = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        ledger.close().await;
    });
    let now = Utc.with_ymd_and_hms(2026, 1, 6, 7, 0, 0).unwrap();
    let note = apply_pending_restore(&path, now, None).await.unwrap();
    assert!(note.is_some(), "carried out once the old app let go");
    closing.await.unwrap();
    let restored = Ledger::open(&path, Create::Never, now).await.unwrap();
    assert_eq!(
        count(&restored, "customers").await,
        1,
        "ada alone, as backed up"
    );
    restored.close().await;
}
