//! Edits of one record from two windows at once: every edit event's old value is the new value
//! of the edit before it, because old values are read inside the write transaction.

mod common;

use common::*;
use ledger::customers::CustomerInput;
use ledger::payouts::PayoutEdit;
use ledger::programs::ProgramInput;
use ledger::{AuditEvent, Ledger};
use serde_json::Value;

const ROUNDS: usize = 12;

/// The `field` moves of a record's edits, oldest first, form one unbroken chain from `first`.
fn assert_continuous(history: &[AuditEvent], field: &str, first: Value) {
    let mut moves: Vec<(Value, Value)> = history
        .iter()
        .rev()
        .filter(|e| e.action == "update")
        .flat_map(|e| e.changes.iter())
        .filter(|c| c.field == field)
        .map(|c| (c.old.clone(), c.new.clone()))
        .collect();
    assert_eq!(moves.len(), ROUNDS, "{field}: every edit changed it once");
    let mut expected = first;
    for (old, new) in moves.drain(..) {
        assert_eq!(
            old, expected,
            "{field}: an event recorded a stale old value"
        );
        expected = new;
    }
}

/// Runs `ROUNDS` edits, two at a time, each with its own value.
async fn in_pairs<F, Fut>(ledger: &Ledger, edit: F)
where
    F: Fn(Ledger, usize) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    for pair in (0..ROUNDS).step_by(2) {
        let a = tokio::spawn(edit(ledger.clone(), pair));
        let b = tokio::spawn(edit(ledger.clone(), pair + 1));
        a.await.unwrap();
        b.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_of_a_program_keep_the_old_values_continuous() {
    let b = book().await;
    let l = &b.ledger;
    let program = |name: String| ProgramInput {
        name,
        default_reward: String::new(),
        currency: String::new(),
    };
    let made = l
        .add_program(&me(), &program("Referral".into()))
        .await
        .unwrap();
    in_pairs(l, move |l, i| async move {
        l.edit_program(&me(), made.id, &program(format!("Referral {i}")))
            .await
            .unwrap();
    })
    .await;
    let history = l.history(Record::Program(made.id)).await.unwrap();
    assert_continuous(&history, "name", Value::from("Referral"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_of_a_customer_and_a_payout_keep_the_old_values_continuous() {
    let b = book().await;
    let l = &b.ledger;
    let request = payable(l, "ada").await;
    let payout = pay(l, request.id).await;
    let customer = request.customer_id;
    in_pairs(l, move |l, i| async move {
        let input = CustomerInput {
            username: "ada".into(),
            display_name: format!("Ada {i}"),
            email: String::new(),
        };
        l.edit_customer(&me(), customer, &input).await.unwrap();
    })
    .await;
    let history = l.history(Record::Customer(customer)).await.unwrap();
    assert_continuous(&history, "display_name", Value::from("ada Example"));

    in_pairs(l, move |l, i| async move {
        let edit = PayoutEdit {
            description: format!("Cashback {i}"),
            external_reference: String::new(),
            note: String::new(),
        };
        l.edit_payout(&me(), payout.id, &edit).await.unwrap();
    })
    .await;
    let history = l.history(Record::Payout(payout.id)).await.unwrap();
    assert_continuous(&history, "description", Value::from(""));
}
