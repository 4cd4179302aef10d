//! Customers, payment accounts and incentive requests: the rules upstream of a payout.
mod common;

use common::*;
use ledger::accounts::{AccountInput, HandleKind, Provider};
use ledger::customers::CustomerInput;
use ledger::requests::{Decision, RequestFilter, RequestInput, RequestStatus};
use ledger::PageRequest;

fn person(username: &str, name: &str, email: &str) -> CustomerInput {
    CustomerInput {
        username: username.into(),
        display_name: name.into(),
        email: email.into(),
    }
}

#[tokio::test]
async fn usernames_are_unique_regardless_of_case_and_normal_form() {
    let b = book().await;
    b.ledger
        .add_customer(&me(), &person("Zoë", "Zoë A", ""))
        .await
        .unwrap();
    for dup in ["zoë", "ZOE\u{308}"] {
        let err = b
            .ledger
            .add_customer(&me(), &person(dup, "Other", ""))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "conflict", "{dup}");
    }
    assert_eq!(count(&b.ledger, "customers").await, 1);
}

#[tokio::test]
async fn bad_customer_input_names_the_field_and_writes_nothing() {
    let b = book().await;
    let cases = [
        (person("", "A", ""), "username"),
        (person("a b", "A", ""), "username"),
        (person(&"u".repeat(65), "A", ""), "username"),
        (person("ok", "  ", ""), "display_name"),
        (person("ok", &"n".repeat(201), ""), "display_name"),
        (person("ok", "A", "not-an-email"), "email"),
        (person("ok", "A\u{0}", ""), "display_name"),
    ];
    for (input, field) in cases {
        let err = b.ledger.add_customer(&me(), &input).await.unwrap_err();
        assert_eq!(err.field(), Some(field), "{input:?}");
    }
    assert_eq!(count(&b.ledger, "customers").await, 0);
    assert_eq!(count(&b.ledger, "audit_events").await, 0);
}

#[tokio::test]
async fn customers_are_searchable_and_count_their_accounts() {
    let b = book().await;
    let ada = customer(&b.ledger, "ada").await;
    customer(&b.ledger, "bob_1").await;
    customer(&b.ledger, "bobx1").await;
    b.ledger
        .add_payment_account(&me(), ada.id, &paypal("ada@example.com"))
        .await
        .unwrap();
    let page = PageRequest {
        page: 1,
        page_size: 10,
    };
    let all = b.ledger.list_customers("", page).await.unwrap();
    assert_eq!(all.total, 3);
    assert_eq!(all.items[0].account_count, 1);
    let literal = b.ledger.list_customers("b_1", page).await.unwrap();
    assert_eq!(
        literal
            .items
            .iter()
            .map(|c| c.username.as_str())
            .collect::<Vec<_>>(),
        vec!["bob_1"],
        "_ is literal"
    );
    assert_eq!(
        b.ledger.list_customers("%", page).await.unwrap().total,
        0,
        "% is literal"
    );
}

#[tokio::test]
async fn accounts_are_validated_and_listed_masked() {
    let b = book().await;
    let c = customer(&b.ledger, "ada").await;
    let bank = b
        .ledger
        .add_payment_account(
            &me(),
            c.id,
            &iban_account("Ada Lovelace", "de89 3704 0044 0532 0130 00"),
        )
        .await
        .unwrap();
    assert!(bank.is_default, "the first account is the default");
    let wallet = AccountInput::Digital {
        provider: Provider::Venmo,
        handle_kind: HandleKind::Phone,
        handle: "+1 415 555 0132".into(),
    };
    b.ledger
        .add_payment_account(&me(), c.id, &wallet)
        .await
        .unwrap();
    let listed = b.ledger.customer_accounts(c.id).await.unwrap();
    assert_eq!(listed.len(), 2);
    let text = serde_json::to_string(&listed).unwrap();
    assert!(
        !text.contains("0532013000") && !text.contains("4155550132"),
        "{text}"
    );
    assert!(
        text.contains("•••• 3000") && text.contains("•••• 0132"),
        "{text}"
    );

    let bad_iban = iban_account("Ada", "DE89370400440532013001");
    let err = b
        .ledger
        .add_payment_account(&me(), c.id, &bad_iban)
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("iban"));
    assert!(err.to_string().contains("check digits"));
    let us = AccountInput::Bank {
        holder_name: "Ada".into(),
        bank_name: String::new(),
        account_number: "000123456789".into(),
        iban: String::new(),
        routing_number: "021000022".into(),
        bic: String::new(),
        country: "US".into(),
    };
    assert_eq!(
        b.ledger
            .add_payment_account(&me(), c.id, &us)
            .await
            .unwrap_err()
            .field(),
        Some("routing_number")
    );
    let mismatch = AccountInput::Bank {
        holder_name: "Ada".into(),
        bank_name: String::new(),
        account_number: String::new(),
        iban: "DE89370400440532013000".into(),
        routing_number: String::new(),
        bic: String::new(),
        country: "FR".into(),
    };
    assert_eq!(
        b.ledger
            .add_payment_account(&me(), c.id, &mismatch)
            .await
            .unwrap_err()
            .field(),
        Some("iban")
    );
    let bad_email = AccountInput::Digital {
        provider: Provider::Paypal,
        handle_kind: HandleKind::Email,
        handle: "nope".into(),
    };
    assert_eq!(
        b.ledger
            .add_payment_account(&me(), c.id, &bad_email)
            .await
            .unwrap_err()
            .field(),
        Some("handle")
    );
    assert_eq!(
        b.ledger
            .add_payment_account(&me(), CustomerId(999), &paypal("a@b.co"))
            .await
            .unwrap_err()
            .kind(),
        "not_found"
    );
    assert_eq!(count(&b.ledger, "payment_accounts").await, 2);
}

#[tokio::test]
async fn request_amounts_are_money_in_the_currency() {
    let b = book().await;
    let c = customer(&b.ledger, "ada").await;
    let r = request(&b.ledger, c.id, "1200", "jpy").await;
    assert_eq!(
        (r.amount.minor(), r.amount.currency().code()),
        (1200, "JPY")
    );
    assert_eq!(
        request(&b.ledger, c.id, "1.234", "KWD")
            .await
            .amount
            .minor(),
        1234
    );
    let cases = [
        ("12.505", "USD", "amount"),
        ("1.5", "JPY", "amount"),
        ("0", "USD", "amount"),
        ("-5", "USD", "amount"),
        ("", "USD", "amount"),
        ("ten", "USD", "amount"),
        ("10", "ZZZ", "currency"),
        ("10", "XAU", "currency"),
    ];
    let before = count(&b.ledger, "incentive_requests").await;
    for (amount, currency, field) in cases {
        let input = RequestInput::new(c.id, amount, currency);
        let err = b.ledger.add_request(&me(), &input).await.unwrap_err();
        assert_eq!(err.field(), Some(field), "{amount} {currency}: {err}");
    }
    let nobody = RequestInput::new(CustomerId(999), "1", "USD");
    assert_eq!(
        b.ledger
            .add_request(&me(), &nobody)
            .await
            .unwrap_err()
            .field(),
        Some("customer_id")
    );
    assert_eq!(count(&b.ledger, "incentive_requests").await, before);
}

#[tokio::test]
async fn a_decision_is_made_once() {
    let b = book().await;
    let c = customer(&b.ledger, "ada").await;
    let r = request(&b.ledger, c.id, "10", "USD").await;
    assert_eq!(
        b.ledger
            .decide_request(&me(), r.id, Decision::Reject, "")
            .await
            .unwrap_err()
            .field(),
        Some("note")
    );
    let ok = b
        .ledger
        .decide_request(&me(), r.id, Decision::Approve, "")
        .await
        .unwrap();
    assert_eq!(ok.status, RequestStatus::Approved);
    for d in [Decision::Approve, Decision::Reject] {
        let err = b
            .ledger
            .decide_request(&me(), r.id, d, "again")
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "conflict");
    }
    let history = b.ledger.history(Record::Request(r.id)).await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|e| e.action.as_str())
            .collect::<Vec<_>>(),
        vec!["approve", "create"]
    );
    assert_eq!(history[0].changes[0].old, "pending");
    assert_eq!(history[0].changes[0].new, "approved");
}

#[tokio::test]
async fn payable_requests_are_approved_ones_without_an_open_payout() {
    let b = book().await;
    let paid = payable(&b.ledger, "ada").await;
    let c = customer(&b.ledger, "bo").await;
    let open = approved(&b.ledger, c.id, "3", "EUR").await;
    request(&b.ledger, c.id, "4", "EUR").await;
    b.ledger
        .create_payout(&me(), &ledger::payouts::NewPayout::for_request(paid.id))
        .await
        .unwrap();
    let page = PageRequest {
        page: 1,
        page_size: 20,
    };
    let payable = b
        .ledger
        .list_requests("", RequestFilter::Payable, page)
        .await
        .unwrap()
        .page;
    assert_eq!(
        payable.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![open.id]
    );
    assert_eq!(
        b.ledger
            .list_requests("", RequestFilter::All, page)
            .await
            .unwrap()
            .page
            .total,
        3
    );
    assert_eq!(
        b.ledger
            .list_requests(&open.number, RequestFilter::All, page)
            .await
            .unwrap()
            .page
            .items[0]
            .id,
        open.id
    );
    assert_eq!(
        b.ledger
            .list_requests("bo", RequestFilter::Pending, page)
            .await
            .unwrap()
            .page
            .total,
        1
    );
}

/// One request or reward is at most 999,999,999 in major units (with every decimal of the
/// currency): i64::MAX yen was once accepted and then broke every total in yen.
#[tokio::test]
async fn amounts_above_the_business_ceiling_are_refused_with_their_field() {
    let b = book().await;
    let l = &b.ledger;
    let c = customer(l, "ada").await;
    for (amount, currency) in [
        ("9223372036854775807", "JPY"),
        ("1000000000", "JPY"),
        ("1000000000.00", "EUR"),
        ("1000000000", "KWD"),
    ] {
        let err = l
            .add_request(&me(), &RequestInput::new(c.id, amount, currency))
            .await
            .unwrap_err();
        assert_eq!(err.field(), Some("amount"), "{amount} {currency}: {err}");
        assert!(err.to_string().contains("999,999,999"), "{err}");
    }
    for (amount, currency) in [
        ("999999999", "JPY"),
        ("999999999.99", "EUR"),
        ("999999999.999", "KWD"),
    ] {
        l.add_request(&me(), &RequestInput::new(c.id, amount, currency))
            .await
            .unwrap_or_else(|e| panic!("{amount} {currency}: {e}"));
    }
    let err = l
        .add_program(
            &me(),
            &ledger::programs::ProgramInput {
                name: "Loyalty".into(),
                default_reward: "1000000000".into(),
                currency: "USD".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("default_reward"), "{err}");
    // The ceiling in yen: a total of them all in one currency cannot overflow.
    let most = ledger::money::Money::most(ledger::money::Currency::from_code("JPY").unwrap());
    assert_eq!(most.minor(), 999_999_999);
}

/// The requests list's totals without a search are kept by triggers (migration 0017): through
/// every move of a request and its payouts they equal a count of the rows, and the pages in the
/// back half (read from the other end) hold the same requests as a plain walk.
#[tokio::test]
async fn request_totals_follow_every_change_and_far_pages_match() {
    let b = book().await;
    let l = &b.ledger;
    let c = customer(l, "ada").await;
    l.add_payment_account(&me(), c.id, &paypal("ada@example.com"))
        .await
        .unwrap();
    let all_filters = [
        RequestFilter::All,
        RequestFilter::Pending,
        RequestFilter::Approved,
        RequestFilter::Rejected,
        RequestFilter::Payable,
    ];
    let check = async || {
        let every = PageRequest {
            page: 1,
            page_size: PageRequest::MAX_SIZE,
        };
        for filter in all_filters {
            let listed = l.list_requests("", filter, every).await.unwrap().page;
            // A search that matches every request is counted row by row.
            let counted = l.list_requests("ada", filter, every).await.unwrap().page;
            assert_eq!(listed.total, counted.total, "{filter:?}");
            assert_eq!(listed.total, listed.items.len() as i64, "{filter:?}");
        }
    };
    let mut made = Vec::new();
    for i in 0..9 {
        made.push(request(l, c.id, &format!("{}.00", i + 1), "USD").await);
    }
    check().await;
    for r in &made[..6] {
        l.decide_request(&me(), r.id, Decision::Approve, "")
            .await
            .unwrap();
    }
    l.decide_request(&me(), made[6].id, Decision::Reject, "no")
        .await
        .unwrap();
    check().await;
    let paid = l
        .create_payout(&me(), &ledger::payouts::NewPayout::for_request(made[0].id))
        .await
        .unwrap();
    check().await;
    let failed = ledger::payouts::StatusChange {
        status: ledger::payouts::PayoutStatus::Failed,
        failure_reason: Some(ledger::FailureReason::RejectedByProvider),
        external_reference: String::new(),
        note: String::new(),
        payment: Default::default(),
    };
    l.change_payout_status(&me(), paid.id, &failed)
        .await
        .unwrap();
    check().await;

    // A request number is looked up directly, within the status filter.
    let page = PageRequest {
        page: 1,
        page_size: 20,
    };
    let by_number = |filter| l.list_requests(&made[6].number, filter, page);
    let rejected = by_number(RequestFilter::Rejected).await.unwrap().page;
    assert_eq!((rejected.total, rejected.items[0].id), (1, made[6].id));
    assert_eq!(
        by_number(RequestFilter::Approved).await.unwrap().page.total,
        0
    );

    // Pages of 2 over the 9 requests, newest first: the back half is read from the end.
    let mut walked = Vec::new();
    for page in 1..=5 {
        let shown = l
            .list_requests("", RequestFilter::All, PageRequest { page, page_size: 2 })
            .await
            .unwrap()
            .page;
        walked.extend(shown.items.iter().map(|r| r.id));
    }
    let mut newest_first: Vec<_> = made.iter().map(|r| r.id).collect();
    newest_first.reverse();
    assert_eq!(walked, newest_first);
}

/// The requests list searches word by word in an index kept at commit: by username, name
/// (accents aside, in any order), note and number, within the status filter; a rename finds
/// the customer's requests under the new name only; words too short to look up are said.
#[tokio::test]
async fn requests_are_found_by_customer_note_and_number_and_follow_a_rename() {
    let b = book().await;
    let l = &b.ledger;
    let add = async |username: &str, name: &str| {
        let input = ledger::customers::CustomerInput {
            username: username.into(),
            display_name: name.into(),
            email: format!("{username}@example.com"),
        };
        l.add_customer(&me(), &input).await.unwrap()
    };
    let renee = add("renee.d", "Renée Dubois").await;
    let karl = add("kmueller", "Karl Müller").await;
    let with_note = async |customer: CustomerId, note: &str| {
        let input = RequestInput {
            note: note.into(),
            ..RequestInput::new(customer, "5.00", "EUR")
        };
        l.add_request(&me(), &input).await.unwrap()
    };
    let first = with_note(renee.id, "Order 40017, damaged parcel").await;
    let second = with_note(renee.id, "").await;
    let third = with_note(karl.id, "Referral of renee.d").await;
    l.decide_request(&me(), second.id, Decision::Approve, "")
        .await
        .unwrap();
    let page = PageRequest {
        page: 1,
        page_size: 20,
    };
    let found = async |search: &str, filter: RequestFilter| {
        let list = l.list_requests(search, filter, page).await.unwrap();
        assert!(list.total_exact, "{search}");
        assert_eq!(list.page.total, list.page.items.len() as i64, "{search}");
        list.page.items.iter().map(|r| r.id).collect::<Vec<_>>()
    };
    // Newest first; the note of Karl's request names Renée's username.
    assert_eq!(
        found("renee", RequestFilter::All).await,
        vec![third.id, second.id, first.id]
    );
    assert_eq!(
        found("dubois RENÉE", RequestFilter::All).await,
        vec![second.id, first.id]
    );
    assert_eq!(found("mueller", RequestFilter::All).await, vec![third.id]);
    assert_eq!(found("Müller", RequestFilter::All).await, vec![third.id]);
    assert_eq!(
        found("parcel 40017", RequestFilter::All).await,
        vec![first.id]
    );
    assert_eq!(
        found("dubois", RequestFilter::Approved).await,
        vec![second.id]
    );
    assert_eq!(
        found("dubois", RequestFilter::Pending).await,
        vec![first.id]
    );
    assert_eq!(
        found(&third.number, RequestFilter::All).await,
        vec![third.id]
    );
    assert_eq!(found("nobody", RequestFilter::All).await, vec![]);

    let renamed = ledger::customers::CustomerInput {
        username: "renee.d".into(),
        display_name: "Renée Martin".into(),
        email: "renee.d@example.com".into(),
    };
    l.edit_customer(&me(), renee.id, &renamed).await.unwrap();
    assert_eq!(
        found("martin", RequestFilter::All).await,
        vec![second.id, first.id]
    );
    assert_eq!(found("dubois", RequestFilter::All).await, vec![]);

    // "Ka" is too short for the index: it is said, and the list is not narrowed by it.
    let short = l
        .list_requests("Ka", RequestFilter::All, page)
        .await
        .unwrap();
    assert_eq!(short.page.total, 3);
    assert!(short.search_hint.unwrap().contains("shorter than 3"));
    let both = l
        .list_requests("Ka müller", RequestFilter::All, page)
        .await
        .unwrap();
    assert_eq!(both.page.items.len(), 1);
}

/// The customer list pages by username (without regard to case) from the first page to the
/// last, the back half read from the other end, with and without a search.
#[tokio::test]
async fn customer_pages_hold_every_customer_once_in_username_order() {
    let b = book().await;
    let l = &b.ledger;
    let names = ["Gus", "ada", "frank", "Bob", "eve", "carl", "Dora"];
    for name in names {
        customer(l, name).await;
    }
    let walk = async |search: &str| {
        let mut seen = Vec::new();
        for page in 1..=5 {
            let shown = l
                .list_customers(search, PageRequest { page, page_size: 2 })
                .await
                .unwrap();
            seen.extend(shown.items.into_iter().map(|c| c.username));
        }
        seen
    };
    assert_eq!(
        walk("").await,
        vec!["ada", "Bob", "carl", "Dora", "eve", "frank", "Gus"]
    );
    // Every test customer's e-mail is at example.com; an "r" is in three usernames only.
    assert_eq!(walk("example").await.len(), 7);
    assert_eq!(walk("R").await, vec!["carl", "Dora", "frank"]);
}
