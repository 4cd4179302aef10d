//! The terminal states (issue 14, item 3): a payout Cancelled from Pending or Failed with a
//! reason, an approved request Voided with a reason; both never paid, kept, out of the owed
//! totals and the attention lists.

mod common;

use common::*;
use ledger::payouts::{Payout, PayoutStatus, Retry, StatusChange};
use ledger::requests::{RequestFilter, RequestStatus};
use ledger::{FailureReason, Ledger, PageRequest, Refusal};

fn move_to(status: PayoutStatus, note: &str) -> StatusChange {
    StatusChange {
        status,
        failure_reason: (status == PayoutStatus::Failed).then_some(FailureReason::AccountClosed),
        external_reference: String::new(),
        note: note.into(),
        payment: Default::default(),
    }
}

/// Moves payout `id` to `status` with `note`; it must be allowed.
async fn moved(ledger: &Ledger, id: PayoutId, status: PayoutStatus, note: &str) -> Payout {
    ledger
        .change_payout_status(&me(), id, &move_to(status, note))
        .await
        .unwrap()
}

async fn refusal(result: ledger::Result<impl std::fmt::Debug>) -> (String, Option<String>) {
    let err = result.expect_err("must be refused");
    (
        err.code().unwrap_or(err.kind()).to_owned(),
        err.field().map(str::to_owned),
    )
}

async fn payable_ids(ledger: &Ledger) -> Vec<RequestId> {
    ledger
        .list_requests(
            "",
            RequestFilter::Payable,
            PageRequest {
                page: 1,
                page_size: 100,
            },
        )
        .await
        .unwrap()
        .page
        .items
        .into_iter()
        .map(|r| r.id)
        .collect()
}

#[tokio::test]
async fn a_cancelled_payout_needs_a_reason_frees_its_request_and_is_final() {
    let b = book().await;
    let request = payable(&b.ledger, "ada").await;
    let payout = pay(&b.ledger, request.id).await;
    assert!(!payable_ids(&b.ledger).await.contains(&request.id));

    let refused = b
        .ledger
        .change_payout_status(&me(), payout.id, &move_to(PayoutStatus::Cancelled, "  "))
        .await;
    assert_eq!(
        refusal(refused).await,
        ("cancel_reason_required".to_owned(), Some("note".to_owned()))
    );

    let cancelled = moved(
        &b.ledger,
        payout.id,
        PayoutStatus::Cancelled,
        "Customer closed the shop account",
    )
    .await;
    assert_eq!(cancelled.status, PayoutStatus::Cancelled);
    let history = b.ledger.payout_history(payout.id).await.unwrap();
    assert_eq!(history[0].note, "Customer closed the shop account");
    // Its request is payable again, and a new payout can stand for it.
    let request = b.ledger.request(request.id).await.unwrap();
    assert_eq!(request.open_payout, None);
    assert!(payable_ids(&b.ledger).await.contains(&request.id));
    let again = pay(&b.ledger, request.id).await;
    assert_eq!(
        b.ledger.request(request.id).await.unwrap().open_payout,
        Some(again.id)
    );
    // Cancelled is final.
    for to in PayoutStatus::ALL {
        let result = b
            .ledger
            .change_payout_status(&me(), payout.id, &move_to(to, "try"))
            .await;
        let code = if to == PayoutStatus::Cancelled {
            "already_in_status"
        } else {
            "move_not_allowed"
        };
        assert_eq!(refusal(result).await.0, code, "Cancelled → {to:?}");
    }
}

#[tokio::test]
async fn a_success_or_on_process_payout_cannot_be_cancelled_a_failed_one_can() {
    let b = book().await;
    for (user, status) in [
        ("ada", PayoutStatus::Success),
        ("bo", PayoutStatus::OnProcess),
    ] {
        let request = payable(&b.ledger, user).await;
        let payout = pay(&b.ledger, request.id).await;
        moved(&b.ledger, payout.id, status, "").await;
        let result = b
            .ledger
            .change_payout_status(&me(), payout.id, &move_to(PayoutStatus::Cancelled, "no"))
            .await;
        assert_eq!(refusal(result).await.0, "move_not_allowed", "{status:?}");
        assert_eq!(b.ledger.payout(payout.id).await.unwrap().status, status);
    }
    let request = payable(&b.ledger, "cy").await;
    let payout = pay(&b.ledger, request.id).await;
    moved(&b.ledger, payout.id, PayoutStatus::Failed, "").await;
    let cancelled = moved(
        &b.ledger,
        payout.id,
        PayoutStatus::Cancelled,
        "Will pay in cash",
    )
    .await;
    assert_eq!(cancelled.status, PayoutStatus::Cancelled);
    assert_eq!(cancelled.failure_reason, None);
}

#[tokio::test]
async fn cancelled_payouts_are_out_of_the_owed_and_failed_totals() {
    let b = book().await;
    let kept = payable(&b.ledger, "ada").await;
    pay(&b.ledger, kept.id).await;
    let dropped = payable(&b.ledger, "bo").await;
    let dropped = pay(&b.ledger, dropped.id).await;
    let failed = payable(&b.ledger, "cy").await;
    let failed = pay(&b.ledger, failed.id).await;
    for (id, to) in [
        (dropped.id, PayoutStatus::Cancelled),
        (failed.id, PayoutStatus::Failed),
        (failed.id, PayoutStatus::Cancelled),
    ] {
        moved(&b.ledger, id, to, "not paid").await;
    }
    let attention = b.ledger.needs_attention(at(60), 7).await.unwrap();
    let usd = &attention.totals[0];
    assert_eq!(usd.owed.to_string(), "12.50 USD");
    assert_eq!(usd.failed.to_string(), "0.00 USD");
}

#[tokio::test]
async fn only_an_approved_request_with_no_open_payout_is_voided_and_only_with_a_reason() {
    let b = book().await;
    let c = customer(&b.ledger, "ada").await;
    b.ledger
        .add_payment_account(&me(), c.id, &paypal("ada@example.com"))
        .await
        .unwrap();
    let pending = request(&b.ledger, c.id, "5.00", "EUR").await;
    let result = b.ledger.void_request(&me(), pending.id, "dup").await;
    assert_eq!(refusal(result).await.0, "not_voidable");

    let with_payout = approved(&b.ledger, c.id, "6.00", "EUR").await;
    let payout = pay(&b.ledger, with_payout.id).await;
    let result = b.ledger.void_request(&me(), with_payout.id, "dup").await;
    assert_eq!(refusal(result).await.0, "void_with_open_payout");
    // A paid request is never voided.
    moved(&b.ledger, payout.id, PayoutStatus::Success, "").await;
    let result = b.ledger.void_request(&me(), with_payout.id, "dup").await;
    assert_eq!(refusal(result).await.0, "void_with_open_payout");

    let unpaid = approved(&b.ledger, c.id, "7.00", "EUR").await;
    let result = b.ledger.void_request(&me(), unpaid.id, " \n ").await;
    assert_eq!(
        refusal(result).await,
        ("validation".to_owned(), Some("reason".to_owned()))
    );
    assert_eq!(
        b.ledger.request(unpaid.id).await.unwrap().status,
        RequestStatus::Approved
    );
}

#[tokio::test]
async fn a_voided_request_is_never_paid_leaves_the_lists_and_is_audited() {
    let b = book().await;
    let request = payable(&b.ledger, "ada").await;
    // A payout that failed and was cancelled does not stand for the request.
    let payout = pay(&b.ledger, request.id).await;
    moved(&b.ledger, payout.id, PayoutStatus::Failed, "").await;
    let before = b.ledger.needs_attention(at(60), 7).await.unwrap();
    assert_eq!(before.approved_without_payout.total, 1);

    let voided = b
        .ledger
        .void_request(&me(), request.id, "Order was refunded; no cashback due")
        .await
        .unwrap();
    assert_eq!(voided.status, RequestStatus::Voided);
    assert_eq!(
        voided.void_reason.as_deref(),
        Some("Order was refunded; no cashback due")
    );
    let event = &b.ledger.history(Record::Request(request.id)).await.unwrap()[0];
    assert_eq!(
        (event.action.as_str(), event.note.as_str()),
        ("void", "Order was refunded; no cashback due")
    );

    assert!(payable_ids(&b.ledger).await.is_empty());
    let after = b.ledger.needs_attention(at(60), 7).await.unwrap();
    assert_eq!(after.approved_without_payout.total, 0);
    let listed = b
        .ledger
        .list_requests(
            "",
            RequestFilter::Voided,
            PageRequest {
                page: 1,
                page_size: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.page.total, 1);
    assert_eq!(listed.page.items[0].id, request.id);
    let searched = b
        .ledger
        .list_requests(
            "ada",
            RequestFilter::Voided,
            PageRequest {
                page: 1,
                page_size: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(searched.page.items.len(), 1);

    // Never paid: no new payout, no retry of the failed one; it can still be cancelled.
    let new = ledger::payouts::NewPayout::for_request(request.id);
    let made = b.ledger.create_payout(&me(), &new).await;
    assert_eq!(refusal(made).await.0, "request_voided");
    let retry = Retry {
        account_id: None,
        external_reference: String::new(),
        note: String::new(),
    };
    let retried = b.ledger.retry_payout(&me(), payout.id, &retry).await;
    assert_eq!(refusal(retried).await.0, "request_voided");
    let reopened = b
        .ledger
        .change_payout_status(&me(), payout.id, &move_to(PayoutStatus::Pending, ""))
        .await;
    assert_eq!(refusal(reopened).await.0, "request_voided");
    moved(
        &b.ledger,
        payout.id,
        PayoutStatus::Cancelled,
        "Request voided",
    )
    .await;
    // A second void is refused; the amount is no longer corrected.
    let again = b.ledger.void_request(&me(), request.id, "again").await;
    assert_eq!(refusal(again).await.0, "not_voidable");
    let corrected = b
        .ledger
        .correct_request_amount(&me(), request.id, "1.00", "typo")
        .await;
    assert_eq!(refusal(corrected).await.0, "request_voided");

    // The history replays to what the book holds.
    let state = b.ledger.replay_history().await.unwrap();
    assert_eq!(state.total_differences, 0, "{:?}", state.differences);
}

#[tokio::test]
async fn a_void_reason_changed_behind_the_apps_back_is_named() {
    let b = book().await;
    let request = payable(&b.ledger, "ada").await;
    b.ledger
        .void_request(&me(), request.id, "Duplicate of IR-000009")
        .await
        .unwrap();
    let path = b.ledger.path().to_owned();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE incentive_requests SET void_reason = 'Paid in cash'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let state = b.ledger.replay_history().await.unwrap();
    let found: Vec<_> = state
        .differences
        .iter()
        .map(|d| (d.record.as_str(), d.field.as_str()))
        .collect();
    assert_eq!(found, [(request.id.to_string().as_str(), "void_reason")]);
}

#[tokio::test]
async fn the_refusals_read_as_sentences() {
    let b = book().await;
    let request = payable(&b.ledger, "ada").await;
    let payout = pay(&b.ledger, request.id).await;
    let err = b
        .ledger
        .void_request(&me(), request.id, "dup")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Request {} has payout {}, which is neither Failed nor Cancelled; cancel that payout first.",
            request.id, payout.id
        )
    );
    assert_eq!(
        Refusal::CancelReasonRequired.to_string(),
        "Say in the note why it is cancelled."
    );
}
