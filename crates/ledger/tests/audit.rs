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
    let history = b.ledger.history(Entity::Request, r.id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        b.ledger.verify_audit_chain().await.unwrap(),
        ChainReport {
            events: 4,
            first_bad_seq: None
        }
    );
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
    assert_eq!(
        b.ledger.verify_audit_chain().await.unwrap(),
        ChainReport {
            events: 1,
            first_bad_seq: Some(2)
        }
    );
}
