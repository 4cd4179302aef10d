//! Creates that may be retried (issue 11, item 7): customers, payment accounts, requests,
//! programs and payouts take a key per attempt; the same key again, in turn or at the same
//! time, gives the first record back, never a duplicate and never a conflict.
mod common;

use common::*;
use ledger::customers::CustomerInput;
use ledger::payouts::NewPayout;
use ledger::programs::ProgramInput;
use ledger::requests::RequestInput;

fn ada() -> CustomerInput {
    CustomerInput {
        username: "ada".into(),
        display_name: "Ada Lovelace".into(),
        email: "ada@example.com".into(),
    }
}

#[tokio::test]
async fn each_kind_of_create_retried_with_its_key_makes_one_record_and_one_event() {
    let b = book().await;
    let l = &b.ledger;
    let first = l
        .add_customer_once(&me(), &ada(), Some("c-1"))
        .await
        .unwrap();
    let again = l
        .add_customer_once(&me(), &ada(), Some("c-1"))
        .await
        .unwrap();
    assert_eq!(first.id, again.id);

    let account = paypal("ada@example.com");
    let a1 = l
        .add_payment_account_once(&me(), first.id, &account, Some("a-1"))
        .await
        .unwrap();
    let a2 = l
        .add_payment_account_once(&me(), first.id, &account, Some("a-1"))
        .await
        .unwrap();
    assert_eq!(a1.id, a2.id);

    let program = ProgramInput {
        name: "Spring cashback".into(),
        default_reward: String::new(),
        currency: String::new(),
    };
    let g1 = l
        .add_program_once(&me(), &program, Some("g-1"))
        .await
        .unwrap();
    let g2 = l
        .add_program_once(&me(), &program, Some("g-1"))
        .await
        .unwrap();
    assert_eq!(g1.id, g2.id);

    let input = RequestInput::new(first.id, "12.50", "EUR");
    let r1 = l
        .add_request_once(&me(), &input, Some("r-1"))
        .await
        .unwrap();
    let r2 = l
        .add_request_once(&me(), &input, Some("r-1"))
        .await
        .unwrap();
    assert_eq!(r1.id, r2.id);
    // Without a key, the same input is a second request: keys are per attempt, not per content.
    let r3 = l.add_request_once(&me(), &input, None).await.unwrap();
    assert_ne!(r1.id, r3.id);

    for (table, rows) in [
        ("customers", 1),
        ("payment_accounts", 1),
        ("incentive_programs", 1),
        ("incentive_requests", 2),
        ("audit_events WHERE action = 'create'", 5),
    ] {
        assert_eq!(count(l, table).await, rows, "{table}");
    }
}

#[tokio::test]
async fn two_windows_sending_one_key_at_once_get_the_same_record() {
    let b = book().await;
    let l = &b.ledger;
    let (me, ada) = (me(), ada());
    let (x, y) = tokio::join!(
        l.add_customer_once(&me, &ada, Some("same")),
        l.add_customer_once(&me, &ada, Some("same")),
    );
    assert_eq!(x.unwrap().id, y.unwrap().id);
    let r = approved(l, CustomerId(1), "5.00", "EUR").await;
    l.add_payment_account(&me, CustomerId(1), &paypal("ada@example.com"))
        .await
        .unwrap();
    let mut new = NewPayout::for_request(r.id);
    new.idempotency_key = Some("p-1".into());
    let (p, q) = tokio::join!(l.create_payout(&me, &new), l.create_payout(&me, &new));
    assert_eq!(p.unwrap().id, q.unwrap().id);
    assert_eq!(count(l, "customers").await, 1);
    assert_eq!(count(l, "payouts").await, 1);
}

#[tokio::test]
async fn a_key_is_one_line_of_at_most_100_characters() {
    let b = book().await;
    let long = "k".repeat(101);
    let err = b
        .ledger
        .add_customer_once(&me(), &ada(), Some(&long))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("100"), "{err}");
    assert_eq!(count(&b.ledger, "customers").await, 0);
}
