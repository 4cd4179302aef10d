//! Backups: manual (audited), automatic (once a day, seven kept), and restore at the next
//! start, which keeps the book it replaces and refuses a file that is not a sound book.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::*;
use ledger::backups::{apply_pending_restore, AUTOMATIC_KEPT};
use ledger::store::backup_dir;
use ledger::{Create, Ledger, Origin};

#[tokio::test]
async fn a_manual_backup_is_listed_and_audited_and_never_overwrites() {
    let b = book().await;
    let l = &b.ledger;
    customer(l, "ada").await;
    let events = count(l, "audit_events").await;
    let backup = l.back_up(&me()).await.unwrap();
    assert_eq!(backup.file_name, "manual-20260105T090100Z.sqlite");
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
    assert_eq!(second.file_name, "manual-20260105T090100Z-2.sqlite");
    let names: Vec<String> = l
        .backups()
        .unwrap()
        .into_iter()
        .map(|b| b.file_name)
        .collect();
    assert!(names.contains(&backup.file_name) && names.contains(&second.file_name));
    assert_eq!(count(l, "audit_events").await, events + 2);
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(backup_dir(l.path()))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
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
    assert!(names.contains(&"automatic-20260114T080000Z.sqlite".to_owned()));
    assert!(!names.contains(&"automatic-20260107T080000Z.sqlite".to_owned()));
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
