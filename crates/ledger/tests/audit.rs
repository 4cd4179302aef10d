//! The audit trail: one event per change, append-only, gapless, and a chain that detects edits.
mod common;

use common::*;
use ledger::{ChainReport, Entity};

async fn raw(ledger: &ledger::Ledger) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite://{}", ledger.path().display()))
        .await
        .unwrap()
}

#[tokio::test]
async fn every_change_leaves_one_event_in_a_gapless_chain() {
    let b = book().await;
    let r = payable(&b.ledger, "ada").await; // customer, account, request, approval
    assert_eq!(count(&b.ledger, "audit_events").await, 4);
    let history = b.ledger.history(Record::Request(r.id)).await.unwrap();
    assert_eq!(history.len(), 2);
    let report = b.ledger.verify_audit_chain().await.unwrap();
    assert_eq!((report.events, report.first_bad_seq), (4, None));
    assert!(report.intact());
}

#[tokio::test]
async fn events_cannot_be_changed_or_removed_through_sql() {
    let b = book().await;
    customer(&b.ledger, "ada").await;
    let pool = raw(&b.ledger).await;
    for sql in [
        "UPDATE audit_events SET actor = 'someone else'",
        "DELETE FROM audit_events",
        "INSERT OR REPLACE INTO audit_events SELECT * FROM audit_events",
        "INSERT INTO audit_events (seq, uuid, at, actor, source, action, entity, changes, prev_hash, hash)
         VALUES (5, randomblob(16), 'x', 'x', 'manual', 'x', 'book', '[]', printf('%064d', 0), printf('%064d', 0))",
    ] {
        let err = sqlx::query(sql).execute(&pool).await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains("append-only") || text.contains("without gaps"), "{sql}: {text}");
    }
    pool.close().await;
    assert_eq!(count(&b.ledger, "audit_events").await, 1);
}

#[tokio::test]
async fn an_edit_behind_the_apps_back_is_found_at_the_first_bad_event() {
    let b = book().await;
    for name in ["ada", "bo", "cy"] {
        customer(&b.ledger, name).await;
    }
    let pool = raw(&b.ledger).await;
    sqlx::query("DROP TRIGGER audit_events_no_update")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let report: ChainReport = b.ledger.verify_audit_chain().await.unwrap();
    assert_eq!((report.events, report.first_bad_seq), (1, Some(2)));
    assert!(!report.intact());
}

mod log {
    use super::*;
    use chrono::{TimeZone, Utc};
    use ledger::audit_log::AuditQuery;
    use ledger::payouts::{PayoutStatus, StatusChange};
    use ledger::{Origin, PageRequest, Source};

    fn query(search: &str, page: i64, page_size: i64) -> AuditQuery {
        AuditQuery {
            search: search.into(),
            entity: None,
            source: None,
            from: String::new(),
            to: String::new(),
            page: PageRequest { page, page_size },
        }
    }

    #[tokio::test]
    async fn the_log_pages_newest_first_and_narrows_to_a_record_a_kind_a_source_a_day_or_words() {
        let b = book().await;
        let l = &b.ledger;
        let r = payable(l, "ada").await; // events 1-4
        let p = pay(l, r.id).await; // 5
        let later = Origin {
            source: Source::Bulk,
            ..Origin::manual("Clerk", Utc.with_ymd_and_hms(2026, 2, 1, 8, 0, 0).unwrap())
        };
        let sent = StatusChange {
            status: PayoutStatus::OnProcess,
            failure_reason: None,
            external_reference: String::new(),
            note: "Sent with 100% of the batch_1".into(),
            payment: Default::default(),
        };
        l.change_payout_status(&later, p.id, &sent).await.unwrap(); // 6
        payable(l, "bob").await; // 7-10

        let first = l.audit_log(&query("", 1, 4)).await.unwrap();
        assert_eq!((first.total, first.total_exact), (10, true));
        let seqs: Vec<i64> = first.items.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [10, 9, 8, 7]);
        let last = l.audit_log(&query("", 3, 4)).await.unwrap();
        assert_eq!(last.items.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 1]);
        assert!(l
            .audit_log(&query("", 4, 4))
            .await
            .unwrap()
            .items
            .is_empty());

        let payout = l.audit_log(&query("po-1", 1, 50)).await.unwrap();
        assert_eq!(payout.total, 2, "created and moved");
        assert!(payout.items.iter().all(|e| e.entity == "payout"));
        let customers = l
            .audit_log(&AuditQuery {
                entity: Some(Entity::Customer),
                ..query("", 1, 50)
            })
            .await
            .unwrap();
        assert_eq!(customers.total, 2);
        let bulk = l
            .audit_log(&AuditQuery {
                source: Some(Source::Bulk),
                ..query("", 1, 50)
            })
            .await
            .unwrap();
        assert_eq!(bulk.items.iter().map(|e| e.seq).collect::<Vec<_>>(), [6]);
        let february = l
            .audit_log(&AuditQuery {
                from: "2026-02-01".into(),
                to: "2026-02-01".into(),
                ..query("", 1, 50)
            })
            .await
            .unwrap();
        assert_eq!(february.total, 1);
        // Words match the note literally: % and _ are not wildcards.
        let words = l
            .audit_log(&query("100% of the batch_1", 1, 50))
            .await
            .unwrap();
        assert_eq!(words.items.iter().map(|e| e.seq).collect::<Vec<_>>(), [6]);
        assert_eq!(
            l.audit_log(&query("100%_of", 1, 50)).await.unwrap().total,
            0
        );
        assert_eq!(l.audit_log(&query("clerk", 1, 50)).await.unwrap().total, 1);
        // Changed values are words too, and words may come in any order.
        let moved = l
            .audit_log(&query("on_process pending", 1, 50))
            .await
            .unwrap();
        assert_eq!(moved.items.iter().map(|e| e.seq).collect::<Vec<_>>(), [6]);
        // Words shorter than three characters are still found, by reading every event.
        assert_eq!(l.audit_log(&query("% o", 1, 50)).await.unwrap().total, 1);

        let err = l
            .audit_log(&AuditQuery {
                from: "1/2/2026".into(),
                ..query("", 1, 50)
            })
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "validation");
    }

    /// While events are numbered in time order, a date range is read as a range of numbers
    /// (found by bisection); once the clock goes back the log reads dates row by row. Both give
    /// the same answers.
    #[tokio::test]
    async fn date_ranges_give_the_same_events_in_and_out_of_time_order() {
        let b = book().await;
        let l = &b.ledger;
        let on = |day: u32| {
            Origin::manual(
                "Clerk",
                Utc.with_ymd_and_hms(2026, 3, day, 10, 0, 0).unwrap(),
            )
        };
        for day in 1..=10 {
            let input = ledger::customers::CustomerInput {
                username: format!("user{day}"),
                display_name: format!("Customer {day}"),
                email: String::new(),
            };
            l.add_customer(&on(day), &input).await.unwrap(); // event `day`
        }
        let dated = |search: &str, from: &str, to: &str| AuditQuery {
            from: from.into(),
            to: to.into(),
            ..query(search, 1, 50)
        };
        let cases = [
            (dated("", "2026-03-03", "2026-03-05"), vec![5, 4, 3]),
            (dated("", "2026-03-08", ""), vec![10, 9, 8]),
            (dated("", "", "2026-03-01"), vec![1]),
            (dated("", "2026-04-01", ""), vec![]),
            (dated("", "", "2026-02-28"), vec![]),
            (dated("", "2026-03-06", "2026-03-05"), vec![]),
            (dated("user4", "2026-03-03", "2026-03-06"), vec![4]),
            (dated("user4", "2026-03-05", ""), vec![]),
            (dated("Customer", "2026-03-09", "2026-03-10"), vec![10, 9]),
        ];
        let flagged = async || -> bool {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", l.path().display()))
                .await
                .unwrap();
            let flagged = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM settings WHERE key = 'audit_events_out_of_time_order')",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            pool.close().await;
            flagged
        };
        let check = async || {
            for (q, expected) in &cases {
                let page = l.audit_log(q).await.unwrap();
                let seqs: Vec<i64> = page.items.iter().map(|e| e.seq).collect();
                assert_eq!(&seqs, expected, "{q:?}");
                assert_eq!(page.total, expected.len() as i64, "{q:?}");
            }
        };
        assert!(!flagged().await);
        check().await;
        // The clock goes back: one more event, dated before the last one (in no range above).
        let input = ledger::customers::CustomerInput {
            username: "late".into(),
            display_name: "Late".into(),
            email: String::new(),
        };
        let before = Origin::manual("Clerk", Utc.with_ymd_and_hms(2026, 3, 7, 10, 0, 0).unwrap());
        l.add_customer(&before, &input).await.unwrap(); // event 11
        assert!(flagged().await);
        check().await;
    }
}
