//! Backups: manual (audited), automatic (once a day, seven kept), and restore at the next
//! start, which keeps the book it replaces and refuses a file that is not a sound book.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::*;
use ledger::backups::{apply_pending_restore, is_backup_file, AUTOMATIC_KEPT};
use ledger::store::backup_dir;
use ledger::{Create, Ledger, Origin};

#[tokio::test]
async fn a_manual_backup_is_listed_and_audited_and_never_overwrites() {
    let b = book().await;
    let l = &b.ledger;
    customer(l, "ada").await;
    let events = count(l, "audit_events").await;
    let backup = l.back_up(&me()).await.unwrap();
    assert_eq!(backup.file_name, "manual-20260105T090100Z.sqlite.zst");
    assert!(backup.bytes > 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let file = backup_dir(l.path()).join(&backup.file_name);
        let mode = std::fs::metadata(file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "private to its owner, as the book");
    }
    assert_eq!(l.backups().unwrap(), std::slice::from_ref(&backup));
    assert_eq!(count(l, "audit_events").await, events + 1);
    // A second one in the same second is written beside the first, never over it.
    let second = l.back_up(&me()).await.unwrap();
    assert_eq!(second.file_name, "manual-20260105T090100Z-2.sqlite.zst");
    let names: Vec<String> = l
        .backups()
        .unwrap()
        .into_iter()
        .map(|b| b.file_name)
        .collect();
    assert!(names.contains(&backup.file_name) && names.contains(&second.file_name));
    assert_eq!(count(l, "audit_events").await, events + 2);
    // Every backup listed is known as one (to be restored, not opened as the book); the book
    // and other files are not.
    for name in &names {
        assert!(is_backup_file(&backup_dir(l.path()).join(name)), "{name}");
    }
    assert!(!is_backup_file(l.path()), "the book itself");
    assert!(!is_backup_file(&backup_dir(l.path()).join("notes.txt")));
    assert!(!is_backup_file(std::path::Path::new("book.sqlite")));
    // No temporary file is left behind: neither the copy's nor the plain file it was packed
    // from.
    let leftovers: Vec<_> = std::fs::read_dir(backup_dir(l.path()))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial") || n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// An automatic backup is one a calendar day, recorded in the audit log; an empty file left by
/// a failed backup of an older version never counts as the day's.
#[tokio::test]
async fn automatic_backups_are_one_a_calendar_day_and_an_empty_file_is_none() {
    let b = book().await;
    let l = &b.ledger;
    let morning = Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 0).unwrap();
    std::fs::create_dir_all(backup_dir(l.path())).unwrap();
    std::fs::write(
        backup_dir(l.path()).join("automatic-20260105T070000Z.sqlite"),
        b"",
    )
    .unwrap();
    let events = count(l, "audit_events").await;
    let written = l.automatic_backup(morning).await.unwrap();
    assert!(written.is_some(), "the empty file is no backup");
    assert_eq!(count(l, "audit_events").await, events + 1, "recorded");
    assert!(l
        .automatic_backup(morning + Duration::hours(15))
        .await
        .unwrap()
        .is_none());
    // After midnight it is another day, though less than a day has passed.
    assert!(l
        .automatic_backup(morning + Duration::hours(17))
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn automatic_backups_are_daily_and_the_newest_seven_are_kept() {
    let b = book().await;
    let l = &b.ledger;
    let start = Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 0).unwrap();
    assert!(l.automatic_backup(start).await.unwrap().is_some());
    assert!(
        l.automatic_backup(start + Duration::hours(3))
            .await
            .unwrap()
            .is_none(),
        "one a day"
    );
    for day in 1..=9 {
        l.automatic_backup(start + Duration::days(day))
            .await
            .unwrap()
            .unwrap();
    }
    let names: Vec<String> = l
        .backups()
        .unwrap()
        .into_iter()
        .map(|b| b.file_name)
        .collect();
    assert_eq!(names.len(), AUTOMATIC_KEPT);
    assert!(names.contains(&"automatic-20260114T080000Z.sqlite.zst".to_owned()));
    assert!(!names.contains(&"automatic-20260107T080000Z.sqlite.zst".to_owned()));
}

#[tokio::test]
async fn a_restore_happens_at_the_next_start_and_keeps_the_book_it_replaces() {
    let b = book().await;
    let path = b.ledger.path().to_owned();
    customer(&b.ledger, "ada").await;
    let backup = b.ledger.back_up(&me()).await.unwrap();
    customer(&b.ledger, "bob").await;

    // Files that are not sound books are refused, and names never leave the backup folder.
    std::fs::write(backup_dir(&path).join("junk.sqlite"), b"not a database").unwrap();
    let err = b
        .ledger
        .schedule_restore(&me(), "junk.sqlite")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "precondition", "{err}");
    let err = b
        .ledger
        .schedule_restore(&me(), "../book.sqlite")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "validation");

    b.ledger
        .schedule_restore(&me(), &backup.file_name)
        .await
        .unwrap();
    let Book { ledger, dir } = b;
    ledger.close().await;
    let now = Utc.with_ymd_and_hms(2026, 1, 6, 7, 0, 0).unwrap();
    let note = apply_pending_restore(&path, now, None)
        .await
        .unwrap()
        .unwrap();
    assert!(
        note.contains("before-restore-20260106T070000Z.sqlite"),
        "{note}"
    );
    assert_eq!(
        apply_pending_restore(&path, now, None).await.unwrap(),
        None,
        "done once"
    );

    let restored = Ledger::open(&path, Create::Never, now).await.unwrap();
    restored
        .record_restore(&Origin::manual("Owner", now), &note)
        .await
        .unwrap();
    assert_eq!(count(&restored, "customers").await, 1, "ada only");
    assert_eq!(
        restored.verify_audit_chain().await.unwrap().first_bad_seq,
        None
    );
    let kept = backup_dir(&path).join("before-restore-20260106T070000Z.sqlite");
    let before = Ledger::open(&kept, Create::Never, now).await.unwrap();
    assert_eq!(count(&before, "customers").await, 2, "ada and bob kept");
    before.close().await;
    restored.close().await;
    drop(dir);
}

/// Backups are kept packed (Zstandard): a fraction of the book's size, read back whole by a
/// restore. Plain backups of older versions are still listed, counted and restored; a packed
/// file that does not unpack is refused and the book left as it is.
#[tokio::test]
async fn backups_are_packed_and_restore_from_packed_and_plain_ones() {
    let b = book().await;
    let path = b.ledger.path().to_owned();
    let l = &b.ledger;
    for i in 0..200 {
        customer(l, &format!("customer{i:03}")).await;
    }
    let backup = l.back_up(&me()).await.unwrap();
    let packed = backup_dir(&path).join(&backup.file_name);
    let bytes = std::fs::read(&packed).unwrap();
    assert_eq!(&bytes[..4], &[0x28, 0xB5, 0x2F, 0xFD], "a Zstandard frame");
    // A plain backup as an older version wrote it, of a book with one more customer.
    customer(l, "plain").await;
    let plain = backup_dir(&path).join("manual-20260101T000000Z.sqlite");
    Ledger::copy_book(&path, &backup_dir(&path), Utc::now())
        .await
        .map(|copy| std::fs::rename(copy, &plain).unwrap())
        .unwrap();
    let plain_bytes = std::fs::metadata(&plain).unwrap().len();
    assert!(
        (bytes.len() as u64) * 3 < plain_bytes,
        "{} packed bytes for a plain copy of {plain_bytes}",
        bytes.len()
    );
    let listed: Vec<String> = l
        .backups()
        .unwrap()
        .into_iter()
        .map(|b| b.file_name)
        .collect();
    assert!(
        listed.contains(&"manual-20260101T000000Z.sqlite".to_owned()),
        "{listed:?}"
    );

    // A damaged packed file is refused before anything is scheduled.
    let mut damaged = bytes.clone();
    damaged.truncate(bytes.len() / 2);
    std::fs::write(backup_dir(&path).join("damaged.sqlite.zst"), &damaged).unwrap();
    let err = l
        .schedule_restore(&me(), "damaged.sqlite.zst")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "precondition", "{err}");
    assert!(err.to_string().contains("does not unpack"), "{err}");

    let restored_count = async |file: &str, now| {
        let ledger = Ledger::open(&path, Create::Never, now).await.unwrap();
        ledger.schedule_restore(&me(), file).await.unwrap();
        ledger.close().await;
        apply_pending_restore(&path, now, None)
            .await
            .unwrap()
            .unwrap();
        let ledger = Ledger::open(&path, Create::Never, now).await.unwrap();
        let n = count(&ledger, "customers").await;
        ledger.close().await;
        n
    };
    let Book { ledger, dir } = b;
    ledger.close().await;
    let day = |d| Utc.with_ymd_and_hms(2026, 1, d, 7, 0, 0).unwrap();
    assert_eq!(restored_count(&backup.file_name, day(6)).await, 200);
    assert_eq!(
        restored_count("manual-20260101T000000Z.sqlite", day(7)).await,
        201
    );
    // No unpacked copy is left in the backup folder.
    let hidden: Vec<_> = std::fs::read_dir(backup_dir(&path))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
    drop(dir);
}
