//! Paid on, paid via, fee (issue 14, item 4): marking a payout Success says when it was really
//! paid (today or earlier, never later), how, and what it cost in the fee's own currency; in
//! bulk too; "paid this month" follows the paid-on day.

mod common;

use common::*;
use ledger::payouts::{Payment, PayoutStatus, StatusChange};
use ledger::{Ledger, PaidVia};
use serde_json::json;

fn paid(paid_on: &str, via: Option<PaidVia>, fee: &str, fee_currency: &str) -> StatusChange {
    StatusChange {
        payment: Payment {
            paid_on: paid_on.into(),
            paid_via: via,
            fee: fee.into(),
            fee_currency: fee_currency.into(),
        },
        ..StatusChange::to(PayoutStatus::Success)
    }
}

async fn refused_field(ledger: &Ledger, id: PayoutId, change: &StatusChange) -> String {
    let events = count(ledger, "audit_events").await;
    let err = ledger
        .change_payout_status(&me(), id, change)
        .await
        .expect_err("must be refused");
    assert_eq!(err.kind(), "validation", "{err}");
    assert_eq!(
        count(ledger, "audit_events").await,
        events,
        "nothing written"
    );
    assert_eq!(
        ledger.payout(id).await.unwrap().status,
        PayoutStatus::Pending
    );
    err.field().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_payout_paid_in_cash_last_month_with_a_fee_in_another_currency_says_so() {
    let b = book().await;
    let request = payable(&b.ledger, "ada").await; // 12.50 USD to PayPal
    let payout = pay(&b.ledger, request.id).await;
    let marked = b
        .ledger
        .change_payout_status(
            &me(),
            payout.id,
            &paid("2025-12-30", Some(PaidVia::Cash), "1.2", "eur"),
        )
        .await
        .unwrap();
    assert_eq!(marked.paid_on.as_deref(), Some("2025-12-30"));
    assert_eq!(marked.paid_via, Some(PaidVia::Cash));
    assert_eq!(marked.fee.unwrap().to_string(), "1.20 EUR");
    let event = &b.ledger.payout_history(payout.id).await.unwrap()[0];
    let changes: Vec<_> = event
        .changes
        .iter()
        .map(|c| (c.field.as_str(), c.new.clone()))
        .collect();
    assert_eq!(
        changes,
        [
            ("status", json!("success")),
            ("paid_on", json!("2025-12-30")),
            ("paid_via", json!("cash")),
            ("fee", json!("1.20 EUR")),
        ]
    );
    // Paid in December: not paid this month (January), whenever it was marked.
    let attention = b.ledger.needs_attention(at(60), 7).await.unwrap();
    assert_eq!(attention.totals[0].paid_this_month.to_string(), "0.00 USD");
    let state = b.ledger.replay_history().await.unwrap();
    assert_eq!(state.total_differences, 0, "{:?}", state.differences);

    // Back to Failed (returned): nothing of the payment stays.
    let returned = StatusChange {
        note: "Returned".into(),
        failure_reason: Some(ledger::FailureReason::ReturnedByBank),
        ..StatusChange::to(PayoutStatus::Failed)
    };
    let failed = b
        .ledger
        .change_payout_status(&me(), payout.id, &returned)
        .await
        .unwrap();
    assert_eq!(
        (failed.paid_on, failed.paid_via, failed.fee),
        (None, None, None)
    );
}

#[tokio::test]
async fn left_empty_it_is_paid_today_as_its_account_is_paid_and_without_a_fee() {
    let b = book().await;
    let id = payout_to(
        &b.ledger,
        "ada",
        iban_account("Ada Example", "DE89370400440532013000"),
        "30.00",
        "EUR",
        "",
    )
    .await;
    let marked = b
        .ledger
        .change_payout_status(&me(), id, &paid(" ", None, "", "USD"))
        .await
        .unwrap();
    assert_eq!(marked.paid_on.as_deref(), Some("2026-01-05"));
    assert_eq!(marked.paid_via, Some(PaidVia::BankTransfer));
    assert_eq!(marked.fee, None);
    let attention = b.ledger.needs_attention(at(60), 7).await.unwrap();
    assert_eq!(attention.totals[0].paid_this_month.to_string(), "30.00 EUR");
}

#[tokio::test]
async fn a_day_to_come_or_a_fee_that_is_no_amount_is_refused_next_to_its_field() {
    let b = book().await;
    let request = payable(&b.ledger, "ada").await;
    let id = pay(&b.ledger, request.id).await.id;
    // The test owner's clock says 2026-01-05 09:01 UTC: 23:01 in Kiribati (UTC+14), so 6
    // January has begun nowhere yet.
    for (change, field) in [
        (paid("2026-01-06", None, "", ""), "paid_on"),
        (paid("05/01/2026", None, "", ""), "paid_on"),
        (paid("", None, "-0.30", ""), "fee"),
        (paid("", None, "0.305", ""), "fee"),
        (paid("", None, "1", "EURO"), "fee_currency"),
        (paid("", None, "0.5", "JPY"), "fee"),
    ] {
        let got = refused_field(&b.ledger, id, &change).await;
        assert_eq!(got, field, "{:?}", change.payment);
    }
    let marked = b
        .ledger
        .change_payout_status(&me(), id, &paid("2026-01-05", None, "0", ""))
        .await
        .unwrap();
    assert_eq!(marked.fee.unwrap().to_string(), "0.00 USD");
}

#[tokio::test]
async fn a_bulk_success_says_the_payment_of_each_payout_or_changes_none() {
    let b = book().await;
    let usd = pay(&b.ledger, payable(&b.ledger, "ada").await.id).await;
    let c = customer(&b.ledger, "yuki").await;
    b.ledger
        .add_payment_account(&me(), c.id, &paypal("yuki@example.jp"))
        .await
        .unwrap();
    let jpy = pay(&b.ledger, approved(&b.ledger, c.id, "1500", "JPY").await.id).await;
    let ids = [usd.id, jpy.id];

    // A fee in the payouts' own currencies: "0.50" cannot be yen, so nothing moves.
    let err = b
        .ledger
        .bulk_change_status(&me(), &ids, &paid("2026-01-02", None, "0.50", ""))
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("fee"));
    assert!(err.to_string().ends_with("(PO-000002, in JPY)"), "{err}");
    for id in ids {
        assert_eq!(
            b.ledger.payout(id).await.unwrap().status,
            PayoutStatus::Pending
        );
    }

    let outcome = b
        .ledger
        .bulk_change_status(
            &me(),
            &ids,
            &paid("2026-01-02", Some(PaidVia::Wise), "0.5", "EUR"),
        )
        .await
        .unwrap();
    assert_eq!(outcome.changed.len(), 2);
    for id in ids {
        let p = b.ledger.payout(id).await.unwrap();
        assert_eq!(p.paid_on.as_deref(), Some("2026-01-02"));
        assert_eq!(p.paid_via, Some(PaidVia::Wise));
        assert_eq!(p.fee.unwrap().to_string(), "0.50 EUR");
    }
    let state = b.ledger.replay_history().await.unwrap();
    assert_eq!(state.total_differences, 0, "{:?}", state.differences);
}
