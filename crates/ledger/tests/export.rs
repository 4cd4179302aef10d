//! Exports and payment files: CSV round trips, formula neutralisation, options, atomic
//! writes, PayPal files split by currency and size, and their audit events.

mod common;

use common::*;
use ledger::accounts::{HandleKind, Provider};
use ledger::customers::CustomerInput;
use ledger::export::{neutralise, CsvOptions};
use ledger::payment_files::{PaymentFileKind, PAYPAL_ROWS_PER_FILE};
use ledger::payouts::{NewPayout, PayoutQuery, PayoutStatus, StatusChange};
use ledger::Ledger;
use ledger::Refusal;

/// A customer with a PayPal account and a Pending payout of `amount` with `description`.
async fn payout_for(
    l: &Ledger,
    username: &str,
    name: &str,
    amount: &str,
    currency: &str,
    description: &str,
) -> PayoutId {
    let c = l
        .add_customer(
            &me(),
            &CustomerInput {
                username: username.into(),
                display_name: name.into(),
                email: String::new(),
            },
        )
        .await
        .unwrap();
    l.add_payment_account(&me(), c.id, &paypal(&format!("{username}@example.com")))
        .await
        .unwrap();
    let r = approved(l, c.id, amount, currency).await;
    let new = NewPayout {
        description: description.into(),
        ..NewPayout::for_request(r.id)
    };
    l.create_payout(&me(), &new).await.unwrap().id
}

fn read(path: &std::path::Path, delimiter: u8) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_path(path)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn a_payout_export_reads_back_the_same_with_a_csv_parser() {
    let b = book().await;
    let l = &b.ledger;
    let awkward = [
        ("comma", "Smith, Jane", "12.50", "USD", "a, b and \"c\""),
        ("newline", "Ada Lovelace", "7", "JPY", "line one\nline two"),
        ("emoji", "Zoë 🎉", "1.005", "KWD", "🎁 gift"),
        ("rtl", "مريم حداد", "3.20", "EUR", "שלום"),
        (
            "formula",
            "=HYPERLINK(\"x\")",
            "5",
            "USD",
            "-5 off, +1 @home",
        ),
    ];
    for (username, name, amount, currency, description) in awkward {
        payout_for(l, username, name, amount, currency, description).await;
    }
    let target = b.dir.path().join("payouts.csv");
    let written = l
        .export_payouts_csv(
            &me(),
            &PayoutQuery::page(1, 10),
            &target,
            CsvOptions::default(),
            &|_| true,
        )
        .await
        .unwrap();
    assert_eq!(written.rows, 5);
    let rows = read(&target, b',');
    assert_eq!(rows[0][0], "payout_id");
    assert_eq!(rows.len(), 6);
    for (row, (username, name, amount, currency, description)) in rows[1..].iter().zip(awkward) {
        assert_eq!(row[4], username);
        assert_eq!(row[5], neutralise(name));
        assert_eq!(
            (row[6].as_str(), row[7].as_str()),
            (amount_text(amount, currency), currency)
        );
        assert_eq!(row[11], neutralise(description));
        assert_eq!(row[10], "Pending");
    }
    assert_eq!(rows[5][5], "'=HYPERLINK(\"x\")");
    assert_eq!(rows[5][11], "'-5 off, +1 @home");
    // No temporary file is left beside the export.
    let names: Vec<_> = std::fs::read_dir(b.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

fn amount_text<'a>(amount: &'a str, currency: &str) -> &'a str {
    match (amount, currency) {
        ("7", "JPY") => "7",
        ("1.005", "KWD") => "1.005",
        ("5", "USD") => "5.00",
        _ => amount,
    }
}

#[test]
fn only_text_that_a_spreadsheet_would_run_is_neutralised() {
    for (text, expected) in [
        ("=1+2", "'=1+2"),
        ("+31 20 555", "'+31 20 555"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("12.50", "12.50"),
        ("a=b", "a=b"),
        ("", ""),
    ] {
        assert_eq!(neutralise(text), expected);
    }
}

#[tokio::test]
async fn options_filters_failures_and_the_audit_event() {
    let b = book().await;
    let l = &b.ledger;
    let a = payout_for(l, "ada", "Ada", "1.50", "EUR", "one").await;
    payout_for(l, "bob", "Bob", "2.00", "USD", "two").await;
    l.change_payout_status(
        &me(),
        a,
        &StatusChange {
            status: PayoutStatus::Success,
            failure_reason: None,
            external_reference: String::new(),
            note: String::new(),
            payment: Default::default(),
        },
    )
    .await
    .unwrap();
    let target = b.dir.path().join("success.csv");
    let query = PayoutQuery {
        statuses: vec![PayoutStatus::Success],
        ..PayoutQuery::page(1, 5)
    };
    let options = CsvOptions {
        bom: true,
        semicolon: true,
    };
    let events = count(l, "audit_events").await;
    let written = l
        .export_payouts_csv(&me(), &query, &target, options, &|_| true)
        .await
        .unwrap();
    assert_eq!(written.rows, 1);
    let bytes = std::fs::read(&target).unwrap();
    assert!(bytes.starts_with("\u{feff}payout_id;".as_bytes()));
    let text = String::from_utf8(bytes).unwrap();
    let rows = read_str(text.trim_start_matches('\u{feff}'), b';');
    assert_eq!(
        (
            rows[1][4].as_str(),
            rows[1][6].as_str(),
            rows[1][15].as_str()
        ),
        ("ada", "1.50", "yes")
    );
    assert_eq!(count(l, "audit_events").await, events + 1);
    let book_events = sqlx_rows(l, "SELECT action || ' ' || json_extract(changes, '$[1].new') FROM audit_events WHERE entity = 'book'").await;
    assert_eq!(book_events, vec!["export 1"]);

    // Failures write nothing: a missing folder, a folder as the target, an existing file kept.
    let events = count(l, "audit_events").await;
    let missing = b.dir.path().join("no/such/folder/x.csv");
    assert!(l
        .export_payouts_csv(&me(), &query, &missing, options, &|_| true)
        .await
        .is_err());
    assert!(!missing.exists());
    let err = l
        .export_payouts_csv(&me(), &query, b.dir.path(), options, &|_| true)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "validation");
    assert_eq!(count(l, "audit_events").await, events);

    let audit = b.dir.path().join("audit.csv");
    let written = l
        .export_audit_csv(&me(), &audit, CsvOptions::default(), &|_| true)
        .await
        .unwrap();
    let rows = read(&audit, b',');
    assert_eq!(rows.len() as u64, written.rows + 1);
    assert_eq!(rows[1][0], "1");
    assert_eq!(rows[1][4], "create");
}

fn read_str(text: &str, delimiter: u8) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

async fn sqlx_rows(l: &Ledger, sql: &str) -> Vec<String> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", l.path().display()))
        .await
        .unwrap();
    let rows = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
    pool.close().await;
    rows
}

#[tokio::test]
async fn paypal_files_are_split_by_currency_and_size_and_move_payouts_on() {
    let b = book().await;
    let l = &b.ledger;
    let usd = payout_for(l, "ada", "Ada", "12.50", "USD", "Spring, \"bonus\"").await;
    let eur = payout_for(l, "bob", "Bob", "3.00", "EUR", "").await;
    let c = customer(l, "cy").await;
    l.add_payment_account(
        &me(),
        c.id,
        &iban_account("Cy", "DE89 3704 0044 0532 0130 00"),
    )
    .await
    .unwrap();
    let bank = pay(l, approved(l, c.id, "9.00", "EUR").await.id).await.id;
    // Copies of ada's payout on fresh approved requests, to cross the 5,000-row limit.
    let path = l.path().to_owned();
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    for sql in [
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO incentive_requests (uuid, customer_id, amount_minor, currency, status, decided_at, created_at, updated_at)
         SELECT randomblob(16), customer_id, amount_minor, currency, 'approved', created_at, created_at, created_at
           FROM incentive_requests, n WHERE id = (SELECT request_id FROM payouts WHERE id = ?)",
        "INSERT INTO payouts (uuid, request_id, customer_id, amount_minor, currency, method, account_id,
                              account_snapshot, description, created_at, updated_at)
         SELECT randomblob(16), r.id, r.customer_id, r.amount_minor, r.currency, p.method, p.account_id,
                p.account_snapshot, p.description, p.created_at, p.updated_at
           FROM incentive_requests r, payouts p
          WHERE p.id = ?2 AND r.id > (SELECT MAX(request_id) FROM payouts)",
    ] {
        sqlx::query(sql)
            .bind(PAYPAL_ROWS_PER_FILE as i64)
            .bind(usd)
            .execute(&raw)
            .await
            .unwrap();
    }
    let mut ids: Vec<PayoutId> = sqlx::query_scalar("SELECT id FROM payouts")
        .fetch_all(&raw)
        .await
        .unwrap();
    raw.close().await;
    ids.push(PayoutId(999_999));
    let on_process = l.payout(eur).await.unwrap();
    assert_eq!(on_process.status, PayoutStatus::Pending);
    let events = count(l, "audit_events").await;

    let files = l
        .payment_files(&me(), PaymentFileKind::Paypal, &ids, b.dir.path(), true)
        .await
        .unwrap();
    let names: Vec<_> = files
        .files
        .iter()
        .map(|f| {
            std::path::Path::new(f)
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "paypal-payouts-20260105-EUR.csv",
            "paypal-payouts-20260105-USD-1-of-2.csv",
            "paypal-payouts-20260105-USD-2-of-2.csv",
        ]
    );
    assert_eq!(files.payouts.len(), PAYPAL_ROWS_PER_FILE + 2);
    let skipped: Vec<_> = files
        .skipped
        .iter()
        .map(|s| (s.id, s.refusal.clone()))
        .collect();
    assert_eq!(
        skipped,
        [
            (bank, Refusal::NotAWallet),
            (PayoutId(999_999), Refusal::NoSuchPayout(PayoutId(999_999))),
        ]
    );
    assert_eq!(
        files.skipped[1].refusal.to_string(),
        "There is no payout PO-999999."
    );
    let eur_rows = read(&b.dir.path().join(&names[0]), b',');
    assert_eq!(
        eur_rows,
        [[
            "bob@example.com",
            "3.00",
            "EUR",
            "PO-000002",
            "Cashback PO-000002",
            "PAYPAL"
        ]]
    );
    let first = read(&b.dir.path().join(&names[1]), b',');
    assert_eq!(first.len(), PAYPAL_ROWS_PER_FILE);
    assert_eq!(
        first[0],
        [
            "ada@example.com",
            "12.50",
            "USD",
            "PO-000001",
            "PO-000001 Spring, \"bonus\"",
            "PAYPAL"
        ]
    );
    assert_eq!(read(&b.dir.path().join(&names[2]), b',').len(), 1);

    // One export event per file (each a payment run) and one status event per payout, in the
    // same batch.
    assert_eq!(files.runs, ["RUN-000001", "RUN-000002", "RUN-000003"]);
    assert_eq!(
        count(l, "audit_events").await,
        events + 3 + files.payouts.len() as i64
    );
    assert_eq!(l.payout(usd).await.unwrap().status, PayoutStatus::OnProcess);
    assert_eq!(l.payout(bank).await.unwrap().status, PayoutStatus::Pending);

    // Nothing Pending is left to pay, and an existing file is never overwritten.
    let again = l
        .payment_files(&me(), PaymentFileKind::Paypal, &[usd], b.dir.path(), false)
        .await
        .unwrap();
    assert!(again.files.is_empty());
    assert_eq!(
        again.skipped[0].refusal.to_string(),
        "It is On Process, not Pending."
    );
    let fresh = payout_for(l, "dee", "Dee", "1.00", "EUR", "x").await;
    let err = l
        .payment_files(
            &me(),
            PaymentFileKind::Paypal,
            &[fresh],
            b.dir.path(),
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "conflict");
}

fn wallet(provider: Provider, kind: HandleKind, handle: &str) -> ledger::accounts::AccountInput {
    ledger::accounts::AccountInput::Digital {
        provider,
        handle_kind: kind,
        handle: handle.into(),
    }
}

/// Each row follows PayPal's documented rules: recipients PayPal takes, Venmo in US dollars to
/// US phones and usernames, whole forints and Taiwan dollars, the payout number in every note
/// and the note no longer than 400 characters as written.
#[tokio::test]
async fn a_paypal_file_carries_only_rows_paypal_accepts() {
    use HandleKind::{Email, Phone, Username};
    use Provider::{Paypal, Venmo};
    let b = book().await;
    let l = &b.ledger;
    let long = format!("=SUM(A1) {}", "x".repeat(500));
    let rows = [
        (
            "u1",
            wallet(Paypal, Username, "adalovelace"),
            "5.00",
            "USD",
            "",
        ),
        (
            "u2",
            wallet(Paypal, Username, "A1B2C3D4E5F6G"),
            "5.00",
            "USD",
            "",
        ),
        (
            "u3",
            wallet(Venmo, Username, "@jane-doe"),
            "5.00",
            "EUR",
            "",
        ),
        (
            "u4",
            wallet(Venmo, Phone, "+44 7700 900123"),
            "5.00",
            "USD",
            "",
        ),
        (
            "u5",
            wallet(Venmo, Email, "jane@example.com"),
            "5.00",
            "USD",
            "",
        ),
        (
            "u6",
            wallet(Venmo, Phone, "+1 (415) 555-0132"),
            "5.00",
            "USD",
            "=Acme Ltd",
        ),
        (
            "u7",
            wallet(Venmo, Username, "@jane-doe"),
            "5.00",
            "USD",
            &long,
        ),
        (
            "u8",
            wallet(Paypal, Email, "h@example.hu"),
            "1500.50",
            "HUF",
            "",
        ),
        (
            "u9",
            wallet(Paypal, Email, "h@example.hu"),
            "1500",
            "HUF",
            "",
        ),
        (
            "u10",
            wallet(Paypal, Phone, "+81 90 1234 5678"),
            "1500",
            "JPY",
            "",
        ),
    ];
    let mut ids = Vec::new();
    for (user, account, amount, currency, description) in rows {
        ids.push(payout_to(l, user, account, amount, currency, description).await);
    }
    let files = l
        .payment_files(&me(), PaymentFileKind::Paypal, &ids, b.dir.path(), false)
        .await
        .unwrap();
    let skipped: Vec<_> = files
        .skipped
        .iter()
        .map(|s| (s.id, s.refusal.clone()))
        .collect();
    assert_eq!(
        skipped,
        [
            (ids[0], Refusal::PaypalRecipientKind),
            (ids[2], Refusal::VenmoUsdOnly("EUR")),
            (ids[3], Refusal::VenmoRecipientKind),
            (ids[4], Refusal::VenmoRecipientKind),
            (ids[7], Refusal::WholeUnitsOnly("HUF")),
        ]
    );
    let mut written: Vec<Vec<String>> = Vec::new();
    for file in &files.files {
        written.extend(read(std::path::Path::new(file), b','));
    }
    let by_number = |n: PayoutId| {
        written
            .iter()
            .find(|r| r[3] == n.to_string())
            .unwrap_or_else(|| panic!("{n} not written"))
            .clone()
    };
    assert_eq!(by_number(ids[1])[0], "A1B2C3D4E5F6G");
    let venmo_phone = by_number(ids[5]);
    assert_eq!(venmo_phone[0], "4155550132");
    assert_eq!(venmo_phone[4], "PO-000006 =Acme Ltd");
    assert_eq!(venmo_phone[5], "VENMO");
    let long_note = &by_number(ids[6])[4];
    assert_eq!(long_note.chars().count(), 400);
    assert!(
        long_note.starts_with("PO-000007 =SUM(A1) xxx"),
        "{long_note}"
    );
    assert_eq!(by_number(ids[8])[1], "1500");
    assert_eq!(by_number(ids[9])[1], "1500");
    // A number past the 400th character does not count: it is put first.
    let late = payout_to(
        l,
        "u12",
        wallet(Paypal, Email, "late@example.com"),
        "1.00",
        "USD",
        &format!("{} PO-000011", "z".repeat(450)),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let files = l
        .payment_files(&me(), PaymentFileKind::Paypal, &[late], dir.path(), false)
        .await
        .unwrap();
    let note = &read(std::path::Path::new(&files.files[0]), b',')[0][4];
    assert!(note.starts_with("PO-000011 zzz"), "{note}");
    // A note that holds the number and begins like a formula keeps its guard, within 400.
    let guarded = payout_to(
        l,
        "u13",
        wallet(Paypal, Email, "g@example.com"),
        "1.00",
        "USD",
        &format!("=PO-000012 {}", "y".repeat(500)),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let files = l
        .payment_files(
            &me(),
            PaymentFileKind::Paypal,
            &[guarded],
            dir.path(),
            false,
        )
        .await
        .unwrap();
    let note = &read(std::path::Path::new(&files.files[0]), b',')[0][4];
    assert!(note.starts_with("'=PO-000012 yyy"), "{note}");
    assert_eq!(note.chars().count(), 400);
}

#[tokio::test]
async fn a_cancelled_export_leaves_no_file_and_no_event() {
    let b = book().await;
    let l = &b.ledger;
    let id = payout_for(l, "ada", "Ada", "1.00", "USD", "x").await;
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", l.path().display()))
        .await
        .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000)
         INSERT INTO payouts (uuid, request_id, customer_id, amount_minor, currency, method, account_id,
                              account_snapshot, status, description, created_at, updated_at)
         SELECT randomblob(16), request_id, customer_id, amount_minor, currency, method, account_id,
                account_snapshot, 'failed', description, created_at, updated_at
           FROM payouts, n WHERE id = ?",
    )
    .bind(id)
    .execute(&raw)
    .await
    .unwrap();
    raw.close().await;
    let target = b.dir.path().join("big.csv");
    let events = count(l, "audit_events").await;
    let told = std::sync::Mutex::new(Vec::new());
    let err = l
        .export_payouts_csv(
            &me(),
            &PayoutQuery::page(1, 5),
            &target,
            CsvOptions::default(),
            &|rows| {
                told.lock().unwrap().push(rows);
                false
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "cancelled");
    assert_eq!(*told.lock().unwrap(), [10_000]);
    assert!(!target.exists());
    assert_eq!(
        std::fs::read_dir(b.dir.path())
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("partial"))
            .count(),
        0
    );
    assert_eq!(count(l, "audit_events").await, events);
    let written = l
        .export_payouts_csv(
            &me(),
            &PayoutQuery::page(1, 5),
            &target,
            CsvOptions::default(),
            &|_| true,
        )
        .await
        .unwrap();
    assert_eq!(written.rows, 12_001);
}
