//! The fault suite (issue 11, item 12): a writer process killed with SIGKILL at random points
//! of every kind of create, round after round. After each kill the book must hold every write
//! the writer was told succeeded, pass every layer of Verify (storage, keyed chain, anchor,
//! every record against its history), and a retry of each create with its key, acknowledged or
//! cut short, must make no duplicate.
//!
//! Sized for CI (`FAULT_ROUNDS`, default 8); `FAULT_ROUNDS=100 cargo test -p ledger --test
//! faults -- --nocapture` for the long run. The writer is this test binary run again with
//! `FAULT_WRITER` set (the test `writer` does nothing otherwise).

#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use common::*;
use ledger::chain::TrustStore;
use ledger::customers::CustomerInput;
use ledger::payouts::NewPayout;
use ledger::requests::{Decision, RequestInput};
use ledger::{Create, Ledger};

const BOOK: &str = "FAULT_WRITER";
const TRUST: &str = "FAULT_TRUST";
const ROUND: &str = "FAULT_ROUND";

/// What a create makes, and the table its key is kept in.
const KINDS: [(&str, &str); 4] = [
    ("customer", "customers"),
    ("account", "payment_accounts"),
    ("request", "incentive_requests"),
    ("payout", "payouts"),
];

/// One create of `kind` with `key`, for customer number `n`; answers the record's id.
async fn create(ledger: &Ledger, kind: &str, key: &str, n: &str) -> i64 {
    let at = Utc::now();
    let origin = ledger::Origin::manual("Fault writer", at);
    let customer = || async {
        let id = sqlx_id(ledger, "customers", &format!("c-{n}")).await;
        CustomerId(id.expect("the customer exists before its account and request"))
    };
    match kind {
        "customer" => {
            let input = CustomerInput {
                username: format!("user-{n}"),
                display_name: format!("Customer {n}"),
                email: format!("user-{n}@example.com"),
            };
            ledger
                .add_customer_once(&origin, &input, Some(key))
                .await
                .unwrap()
                .id
                .0
        }
        "account" => {
            let id = customer().await;
            let account = iban_account(&format!("Customer {n}"), "DE89370400440532013000");
            ledger
                .add_payment_account_once(&origin, id, &account, Some(key))
                .await
                .unwrap()
                .id
                .0
        }
        "request" => {
            let id = customer().await;
            let input = RequestInput::new(id, "12.50", "EUR");
            let request = ledger
                .add_request_once(&origin, &input, Some(key))
                .await
                .unwrap();
            if request.status == ledger::RequestStatus::Pending {
                ledger
                    .decide_request(&origin, request.id, Decision::Approve, "")
                    .await
                    .unwrap();
            }
            request.id.0
        }
        "payout" => {
            let request = sqlx_id(ledger, "incentive_requests", &format!("r-{n}"))
                .await
                .expect("the request exists before its payout");
            let mut new = NewPayout::for_request(RequestId(request));
            new.idempotency_key = Some(key.to_owned());
            ledger.create_payout(&origin, &new).await.unwrap().id.0
        }
        other => unreachable!("{other}"),
    }
}

/// The id of the record of `table` made with `key`, read from the file.
async fn sqlx_id(ledger: &Ledger, table: &str, key: &str) -> Option<i64> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", ledger.path().display()))
        .await
        .unwrap();
    let id = sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE idempotency_key = ?"))
        .bind(key)
        .fetch_optional(&pool)
        .await
        .unwrap();
    pool.close().await;
    id
}

/// The writer: creates customers, their accounts, approved requests and payouts, each with
/// its key, saying `try` before and `ack` after each, until it is killed.
#[tokio::test]
async fn writer() {
    let Some(book) = std::env::var_os(BOOK) else {
        return;
    };
    let trust = TrustStore::new(std::env::var_os(TRUST).unwrap());
    let round = std::env::var(ROUND).unwrap();
    let ledger = Ledger::open_keyed(Path::new(&book), Create::IfMissing, Utc::now(), trust)
        .await
        .unwrap();
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        let n = format!("{round}-{i}");
        for (kind, _) in KINDS {
            let key = format!("{}-{n}", &kind[..1]);
            writeln!(out, "try {kind} {key} {n}").unwrap();
            out.flush().unwrap();
            let id = create(&ledger, kind, &key, &n).await;
            writeln!(out, "ack {kind} {key} {n} {id}").unwrap();
            out.flush().unwrap();
        }
    }
}

#[derive(Debug, Default)]
struct Tally {
    rounds: usize,
    acknowledged: usize,
    lost: usize,
    duplicates: usize,
    verify_failures: usize,
}

#[tokio::test]
async fn kill_9_during_writes_loses_nothing_acknowledged_and_retries_make_no_duplicates() {
    let rounds: usize = std::env::var("FAULT_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(8);
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book.sqlite");
    let trust_dir = dir.path().join("trust");
    let mut tally = Tally::default();
    // A small deterministic spread of kill times, 30 to 400 ms into a round.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for round in 0..rounds {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let after = Duration::from_millis(30 + seed % 370);
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "writer", "--nocapture", "--test-threads=1"])
            .env(BOOK, &book)
            .env(TRUST, &trust_dir)
            .env(ROUND, round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        });
        std::thread::sleep(after);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let said = reader.join().unwrap();

        // Reopened as the app would: every acknowledged write is there, under its key.
        let trust = TrustStore::new(&trust_dir);
        let ledger = Ledger::open_keyed(&book, Create::Never, Utc::now(), trust)
            .await
            .unwrap();
        let mut last_try = None;
        for line in &said {
            let words: Vec<&str> = line.split(' ').collect();
            match words.as_slice() {
                ["try", kind, key, n] => {
                    last_try = Some((kind.to_string(), key.to_string(), n.to_string()))
                }
                ["ack", kind, key, _, id] => {
                    tally.acknowledged += 1;
                    let table = KINDS.iter().find(|(k, _)| k == kind).unwrap().1;
                    match sqlx_id(&ledger, table, key).await {
                        Some(found) if found.to_string() == *id => {}
                        _ => tally.lost += 1,
                    }
                    last_try = None;
                }
                _ => {}
            }
        }
        // The create cut short is retried with its key, as the UI would: then there is one.
        if let Some((kind, key, n)) = last_try {
            create(&ledger, &kind, &key, &n).await;
        }
        let report = ledger.verify_book().await.unwrap();
        if !report.intact() {
            tally.verify_failures += 1;
            eprintln!("round {round}: {}", report.summary());
        }
        // Every create retried with its key makes nothing new.
        let before: Vec<i64> = table_counts(&ledger).await;
        for line in said.iter().filter(|l| l.starts_with("ack ")) {
            let words: Vec<&str> = line.split(' ').collect();
            create(&ledger, words[1], words[2], words[3]).await;
        }
        let after = table_counts(&ledger).await;
        tally.duplicates += after
            .iter()
            .zip(&before)
            .map(|(a, b)| (a - b) as usize)
            .sum::<usize>();
        ledger.close().await;
        tally.rounds += 1;
    }
    println!(
        "fault-suite rounds={} acknowledged={} lost={} duplicates={} verify_failures={}",
        tally.rounds, tally.acknowledged, tally.lost, tally.duplicates, tally.verify_failures
    );
    assert!(
        tally.acknowledged > rounds,
        "the writer got going: {tally:?}"
    );
    assert_eq!(
        (tally.lost, tally.duplicates, tally.verify_failures),
        (0, 0, 0),
        "{tally:?}"
    );
}

async fn table_counts(ledger: &Ledger) -> Vec<i64> {
    let mut counts = Vec::new();
    for (_, table) in KINDS {
        counts.push(count(ledger, table).await);
    }
    counts
}
