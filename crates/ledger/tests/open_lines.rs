//! Nothing forgotten: decisions stored at import and made again when payouts change; the open
//! lines of every import as one pool; a line set aside with a note; a payout confirmed in one
//! import never offered again by another; the matching window compares instants.

mod common;

use common::*;
use ledger::payouts::{PayoutStatus, StatusChange};
use ledger::statements::{Confirmation, DateOrder, MatchState, ReviewQuery, StatementFormat};
use ledger::{Ledger, Origin, Refusal, Source};

const HEADER: &str = "\"Date\",\"Time\",\"TimeZone\",\"Name\",\"Type\",\"Status\",\"Currency\",\"Gross\",\"Fee\",\"Net\",\"From Email Address\",\"To Email Address\",\"Transaction ID\",\"Reference Txn ID\",\"Custom Number\"\n";

/// A US PayPal activity export of payouts, one row per `(date, time, zone, to, transaction,
/// custom number)`, each -12.50 USD.
fn paypal_file(rows: &[(&str, &str, &str, &str, &str, &str)]) -> Vec<u8> {
    let mut csv = String::from(HEADER);
    for (date, time, zone, to, txn, custom) in rows {
        csv.push_str(&format!(
            "\"{date}\",\"{time}\",\"{zone}\",\"{to}\",\"Mass Pay Payment\",\"Completed\",\"USD\",\"-12.50\",\"0.00\",\"-12.50\",\"owner@shop.example\",\"{to}\",\"{txn}\",\"\",\"{custom}\"\n"
        ));
    }
    csv.into_bytes()
}

fn import_origin() -> Origin {
    Origin {
        source: Source::Import,
        ..me()
    }
}

/// Imports a file whose dates are month first, as the owner answers when asked.
async fn import(l: &Ledger, name: &str, bytes: &[u8]) -> i64 {
    l.import_statement_dated(
        &import_origin(),
        name,
        bytes,
        &StatementFormat::PaypalCsv,
        Some(DateOrder::MonthFirst),
    )
    .await
    .unwrap()
    .import_id
    .expect("new lines")
}

/// A PayPal payout of 12.50 USD to `<name>@example.com`, sent (On Process); created at
/// 2026-01-05 09:01 UTC like every test write.
async fn sent_payout(l: &Ledger, name: &str) -> PayoutId {
    let payout = pay(l, payable(l, name).await.id).await;
    sent(l, payout.id).await;
    payout.id
}

async fn line_states(l: &Ledger, import: i64) -> Vec<(MatchState, Option<String>)> {
    l.statement_review(import, &ReviewQuery::all())
        .await
        .unwrap()
        .lines
        .iter()
        .map(|line| {
            (
                line.state,
                line.candidates.first().map(|p| p.number.clone()),
            )
        })
        .collect()
}

#[tokio::test]
async fn decisions_are_stored_at_import_and_made_again_when_payouts_change() {
    let b = book().await;
    let l = &b.ledger;
    let file = paypal_file(&[("1/5/2026", "", "", "ada@example.com", "TXADA1", "")]);
    let imported = import(l, "early.csv", &file).await;
    // The line came before its payout was recorded.
    assert_eq!(
        line_states(l, imported).await,
        [(MatchState::Unmatched, None)]
    );
    let stored: (Option<String>,) = sqlx::query_as("SELECT match_state FROM statement_lines")
        .fetch_one(&reader(l).await)
        .await
        .unwrap();
    assert_eq!(stored.0.as_deref(), Some("unmatched"), "decided at import");

    sent_payout(l, "ada").await;
    assert_eq!(
        line_states(l, imported).await,
        [(MatchState::Suggested, Some("PO-000001".into()))],
        "the new payout is found without importing again"
    );
}

#[tokio::test]
async fn the_matching_window_compares_instants() {
    let b = book().await;
    let l = &b.ledger;
    sent_payout(l, "ada").await;
    sent_payout(l, "bob").await;
    // The payouts were recorded 2026-01-05 09:01 UTC. Ada's line was paid the evening before
    // in California (05:30 UTC that morning): hers. Bob's line was paid 08:00 GMT the day
    // before, a day ahead of his payout: not his, though its date alone could be anywhere.
    let file = paypal_file(&[
        (
            "1/4/2026",
            "21:30:00",
            "PST",
            "ada@example.com",
            "TXADA2",
            "",
        ),
        (
            "1/4/2026",
            "08:00:00",
            "GMT",
            "bob@example.com",
            "TXBOB2",
            "",
        ),
    ]);
    let imported = import(l, "timed.csv", &file).await;
    assert_eq!(
        line_states(l, imported).await,
        [
            (MatchState::Suggested, Some("PO-000001".into())),
            (MatchState::Unmatched, None),
        ]
    );
    // Without the time columns the same day reads as widely as a date can.
    let undated = paypal_file(&[("1/4/2026", "", "", "bob@example.com", "TXBOB3", "")]);
    let imported = import(l, "untimed.csv", &undated).await;
    assert_eq!(
        line_states(l, imported).await,
        [(MatchState::Suggested, Some("PO-000002".into()))]
    );
}

#[tokio::test]
async fn a_dismissed_line_leaves_the_pool_cannot_be_confirmed_and_comes_back() {
    let b = book().await;
    let l = &b.ledger;
    let ada = sent_payout(l, "ada").await;
    let file = paypal_file(&[("1/5/2026", "", "", "ada@example.com", "TXADA4", "")]);
    let imported = import(l, "one.csv", &file).await;
    let line = l
        .statement_review(imported, &ReviewQuery::all())
        .await
        .unwrap()
        .lines[0]
        .id;

    let err = l
        .dismiss_statement_line(&me(), line, "  ")
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.field()), ("validation", Some("note")));
    l.dismiss_statement_line(&me(), line, "A refund to a buyer, not a cashback")
        .await
        .unwrap();
    let review = l
        .statement_review(imported, &ReviewQuery::all())
        .await
        .unwrap();
    assert_eq!(review.lines[0].state, MatchState::Dismissed);
    assert!(review.lines[0].evidence.contains("A refund to a buyer"));
    assert_eq!((review.counts.dismissed, review.counts.suggested), (1, 0));
    assert_eq!(
        l.open_lines_review(&ReviewQuery::all())
            .await
            .unwrap()
            .total,
        0
    );
    let outcome = l
        .confirm_statement_lines(
            &import_origin(),
            imported,
            &[Confirmation {
                line_id: line,
                payout_id: ada,
            }],
        )
        .await
        .unwrap();
    assert!(outcome.confirmed.is_empty());
    assert_eq!(outcome.skipped[0].refusal, Refusal::LineDismissed);
    let events: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, note FROM audit_events WHERE action = 'dismiss' ORDER BY seq",
    )
    .fetch_all(&reader(l).await)
    .await
    .unwrap();
    assert_eq!(events.len(), 1);

    l.restore_statement_line(&me(), line).await.unwrap();
    assert_eq!(
        line_states(l, imported).await,
        [(MatchState::Suggested, Some("PO-000001".into()))]
    );
    let outcome = l
        .confirm_open_lines(
            &import_origin(),
            &[Confirmation {
                line_id: line,
                payout_id: ada,
            }],
        )
        .await
        .unwrap();
    assert_eq!(outcome.confirmed, ["PO-000001"]);
    assert_eq!(l.payout(ada).await.unwrap().status, PayoutStatus::Success);
}

#[tokio::test]
async fn the_open_lines_of_every_import_are_one_pool() {
    let b = book().await;
    let l = &b.ledger;
    let (ada, bob) = (sent_payout(l, "ada").await, sent_payout(l, "bob").await);
    let monday = import(
        l,
        "monday.csv",
        &paypal_file(&[("1/5/2026", "", "", "ada@example.com", "TXMON", "PO-000001")]),
    )
    .await;
    let tuesday = import(
        l,
        "tuesday.csv",
        &paypal_file(&[("1/6/2026", "", "", "bob@example.com", "TXTUE", "PO-000002")]),
    )
    .await;
    let pool = l.open_lines_review(&ReviewQuery::all()).await.unwrap();
    assert_eq!(pool.import_id, None);
    let lines: Vec<_> = pool.lines.iter().map(|x| (x.import_id, x.state)).collect();
    assert_eq!(
        lines,
        [
            (monday, MatchState::Matched),
            (tuesday, MatchState::Matched)
        ]
    );
    let all: Vec<Confirmation> = pool
        .lines
        .iter()
        .map(|x| Confirmation {
            line_id: x.id,
            payout_id: x.candidates[0].id,
        })
        .collect();
    let outcome = l.confirm_open_lines(&import_origin(), &all).await.unwrap();
    assert_eq!(outcome.confirmed.len(), 2);
    for id in [ada, bob] {
        assert_eq!(l.payout(id).await.unwrap().status, PayoutStatus::Success);
    }
    assert_eq!(
        l.open_lines_review(&ReviewQuery::all())
            .await
            .unwrap()
            .total,
        0
    );
}

#[tokio::test]
async fn a_payout_confirmed_in_one_import_is_not_offered_again_by_another() {
    let b = book().await;
    let l = &b.ledger;
    let ada = sent_payout(l, "ada").await;
    let first = import(
        l,
        "first.csv",
        &paypal_file(&[("1/5/2026", "", "", "ada@example.com", "TXONE", "PO-000001")]),
    )
    .await;
    l.confirm_matched_lines(&import_origin(), first, &|_| true)
        .await
        .unwrap();
    assert_eq!(l.payout(ada).await.unwrap().status, PayoutStatus::Success);

    // A second payment of the same amount to the same address, and one that names the paid
    // payout: neither may settle it again.
    let second = import(
        l,
        "second.csv",
        &paypal_file(&[
            ("1/6/2026", "", "", "ada@example.com", "TXTWO", ""),
            (
                "1/6/2026",
                "",
                "",
                "ada@example.com",
                "TXTHREE",
                "PO-000001",
            ),
        ]),
    )
    .await;
    let review = l
        .statement_review(second, &ReviewQuery::all())
        .await
        .unwrap();
    assert_eq!(review.lines[0].state, MatchState::Unmatched);
    assert_eq!(review.lines[1].state, MatchState::Suggested);
    assert!(
        review.lines[1]
            .evidence
            .contains("another statement line was confirmed as its payment already"),
        "{}",
        review.lines[1].evidence
    );
}

#[tokio::test]
async fn payouts_another_import_accounts_for_are_not_without_a_line() {
    let b = book().await;
    let l = &b.ledger;
    sent_payout(l, "ada").await;
    sent_payout(l, "bob").await;
    // The first statement suggests Ada's payout; the second says nothing about either.
    import(
        l,
        "first.csv",
        &paypal_file(&[("1/5/2026", "", "", "ada@example.com", "TXA", "")]),
    )
    .await;
    let second = import(
        l,
        "second.csv",
        &paypal_file(&[("1/6/2026", "", "", "someone@else.example", "TXB", "")]),
    )
    .await;
    let payouts = l.payouts_without_line(second).await.unwrap();
    let without: Vec<_> = payouts.iter().map(|p| p.number.as_str()).collect();
    assert_eq!(without, ["PO-000002"]);
}

/// A payout changed by hand changes the stored decision of the line that names it.
#[tokio::test]
async fn a_changed_payout_changes_the_stored_decision() {
    let b = book().await;
    let l = &b.ledger;
    let ada = sent_payout(l, "ada").await;
    let file = paypal_file(&[("1/5/2026", "", "", "ada@example.com", "TXC", "PO-000001")]);
    let imported = import(l, "c.csv", &file).await;
    assert_eq!(line_states(l, imported).await[0].0, MatchState::Matched);
    // The payout is marked Failed by hand: a payment line no longer fits it.
    l.change_payout_status(
        &me(),
        ada,
        &StatusChange {
            status: PayoutStatus::Failed,
            failure_reason: Some(ledger::FailureReason::RejectedByProvider),
            external_reference: String::new(),
            note: "bounced".into(),
            payment: Default::default(),
        },
    )
    .await
    .unwrap();
    assert_eq!(line_states(l, imported).await[0].0, MatchState::Suggested);
}

async fn reader(l: &Ledger) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", l.path().display()))
        .await
        .unwrap()
}

/// One batch that names a payout twice, or a line twice, settles each once: every confirm is
/// checked against the book as the confirms before it in the batch left it.
#[tokio::test]
async fn a_batch_settles_each_payout_and_line_once() {
    let b = book().await;
    let l = &b.ledger;
    let ada = sent_payout(l, "ada").await;
    let file = paypal_file(&[
        ("1/5/2026", "", "", "ada@example.com", "TXD1", "PO-000001"),
        ("1/5/2026", "", "", "ada@example.com", "TXD2", "PO-000001"),
    ]);
    let imported = import(l, "twice.csv", &file).await;
    let review = l
        .statement_review(imported, &ReviewQuery::all())
        .await
        .unwrap();
    let pair = |k: usize| Confirmation {
        line_id: review.lines[k].id,
        payout_id: ada,
    };
    let outcome = l
        .confirm_statement_lines(&import_origin(), imported, &[pair(0), pair(0), pair(1)])
        .await
        .unwrap();
    assert_eq!(outcome.confirmed, ["PO-000001"]);
    let refusals: Vec<_> = outcome.skipped.iter().map(|s| s.refusal.clone()).collect();
    assert_eq!(
        refusals,
        [
            Refusal::LineConfirmedBefore,
            Refusal::AlreadyInStatus(PayoutStatus::Success)
        ]
    );
    let payout = l.payout(ada).await.unwrap();
    assert_eq!(payout.external_reference.as_deref(), Some("TXD1"));
    let history = l.payout_history(ada).await.unwrap();
    assert_eq!(
        history.iter().filter(|e| e.action == "status").count(),
        2,
        "sent, then paid once"
    );
}
