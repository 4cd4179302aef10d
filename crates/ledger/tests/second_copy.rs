//! Backups off this disk (issue 11, item 6): every backup copied to a second folder of the
//! owner's, and a restore from any file, which must pass the book's own checks first.

mod common;

use common::*;
use ledger::backups::apply_pending_restore;
use ledger::chain::TrustStore;
use ledger::store::backup_dir;
use ledger::{Create, Ledger};

async fn raw(path: &std::path::Path, sql: &str) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

#[tokio::test]
async fn every_backup_is_copied_to_the_second_folder_and_a_missing_drive_does_not_fail_it() {
    let b = book().await;
    let l = &b.ledger;
    customer(l, "ada").await;
    let usb = b.dir.path().join("usb");
    std::fs::create_dir(&usb).unwrap();
    l.set_second_backup_folder(&me(), Some(&usb)).await.unwrap();

    let backup = l.back_up(&me()).await.unwrap();
    let copy = usb.join(&backup.file_name);
    assert_eq!(
        backup.second.copied_to.as_deref(),
        Some(copy.to_str().unwrap())
    );
    let original = backup_dir(l.path()).join(&backup.file_name);
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(&original).unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let history = l.history(Record::Book).await.unwrap();
    assert!(
        history[0].changes.iter().any(|c| c.field == "copy"),
        "{:?}",
        history[0]
    );

    // The stick is unplugged: the backup is still written, and the user is told.
    std::fs::remove_dir_all(&usb).unwrap();
    let backup = l.back_up(&me()).await.unwrap();
    assert!(backup_dir(l.path()).join(&backup.file_name).is_file());
    let failed = backup.second.failed.unwrap();
    assert!(failed.contains("is the drive connected"), "{failed}");
    // A folder that is not there cannot be chosen.
    assert!(l.set_second_backup_folder(&me(), Some(&usb)).await.is_err());
    let report = l.verify_book().await.unwrap();
    assert!(report.intact(), "{}", report.summary());
}

#[tokio::test]
async fn a_file_restores_only_when_it_passes_the_books_checks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.sqlite");
    let trust = TrustStore::new(dir.path().join("trust"));
    let l = Ledger::open_keyed(&path, Create::IfMissing, at(0), trust.clone())
        .await
        .unwrap();
    let r = payable(&l, "ada").await;
    pay(&l, r.id).await;
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let copy = Ledger::copy_book(&path, &elsewhere, at(5)).await.unwrap();

    // A copy whose payout amount was raised with sqlite3 is refused, naming what differs.
    let tampered = elsewhere.join("tampered.sqlite");
    std::fs::copy(&copy, &tampered).unwrap();
    raw(&tampered, "UPDATE payouts SET amount_minor = 999999").await;
    let err = l
        .schedule_restore_from_file(&me(), &tampered)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("PO-000001 amount"), "{err}");
    // One whose schema steps are not this version's is refused too.
    let foreign = elsewhere.join("foreign.sqlite");
    std::fs::copy(&copy, &foreign).unwrap();
    raw(
        &foreign,
        "UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 3",
    )
    .await;
    let err = l
        .schedule_restore_from_file(&me(), &foreign)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("schema step 3"), "{err}");

    // The sound copy is scheduled, and carried out at the next start.
    customer(&l, "bo").await;
    let chosen = l.schedule_restore_from_file(&me(), &copy).await.unwrap();
    assert!(
        chosen.file_name.starts_with("chosen-"),
        "{}",
        chosen.file_name
    );
    l.close().await;
    let done = apply_pending_restore(&path, at(10), Some(trust.clone()))
        .await
        .unwrap()
        .unwrap();
    assert!(done.contains("chosen-"), "{done}");
    let l = Ledger::open_keyed(&path, Create::Never, at(11), trust)
        .await
        .unwrap();
    assert_eq!(count(&l, "customers").await, 1, "bo came after the copy");
    let report = l.verify_book().await.unwrap();
    assert!(report.state.unwrap().total_differences == 0);
}

/// A backup carries its head beside it (and to the second folder): a backup whose last record
/// and event were both taken out afterwards still chains and agrees with itself, but no longer
/// ends where it did when it was written, and is refused.
#[tokio::test]
async fn a_backup_cut_short_after_it_was_written_is_refused_by_its_head() {
    let b = book().await;
    let l = &b.ledger;
    let usb = b.dir.path().join("usb");
    std::fs::create_dir(&usb).unwrap();
    l.set_second_backup_folder(&me(), Some(&usb)).await.unwrap();
    customer(l, "ada").await;
    customer(l, "bo").await; // the backup's last event
    let backup = l.back_up(&me()).await.unwrap();
    assert!(usb.join(format!("{}.head", backup.file_name)).is_file());
    // Unpacked, changed with SQL and packed again, as someone with zstd and sqlite3 would.
    let file = backup_dir(l.path()).join(&backup.file_name);
    let plain = file.with_extension("plain");
    let unpacked = zstd::decode_all(std::fs::File::open(&file).unwrap()).unwrap();
    std::fs::write(&plain, unpacked).unwrap();
    for sql in [
        "DROP TRIGGER audit_events_no_delete",
        "DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)",
        "DELETE FROM customers WHERE username = 'bo'",
    ] {
        raw(&plain, sql).await;
    }
    let packed = zstd::encode_all(std::fs::File::open(&plain).unwrap(), 3).unwrap();
    std::fs::write(&file, packed).unwrap();
    std::fs::remove_file(&plain).unwrap();
    let err = l
        .schedule_restore(&me(), &backup.file_name)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("its history was changed since"),
        "{err}"
    );
    // The copy on the stick, untouched, still restores.
    l.schedule_restore_from_file(&me(), &usb.join(&backup.file_name))
        .await
        .unwrap();
}
