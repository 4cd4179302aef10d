//! How long Verify takes as a book grows: `cargo run --release -p ledger --example
//! verify_at_scale -- 20000` makes that many payouts through the ledger's own functions (so
//! every audit event is real, hashed and keyed), then times each layer of Verify five times
//! and prints p50 and max per layer, with one `bench` line each, and the rate per payout to
//! scale from.

// Timings are floats; no money is.
#![allow(clippy::float_arithmetic)]

use std::time::Instant;

use chrono::Utc;
use ledger::accounts::{AccountInput, HandleKind, Provider};
use ledger::chain::TrustStore;
use ledger::customers::CustomerInput;
use ledger::payouts::{NewPayout, PayoutStatus, StatusChange};
use ledger::requests::{Decision, RequestInput};
use ledger::{Create, Ledger, Origin};

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("a number of payouts"))
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.sqlite");
    let trust = TrustStore::new(dir.path().join("trust"));
    let ledger = Ledger::open_keyed(&path, Create::IfMissing, Utc::now(), trust.clone())
        .await
        .unwrap();
    let me = Origin::manual("Bench", Utc::now());
    let started = Instant::now();
    // One customer per 4 payouts, each with a PayPal account; every payout moved once.
    let mut customer = None;
    for i in 0..n {
        if i % 4 == 0 {
            let input = CustomerInput {
                username: format!("customer{i}"),
                display_name: format!("Customer {i}"),
                email: String::new(),
            };
            let c = ledger.add_customer(&me, &input).await.unwrap();
            let account = AccountInput::Digital {
                provider: Provider::Paypal,
                handle_kind: HandleKind::Email,
                handle: format!("customer{i}@example.com"),
            };
            ledger
                .add_payment_account(&me, c.id, &account)
                .await
                .unwrap();
            customer = Some(c.id);
        }
        let request = RequestInput::new(customer.unwrap(), &format!("{}.50", 1 + i % 90), "EUR");
        let r = ledger.add_request(&me, &request).await.unwrap();
        ledger
            .decide_request(&me, r.id, Decision::Approve, "")
            .await
            .unwrap();
        let p = ledger
            .create_payout(&me, &NewPayout::for_request(r.id))
            .await
            .unwrap();
        let change = StatusChange {
            status: PayoutStatus::OnProcess,
            failure_reason: None,
            external_reference: String::new(),
            note: String::new(),
            payment: Default::default(),
        };
        ledger
            .change_payout_status(&me, p.id, &change)
            .await
            .unwrap();
    }
    let events = ledger.chain_head().await.unwrap().seq;
    println!(
        "made {n} payouts ({events} audit events) through the ledger in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    ledger.close().await;

    let ledger = Ledger::open_read_only(&path)
        .await
        .unwrap()
        .with_trust(trust);
    let mut times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..5 {
        let t = Instant::now();
        let chain = ledger.verify_audit_chain().await.unwrap();
        times[0].push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(chain.intact());
        let t = Instant::now();
        let state = ledger.replay_history().await.unwrap();
        times[1].push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(state.total_differences, 0);
    }
    for (name, mut runs) in ["verify_chain_keyed", "verify_state_history"]
        .into_iter()
        .zip(times)
    {
        runs.sort_by(f64::total_cmp);
        let (p50, max) = (runs[runs.len() / 2], runs[runs.len() - 1]);
        println!(
            "{name}: p50 {p50:.0} ms, max {max:.0} ms, {:.1} µs a payout",
            p50 * 1000.0 / n as f64
        );
        println!("bench name={name}_{n} p50_ms={p50:.1} p99_ms={max:.1} target_ms=none");
    }
    ledger.close().await;
}
