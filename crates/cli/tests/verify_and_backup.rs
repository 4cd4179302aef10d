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

    let trust = dir.path().join("trust");
    let trust = trust.to_str().unwrap();
    let (code, out, err) = incentise(&["verify", "--book", book, "--trust", trust, "--json"]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["intact"], true);
    assert_eq!(report["first_bad_event"], Value::Null);
    let events = report["events"].as_i64().unwrap();
    assert!(events >= 3, "{report}");
    assert_eq!(report["total_differences"], 0, "{report}");
    let (code, out, _) = incentise(&["verify", "--book", book, "--trust", trust]);
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
    let (code, out, err) = incentise(&["verify", "--book", book, "--trust", trust, "--json"]);
    assert_eq!(code, 1, "{err}");
    let report: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["intact"], false);
    assert_eq!(report["first_bad_event"], 2);
    let (code, out, _) = incentise(&["verify", "--book", book, "--trust", trust]);
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

#[tokio::test]
async fn verify_names_a_row_changed_behind_the_apps_back_and_reads_a_lost_key_as_unchecked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.sqlite");
    let trust = dir.path().join("trust");
    let ledger = Ledger::open_keyed(
        &path,
        Create::IfMissing,
        Utc::now(),
        ledger::chain::TrustStore::new(&trust),
    )
    .await
    .unwrap();
    let me = Origin::manual("Owner", Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap());
    let input = CustomerInput {
        username: "ada".into(),
        display_name: "Ada Example".into(),
        email: "ada@example.com".into(),
    };
    ledger.add_customer(&me, &input).await.unwrap();
    ledger.close().await;
    let (book, trust) = (path.to_str().unwrap(), trust.to_str().unwrap());

    let conn = sqlx::SqlitePool::connect(&format!("sqlite://{book}"))
        .await
        .unwrap();
    sqlx::query("UPDATE customers SET email = 'mallory@example.com'")
        .execute(&conn)
        .await
        .unwrap();
    conn.close().await;
    let (code, out, err) = incentise(&["verify", "--book", book, "--trust", trust, "--json"]);
    assert_eq!(code, 1, "{err}");
    let report: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["keyed_from"], 1, "{report}");
    assert_eq!(report["anchor"]["verdict"], "agrees", "{report}");
    assert_eq!(report["differences"][0]["record"], "CU-000001", "{report}");
    assert_eq!(report["differences"][0]["field"], "email", "{report}");
    assert_eq!(report["differences"][0]["stored"], "mallory@example.com");
    let (_, out, _) = incentise(&["verify", "--book", book, "--trust", trust]);
    assert!(
        out.contains("CU-000001 email: the row says \"mallory@example.com\""),
        "{out}"
    );

    // Put back, then the key lost: intact, with the keyed part said to be unchecked.
    let conn = sqlx::SqlitePool::connect(&format!("sqlite://{book}"))
        .await
        .unwrap();
    sqlx::query("UPDATE customers SET email = 'ada@example.com'")
        .execute(&conn)
        .await
        .unwrap();
    conn.close().await;
    std::fs::remove_dir_all(std::path::Path::new(trust).join("keys")).unwrap();
    let (code, out, err) = incentise(&["verify", "--book", book, "--trust", trust]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("intact:"), "{out}");
    assert!(
        out.contains("Cannot check the keyed part of events 1–2"),
        "{out}"
    );
}
