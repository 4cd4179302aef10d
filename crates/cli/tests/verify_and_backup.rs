//! `incentise verify`: exit 0 for an intact book, 1 naming the first changed audit event when
//! someone rewrote history with sqlite3, 2 when there is no book to check. `incentise backup`:
//! a checked copy in a folder of the user's, refusing what is not a book.

mod common;

use chrono::{TimeZone, Utc};
use common::incentise;
use ledger::customers::CustomerInput;
use ledger::{Create, Ledger, Origin};
use serde_json::Value;

#[tokio::test]
async fn verify_tells_an_intact_book_from_a_rewritten_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.sqlite");
    let ledger = Ledger::open(&path, Create::IfMissing, Utc::now())
        .await
        .unwrap();
    let me = Origin::manual("Owner", Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap());
    for name in ["ada", "bob", "cy"] {
        let input = CustomerInput {
            username: name.into(),
            display_name: format!("{name} Example"),
            email: String::new(),
        };
        ledger.add_customer(&me, &input).await.unwrap();
    }
    ledger.close().await;
    let book = path.to_str().unwrap();

    let (code, out, err) = incentise(&["verify", "--book", book, "--json"]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["intact"], true);
    assert_eq!(report["first_bad_event"], Value::Null);
    let events = report["events"].as_i64().unwrap();
    assert!(events >= 3, "{report}");
    let (code, out, _) = incentise(&["verify", "--book", book]);
    assert_eq!(code, 0);
    assert!(out.starts_with("intact:"), "{out}");

    // Someone with sqlite3 drops the guard and rewrites an event.
    let conn = sqlx::SqlitePool::connect(&format!("sqlite://{book}"))
        .await
        .unwrap();
    for sql in [
        "DROP TRIGGER audit_events_no_update",
        "UPDATE audit_events SET actor = 'Someone else' WHERE seq = 2",
        "PRAGMA wal_checkpoint(TRUNCATE)",
    ] {
        sqlx::query(sql).execute(&conn).await.unwrap();
    }
    conn.close().await;
    let (code, out, err) = incentise(&["verify", "--book", book, "--json"]);
    assert_eq!(code, 1, "{err}");
    let report: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["intact"], false);
    assert_eq!(report["first_bad_event"], 2);
    let (code, out, _) = incentise(&["verify", "--book", book]);
    assert_eq!(code, 1);
    assert!(out.contains("audit event 2"), "{out}");

    for (args, says) in [
        (vec!["verify"], "which book?"),
        (
            vec!["verify", "--book", "/nowhere/book.sqlite"],
            "There is no book",
        ),
        (vec!["verify", "--book", book, "--fast"], "unknown argument"),
        (vec!["audit"], "usage: incentise review"),
    ] {
        let (code, _, err) = incentise(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[tokio::test]
async fn backup_writes_a_checked_copy_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.sqlite");
    Ledger::open(&path, Create::IfMissing, Utc::now())
        .await
        .unwrap()
        .close()
        .await;
    let usb = dir.path().join("usb stick");
    let book = path.to_str().unwrap();
    let (code, out, err) = incentise(&["backup", "--book", book, "--to", usb.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let copy = std::path::PathBuf::from(out.trim());
    assert_eq!(copy.parent().unwrap(), usb);
    assert!(copy
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("incentise-backup-"));
    let (code, _, err) = incentise(&["verify", "--book", copy.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");

    let not_a_book = dir.path().join("notes.sqlite");
    std::fs::write(&not_a_book, b"SQLite format 3\0 but not really").unwrap();
    for (args, says) in [
        (vec!["backup", "--book", book], "--to DIR"),
        (
            vec![
                "backup",
                "--book",
                not_a_book.to_str().unwrap(),
                "--to",
                "/tmp",
            ],
            "",
        ),
    ] {
        let (code, _, err) = incentise(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(
        std::fs::read_dir(&usb).unwrap().count(),
        1,
        "one copy, nothing else"
    );
}
