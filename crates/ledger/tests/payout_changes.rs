//! Status moves, bulk moves, edits and the audited reveal of a payout.

mod common;

use common::*;
use ledger::payouts::{NewPayout, Payout, PayoutEdit, PayoutStatus, Retry, StatusChange};
use ledger::{FailureReason, Ledger, Origin, Refusal, Source};
use serde_json::json;

use PayoutStatus::*;

const ALL: [PayoutStatus; 5] = PayoutStatus::ALL;

async fn payout(ledger: &Ledger, username: &str) -> Payout {
    let request = payable(ledger, username).await;
    let new = NewPayout::for_request(request.id);
    ledger.create_payout(&me(), &new).await.unwrap()
}

fn to(status: PayoutStatus) -> StatusChange {
    StatusChange {
        status,
        failure_reason: (status == PayoutStatus::Failed)
            .then_some(ledger::FailureReason::ReturnedByBank),
        external_reference: String::new(),
        note: String::new(),
        payment: Default::default(),
    }
}

/// A move to Failed for `reason`.
fn failing(reason: Option<FailureReason>) -> StatusChange {
    StatusChange {
        failure_reason: reason,
        ..to(Failed)
    }
}

fn with_note(status: PayoutStatus, note: &str) -> StatusChange {
    StatusChange {
        note: note.into(),
        ..to(status)
    }
}

/// Puts a fresh payout into `status` through allowed moves.
async fn payout_in(ledger: &Ledger, username: &str, status: PayoutStatus) -> Payout {
    let p = payout(ledger, username).await;
    if status != Pending {
        ledger
            .change_payout_status(&me(), p.id, &with_note(status, "as the test needs"))
            .await
            .unwrap();
    }
    ledger.payout(p.id).await.unwrap()
}

#[tokio::test]
async fn every_move_of_the_product_is_allowed_and_every_other_refused() {
    let allowed = [
        (Pending, OnProcess),
        (Pending, Success),
        (Pending, Failed),
        (Pending, Cancelled),
        (OnProcess, Success),
        (OnProcess, Failed),
        (OnProcess, Pending),
        (Failed, Pending),
        (Failed, Cancelled),
        (Success, Failed),
    ];
    let b = book().await;
    let mut n = 0;
    for from in ALL {
        for target in ALL {
            n += 1;
            let p = payout_in(&b.ledger, &format!("user{n}"), from).await;
            let events = count(&b.ledger, "audit_events").await;
            // Success → Failed needs a note; give one to every move so only the rule decides.
            let result = b
                .ledger
                .change_payout_status(&me(), p.id, &with_note(target, "checked with the bank"))
                .await;
            let after = b.ledger.payout(p.id).await.unwrap();
            if allowed.contains(&(from, target)) {
                let moved = result.unwrap_or_else(|e| panic!("{from:?} → {target:?}: {e}"));
                assert_eq!(moved.status, target);
                assert_eq!(count(&b.ledger, "audit_events").await, events + 1);
                let last = &b.ledger.payout_history(p.id).await.unwrap()[0];
                assert_eq!(last.action, "status");
                assert_eq!(last.note, "checked with the bank");
                assert_eq!(last.changes[0].field, "status");
                assert_eq!(last.changes[0].old, json!(from));
                assert_eq!(last.changes[0].new, json!(target));
                // Becoming Success records the day it was paid; leaving Success clears it.
                // Becoming Failed records why; leaving Failed clears it.
                let others: Vec<_> = last.changes[1..]
                    .iter()
                    .map(|c| (c.field.as_str(), c.old.clone(), c.new.clone()))
                    .collect();
                let why = "returned_by_bank";
                let expected = match (from, target) {
                    (_, Success) => vec![
                        ("paid_on", json!(null), json!("2026-01-05")),
                        ("paid_via", json!(null), json!("paypal")),
                    ],
                    (Success, Failed) => vec![
                        ("paid_on", json!("2026-01-05"), json!(null)),
                        ("paid_via", json!("paypal"), json!(null)),
                        ("failure_reason", json!(null), json!(why)),
                    ],
                    (_, Failed) => vec![("failure_reason", json!(null), json!(why))],
                    (Failed, _) => vec![("failure_reason", json!(why), json!(null))],
                    _ => vec![],
                };
                assert_eq!(others, expected, "{from:?} → {target:?}");
                assert_eq!(
                    after.paid_on.as_deref(),
                    (target == Success).then_some("2026-01-05")
                );
            } else {
                let err = result.expect_err(&format!("{from:?} → {target:?} must be refused"));
                // A move the current state does not allow is a conflict (house rule 3).
                let code = if from == target {
                    "already_in_status"
                } else {
                    "move_not_allowed"
                };
                assert_eq!(
                    (err.kind(), err.field(), err.code()),
                    ("conflict", Some("status"), Some(code))
                );
                assert_eq!(after.status, from);
                assert_eq!(count(&b.ledger, "audit_events").await, events);
            }
        }
    }
}

#[tokio::test]
async fn success_back_to_failed_needs_a_note() {
    let b = book().await;
    let p = payout_in(&b.ledger, "ada", Success).await;
    let err = b
        .ledger
        .change_payout_status(&me(), p.id, &with_note(Failed, "  "))
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("note"));
    assert_eq!(b.ledger.payout(p.id).await.unwrap().status, Success);
    let failed = b
        .ledger
        .change_payout_status(&me(), p.id, &with_note(Failed, "Returned by the bank"))
        .await
        .unwrap();
    assert_eq!(failed.status, Failed);
}

#[tokio::test]
async fn every_move_to_failed_says_why_and_a_retry_clears_it() {
    let b = book().await;
    let l = &b.ledger;
    let ada = payout_in(l, "ada", OnProcess).await;
    let bob = payout_in(l, "bob", Pending).await;
    let without = failing(None);
    let err = l
        .change_payout_status(&me(), ada.id, &without)
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("failure_reason"), "{err}");
    // In bulk, each payout is left as it was, with the reason.
    let bulk = l
        .bulk_change_status(&me(), &[ada.id, bob.id], &without)
        .await
        .unwrap();
    assert!(bulk.changed.is_empty());
    assert!(bulk
        .skipped
        .iter()
        .all(|s| s.refusal == Refusal::FailureReasonRequired));
    // Other says what in the note.
    let other = failing(Some(FailureReason::Other));
    let err = l
        .change_payout_status(&me(), ada.id, &other)
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("note"), "{err}");
    assert_eq!(l.payout(ada.id).await.unwrap().status, OnProcess);

    let closed = failing(Some(FailureReason::AccountClosed));
    let failed = l
        .change_payout_status(&me(), ada.id, &closed)
        .await
        .unwrap();
    assert_eq!(failed.failure_reason, Some(FailureReason::AccountClosed));
    let event = &l.payout_detail(ada.id).await.unwrap().history[0];
    let reason = event
        .changes
        .iter()
        .find(|c| c.field == "failure_reason")
        .expect("the reason is in the trail");
    assert_eq!(
        (&reason.old, &reason.new),
        (&json!(null), &json!("account_closed"))
    );

    // A reason goes with a move to Failed alone, and leaves with the retry.
    let pending = l
        .change_payout_status(
            &me(),
            bob.id,
            &StatusChange {
                failure_reason: Some(FailureReason::Unclaimed),
                ..to(OnProcess)
            },
        )
        .await
        .unwrap();
    assert_eq!(pending.failure_reason, None);
    let retried = l
        .change_payout_status(&me(), ada.id, &to(Pending))
        .await
        .unwrap();
    assert_eq!(retried.failure_reason, None);
    let with_note = StatusChange {
        note: "The customer asked us to stop".into(),
        ..other
    };
    let failed = l
        .change_payout_status(&me(), ada.id, &with_note)
        .await
        .unwrap();
    assert_eq!(failed.failure_reason, Some(FailureReason::Other));
    // The stored reasons are what the trail says.
    assert!(l.verify_book().await.unwrap().intact());
}

#[tokio::test]
async fn a_retry_pays_the_account_chosen_with_its_snapshot_audited() {
    let b = book().await;
    let l = &b.ledger;
    let closed = failing(Some(FailureReason::AccountClosed));
    let p = payout(l, "ada").await;
    l.change_payout_status(&me(), p.id, &closed).await.unwrap();
    let ada = l.customer(p.customer_id).await.unwrap();
    let bank = l
        .add_payment_account(
            &me(),
            ada.id,
            &iban_account("Ada Lovelace", "DE89 3704 0044 0532 0130 00"),
        )
        .await
        .unwrap();
    let detail = l.payout_detail(p.id).await.unwrap();
    assert_eq!(
        detail
            .retry_accounts
            .iter()
            .map(|a| a.id)
            .collect::<Vec<_>>()
            .len(),
        2,
        "both of ada's accounts are offered"
    );
    // Not a Failed payout, another customer's account: refused, nothing changed.
    let bob = payable(l, "bob").await;
    let bobs = l.customer_accounts(bob.customer_id).await.unwrap()[0].id;
    let other = Retry {
        account_id: Some(bobs),
        external_reference: String::new(),
        note: String::new(),
    };
    let err = l.retry_payout(&me(), p.id, &other).await.unwrap_err();
    assert_eq!(err.field(), Some("account_id"), "{err}");
    assert_eq!(
        l.payout(p.id).await.unwrap().status,
        Failed,
        "all or nothing"
    );
    let pending = pay(l, bob.id).await;
    let err = l
        .retry_payout(
            &me(),
            pending.id,
            &Retry {
                account_id: None,
                external_reference: String::new(),
                note: String::new(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("move_not_allowed"), "{err}");

    let retried = l
        .retry_payout(
            &me(),
            p.id,
            &Retry {
                account_id: Some(bank.id),
                external_reference: String::new(),
                note: "New bank account from the customer".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            retried.status,
            retried.method.as_str(),
            retried.failure_reason
        ),
        (Pending, "bank", None)
    );
    assert_eq!(retried.account, bank.masked);
    let history = l.payout_history(p.id).await.unwrap();
    let (update, status) = (&history[0], &history[1]);
    assert_eq!(
        (update.action.as_str(), status.action.as_str()),
        ("update", "status")
    );
    assert_eq!(status.note, "New bank account from the customer");
    let fields: Vec<_> = update.changes.iter().map(|c| c.field.as_str()).collect();
    assert!(fields.starts_with(&["method", "account"]), "{fields:?}");
    let account = &update.changes[1];
    assert_eq!(account.new, json!(bank.masked));
    assert_ne!(account.old, account.new);
    // The stored snapshot is what the trail says (and its seal holds).
    assert!(l.verify_book().await.unwrap().intact());

    // A retry without an account pays the one it failed on.
    l.change_payout_status(&me(), p.id, &closed).await.unwrap();
    let again = l
        .retry_payout(
            &me(),
            p.id,
            &Retry {
                account_id: None,
                external_reference: String::new(),
                note: String::new(),
            },
        )
        .await
        .unwrap();
    assert_eq!((again.status, again.account), (Pending, bank.masked));
}

#[tokio::test]
async fn a_failed_payout_is_not_retried_while_its_request_has_another_open_payout() {
    let b = book().await;
    let first = payout_in(&b.ledger, "ada", Failed).await;
    let second = pay(&b.ledger, first.request_id).await;
    let err = b
        .ledger
        .change_payout_status(&me(), first.id, &to(Pending))
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&second.number), "{err}");
    b.ledger
        .change_payout_status(&me(), second.id, &to(Failed))
        .await
        .unwrap();
    b.ledger
        .change_payout_status(&me(), first.id, &to(Pending))
        .await
        .unwrap();
}

/// A bulk move writes its payouts together, but each retry is checked against the book as
/// the moves before it in the batch left it: of two failed payouts of one request, one goes
/// back to Pending and the other is refused, instead of the whole batch failing on the
/// one-open-payout rule.
#[tokio::test]
async fn a_bulk_retry_of_two_failed_payouts_of_one_request_moves_one_and_refuses_the_other() {
    let b = book().await;
    let first = payout_in(&b.ledger, "ada", Failed).await;
    let second = pay(&b.ledger, first.request_id).await;
    b.ledger
        .change_payout_status(&me(), second.id, &to(Failed))
        .await
        .unwrap();
    let outcome = b
        .ledger
        .bulk_change_status(&me(), &[first.id, second.id], &to(Pending))
        .await
        .unwrap();
    assert_eq!(outcome.changed, vec![first.number.clone()]);
    assert_eq!(outcome.skipped.len(), 1);
    assert_eq!(outcome.skipped[0].id, second.id);
    assert_eq!(
        outcome.skipped[0].refusal,
        Refusal::OtherPayoutOpen(first.id)
    );
    assert_eq!(b.ledger.payout(first.id).await.unwrap().status, Pending);
    assert_eq!(b.ledger.payout(second.id).await.unwrap().status, Failed);
    assert!(b.ledger.verify_book().await.unwrap().intact());
}

#[tokio::test]
async fn a_status_move_can_set_the_reference_and_both_changes_are_in_one_event() {
    let b = book().await;
    let p = payout(&b.ledger, "ada").await;
    let change = StatusChange {
        status: Success,
        failure_reason: None,
        external_reference: "  PAYPAL-7XK2  ".into(),
        note: "paid from the PayPal dashboard".into(),
        payment: Default::default(),
    };
    let paid = b
        .ledger
        .change_payout_status(&me(), p.id, &change)
        .await
        .unwrap();
    assert_eq!(paid.external_reference.as_deref(), Some("PAYPAL-7XK2"));
    let history = b.ledger.payout_history(p.id).await.unwrap();
    assert_eq!(history.len(), 2, "create and one status event");
    let fields: Vec<_> = history[0]
        .changes
        .iter()
        .map(|c| (c.field.as_str(), c.old.clone(), c.new.clone()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("status", json!("pending"), json!("success")),
            ("external_reference", json!(null), json!("PAYPAL-7XK2")),
            ("paid_on", json!(null), json!("2026-01-05")),
            ("paid_via", json!(null), json!("paypal")),
        ]
    );
    assert_eq!(paid.paid_on.as_deref(), Some("2026-01-05"));
    assert_eq!(
        paid.paid_via,
        Some(ledger::PaidVia::Paypal),
        "as its account is paid"
    );
    assert_eq!(paid.fee, None, "nobody said what it cost");
    // A later move without a reference keeps the one there is.
    let failed = b
        .ledger
        .change_payout_status(&me(), p.id, &with_note(Failed, "reversed"))
        .await
        .unwrap();
    assert_eq!(failed.external_reference.as_deref(), Some("PAYPAL-7XK2"));
}

#[tokio::test]
async fn edits_change_description_and_reference_and_bad_text_writes_nothing() {
    let b = book().await;
    let p = payout(&b.ledger, "ada").await;
    let edit = |description: &str, reference: &str| PayoutEdit {
        description: description.into(),
        external_reference: reference.into(),
        note: "typo".into(),
    };
    let edited = b
        .ledger
        .edit_payout(&me(), p.id, &edit("Spring cashback", "WISE-1"))
        .await
        .unwrap();
    assert_eq!(edited.description, "Spring cashback");
    assert_eq!(edited.external_reference.as_deref(), Some("WISE-1"));
    let last = &b.ledger.payout_history(p.id).await.unwrap()[0];
    assert_eq!(
        (last.action.as_str(), last.note.as_str()),
        ("update", "typo")
    );
    assert_eq!(last.changes.len(), 2);

    let events = count(&b.ledger, "audit_events").await;
    b.ledger
        .edit_payout(&me(), p.id, &edit("Spring cashback", "WISE-1"))
        .await
        .unwrap();
    assert_eq!(
        count(&b.ledger, "audit_events").await,
        events,
        "no change, no event"
    );
    let cleared = b
        .ledger
        .edit_payout(&me(), p.id, &edit("Spring cashback", ""))
        .await
        .unwrap();
    assert_eq!(cleared.external_reference, None);

    let events = count(&b.ledger, "audit_events").await;
    for (bad, field) in [
        (edit("ok", &"R".repeat(101)), "external_reference"),
        (edit("ok", "REF\u{0007}"), "external_reference"),
        (edit("ok", "line\nbreak"), "external_reference"),
        (edit(&"d".repeat(1001), ""), "description"),
        (edit("bidi \u{202E}gnp.exe", ""), "description"),
    ] {
        let err = b.ledger.edit_payout(&me(), p.id, &bad).await.unwrap_err();
        assert_eq!((err.kind(), err.field()), ("validation", Some(field)));
    }
    let long_reference = StatusChange {
        external_reference: "R".repeat(101),
        ..to(Success)
    };
    let err = b
        .ledger
        .change_payout_status(&me(), p.id, &long_reference)
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("external_reference"));
    assert_eq!(count(&b.ledger, "audit_events").await, events);
    assert_eq!(b.ledger.payout(p.id).await.unwrap().status, Pending);
}

#[tokio::test]
async fn a_bulk_move_changes_the_allowed_rows_in_one_go_and_lists_the_others() {
    let b = book().await;
    let pending = payout_in(&b.ledger, "ada", Pending).await;
    let on_process = payout_in(&b.ledger, "bob", OnProcess).await;
    let success = payout_in(&b.ledger, "cy", Success).await;
    let failed = payout_in(&b.ledger, "dee", Failed).await;
    let events = count(&b.ledger, "audit_events").await;
    let bulk = Origin {
        source: Source::Bulk,
        ..me()
    };
    let change = StatusChange {
        status: Success,
        failure_reason: None,
        external_reference: "BATCH-42".into(),
        note: "paid in one batch".into(),
        payment: Default::default(),
    };
    let ids = [
        pending.id,
        on_process.id,
        success.id,
        failed.id,
        PayoutId(999),
        pending.id,
    ];
    let outcome = b
        .ledger
        .bulk_change_status(&bulk, &ids, &change)
        .await
        .unwrap();
    assert_eq!(
        outcome.changed,
        vec![pending.number.clone(), on_process.number.clone()]
    );
    let skipped: Vec<_> = outcome
        .skipped
        .iter()
        .map(|s| (s.id.to_string(), s.refusal.clone()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (success.number.clone(), Refusal::AlreadyInStatus(Success)),
            (
                failed.number.clone(),
                Refusal::MoveNotAllowed {
                    from: Failed,
                    to: Success
                }
            ),
            ("PO-000999".to_owned(), Refusal::NoSuchPayout(PayoutId(999))),
        ]
    );
    assert_eq!(
        outcome.skipped[0].refusal.to_string(),
        "It is already Success."
    );
    assert_eq!(
        outcome.skipped[1].refusal.to_string(),
        "Failed cannot move to Success."
    );
    assert_eq!(count(&b.ledger, "audit_events").await, events + 2);
    for p in [&pending, &on_process] {
        let now = b.ledger.payout(p.id).await.unwrap();
        assert_eq!(
            (now.status, now.external_reference.as_deref()),
            (Success, Some("BATCH-42"))
        );
        let last = &b.ledger.payout_history(p.id).await.unwrap()[0];
        assert_eq!(
            (last.source.as_str(), last.note.as_str()),
            ("bulk", "paid in one batch")
        );
    }
    assert_eq!(b.ledger.payout(failed.id).await.unwrap().status, Failed);
    assert_eq!(
        b.ledger.payout(failed.id).await.unwrap().external_reference,
        None
    );

    // Undo is a move back, audited like any other.
    let undo = b
        .ledger
        .bulk_change_status(&bulk, &[pending.id], &with_note(Pending, "undo"))
        .await
        .unwrap();
    assert_eq!(
        undo.skipped[0].refusal.to_string(),
        "Success cannot move to Pending."
    );

    // Nothing movable: nothing written.
    let events = count(&b.ledger, "audit_events").await;
    let none = b
        .ledger
        .bulk_change_status(&bulk, &[failed.id], &to(Success))
        .await
        .unwrap();
    assert!(none.changed.is_empty());
    assert_eq!(count(&b.ledger, "audit_events").await, events);
    let err = b
        .ledger
        .bulk_change_status(&bulk, &[], &to(Success))
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("ids"));
}

#[tokio::test]
async fn the_detail_is_masked_and_a_reveal_shows_the_number_and_is_audited() {
    let b = book().await;
    let c = customer(&b.ledger, "ada").await;
    b.ledger
        .add_payment_account(
            &me(),
            c.id,
            &iban_account("Ada Lovelace", "DE89 3704 0044 0532 0130 00"),
        )
        .await
        .unwrap();
    let r = approved(&b.ledger, c.id, "30.00", "EUR").await;
    let p = pay(&b.ledger, r.id).await;
    let detail = b.ledger.payout_detail(p.id).await.unwrap();
    let iban = detail.account.iter().find(|f| f.key == "iban").unwrap();
    assert_eq!(iban.value, "DE •••• 3000");
    assert!(iban.secret);
    assert_eq!(detail.moves, vec![OnProcess, Success, Failed, Cancelled]);
    assert_eq!(detail.request.number, r.number);
    assert_eq!(detail.customer.username, "ada");
    let shown = serde_json::to_string(&detail).unwrap();
    assert!(!shown.contains("DE89370400440532013000"), "{shown}");

    let events = count(&b.ledger, "audit_events").await;
    let revealed = b.ledger.reveal_payout_account(&me(), p.id).await.unwrap();
    let iban = revealed.iter().find(|f| f.key == "iban").unwrap();
    assert_eq!(iban.value, "DE89370400440532013000");
    assert_eq!(count(&b.ledger, "audit_events").await, events + 1);
    let history = b.ledger.history(Record::Payout(p.id)).await.unwrap();
    assert_eq!(history[0].action, "reveal");
    assert_eq!(history[0].actor, "Test Owner");
    assert!(b
        .ledger
        .reveal_payout_account(&me(), PayoutId(404))
        .await
        .is_err());
}

#[test]
fn an_unknown_status_is_refused_when_the_request_is_read() {
    let bad = serde_json::from_value::<StatusChange>(json!({ "status": "paid" }));
    assert!(bad.unwrap_err().to_string().contains("unknown variant"));
}
