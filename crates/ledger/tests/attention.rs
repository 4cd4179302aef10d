//! Needs attention: totals per currency (owed, in process, paid this month, failed) and the
//! lists of records that want a look.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::*;
use ledger::payouts::{PayoutStatus, StatusChange};
use ledger::Origin;

fn to(status: PayoutStatus, reference: &str) -> StatusChange {
    StatusChange {
        status,
        failure_reason: (status == PayoutStatus::Failed)
            .then_some(ledger::FailureReason::ReturnedByBank),
        external_reference: reference.into(),
        note: String::new(),
        payment: Default::default(),
    }
}

#[tokio::test]
async fn totals_per_currency_and_the_records_that_want_a_look() {
    let b = book().await;
    let l = &b.ledger;
    // All made on 2026-01-05 (the test owner's clock).
    let pending = pay(l, payable(l, "ada").await.id).await; // 12.50 USD, Pending
    let sent = pay(l, payable(l, "bob").await.id).await;
    l.change_payout_status(&me(), sent.id, &to(PayoutStatus::OnProcess, ""))
        .await
        .unwrap();
    let paid_bare = pay(l, payable(l, "cy").await.id).await;
    l.change_payout_status(&me(), paid_bare.id, &to(PayoutStatus::Success, ""))
        .await
        .unwrap();
    let paid = pay(l, payable(l, "dee").await.id).await;
    // Marked paid in February: not "this month" in January.
    let february = Origin::manual("Owner", Utc.with_ymd_and_hms(2026, 2, 2, 9, 0, 0).unwrap());
    l.change_payout_status(&february, paid.id, &to(PayoutStatus::Success, "TX-1"))
        .await
        .unwrap();
    let c = customer(l, "eve").await;
    let euros = approved(l, c.id, "7.00", "EUR").await; // no payment account, no payout
    let unpaid = payable(l, "fay").await; // approved, never paid

    let january = Utc.with_ymd_and_hms(2026, 1, 20, 12, 0, 0).unwrap();
    let view = l.needs_attention(january, 14).await.unwrap();
    assert_eq!(view.totals.len(), 1, "EUR has no payout yet");
    let usd = &view.totals[0];
    assert_eq!(usd.currency, "USD");
    assert_eq!(usd.owed.amount_text(), "12.50");
    assert_eq!(usd.in_process.amount_text(), "12.50");
    assert_eq!(
        usd.paid_this_month.amount_text(),
        "12.50",
        "cy's, not dee's"
    );
    assert_eq!(usd.failed.amount_text(), "0.00");

    let numbers = |items: &[ledger::payouts::Payout]| -> Vec<String> {
        items.iter().map(|p| p.number.clone()).collect()
    };
    assert_eq!(numbers(&view.pending_too_long.items), [pending.number]);
    assert_eq!(
        numbers(&view.success_without_reference.items),
        [paid_bare.number]
    );
    let requests: Vec<RequestId> = view
        .approved_without_payout
        .items
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(requests, [euros.id, unpaid.id]);
    assert_eq!(view.customers_without_account.items[0].username, "eve");
    assert_eq!(
        (
            view.customers_without_account.total,
            view.customers_without_account.total_exact
        ),
        (1, true)
    );

    // Two weeks are not up a day after the payout was made; February counts dee's payment.
    let soon = l
        .needs_attention(Utc.with_ymd_and_hms(2026, 1, 6, 0, 0, 0).unwrap(), 14)
        .await
        .unwrap();
    assert_eq!(soon.pending_too_long.total, 0);
    let later = l
        .needs_attention(Utc.with_ymd_and_hms(2026, 2, 10, 0, 0, 0).unwrap(), 14)
        .await
        .unwrap();
    assert_eq!(
        later.totals[0].paid_this_month.amount_text(),
        "12.50",
        "dee's"
    );

    // Failing a payout moves its amount to Failed.
    l.change_payout_status(
        &Origin::manual("Owner", january + Duration::days(1)),
        sent.id,
        &to(PayoutStatus::Failed, ""),
    )
    .await
    .unwrap();
    let view = l.needs_attention(january, 14).await.unwrap();
    assert_eq!(view.totals[0].in_process.amount_text(), "0.00");
    assert_eq!(view.totals[0].failed.amount_text(), "12.50");
}

#[tokio::test]
async fn a_requests_open_payout_follows_its_payouts_through_failure_and_retry() {
    use ledger::requests::RequestFilter;
    use ledger::PageRequest;
    let b = book().await;
    let l = &b.ledger;
    let r = payable(l, "ada").await;
    let page = PageRequest {
        page: 1,
        page_size: 20,
    };
    let payable_ids = || async {
        l.list_requests("", RequestFilter::Payable, page)
            .await
            .unwrap()
            .page
            .items
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(payable_ids().await, [r.id]);
    let first = pay(l, r.id).await;
    assert!(payable_ids().await.is_empty());
    l.change_payout_status(&me(), first.id, &to(PayoutStatus::Failed, ""))
        .await
        .unwrap();
    assert_eq!(
        payable_ids().await,
        [r.id],
        "a failed payout may be retried"
    );
    assert_eq!(l.request(r.id).await.unwrap().open_payout, None);
    let retry = pay(l, r.id).await;
    assert_eq!(l.request(r.id).await.unwrap().open_payout, Some(retry.id));
    assert!(payable_ids().await.is_empty());
    // The kept column says what the payouts say, for every request.
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", l.path().display()))
        .await
        .unwrap();
    let disagreeing: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM incentive_requests r
          WHERE r.open_payout_id IS NOT (SELECT p.id FROM payouts p
                                          WHERE p.request_id = r.id AND p.status <> 'failed')",
    )
    .fetch_one(&raw)
    .await
    .unwrap();
    assert_eq!(disagreeing, 0);
}

/// Each list shows its first ten records and counts the rest in SQL, exactly up to the cap.
#[tokio::test]
async fn a_list_shows_ten_and_counts_the_rest_up_to_the_cap() {
    let b = book().await;
    let l = &b.ledger;
    let add = async |n: i64, from: i64| {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", l.path().display()))
            .await
            .unwrap();
        sqlx::query(
            "WITH RECURSIVE i(x) AS (SELECT ?1 UNION ALL SELECT x + 1 FROM i WHERE x < ?1 + ?2 - 1)
             INSERT INTO customers (uuid, username, username_key, display_name, email,
                                    created_at, updated_at)
             SELECT randomblob(16), 'c' || x, 'c' || x, 'Customer ' || x, '',
                    '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' FROM i",
        )
        .bind(from)
        .bind(n)
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    };
    let cap = ledger::attention::COUNT_CAP;
    let accountless = async || {
        let view = l.needs_attention(Utc::now(), 7).await.unwrap();
        let list = view.customers_without_account;
        (list.items.len(), list.total, list.total_exact)
    };
    add(12, 1).await;
    assert_eq!(accountless().await, (10, 12, true));
    add(cap - 12, 13).await;
    assert_eq!(accountless().await, (10, cap, true));
    add(1, cap + 1).await;
    assert_eq!(accountless().await, (10, cap, false));
}

/// The lists of payouts that were sent and never came back: On Process too long (by when they
/// were moved there), On Process with no reference long after their payment file, and Failed
/// ones nobody retried, cancelled, paid again or voided.
#[tokio::test]
async fn sent_payouts_that_never_came_back_are_listed_until_dealt_with() {
    use ledger::payment_files::PaymentFileKind;
    let b = book().await;
    let l = &b.ledger;
    // All on 2026-01-05 (the test owner's clock): one sent by hand, three in a SEPA file.
    let sent = pay(l, payable(l, "kim").await.id).await;
    l.change_payout_status(&me(), sent.id, &to(PayoutStatus::OnProcess, "MANUAL-1"))
        .await
        .unwrap();
    let in_file = euro_bank_payouts(l).await;
    let out = tempfile::tempdir().unwrap();
    l.payment_files(&me(), PaymentFileKind::Sepa, &in_file, out.path(), true)
        .await
        .unwrap();
    // Four failed: one left alone, one paid again by a new payout, one voided, one cancelled.
    let mut failed = Vec::new();
    for name in ["gus", "hal", "ivy", "jo"] {
        let p = pay(l, payable(l, name).await.id).await;
        l.change_payout_status(&me(), p.id, &to(PayoutStatus::Failed, ""))
            .await
            .unwrap();
        failed.push(p);
    }
    let again = pay(l, failed[1].request_id).await;
    l.void_request(&me(), failed[2].request_id, "Refunded the order instead")
        .await
        .unwrap();
    let cancel = StatusChange {
        note: "The customer closed the account".into(),
        ..to(PayoutStatus::Cancelled, "")
    };
    l.change_payout_status(&me(), failed[3].id, &cancel)
        .await
        .unwrap();

    let numbers = |items: &[ledger::payouts::Payout]| -> Vec<PayoutId> {
        items.iter().map(|p| p.id).collect()
    };
    let january = Utc.with_ymd_and_hms(2026, 1, 20, 12, 0, 0).unwrap();
    let view = l.needs_attention(january, 14).await.unwrap();
    let mut all_sent = vec![sent.id];
    all_sent.extend(&in_file);
    assert_eq!(numbers(&view.in_process_too_long.items), all_sent);
    assert_eq!(
        numbers(&view.file_without_reference.items),
        in_file,
        "not the one sent by hand, nor with a reference"
    );
    assert_eq!(numbers(&view.failed_not_dealt_with.items), [failed[0].id]);
    assert_eq!(view.failed_not_dealt_with.total, 1);

    // A day after they were sent, nothing has been sent too long yet.
    let soon = l
        .needs_attention(Utc.with_ymd_and_hms(2026, 1, 6, 0, 0, 0).unwrap(), 14)
        .await
        .unwrap();
    assert_eq!(soon.in_process_too_long.total, 0);
    assert_eq!(soon.file_without_reference.total, 0);
    // A reference from the statement takes a payout off the file list; retrying the failed one
    // takes it off its list.
    let description = l.payout(in_file[0]).await.unwrap().description;
    let edit = ledger::payouts::PayoutEdit {
        description,
        external_reference: "E2E-REF-1".into(),
        note: String::new(),
    };
    l.edit_payout(&me(), in_file[0], &edit).await.unwrap();
    let retried = StatusChange {
        note: "Retry".into(),
        ..to(PayoutStatus::Pending, "")
    };
    l.change_payout_status(&me(), failed[0].id, &retried)
        .await
        .unwrap();
    let view = l.needs_attention(january, 14).await.unwrap();
    assert_eq!(numbers(&view.file_without_reference.items), in_file[1..]);
    assert_eq!(view.failed_not_dealt_with.total, 0);
    // The payout made again fails too: it wants a look, the first one stays dealt with.
    l.change_payout_status(&me(), again.id, &to(PayoutStatus::Failed, ""))
        .await
        .unwrap();
    let view = l.needs_attention(january, 14).await.unwrap();
    assert_eq!(numbers(&view.failed_not_dealt_with.items), [again.id]);
    assert_eq!(view.failed_not_dealt_with.total, 1);
}
