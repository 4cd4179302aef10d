//! The payout list: keyword search over every field, filters, totals and paging edges.

mod common;

use common::*;
use ledger::payouts::{
    Cursor, NewPayout, Payout, PayoutEdit, PayoutQuery, PayoutStatus, StatusChange, BROAD,
    COUNT_CAP,
};
use ledger::{Create, Ledger, Origin};

struct Fixture {
    book: Book,
    ada: Payout,
    bob: Payout,
    eur: Payout,
}

/// Three payouts: ada 12.50 USD "Spring cashback 50%_off", bob 7.25 USD "It's \"done\"" with
/// reference WISE-ABC123, chloé 30.00 EUR.
async fn fixture() -> Fixture {
    let book = book().await;
    let l = &book.ledger;
    let mut made = Vec::new();
    for (i, (username, amount, currency, description)) in [
        ("ada", "12.50", "USD", "Spring cashback 50%_off"),
        ("bob", "7.25", "USD", "It's \"done\""),
        ("chloé", "30.00", "EUR", "Winter bonus"),
    ]
    .into_iter()
    .enumerate()
    {
        let c = customer(l, username).await;
        l.add_payment_account(&me(), c.id, &paypal(&format!("p{i}@example.com")))
            .await
            .unwrap();
        let r = approved(l, c.id, amount, currency).await;
        let when = Origin::manual("Test Owner", at(60 * 24 * i as i64));
        let new = NewPayout {
            description: description.into(),
            ..NewPayout::for_request(r.id)
        };
        made.push(l.create_payout(&when, &new).await.unwrap());
    }
    let edit = PayoutEdit {
        description: made[1].description.clone(),
        external_reference: "WISE-ABC123".into(),
        note: String::new(),
    };
    l.edit_payout(&me(), made[1].id, &edit).await.unwrap();
    let [ada, bob, eur] = made.try_into().unwrap();
    Fixture {
        book,
        ada,
        bob,
        eur,
    }
}

async fn found(ledger: &Ledger, query: PayoutQuery) -> Vec<String> {
    let list = ledger.list_payouts(&query).await.unwrap();
    assert_eq!(list.page.total as usize, list.page.items.len(), "{query:?}");
    list.page.items.into_iter().map(|p| p.username).collect()
}

fn search(text: &str) -> PayoutQuery {
    PayoutQuery {
        search: text.into(),
        ..PayoutQuery::page(1, 50)
    }
}

#[tokio::test]
async fn search_matches_every_field_of_the_list() {
    let f = fixture().await;
    let l = &f.book.ledger;
    let cases = [
        (f.bob.number.clone(), vec!["bob"]),
        (f.eur.request_number.clone(), vec!["chloé"]),
        ("ada".to_owned(), vec!["ada"]),
        ("ADA".to_owned(), vec!["ada"]),
        ("bob Example".to_owned(), vec!["bob"]),
        ("chloe".to_owned(), vec!["chloé"]),
        ("12.50".to_owned(), vec!["ada"]),
        ("7.25 USD".to_owned(), vec!["bob"]),
        ("EUR".to_owned(), vec!["chloé"]),
        ("cashback".to_owned(), vec!["ada"]),
        ("WISE-ABC123".to_owned(), vec!["bob"]),
        ("abc1".to_owned(), vec!["bob"]),
        ("Example".to_owned(), vec!["chloé", "bob", "ada"]),
        ("nothing-like-this".to_owned(), vec![]),
    ];
    for (text, expected) in cases {
        assert_eq!(found(l, search(&text)).await, expected, "search {text:?}");
    }
}

#[tokio::test]
async fn percent_underscore_and_quotes_match_literally() {
    let f = fixture().await;
    let l = &f.book.ledger;
    assert_eq!(found(l, search("50%_off")).await, vec!["ada"]);
    assert_eq!(found(l, search("%_o")).await, vec!["ada"]);
    assert_eq!(found(l, search("%%%")).await, Vec::<String>::new());
    assert_eq!(found(l, search("___")).await, Vec::<String>::new());
    assert_eq!(found(l, search("It's")).await, vec!["bob"]);
    assert_eq!(found(l, search("\"done\"")).await, vec!["bob"]);
    // FTS5 operators are words like any other: no error, no operator meaning.
    assert_eq!(found(l, search("bob NOT ada")).await, Vec::<String>::new());
    assert_eq!(found(l, search("Spring AND")).await, Vec::<String>::new());
    assert_eq!(
        found(l, search("OR * ^")).await.len(),
        3,
        "too short to search"
    );
    assert_eq!(found(l, search("NEAR(ada)")).await, Vec::<String>::new());
}

#[tokio::test]
async fn short_words_are_not_searched_and_the_list_says_so() {
    let f = fixture().await;
    let list = f.book.ledger.list_payouts(&search("bo")).await.unwrap();
    assert_eq!(list.page.total, 3);
    assert!(list.search_hint.unwrap().contains("3 characters"));
    let list = f.book.ledger.list_payouts(&search("bob 7")).await.unwrap();
    assert_eq!(list.page.total, 1);
    assert!(list.search_hint.is_some());
    assert!(f
        .book
        .ledger
        .list_payouts(&search("bob"))
        .await
        .unwrap()
        .search_hint
        .is_none());
}

#[tokio::test]
async fn filters_combine_with_each_other_and_with_search() {
    let f = fixture().await;
    let l = &f.book.ledger;
    let to = |status| StatusChange {
        status,
        failure_reason: (status == PayoutStatus::Failed)
            .then_some(ledger::FailureReason::ReturnedByBank),
        external_reference: String::new(),
        note: String::new(),
        payment: Default::default(),
    };
    l.change_payout_status(&me(), f.ada.id, &to(PayoutStatus::Success))
        .await
        .unwrap();
    l.change_payout_status(&me(), f.eur.id, &to(PayoutStatus::OnProcess))
        .await
        .unwrap();
    let q = |statuses: &[PayoutStatus], currency: Option<&str>, text: &str| PayoutQuery {
        statuses: statuses.to_vec(),
        currency: currency.map(str::to_owned),
        ..search(text)
    };
    use PayoutStatus::*;
    assert_eq!(found(l, q(&[Success], None, "")).await, vec!["ada"]);
    assert_eq!(
        found(l, q(&[Success, Pending], None, "")).await,
        vec!["bob", "ada"]
    );
    assert_eq!(
        found(l, q(&[Success, OnProcess], Some("usd"), "")).await,
        vec!["ada"]
    );
    assert_eq!(found(l, q(&[], Some("EUR"), "")).await, vec!["chloé"]);
    assert_eq!(
        found(l, q(&[], Some("USD"), "Example")).await,
        vec!["bob", "ada"]
    );
    assert_eq!(
        found(l, q(&[Pending], Some("USD"), "Example")).await,
        vec!["bob"]
    );
    assert_eq!(found(l, q(&[Failed], None, "")).await, Vec::<String>::new());

    // Created on day 0 (ada), day 1 (bob) and day 2 (chloé), 09:00 UTC.
    let dated = |from: Option<&str>, before: Option<&str>, text: &str| PayoutQuery {
        created_from: from.map(str::to_owned),
        created_before: before.map(str::to_owned),
        ..search(text)
    };
    assert_eq!(
        found(l, dated(Some("2026-01-06T00:00:00Z"), None, "")).await,
        vec!["chloé", "bob"]
    );
    assert_eq!(
        found(
            l,
            dated(
                Some("2026-01-06T00:00:00+01:00"),
                Some("2026-01-07T09:00:00Z"),
                ""
            )
        )
        .await,
        vec!["bob"]
    );
    assert_eq!(
        found(l, dated(None, Some("2026-01-07T00:00:00Z"), "Example")).await,
        vec!["bob", "ada"]
    );
    assert!(found(l, dated(Some("2027-01-01T00:00:00Z"), None, ""))
        .await
        .is_empty());
    assert!(
        found(l, dated(Some("2027-01-01T00:00:00Z"), None, "Example"))
            .await
            .is_empty()
    );

    for (bad, field) in [
        (q(&[], Some("XYZ"), ""), "currency"),
        (dated(Some("yesterday"), None, ""), "created_from"),
        (
            dated(None, Some("2026-13-01T00:00:00Z"), ""),
            "created_before",
        ),
        (search(&"x".repeat(201)), "search"),
        (search("tab\tbed"), "search"),
    ] {
        let err = l.list_payouts(&bad).await.unwrap_err();
        assert_eq!(
            (err.kind(), err.field()),
            ("validation", Some(field)),
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn the_index_follows_edits_and_is_rebuilt_when_missing() {
    let f = fixture().await;
    let l = &f.book.ledger;
    let edit = PayoutEdit {
        description: "Autumn promo".into(),
        external_reference: String::new(),
        note: String::new(),
    };
    l.edit_payout(&me(), f.ada.id, &edit).await.unwrap();
    assert_eq!(found(l, search("cashback")).await, Vec::<String>::new());
    assert_eq!(found(l, search("autumn")).await, vec!["ada"]);
    let reference = StatusChange {
        status: PayoutStatus::Success,
        failure_reason: None,
        external_reference: "PP-998877".into(),
        note: String::new(),
        payment: Default::default(),
    };
    l.change_payout_status(&me(), f.eur.id, &reference)
        .await
        .unwrap();
    assert_eq!(found(l, search("998877")).await, vec!["chloé"]);

    // A book whose index is gone (or from an older version) is re-indexed when opened.
    let path = l.path().to_owned();
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("INSERT INTO payout_search (payout_search) VALUES ('delete-all')")
        .execute(&raw)
        .await
        .unwrap();
    sqlx::query("DELETE FROM settings WHERE key = 'payout_search_version'")
        .execute(&raw)
        .await
        .unwrap();
    raw.close().await;
    assert_eq!(found(l, search("autumn")).await, Vec::<String>::new());
    f.book.ledger.close().await;
    let reopened = Ledger::open(&path, Create::Never, at(0)).await.unwrap();
    assert_eq!(found(&reopened, search("autumn")).await, vec!["ada"]);
    assert_eq!(found(&reopened, search("998877")).await, vec!["chloé"]);
}

/// Every public function that changes an indexed field: the payout is found by the new text
/// and no longer by the old, without any writer indexing by hand (the write choke point does).
#[tokio::test]
async fn every_change_of_an_indexed_field_keeps_the_index() {
    let f = fixture().await;
    let l = &f.book.ledger;
    let customer = |username: &str, name: &str| ledger::customers::CustomerInput {
        username: username.into(),
        display_name: name.into(),
        email: String::new(),
    };
    // A customer's username and name, in every payout of theirs.
    l.edit_customer(
        &me(),
        f.ada.customer_id,
        &customer("adelaide", "Adelaide Byron"),
    )
    .await
    .unwrap();
    assert_eq!(found(l, search("adelaide")).await, vec!["adelaide"]);
    assert_eq!(found(l, search("byron")).await, vec!["adelaide"]);
    assert!(found(l, search("ada")).await.is_empty());
    // A payout's description and reference through an edit.
    let edit = PayoutEdit {
        description: "Summer bonus".into(),
        external_reference: "BANK-7788".into(),
        note: String::new(),
    };
    l.edit_payout(&me(), f.bob.id, &edit).await.unwrap();
    assert_eq!(found(l, search("summer")).await, vec!["bob"]);
    assert_eq!(found(l, search("BANK-7788")).await, vec!["bob"]);
    assert!(found(l, search("done")).await.is_empty());
    assert!(found(l, search("WISE-ABC123")).await.is_empty());
    // A reference through one status move, then through a bulk move.
    let with_reference = |status, reference: &str| StatusChange {
        status,
        failure_reason: (status == PayoutStatus::Failed)
            .then_some(ledger::FailureReason::ReturnedByBank),
        external_reference: reference.into(),
        note: String::new(),
        payment: Default::default(),
    };
    l.change_payout_status(
        &me(),
        f.bob.id,
        &with_reference(PayoutStatus::OnProcess, "WIRE-1"),
    )
    .await
    .unwrap();
    assert_eq!(found(l, search("WIRE-1")).await, vec!["bob"]);
    assert!(found(l, search("BANK-7788")).await.is_empty());
    let bulk = l
        .bulk_change_status(
            &me(),
            &[f.bob.id, f.eur.id],
            &with_reference(PayoutStatus::Success, "BATCH-5"),
        )
        .await
        .unwrap();
    assert_eq!(bulk.changed.len(), 2);
    assert_eq!(found(l, search("BATCH-5")).await, vec!["chloé", "bob"]);
    assert!(found(l, search("WIRE-1")).await.is_empty());
}

#[tokio::test]
async fn paging_edges_and_pages_read_from_the_far_end() {
    let b = book().await;
    let c = customer(&b.ledger, "ada").await;
    b.ledger
        .add_payment_account(&me(), c.id, &paypal("ada@example.com"))
        .await
        .unwrap();
    for i in 0..11 {
        let r = approved(&b.ledger, c.id, &format!("{}.00", i + 1), "USD").await;
        let when = Origin::manual("Test Owner", at(10 + i));
        let new = NewPayout::for_request(r.id);
        b.ledger.create_payout(&when, &new).await.unwrap();
    }
    let amounts = |q: PayoutQuery| {
        let l = &b.ledger;
        async move {
            let list = l.list_payouts(&q).await.unwrap();
            assert_eq!(list.page.total, 11);
            assert!(list.total_exact);
            list.page
                .items
                .iter()
                .map(|p| p.amount.minor() / 100)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        amounts(PayoutQuery::page(1, 5)).await,
        vec![11, 10, 9, 8, 7]
    );
    assert_eq!(amounts(PayoutQuery::page(2, 5)).await, vec![6, 5, 4, 3, 2]);
    assert_eq!(amounts(PayoutQuery::page(3, 5)).await, vec![1]);
    assert_eq!(amounts(PayoutQuery::page(4, 5)).await, Vec::<i64>::new());
    assert_eq!(amounts(PayoutQuery::page(2, 10)).await, vec![1]);
    assert_eq!(amounts(PayoutQuery::page(1, 20)).await.len(), 11);
    let oldest = |page| PayoutQuery {
        sort: ledger::payouts::PayoutSort::OldestFirst,
        ..PayoutQuery::page(page, 4)
    };
    assert_eq!(amounts(oldest(2)).await, vec![5, 6, 7, 8]);
    assert_eq!(amounts(oldest(3)).await, vec![9, 10, 11]);

    // The same pages by keyset, as the screen reads them: after the last row, before the
    // first one, and the end.
    let id_of = async |amount: i64| {
        let all = b
            .ledger
            .list_payouts(&PayoutQuery::page(1, 20))
            .await
            .unwrap();
        all.page
            .items
            .into_iter()
            .find(|p| p.amount.minor() == amount * 100)
            .unwrap()
            .id
    };
    let from = |cursor, query: PayoutQuery| PayoutQuery {
        cursor: Some(cursor),
        ..query
    };
    let newest = PayoutQuery::page(2, 5);
    assert_eq!(
        amounts(from(Cursor::After(id_of(7).await), newest.clone())).await,
        vec![6, 5, 4, 3, 2]
    );
    assert_eq!(
        amounts(from(Cursor::Before(id_of(1).await), newest.clone())).await,
        vec![6, 5, 4, 3, 2]
    );
    assert_eq!(
        amounts(from(Cursor::Before(id_of(9).await), newest.clone())).await,
        vec![11, 10]
    );
    assert_eq!(amounts(from(Cursor::End, newest.clone())).await, vec![1]);
    assert_eq!(
        amounts(from(Cursor::After(id_of(1).await), newest)).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        amounts(from(Cursor::After(id_of(8).await), oldest(3))).await,
        vec![9, 10, 11]
    );
    assert_eq!(amounts(from(Cursor::End, oldest(3))).await, vec![9, 10, 11]);
}

#[tokio::test]
async fn totals_past_the_cap_are_reported_as_at_least_and_broad_searches_walk_in_steps() {
    let f = fixture().await;
    let path = f.book.ledger.path().to_owned();
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    // Copies of bob's payout, Failed so the one-open-payout rule allows them, created a second
    // apart after every other payout (so ids still follow creation time).
    let copies = BROAD.max(COUNT_CAP) + 5;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO payouts (uuid, request_id, customer_id, amount_minor, currency, method,
                              account_id, account_snapshot, status, description, created_at, updated_at)
         SELECT randomblob(16), request_id, customer_id, amount_minor, currency, method, account_id,
                account_snapshot, 'failed', description,
                strftime('%Y-%m-%dT%H:%M:%f000Z', '2030-01-01', '+' || i || ' seconds'), updated_at
           FROM payouts, n WHERE id = ? ORDER BY i",
    )
    .bind(copies)
    .bind(f.bob.id)
    .execute(&raw)
    .await
    .unwrap();
    raw.close().await;
    let l = &f.book.ledger;
    let all = l.list_payouts(&PayoutQuery::page(1, 5)).await.unwrap();
    assert_eq!((all.page.total, all.total_exact), (copies + 3, true));
    let failed = PayoutQuery {
        statuses: vec![PayoutStatus::Failed],
        ..PayoutQuery::page(1, 5)
    };
    let failed = l.list_payouts(&failed).await.unwrap();
    assert_eq!((failed.page.total, failed.total_exact), (copies, true));
    let dated = PayoutQuery {
        created_from: Some("2000-01-01T00:00:00Z".into()),
        ..PayoutQuery::page(1, 5)
    };
    let dated = l.list_payouts(&dated).await.unwrap();
    assert_eq!((dated.page.total, dated.total_exact), (COUNT_CAP, false));
    assert_eq!(dated.page.items.len(), 5);

    // Index the copies (the index is rebuilt on open), then search broadly.
    let reindex = async |path: &std::path::Path| {
        let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        sqlx::query("DELETE FROM settings WHERE key = 'payout_search_version'")
            .execute(&raw)
            .await
            .unwrap();
        raw.close().await;
        Ledger::open(path, Create::Never, at(0)).await.unwrap()
    };
    f.book.ledger.close().await;
    let l = reindex(&path).await;
    let broad = l.list_payouts(&search("bob")).await.unwrap();
    assert_eq!((broad.page.total, broad.total_exact), (BROAD, false));
    assert!(broad.page.items.iter().all(|p| p.username == "bob"));
    assert_eq!(broad.page.items.len(), 50);
    let bob_failed = PayoutQuery {
        search: "bob".into(),
        statuses: vec![PayoutStatus::Failed],
        ..PayoutQuery::page(3, 5)
    };
    let broad_failed = l.list_payouts(&bob_failed).await.unwrap();
    // Not counted: the page says there is more after row 15.
    assert_eq!(broad_failed.page.items.len(), 5);
    assert_eq!(
        (broad_failed.page.total, broad_failed.total_exact),
        (16, false)
    );
    // The same page reached by keyset from page 2.
    let second = l
        .list_payouts(&PayoutQuery {
            page: ledger::PageRequest {
                page: 2,
                page_size: 5,
            },
            ..bob_failed.clone()
        })
        .await
        .unwrap();
    let third = l
        .list_payouts(&PayoutQuery {
            cursor: Some(Cursor::After(second.page.items[4].id)),
            ..bob_failed.clone()
        })
        .await
        .unwrap();
    let ids = |list: &ledger::payouts::PayoutList| {
        list.page.items.iter().map(|p| p.id).collect::<Vec<_>>()
    };
    assert_eq!(ids(&third), ids(&broad_failed));

    // A date range on a broad search is a range of the index: bob's own payout and the first
    // two copies, counted exactly.
    let early = l
        .list_payouts(&PayoutQuery {
            created_before: Some("2030-01-01T00:00:03Z".into()),
            ..search("bob")
        })
        .await
        .unwrap();
    assert_eq!((early.page.total, early.total_exact), (3, true));
    assert_eq!(ids(&early)[2], f.bob.id);
    assert!(early.page.items[0]
        .created_at
        .starts_with("2030-01-01T00:00:02"));

    // bob's one Pending payout is the oldest of his matches: each request walks WALK of them,
    // stops and says where, and the last one finds it.
    let pending = PayoutQuery {
        search: "bob".into(),
        statuses: vec![PayoutStatus::Pending],
        ..PayoutQuery::page(1, 5)
    };
    let first = l.list_payouts(&pending).await.unwrap();
    assert!(first.page.items.is_empty());
    assert_eq!((first.page.total, first.total_exact), (1, false));
    let mut rest = first;
    let mut asked = 1;
    while let Some(edge) = rest.searched_to {
        rest = l
            .list_payouts(&PayoutQuery {
                cursor: Some(Cursor::After(edge)),
                ..pending.clone()
            })
            .await
            .unwrap();
        asked += 1;
    }
    let walk = ledger::payouts::WALK;
    assert_eq!(asked, (copies + 1 + walk - 1) / walk);
    assert_eq!(ids(&rest), vec![f.bob.id]);
    assert_eq!((rest.page.total, rest.total_exact), (1, true));
    let path = l.path().to_owned();
    l.close().await;

    // The clock went back: one more payout created before the copies. The book says so, and
    // lists by creation time on the slower path, where nothing stops short.
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO payouts (uuid, request_id, customer_id, amount_minor, currency, method,
                              account_id, account_snapshot, status, description, created_at, updated_at)
         SELECT randomblob(16), request_id, customer_id, amount_minor, currency, method, account_id,
                account_snapshot, 'failed', description, '2029-12-31T00:00:00.000000Z', updated_at
           FROM payouts WHERE id = ?",
    )
    .bind(f.bob.id)
    .execute(&raw)
    .await
    .unwrap();
    let out_of_order: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM settings WHERE key = 'payouts_out_of_time_order')",
    )
    .fetch_one(&raw)
    .await
    .unwrap();
    assert!(out_of_order);
    raw.close().await;
    let l = reindex(&path).await;
    let found = l.list_payouts(&pending).await.unwrap();
    assert_eq!(ids(&found), vec![f.bob.id]);
    assert_eq!(found.searched_to, None);
    // In creation time, the late payout comes right after the first three, whichever way
    // the page is reached.
    let oldest = |cursor| PayoutQuery {
        sort: ledger::payouts::PayoutSort::OldestFirst,
        cursor,
        ..PayoutQuery::page(1, 4)
    };
    let numbered = l.list_payouts(&oldest(None)).await.unwrap();
    assert_eq!(
        numbered.page.items[3].created_at,
        "2029-12-31T00:00:00.000000Z"
    );
    let after_third = l
        .list_payouts(&oldest(Some(Cursor::After(numbered.page.items[2].id))))
        .await
        .unwrap();
    assert_eq!(after_third.page.items[0].id, numbered.page.items[3].id);
    l.close().await;
}
