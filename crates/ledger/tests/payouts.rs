mod common;

use common::*;
use ledger::payouts::{NewPayout, PayoutQuery, PayoutSort, PayoutStatus};
use ledger::requests::Decision;
use ledger::Error;

fn new(request_id: RequestId) -> NewPayout {
    NewPayout::for_request(request_id)
}

fn query(page: i64, page_size: i64) -> PayoutQuery {
    PayoutQuery::page(page, page_size)
}

#[tokio::test]
async fn a_payout_copies_the_request_and_snapshots_the_default_account() {
    let b = book().await;
    let request = payable(&b.ledger, "ada").await;
    let payout = b
        .ledger
        .create_payout(&me(), &new(request.id))
        .await
        .unwrap();
    assert_eq!(payout.number, "PO-000001");
    assert_eq!(payout.number, payout.id.to_string());
    assert_eq!(payout.request_number, request.number);
    assert_eq!(payout.username, "ada");
    assert_eq!(payout.amount.minor(), 1250);
    assert_eq!(payout.amount.currency().code(), "USD");
    assert_eq!(payout.status, PayoutStatus::Pending);
    assert_eq!(payout.method, "digital");
    assert_eq!(payout.account, "PayPal · a•••@example.com");
    assert_eq!(payout.created_at, "2026-01-05T09:01:00.000000Z");
    assert_eq!(
        b.ledger.request(request.id).await.unwrap().open_payout,
        Some(payout.id)
    );
    let shown = serde_json::to_value(b.ledger.request(request.id).await.unwrap()).unwrap();
    assert_eq!(shown["open_payout"], "PO-000001");
}

#[tokio::test]
async fn the_default_account_wins_unless_another_is_chosen() {
    let b = book().await;
    let c = customer(&b.ledger, "bo").await;
    let first = b
        .ledger
        .add_payment_account(&me(), c.id, &paypal("bo@example.com"))
        .await
        .unwrap();
    let second = b
        .ledger
        .add_payment_account(
            &me(),
            c.id,
            &iban_account("Bo Example", "DE89370400440532013000"),
        )
        .await
        .unwrap();
    assert!(first.is_default && !second.is_default);
    let r1 = approved(&b.ledger, c.id, "5", "EUR").await;
    let r2 = approved(&b.ledger, c.id, "6", "EUR").await;
    let preview = b.ledger.payout_preview(r1.id).await.unwrap();
    assert_eq!(
        preview.accounts.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![first.id, second.id]
    );
    assert_eq!(
        b.ledger
            .create_payout(&me(), &new(r1.id))
            .await
            .unwrap()
            .method,
        "digital"
    );
    let chosen = NewPayout {
        account_id: Some(second.id),
        ..new(r2.id)
    };
    let payout = b.ledger.create_payout(&me(), &chosen).await.unwrap();
    assert_eq!(payout.method, "bank");
    assert_eq!(payout.account, "Bank · Commerzbank · IBAN DE •••• 3000");
    let foreign = b
        .ledger
        .add_payment_account(
            &me(),
            customer(&b.ledger, "cy").await.id,
            &paypal("cy@example.com"),
        )
        .await
        .unwrap();
    let r3 = approved(&b.ledger, c.id, "7", "EUR").await;
    let err = b
        .ledger
        .create_payout(
            &me(),
            &NewPayout {
                account_id: Some(foreign.id),
                ..new(r3.id)
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.field(),
        Some("account_id"),
        "another customer's account is refused"
    );
}

#[tokio::test]
async fn refuses_requests_that_are_not_approved_and_writes_nothing() {
    let b = book().await;
    let c = customer(&b.ledger, "ada").await;
    b.ledger
        .add_payment_account(&me(), c.id, &paypal("ada@example.com"))
        .await
        .unwrap();
    let pending = request(&b.ledger, c.id, "3", "USD").await;
    let rejected = request(&b.ledger, c.id, "4", "USD").await;
    b.ledger
        .decide_request(&me(), rejected.id, Decision::Reject, "duplicate claim")
        .await
        .unwrap();
    let events = count(&b.ledger, "audit_events").await;
    for (id, says) in [(pending.id, "not approved"), (rejected.id, "rejected")] {
        let err = b.ledger.create_payout(&me(), &new(id)).await.unwrap_err();
        assert_eq!(err.kind(), "precondition", "{err:?}");
        assert!(err.to_string().contains(says), "{err}");
        assert!(b.ledger.payout_preview(id).await.is_err());
    }
    assert_eq!(count(&b.ledger, "payouts").await, 0);
    assert_eq!(count(&b.ledger, "audit_events").await, events);
    assert!(matches!(
        b.ledger.create_payout(&me(), &new(RequestId(999))).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn refuses_a_customer_without_a_payment_account() {
    let b = book().await;
    let c = customer(&b.ledger, "noacct").await;
    let r = approved(&b.ledger, c.id, "9.99", "USD").await;
    let err = b.ledger.create_payout(&me(), &new(r.id)).await.unwrap_err();
    assert_eq!(err.kind(), "precondition");
    assert!(err.to_string().contains("no payment account"), "{err}");
    assert_eq!(
        b.ledger.payout_preview(r.id).await.unwrap_err().kind(),
        "precondition"
    );
    assert_eq!(count(&b.ledger, "payouts").await, 0);
}

#[tokio::test]
async fn one_open_payout_per_request() {
    let b = book().await;
    let r = payable(&b.ledger, "ada").await;
    let first = b.ledger.create_payout(&me(), &new(r.id)).await.unwrap();
    let err = b.ledger.create_payout(&me(), &new(r.id)).await.unwrap_err();
    assert_eq!(err.kind(), "conflict");
    assert!(err.to_string().contains(&first.number), "{err}");
    assert_eq!(count(&b.ledger, "payouts").await, 1);
}

#[tokio::test]
async fn a_retried_create_with_the_same_key_returns_the_first_payout() {
    let b = book().await;
    let r = payable(&b.ledger, "ada").await;
    let input = NewPayout {
        idempotency_key: Some("dialog-7f3a".into()),
        ..new(r.id)
    };
    let first = b.ledger.create_payout(&me(), &input).await.unwrap();
    let again = b.ledger.create_payout(&me(), &input).await.unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(count(&b.ledger, "payouts").await, 1);
    assert_eq!(b.ledger.payout_history(first.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_snapshot_does_not_follow_later_account_changes() {
    let b = book().await;
    let r = payable(&b.ledger, "ada").await;
    let payout = b.ledger.create_payout(&me(), &new(r.id)).await.unwrap();
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", b.ledger.path().display()))
        .await
        .unwrap();
    sqlx::query("UPDATE payment_accounts SET handle = 'zed@example.org'")
        .execute(&raw)
        .await
        .unwrap();
    raw.close().await;
    assert_eq!(
        b.ledger.payout(payout.id).await.unwrap().account,
        "PayPal · a•••@example.com"
    );
}

#[tokio::test]
async fn creating_leaves_exactly_one_audit_event_with_the_new_values() {
    let b = book().await;
    let r = payable(&b.ledger, "ada").await;
    let input = NewPayout {
        description: "March cashback".into(),
        ..new(r.id)
    };
    let payout = b.ledger.create_payout(&me(), &input).await.unwrap();
    let history = b.ledger.payout_history(payout.id).await.unwrap();
    assert_eq!(history.len(), 1);
    let event = &history[0];
    assert_eq!(
        (
            event.action.as_str(),
            event.actor.as_str(),
            event.source.as_str()
        ),
        ("create", "Test Owner", "manual")
    );
    let field = |name: &str| {
        event
            .changes
            .iter()
            .find(|c| c.field == name)
            .map(|c| (c.old.clone(), c.new.clone()))
    };
    assert_eq!(
        field("amount"),
        Some((serde_json::Value::Null, "12.50 USD".into()))
    );
    assert_eq!(
        field("status"),
        Some((serde_json::Value::Null, "pending".into()))
    );
    assert_eq!(
        field("description"),
        Some((serde_json::Value::Null, "March cashback".into()))
    );
    assert!(
        !event
            .changes
            .iter()
            .any(|c| c.new.to_string().contains("ada@example.com")),
        "no full handle in the trail"
    );
}

#[tokio::test]
async fn bad_descriptions_are_refused_with_the_field() {
    let b = book().await;
    let r = payable(&b.ledger, "ada").await;
    for bad in ["x".repeat(1001), "bell\u{7}".into(), "\u{202E}evil".into()] {
        let err = b
            .ledger
            .create_payout(
                &me(),
                &NewPayout {
                    description: bad,
                    ..new(r.id)
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.field(), Some("description"));
    }
    assert_eq!(count(&b.ledger, "payouts").await, 0);
}

#[tokio::test]
async fn the_list_pages_newest_first_with_its_total() {
    let b = book().await;
    let c = customer(&b.ledger, "ada").await;
    b.ledger
        .add_payment_account(&me(), c.id, &paypal("ada@example.com"))
        .await
        .unwrap();
    for i in 0..7 {
        let r = approved(&b.ledger, c.id, &format!("{}.00", i + 1), "USD").await;
        let when = ledger::Origin::manual("Test Owner", at(10 + i));
        b.ledger.create_payout(&when, &new(r.id)).await.unwrap();
    }
    let empty = book().await;
    let none = empty.ledger.list_payouts(&query(1, 5)).await.unwrap();
    assert_eq!((none.page.items.len(), none.page.total), (0, 0));

    let first = b.ledger.list_payouts(&query(1, 5)).await.unwrap();
    assert_eq!(first.page.total, 7);
    assert_eq!(
        first
            .page
            .items
            .iter()
            .map(|p| p.amount.minor())
            .collect::<Vec<_>>(),
        vec![700, 600, 500, 400, 300]
    );
    let last = b.ledger.list_payouts(&query(2, 5)).await.unwrap();
    assert_eq!(
        last.page
            .items
            .iter()
            .map(|p| p.amount.minor())
            .collect::<Vec<_>>(),
        vec![200, 100]
    );
    let beyond = b.ledger.list_payouts(&query(3, 5)).await.unwrap();
    assert_eq!((beyond.page.items.len(), beyond.page.total), (0, 7));
    let one_page = b.ledger.list_payouts(&query(1, 50)).await.unwrap();
    assert_eq!(one_page.page.items.len(), 7);
    let oldest = b
        .ledger
        .list_payouts(&PayoutQuery {
            sort: PayoutSort::OldestFirst,
            ..query(1, 2)
        })
        .await
        .unwrap();
    assert_eq!(
        oldest
            .page
            .items
            .iter()
            .map(|p| p.amount.minor())
            .collect::<Vec<_>>(),
        vec![100, 200]
    );
    for bad in [query(0, 5), query(1, 0), query(1, 201)] {
        assert_eq!(
            b.ledger.list_payouts(&bad).await.unwrap_err().kind(),
            "validation"
        );
    }
}

/// "Pay all approved" makes, in one change, the payouts a user would make one by one: for each
/// approved request without an open payout (a Failed one does not count), to the customer's
/// default account, with the same audit event; requests of customers without an account are
/// listed and left; a second run finds nothing left to pay; the book still verifies.
#[tokio::test]
async fn pay_all_approved_pays_each_payable_request_once_as_one_by_one_would() {
    let b = book().await;
    let l = &b.ledger;
    let ada = customer(l, "ada").await;
    l.add_payment_account(&me(), ada.id, &paypal("ada@example.com"))
        .await
        .unwrap();
    let bob = customer(l, "bob").await;
    l.add_payment_account(&me(), bob.id, &paypal("bob@example.com"))
        .await
        .unwrap();
    let cleo = customer(l, "cleo").await;
    let ada_1 = approved(l, ada.id, "12.50", "USD").await;
    let ada_2 = approved(l, ada.id, "1000", "JPY").await;
    request(l, ada.id, "3.00", "USD").await; // pending
    let bob_paid = approved(l, bob.id, "4.00", "EUR").await;
    l.create_payout(&me(), &new(bob_paid.id)).await.unwrap();
    let bob_failed = approved(l, bob.id, "5.00", "EUR").await;
    let failed = l.create_payout(&me(), &new(bob_failed.id)).await.unwrap();
    l.change_payout_status(
        &me(),
        failed.id,
        &ledger::payouts::StatusChange {
            status: PayoutStatus::Failed,
            failure_reason: Some(ledger::FailureReason::RejectedByProvider),
            external_reference: String::new(),
            note: "closed".into(),
            payment: Default::default(),
        },
    )
    .await
    .unwrap();
    let cleo_1 = approved(l, cleo.id, "7.00", "USD").await;
    // One made alone, to compare its audit event with the others'.
    let alone = approved(l, ada.id, "2.00", "USD").await;
    let alone = l
        .create_payout(
            &me(),
            &NewPayout {
                description: "Spring cashback".into(),
                ..new(alone.id)
            },
        )
        .await
        .unwrap();

    let paid = l.pay_all_approved(&me(), "Spring cashback").await.unwrap();
    assert_eq!(paid.created, 3);
    assert_eq!(paid.without_account, 1);
    assert_eq!(paid.without_account_numbers, vec![cleo_1.number.clone()]);
    let (first, last) = (paid.first.unwrap(), paid.last.unwrap());
    assert_eq!(last.0 - first.0, 2);
    let made: Vec<_> = {
        let mut made = Vec::new();
        for id in first.0..=last.0 {
            made.push(l.payout(ledger::PayoutId(id)).await.unwrap());
        }
        made
    };
    assert_eq!(
        made.iter().map(|p| p.request_id).collect::<Vec<_>>(),
        vec![ada_1.id, ada_2.id, bob_failed.id]
    );
    for (payout, (amount, account)) in made.iter().zip([
        ("12.50 USD", "PayPal · a•••@example.com"),
        ("1000 JPY", "PayPal · a•••@example.com"),
        ("5.00 EUR", "PayPal · b•••@example.com"),
    ]) {
        assert_eq!(payout.amount.to_string(), amount);
        assert_eq!(payout.status, PayoutStatus::Pending);
        assert_eq!(payout.description, "Spring cashback");
        assert_eq!(payout.account, account);
    }
    // The same event as a payout made alone, field for field but for the values that differ.
    let fields = |history: Vec<ledger::AuditEvent>| {
        assert_eq!(history.len(), 1);
        history[0]
            .changes
            .iter()
            .map(|c| c.field.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        fields(l.payout_history(made[0].id).await.unwrap()),
        fields(l.payout_history(alone.id).await.unwrap())
    );
    let expected: Vec<_> = l.payout_history(alone.id).await.unwrap()[0]
        .changes
        .iter()
        .map(|c| {
            let mut c = c.clone();
            match c.field.as_str() {
                "request" => c.new = serde_json::json!(ada_1.number),
                "amount" => c.new = serde_json::json!("12.50 USD"),
                _ => {}
            }
            c
        })
        .collect();
    assert_eq!(
        l.payout_history(made[0].id).await.unwrap()[0].changes,
        expected
    );

    // Nothing is payable now but Cleo's request; her payouts need an account first.
    let page = ledger::PageRequest {
        page: 1,
        page_size: 20,
    };
    let payable = l
        .list_requests("", ledger::requests::RequestFilter::Payable, page)
        .await
        .unwrap();
    assert_eq!(
        payable.page.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![cleo_1.id]
    );
    let searched = l
        .list_requests("example", ledger::requests::RequestFilter::Payable, page)
        .await
        .unwrap();
    assert_eq!(searched.page.total, 1);
    let again = l.pay_all_approved(&me(), "").await.unwrap();
    assert_eq!((again.created, again.without_account), (0, 1));
    assert!(l.verify_book().await.unwrap().intact());
}

#[tokio::test]
async fn a_request_amount_is_corrected_only_before_its_first_payout() {
    let b = book().await;
    let l = &b.ledger;
    let ada = payable(l, "ada").await;
    let err = l
        .correct_request_amount(&me(), ada.id, "15.00", " ")
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("note"), "a reason is asked for");
    let err = l
        .correct_request_amount(&me(), ada.id, "15.005", "typo")
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("amount"), "{err}");
    let corrected = l
        .correct_request_amount(&me(), ada.id, "15.00", "The order was 150.00, not 125.00")
        .await
        .unwrap();
    assert_eq!(corrected.amount.to_string(), "15.00 USD");
    let event = &l.history(ledger::Record::Request(ada.id)).await.unwrap()[0];
    assert_eq!(
        (event.action.as_str(), event.note.as_str()),
        ("update", "The order was 150.00, not 125.00")
    );
    assert_eq!(
        (&event.changes[0].old, &event.changes[0].new),
        (
            &serde_json::json!("12.50 USD"),
            &serde_json::json!("15.00 USD")
        )
    );
    // The payout pays the corrected amount; from then on the amount stays.
    let payout = pay(l, ada.id).await;
    assert_eq!(payout.amount.to_string(), "15.00 USD");
    let err = l
        .correct_request_amount(&me(), ada.id, "20.00", "more")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("amount_fixed_by_payout"), "{err}");
    assert_eq!(
        l.request(ada.id).await.unwrap().amount.to_string(),
        "15.00 USD"
    );
    // A rejected request is not corrected either.
    let c = customer(l, "bob").await;
    let bobs = request(l, c.id, "5.00", "EUR").await;
    l.decide_request(&me(), bobs.id, Decision::Reject, "duplicate")
        .await
        .unwrap();
    let err = l
        .correct_request_amount(&me(), bobs.id, "6.00", "typo")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("request_rejected"), "{err}");
    assert!(l.verify_book().await.unwrap().intact());
}

#[tokio::test]
async fn the_currency_filter_offers_the_currencies_of_the_books_payouts() {
    let b = book().await;
    let l = &b.ledger;
    assert!(l.payout_currencies().await.unwrap().is_empty());
    pay(l, payable(l, "ada").await.id).await;
    let c = customer(l, "bob").await;
    l.add_payment_account(&me(), c.id, &paypal("bob@example.com"))
        .await
        .unwrap();
    pay(l, approved(l, c.id, "3.00", "EUR").await.id).await;
    // An approved request without a payout does not count.
    approved(l, c.id, "4.00", "JPY").await;
    let codes: Vec<_> = l
        .payout_currencies()
        .await
        .unwrap()
        .iter()
        .map(|c| c.code())
        .collect();
    assert_eq!(codes, ["EUR", "USD"]);
}
