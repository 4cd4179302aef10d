//! Customers, payment accounts, programs and sample data: edits, archive rules, defaults,
//! masking and the audit events they leave.

mod common;

use common::*;
use ledger::customers::CustomerInput;
use ledger::payouts::{PayoutQuery, PayoutStatus};
use ledger::programs::ProgramInput;
use ledger::requests::{RequestFilter, RequestInput, RequestStatus};
use ledger::PageRequest;

fn named(username: &str, name: &str) -> CustomerInput {
    CustomerInput {
        username: username.into(),
        display_name: name.into(),
        email: String::new(),
    }
}

#[tokio::test]
async fn a_customer_is_edited_usernames_stay_unique_and_payout_search_follows() {
    let b = book().await;
    let l = &b.ledger;
    let request = payable(l, "ada").await;
    let bob = customer(l, "bob").await;
    let payout = pay(l, request.id).await;
    let err = l
        .edit_customer(&me(), bob.id, &named("ADA", "Bob"))
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.field()), ("validation", Some("username")));
    let events = count(l, "audit_events").await;
    let edited = l
        .edit_customer(&me(), request.customer_id, &named("ada.l", "Ada Lovelace"))
        .await
        .unwrap();
    assert_eq!((edited.username.as_str(), edited.email), ("ada.l", None));
    assert_eq!(count(l, "audit_events").await, events + 1);
    let last = &l.history(Record::Customer(edited.id)).await.unwrap()[0];
    let fields: Vec<_> = last.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["username", "display_name", "email"]);
    // Same values again: nothing written.
    l.edit_customer(&me(), edited.id, &named("ada.l", "Ada Lovelace"))
        .await
        .unwrap();
    assert_eq!(count(l, "audit_events").await, events + 1);

    let search = |text: &str| PayoutQuery {
        search: text.into(),
        ..PayoutQuery::page(1, 10)
    };
    let found = l.list_payouts(&search("Lovelace")).await.unwrap();
    assert_eq!(found.page.items[0].id, payout.id);
    assert_eq!(found.page.items[0].username, "ada.l");
    assert_eq!(
        l.list_payouts(&search("ada Example"))
            .await
            .unwrap()
            .page
            .total,
        0
    );
}

#[tokio::test]
async fn accounts_are_edited_archived_and_defaulted_and_payouts_keep_their_snapshot() {
    let b = book().await;
    let l = &b.ledger;
    let c = customer(l, "ada").await;
    let first = l
        .add_payment_account(&me(), c.id, &paypal("ada@example.com"))
        .await
        .unwrap();
    let second = l
        .add_payment_account(
            &me(),
            c.id,
            &iban_account("Ada Lovelace", "DE89 3704 0044 0532 0130 00"),
        )
        .await
        .unwrap();
    assert!(first.is_default && !second.is_default);
    let r = approved(l, c.id, "5.00", "EUR").await;
    let payout = pay(l, r.id).await;
    assert_eq!(payout.account, "PayPal · a•••@example.com");

    let edited = l
        .edit_payment_account(&me(), first.id, &paypal("lovelace@example.com"))
        .await
        .unwrap();
    assert_eq!(edited.masked, "PayPal · l•••@example.com");
    assert_eq!(
        l.payout(payout.id).await.unwrap().account,
        "PayPal · a•••@example.com",
        "the payout keeps its snapshot"
    );
    let bad = l
        .edit_payment_account(
            &me(),
            second.id,
            &iban_account("Ada", "DE00 3704 0044 0532 0130 00"),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("iban"));

    let now_default = l.set_default_account(&me(), second.id).await.unwrap();
    assert!(now_default.is_default);
    let accounts = l.customer_accounts(c.id).await.unwrap();
    assert_eq!(accounts[0].id, second.id);
    assert!(!accounts[1].is_default);

    // Archiving the default hands the default to the other active account.
    let archived = l.archive_payment_account(&me(), second.id).await.unwrap();
    assert!(archived.archived && !archived.is_default);
    let active = l.customer_accounts(c.id).await.unwrap();
    assert_eq!(active.len(), 1);
    assert!(active[0].is_default && active[0].id == first.id);
    let history = l.history(Record::PaymentAccount(second.id)).await.unwrap();
    assert_eq!(history[0].action, "archive");
    assert_eq!(history[0].changes[1].field, "default_account");

    for refused in [
        l.archive_payment_account(&me(), second.id)
            .await
            .unwrap_err(),
        l.set_default_account(&me(), second.id).await.unwrap_err(),
        l.edit_payment_account(&me(), second.id, &paypal("x@example.com"))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(refused.kind(), "precondition", "{refused}");
    }
    let all = l.all_customer_accounts(c.id).await.unwrap();
    assert_eq!(all.len(), 2, "archived accounts are kept");
    assert!(all[1].archived);
}

#[tokio::test]
async fn no_list_carries_a_full_number_and_a_reveal_is_audited() {
    let b = book().await;
    let l = &b.ledger;
    let c = customer(l, "ada").await;
    let account = l
        .add_payment_account(
            &me(),
            c.id,
            &iban_account("Ada Lovelace", "DE89 3704 0044 0532 0130 00"),
        )
        .await
        .unwrap();
    let overview = l.customer_overview(c.id).await.unwrap();
    let everything = [
        serde_json::to_string(&account).unwrap(),
        serde_json::to_string(&overview).unwrap(),
        serde_json::to_string(&l.customer_accounts(c.id).await.unwrap()).unwrap(),
        serde_json::to_string(&l.history(Record::PaymentAccount(account.id)).await.unwrap())
            .unwrap(),
    ];
    for text in everything {
        assert!(!text.contains("0532013000"), "{text}");
        assert!(!text.contains("DE89"), "{text}");
    }
    let events = count(l, "audit_events").await;
    let fields = l.reveal_payment_account(&me(), account.id).await.unwrap();
    assert!(fields.iter().any(|f| f.value == "DE89370400440532013000"));
    assert_eq!(count(l, "audit_events").await, events + 1);
    assert_eq!(
        l.history(Record::PaymentAccount(account.id)).await.unwrap()[0].action,
        "reveal"
    );
}

#[tokio::test]
async fn programs_have_unique_names_an_optional_reward_and_are_archived_not_deleted() {
    let b = book().await;
    let l = &b.ledger;
    let program = |name: &str, reward: &str, currency: &str| ProgramInput {
        name: name.into(),
        default_reward: reward.into(),
        currency: currency.into(),
    };
    let referral = l
        .add_program(&me(), &program("Referral bonus", "10", "usd"))
        .await
        .unwrap();
    assert_eq!(referral.default_reward.unwrap().to_string(), "10.00 USD");
    let plain = l
        .add_program(&me(), &program("Spring", "", ""))
        .await
        .unwrap();
    assert!(plain.default_reward.is_none());
    for (bad, field) in [
        (program("referral BONUS", "", ""), "name"),
        (program("", "", ""), "name"),
        (program("X", "0", "USD"), "default_reward"),
        (program("X", "1.234", "USD"), "default_reward"),
        (program("X", "5", "ZZZ"), "currency"),
    ] {
        let err = l.add_program(&me(), &bad).await.unwrap_err();
        assert_eq!(err.field(), Some(field), "{bad:?}");
    }
    let edited = l
        .edit_program(&me(), plain.id, &program("Spring cashback", "2.5", "EUR"))
        .await
        .unwrap();
    assert_eq!(edited.name, "Spring cashback");
    let c = customer(l, "ada").await;
    let input = RequestInput {
        customer_id: c.id,
        program_id: Some(referral.id),
        amount: "10".into(),
        currency: "USD".into(),
        note: String::new(),
    };
    let r = l.add_request(&me(), &input).await.unwrap();
    assert_eq!(r.program.as_deref(), Some("Referral bonus"));
    l.archive_program(&me(), referral.id).await.unwrap();
    assert_eq!(l.list_programs(false).await.unwrap().len(), 1);
    let all = l.list_programs(true).await.unwrap();
    assert_eq!(
        (all.len(), all[1].archived, all[1].request_count),
        (2, true, 1)
    );
    let err = l.add_request(&me(), &input).await.unwrap_err();
    assert_eq!(err.field(), Some("program_id"));
    assert_eq!(
        l.request(r.id).await.unwrap().program.as_deref(),
        Some("Referral bonus")
    );
    let actions: Vec<_> = l
        .history(Record::Program(referral.id))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["archive", "create"]);
}

#[tokio::test]
async fn sample_data_fills_an_empty_book_with_every_status_once() {
    let b = book().await;
    let l = &b.ledger;
    let summary = l.load_sample_data(&me()).await.unwrap();
    assert!(
        summary.customers >= 30 && summary.payouts >= 30,
        "{summary:?}"
    );
    for status in PayoutStatus::ALL {
        let q = PayoutQuery {
            statuses: vec![status],
            ..PayoutQuery::page(1, 5)
        };
        assert!(
            l.list_payouts(&q).await.unwrap().page.total > 0,
            "{status:?}"
        );
    }
    let page = PageRequest {
        page: 1,
        page_size: 200,
    };
    let requests = l
        .list_requests("", RequestFilter::All, page)
        .await
        .unwrap()
        .page;
    for status in [
        RequestStatus::Pending,
        RequestStatus::Approved,
        RequestStatus::Rejected,
        RequestStatus::Voided,
    ] {
        assert!(
            requests.items.iter().any(|r| r.status == status),
            "{status:?}"
        );
    }
    let payable = l
        .list_requests("", RequestFilter::Payable, page)
        .await
        .unwrap()
        .page;
    assert!(
        payable.total > 0,
        "some approved requests wait for a payout"
    );
    let currencies: std::collections::BTreeSet<_> = requests
        .items
        .iter()
        .map(|r| r.amount.currency().code())
        .collect();
    assert!(currencies.len() >= 8, "{currencies:?}");
    assert_eq!(l.verify_audit_chain().await.unwrap().first_bad_seq, None);
    let again = l.load_sample_data(&me()).await.unwrap_err();
    assert_eq!(again.kind(), "precondition");
}

/// The customer page's totals count every request and payout of the customer, per currency:
/// what is approved and waiting, Pending, On Process and paid; a failed payout's request is
/// waiting again, a pending request and another customer's money count nowhere.
#[tokio::test]
async fn a_customers_totals_say_what_is_owed_on_its_way_and_paid_per_currency() {
    let b = book().await;
    let l = &b.ledger;
    let ada = customer(l, "ada").await;
    l.add_payment_account(&me(), ada.id, &paypal("ada@example.com"))
        .await
        .unwrap();
    let pending = pay(l, approved(l, ada.id, "12.50", "USD").await.id).await;
    let sent_one = pay(l, approved(l, ada.id, "7.00", "USD").await.id).await;
    sent(l, sent_one.id).await;
    let paid = pay(l, approved(l, ada.id, "5.00", "EUR").await.id).await;
    moved_to(l, paid.id, PayoutStatus::Success).await;
    approved(l, ada.id, "3.00", "EUR").await;
    let failed = pay(l, approved(l, ada.id, "2.00", "USD").await.id).await;
    moved_to(l, failed.id, PayoutStatus::Failed).await;
    request(l, ada.id, "1.00", "USD").await;
    let bob = payable(l, "bob").await;
    pay(l, bob.id).await;
    assert_eq!(pending.status, PayoutStatus::Pending);

    let totals = l.customer_overview(ada.id).await.unwrap().totals;
    let said: Vec<_> = totals
        .iter()
        .map(|t| {
            (
                t.currency.as_str(),
                t.approved_unpaid.to_string(),
                t.pending.to_string(),
                t.on_process.to_string(),
                t.paid.to_string(),
            )
        })
        .collect();
    assert_eq!(
        said,
        [
            (
                "EUR",
                "3.00 EUR".into(),
                "0.00 EUR".into(),
                "0.00 EUR".into(),
                "5.00 EUR".into()
            ),
            (
                "USD",
                "2.00 USD".into(),
                "12.50 USD".into(),
                "7.00 USD".into(),
                "0.00 USD".into()
            ),
        ]
    );
}

/// A pending request's program and note can be edited, audited old → new (the book still
/// verifies: the history replays to the row); a decided request cannot, an archived program is
/// refused next to its field, and an edit that changes nothing records nothing.
#[tokio::test]
async fn a_pending_requests_program_and_note_are_edited_until_it_is_decided() {
    use ledger::requests::RequestEdit;
    let b = book().await;
    let l = &b.ledger;
    let ada = customer(l, "ada").await;
    let input = RequestInput {
        note: "Order 1001".into(),
        ..RequestInput::new(ada.id, "5.00", "EUR")
    };
    let r = l.add_request(&me(), &input).await.unwrap();
    let spring = l
        .add_program(
            &me(),
            &ProgramInput {
                name: "Spring cashback".into(),
                default_reward: String::new(),
                currency: String::new(),
            },
        )
        .await
        .unwrap();
    let edit = RequestEdit {
        program_id: Some(spring.id),
        note: "Order 1001, returned item kept".into(),
    };
    let edited = l.edit_request(&me(), r.id, &edit).await.unwrap();
    assert_eq!(edited.program.as_deref(), Some("Spring cashback"));
    assert_eq!(edited.note, "Order 1001, returned item kept");
    let history = l.history(Record::Request(r.id)).await.unwrap();
    assert_eq!(history[0].action, "update");
    let fields: Vec<&str> = history[0]
        .changes
        .iter()
        .map(|c| c.field.as_str())
        .collect();
    assert_eq!(fields, ["program", "note"]);
    // The same again: nothing to record.
    let events = count(l, "audit_events").await;
    l.edit_request(&me(), r.id, &edit).await.unwrap();
    assert_eq!(count(l, "audit_events").await, events);
    assert!(
        l.verify_book().await.unwrap().intact(),
        "history replays to the row"
    );

    let other = l
        .add_program(
            &me(),
            &ProgramInput {
                name: "Old promotion".into(),
                default_reward: String::new(),
                currency: String::new(),
            },
        )
        .await
        .unwrap();
    l.archive_program(&me(), other.id).await.unwrap();
    let archived = RequestEdit {
        program_id: Some(other.id),
        ..edit.clone()
    };
    let err = l.edit_request(&me(), r.id, &archived).await.unwrap_err();
    assert_eq!(err.field(), Some("program_id"), "{err}");

    l.decide_request(&me(), r.id, ledger::requests::Decision::Approve, "")
        .await
        .unwrap();
    let err = l
        .edit_request(&me(), r.id, &RequestEdit::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("decision_final"), "{err}");
}
