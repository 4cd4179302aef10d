//! `incentise review`: a statement laid beside a book from the command line, changing nothing.

mod common;

use std::path::Path;

use chrono::{TimeZone, Utc};
use common::incentise;
use ledger::accounts::{AccountInput, HandleKind, Provider};
use ledger::customers::CustomerInput;
use ledger::payouts::NewPayout;
use ledger::requests::{Decision, RequestInput};
use ledger::{Create, Ledger, Origin};
use serde_json::Value;

/// A book with two PayPal payouts: PO-000001 (12.50 USD to ada@example.com) and PO-000002
/// (7.25 USD to bob@example.com).
async fn book(path: &Path) {
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let ledger = Ledger::open(path, Create::IfMissing, at).await.unwrap();
    let me = Origin::manual("Owner", at);
    for (name, amount) in [("ada", "12.50"), ("bob", "7.25")] {
        let customer = ledger
            .add_customer(
                &me,
                &CustomerInput {
                    username: name.into(),
                    display_name: format!("{name} Example"),
                    email: String::new(),
                },
            )
            .await
            .unwrap();
        let wallet = AccountInput::Digital {
            provider: Provider::Paypal,
            handle_kind: HandleKind::Email,
            handle: format!("{name}@example.com"),
        };
        ledger
            .add_payment_account(&me, customer.id, &wallet)
            .await
            .unwrap();
        let request = ledger
            .add_request(&me, &RequestInput::new(customer.id, amount, "USD"))
            .await
            .unwrap();
        ledger
            .decide_request(&me, request.id, Decision::Approve, "")
            .await
            .unwrap();
        ledger
            .create_payout(&me, &NewPayout::for_request(request.id))
            .await
            .unwrap();
    }
    ledger.close().await;
    // Everything into the book's file and the write-ahead log emptied, so the file compared
    // below is the whole book (the last connection's own checkpoint may come a moment after
    // `close` returns, and would then change the file's bytes but not the book).
    let conn = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&conn)
        .await
        .unwrap();
    conn.close().await;
}

#[tokio::test]
async fn review_prints_one_json_object_per_line_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let book_path = dir.path().join("book.sqlite");
    book(&book_path).await;
    let statement = dir.path().join("paypal.csv");
    std::fs::write(
        &statement,
        "\u{feff}\"Date\",\"Time\",\"TimeZone\",\"Name\",\"Type\",\"Status\",\"Currency\",\"Gross\",\"Fee\",\"From Email Address\",\"To Email Address\",\"Transaction ID\",\"Custom Number\",\"Balance Impact\"\n\
         \"3/13/2026\",\"10:02:11\",\"PST\",\"ada Example\",\"Mass Pay Payment\",\"Completed\",\"USD\",\"-12.50\",\"0.00\",\"owner@shop.example\",\"ada@example.com\",\"7HX55012MP3398811\",\"PO-000001\",\"Debit\"\n\
         \"3/13/2026\",\"10:02:12\",\"PST\",\"bob Example\",\"Mass Pay Payment\",\"Pending\",\"USD\",\"-7.25\",\"0.00\",\"owner@shop.example\",\"bob@example.com\",\"2CD77410RS0092213\",\"PO-000002\",\"Debit\"\n\
         \"3/14/2026\",\"08:00:00\",\"PST\",\"Shop\",\"Express Checkout Payment\",\"Completed\",\"USD\",\"1,480.00\",\"-51.75\",\"buyer@example.com\",\"owner@shop.example\",\"4RK19203VX5551234\",\"\",\"Credit\"\n\
         \"3/14/2026\",\"09:00:00\",\"PST\",\"cy Example\",\"Mass Pay Payment\",\"Completed\",\"USD\",\"-1,2.00\",\"0.00\",\"owner@shop.example\",\"cy@example.com\",\"9QQ00000000000001\",\"\",\"Debit\"\n",
    )
    .unwrap();
    let before = std::fs::read(&book_path).unwrap();
    let (code, out, err) = incentise(&[
        "review",
        statement.to_str().unwrap(),
        "--book",
        book_path.to_str().unwrap(),
        "--format",
        "paypal",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let read: Vec<_> = lines
        .iter()
        .map(|l| {
            (
                l["line"].as_i64().unwrap(),
                l["booked_on"].as_str().unwrap(),
                l["amount"].as_str().unwrap(),
                l["currency"].as_str().unwrap(),
                l["kind"].as_str().unwrap(),
                l["state"].as_str().unwrap(),
                l["payout"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        read,
        [
            (
                2,
                "2026-03-13",
                "-12.50",
                "USD",
                "payment",
                "matched",
                Some("PO-000001")
            ),
            (
                3,
                "2026-03-13",
                "-7.25",
                "USD",
                "payment",
                "pending",
                Some("PO-000002")
            ),
            (
                4,
                "2026-03-14",
                "1480.00",
                "USD",
                "other",
                "unmatched",
                None
            ),
            (5, "", "", "", "other", "unreadable", None),
        ]
    );
    assert!(
        lines[3]["why"]
            .as_str()
            .unwrap()
            .contains("\"-1,2.00\" is not an amount"),
        "{}",
        lines[3]
    );
    assert!(lines[0]["why"].as_str().unwrap().contains("PO-000001"));
    assert_eq!(
        std::fs::read(&book_path).unwrap(),
        before,
        "the book's file is byte for byte as it was"
    );
    let ledger = Ledger::open(&book_path, Create::Never, Utc::now())
        .await
        .unwrap();
    let imports = ledger
        .statement_imports(ledger::PageRequest {
            page: 1,
            page_size: 10,
        })
        .await
        .unwrap();
    assert_eq!(imports.total, 0, "nothing imported");
}

#[tokio::test]
async fn review_says_what_is_wrong_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let book_path = dir.path().join("book.sqlite");
    book(&book_path).await;
    let ambiguous = dir.path().join("uk-or-us.csv");
    std::fs::write(
        &ambiguous,
        "Date,Currency,Gross,Transaction ID\n03/04/2026,USD,-12.50,T1\n",
    )
    .unwrap();
    let file = ambiguous.to_str().unwrap();
    let book = book_path.to_str().unwrap();
    let (code, _, err) = incentise(&["review", file, "--book", book]);
    assert_eq!(code, 2);
    assert!(err.contains("--dates day-first"), "{err}");
    let (code, out, err) = incentise(&["review", file, "--book", book, "--dates", "day-first"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2026-04-03"), "{out}");
    for (args, says) in [
        (vec!["review", file], "which book?"),
        (vec!["verify"], "usage: incentise review"),
        (
            vec!["review", file, "--book", "/nowhere/book.sqlite"],
            "There is no book",
        ),
        (
            vec!["review", file, "--book", book, "--format", "qif"],
            "--format is paypal",
        ),
        (
            vec![
                "review",
                file,
                "--book",
                book,
                "--format",
                "mapping:Sparkasse",
            ],
            "no column mapping called \"Sparkasse\"",
        ),
    ] {
        let (code, _, err) = incentise(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
