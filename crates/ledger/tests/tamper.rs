//! Tamper evidence against someone with `sqlite3` (issue 11, item 1), in its three layers: every
//! row replayed from its history, the chain keyed with a secret kept outside the book, and the
//! chain head anchored outside it. Each attack is made the way an attacker would, on the file,
//! with the app's triggers dropped first.
mod common;

use std::path::{Path, PathBuf};

use common::*;
use ledger::audit::AnchorVerdict;
use ledger::chain::TrustStore;
use ledger::payouts::{PayoutStatus, StatusChange};
use ledger::{Create, Ledger};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

struct Keyed {
    ledger: Ledger,
    dir: TempDir,
}

impl Keyed {
    fn path(&self) -> PathBuf {
        self.dir.path().join("book.sqlite")
    }

    fn trust(&self) -> TrustStore {
        TrustStore::new(self.dir.path().join("config").join("trust"))
    }

    /// Closes the app's ledger (which anchors the head) and opens the file as a tool would.
    async fn closed(self) -> (TempDir, PathBuf, TrustStore) {
        let (path, trust) = (self.path(), self.trust());
        self.ledger.close().await;
        (self.dir, path, trust)
    }
}

async fn keyed_book() -> Keyed {
    let dir = tempfile::tempdir().unwrap();
    let trust = TrustStore::new(dir.path().join("config").join("trust"));
    let ledger = Ledger::open_keyed(
        &dir.path().join("book.sqlite"),
        Create::IfMissing,
        at(0),
        trust,
    )
    .await
    .unwrap();
    Keyed { ledger, dir }
}

/// A little of everything: customers, accounts (a second one made the default, one archived),
/// a program, requests approved and rejected, payouts moved and edited, a setting.
async fn busy(ledger: &Ledger) -> PayoutId {
    let r = payable(ledger, "ada").await;
    let p = pay(ledger, r.id).await;
    let change = StatusChange {
        status: PayoutStatus::Success,
        failure_reason: None,
        external_reference: "5TY05013RG002845M".into(),
        note: "Paid".into(),
        payment: Default::default(),
    };
    ledger
        .change_payout_status(&me(), p.id, &change)
        .await
        .unwrap();
    let bo = customer(ledger, "bo").await;
    let first = ledger
        .add_payment_account(&me(), bo.id, &paypal("bo@example.com"))
        .await
        .unwrap();
    let second = ledger
        .add_payment_account(
            &me(),
            bo.id,
            &iban_account("Bo Example", "DE89370400440532013000"),
        )
        .await
        .unwrap();
    ledger.set_default_account(&me(), second.id).await.unwrap();
    ledger
        .archive_payment_account(&me(), first.id)
        .await
        .unwrap();
    let rejected = request(ledger, bo.id, "3.00", "EUR").await;
    ledger
        .decide_request(
            &me(),
            rejected.id,
            ledger::requests::Decision::Reject,
            "Duplicate",
        )
        .await
        .unwrap();
    let program = ledger
        .add_program(
            &me(),
            &ledger::programs::ProgramInput {
                name: "Spring cashback".into(),
                default_reward: "5.00".into(),
                currency: "EUR".into(),
            },
        )
        .await
        .unwrap();
    ledger.archive_program(&me(), program.id).await.unwrap();
    ledger.set_operator_name(&me(), "Dana").await.unwrap();
    let r2 = approved(ledger, bo.id, "20.00", "EUR").await;
    pay(ledger, r2.id).await.id
}

/// The attacker's edit: a payout's amount raised to 2,000.00.
fn raise_amount(payout: PayoutId) -> String {
    format!(
        "UPDATE payouts SET amount_minor = 200000 WHERE id = {}",
        payout.0
    )
}

async fn raw(path: &Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
}

async fn exec(pool: &sqlx::SqlitePool, sql: &str) {
    sqlx::query(sql).execute(pool).await.unwrap();
}

async fn verify(path: &Path, trust: &TrustStore) -> ledger::verify::BookReport {
    let ledger = Ledger::open_read_only(path)
        .await
        .unwrap()
        .with_trust(trust.clone());
    let report = ledger.verify_book().await.unwrap();
    ledger.close().await;
    report
}

/// Verify on a book whose chain was left alone: the (record, field) pairs it names.
async fn named_differences(path: &Path, trust: &TrustStore) -> Vec<(String, String)> {
    let report = verify(path, trust).await;
    assert!(!report.intact());
    assert!(report.chain.intact(), "the chain itself was not touched");
    report
        .state
        .unwrap()
        .differences
        .into_iter()
        .map(|d| (d.record, d.field))
        .collect()
}

/// `found` names exactly the `expected` pairs (in any order).
fn assert_named(found: &[(String, String)], expected: &[(&str, &str)]) {
    for &(record, field) in expected {
        assert!(
            found
                .iter()
                .any(|(r, f)| (r.as_str(), f.as_str()) == (record, field)),
            "{record} {field} not in {found:?}"
        );
    }
    assert_eq!(found.len(), expected.len(), "{found:?}");
}

#[tokio::test]
async fn a_book_used_through_the_app_is_intact_in_every_layer() {
    let b = keyed_book().await;
    busy(&b.ledger).await;
    let (_dir, path, trust) = b.closed().await;
    let report = verify(&path, &trust).await;
    assert!(report.intact(), "{}", report.summary());
    assert_eq!(
        report.chain.keyed_from,
        Some(1),
        "a new book is keyed from its first event"
    );
    assert!(report.chain.unchecked.is_empty());
    let anchor = report.chain.anchor.expect("closing wrote the head down");
    assert_eq!(
        (anchor.verdict, anchor.anchor.seq),
        (AnchorVerdict::Agrees, report.chain.events)
    );
    let state = report.state.unwrap();
    assert_eq!(state.total_differences, 0, "{:?}", state.differences);
    assert!(state.records >= 10, "{}", state.records);
}

/// Once the clock went back the book keeps a flag that makes its lists read date ranges row by
/// row; removing it with sqlite3 (so ranges would skip rows) is a difference.
#[tokio::test]
async fn a_time_order_flag_removed_with_sqlite3_is_named() {
    let b = keyed_book().await;
    busy(&b.ledger).await;
    let earlier = ledger::Origin::manual("Test Owner", at(-10_000));
    let input = ledger::customers::CustomerInput {
        username: "late".into(),
        display_name: "Late".into(),
        email: String::new(),
    };
    b.ledger.add_customer(&earlier, &input).await.unwrap();
    let (_dir, path, trust) = b.closed().await;
    let report = verify(&path, &trust).await;
    assert!(report.intact(), "{}", report.summary());
    let pool = raw(&path).await;
    exec(
        &pool,
        "DELETE FROM settings WHERE key = 'audit_events_out_of_time_order'",
    )
    .await;
    pool.close().await;
    let report = verify(&path, &trust).await;
    assert!(!report.intact());
    let found: Vec<(String, String)> = report
        .state
        .unwrap()
        .differences
        .into_iter()
        .map(|d| (d.record, d.field))
        .collect();
    assert_eq!(
        found,
        vec![(
            "setting audit_events_out_of_time_order".to_owned(),
            "value".to_owned()
        )]
    );
}

#[tokio::test]
async fn a_field_changed_with_sqlite3_is_named_by_record_and_field() {
    let b = keyed_book().await;
    let payout = busy(&b.ledger).await;
    let (_dir, path, trust) = b.closed().await;
    let pool = raw(&path).await;
    // The payout's amount, a customer's e-mail, an account's IBAN, a request's status (its
    // CHECK wants a decision time), a setting, when a program was made: each as sqlite3 would.
    exec(&pool, &raise_amount(payout)).await;
    exec(
        &pool,
        "UPDATE customers SET email = 'mallory@example.com' WHERE username = 'ada'",
    )
    .await;
    exec(
        &pool,
        "UPDATE payment_accounts SET iban = 'DE02120300000000202051' WHERE iban IS NOT NULL",
    )
    .await;
    exec(
        &pool,
        "UPDATE incentive_requests SET status = 'approved' WHERE status = 'rejected'",
    )
    .await;
    exec(
        &pool,
        "UPDATE settings SET value = '\"Mallory\"' WHERE key = 'operator_name'",
    )
    .await;
    exec(
        &pool,
        "UPDATE incentive_programs SET created_at = '2001-01-01T00:00:00.000000Z'",
    )
    .await;
    pool.close().await;

    let found = named_differences(&path, &trust).await;
    let number = payout.to_string();
    assert_named(
        &found,
        &[
            (number.as_str(), "amount"),
            ("CU-000001", "email"),
            ("PA-000003", "account"),
            ("IR-000002", "status"),
            ("setting operator_name", "value"),
            ("PG-000001", "created"),
        ],
    );
}

#[tokio::test]
async fn a_row_added_or_deleted_behind_the_apps_back_is_found() {
    let b = keyed_book().await;
    busy(&b.ledger).await;
    let (_dir, path, trust) = b.closed().await;
    let pool = raw(&path).await;
    exec(&pool, "PRAGMA foreign_keys = OFF").await;
    exec(
        &pool,
        "INSERT INTO customers (uuid, username, username_key, display_name, created_at, updated_at)
         VALUES (randomblob(16), 'ghost', 'ghost', 'Ghost', 'x', 'x')",
    )
    .await;
    exec(&pool, "DELETE FROM incentive_programs").await;
    pool.close().await;
    let state = verify(&path, &trust).await.state.unwrap();
    let found: Vec<(String, String, serde_json::Value)> = state
        .differences
        .into_iter()
        .map(|d| (d.record, d.field, d.stored))
        .collect();
    assert!(
        found.contains(&("CU-000003".into(), "record".into(), "present".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("PG-000001".into(), "record".into(), serde_json::Value::Null)),
        "{found:?}"
    );
}

#[tokio::test]
async fn deleting_the_last_events_is_found_by_the_anchor() {
    let b = keyed_book().await;
    busy(&b.ledger).await;
    let (_dir, path, trust) = b.closed().await;
    let pool = raw(&path).await;
    let last: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM audit_events")
        .fetch_one(&pool)
        .await
        .unwrap();
    exec(&pool, "DROP TRIGGER audit_events_no_delete").await;
    exec(
        &pool,
        &format!("DELETE FROM audit_events WHERE seq > {}", last - 2),
    )
    .await;
    pool.close().await;
    let report = verify(&path, &trust).await;
    assert_eq!(
        report.chain.first_bad_seq, None,
        "what is left still chains"
    );
    let anchor = report.chain.anchor.clone().unwrap();
    assert_eq!(
        (anchor.verdict, anchor.anchor.seq),
        (AnchorVerdict::CutOff, last)
    );
    assert!(!report.intact());
    assert!(report.summary().contains("cut off"), "{}", report.summary());
}

#[derive(sqlx::FromRow)]
struct StoredEvent {
    seq: i64,
    uuid: uuid::Uuid,
    at: String,
    actor: String,
    source: String,
    action: String,
    entity: String,
    entity_id: Option<i64>,
    changes: String,
    note: String,
}

/// The chain recomputed from the first event as the plain SHA-256 chain of old books: what an
/// attacker without the key can do after editing an event.
async fn rechain_without_key(pool: &sqlx::SqlitePool) {
    exec(pool, "DROP TRIGGER IF EXISTS audit_events_no_update").await;
    let rows: Vec<StoredEvent> = sqlx::query_as(
        "SELECT seq, uuid, at, actor, source, action, entity, entity_id, changes, note
           FROM audit_events ORDER BY seq",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut prev = "0".repeat(64);
    for e in rows {
        let fields = serde_json::json!([
            e.seq,
            e.uuid.to_string(),
            e.at,
            e.actor,
            e.source,
            e.action,
            e.entity,
            e.entity_id,
            e.changes,
            e.note
        ]);
        let mut hasher = Sha256::new();
        hasher.update(prev.as_bytes());
        hasher.update(b"\n");
        hasher.update(fields.to_string().as_bytes());
        let hash: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        sqlx::query("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?")
            .bind(&prev)
            .bind(&hash)
            .bind(e.seq)
            .execute(pool)
            .await
            .unwrap();
        prev = hash;
    }
}

#[tokio::test]
async fn a_chain_recomputed_without_the_key_is_found_at_the_keyed_part() {
    let b = keyed_book().await;
    let payout = busy(&b.ledger).await;
    let (_dir, path, trust) = b.closed().await;
    let pool = raw(&path).await;
    // Rewrite the payout's history to the new amount too, so rows and history agree again.
    exec(&pool, "DROP TRIGGER audit_events_no_update").await;
    exec(&pool, &raise_amount(payout)).await;
    exec(
        &pool,
        &format!(
            "UPDATE audit_events SET changes = replace(changes, '20.00 EUR', '2000.00 EUR')
              WHERE entity = 'payout' AND entity_id = {}",
            payout.0
        ),
    )
    .await;
    rechain_without_key(&pool).await;
    pool.close().await;
    let report = verify(&path, &trust).await;
    assert_eq!(report.chain.first_bad_seq, Some(1), "{}", report.summary());
    assert!(!report.intact());
}

#[tokio::test]
async fn a_lost_key_reads_as_cannot_check_never_as_tampered() {
    let b = keyed_book().await;
    busy(&b.ledger).await;
    let (_dir, path, trust) = b.closed().await;
    std::fs::remove_dir_all(trust.dir().join("keys")).unwrap();
    let report = verify(&path, &trust).await;
    assert!(report.intact(), "{}", report.summary());
    assert_eq!(report.chain.unchecked.len(), 1);
    assert_eq!(report.chain.unchecked[0].from_seq, 1);
    assert_eq!(report.chain.unchecked[0].to_seq, report.chain.events);
    assert!(
        report.summary().contains("Cannot check the keyed part"),
        "{}",
        report.summary()
    );

    // The app on a computer without the key starts a new keyed segment, said in the trail;
    // the rest of the chain still checks, the older part still reads as "cannot check".
    let reopened = Ledger::open_keyed(&path, Create::Never, at(60), trust.clone())
        .await
        .unwrap();
    let events = reopened.history(Record::Book).await.unwrap();
    let key_event = &events[0];
    assert_eq!(key_event.action, "key");
    assert!(
        key_event.note.contains("not on this computer"),
        "{}",
        key_event.note
    );
    customer(&reopened, "cy").await;
    reopened.close().await;
    let report = verify(&path, &trust).await;
    assert!(report.intact(), "{}", report.summary());
    assert_eq!(report.chain.unchecked.len(), 1);
    assert_eq!(report.chain.unchecked[0].to_seq + 1, key_event.seq);
}

#[tokio::test]
async fn a_book_from_before_keys_is_keyed_from_its_upgrade_on() {
    let b = book().await;
    payable(&b.ledger, "ada").await; // events 1-4, plain
    let path = b.ledger.path().to_owned();
    b.ledger.close().await;
    let trust = TrustStore::new(b.dir.path().join("trust"));
    let ledger = Ledger::open_keyed(&path, Create::Never, at(10), trust.clone())
        .await
        .unwrap();
    customer(&ledger, "bo").await;
    ledger.close().await;
    let report = verify(&path, &trust).await;
    assert!(report.intact(), "{}", report.summary());
    assert_eq!((report.chain.keyed_from, report.chain.events), (Some(5), 6));

    // A tool without the key may read the keyed book but not add to its chain.
    let plain = Ledger::open(&path, Create::Never, at(20)).await.unwrap();
    let refused = plain
        .add_customer(
            &me(),
            &ledger::customers::CustomerInput {
                username: "cy".into(),
                display_name: "Cy".into(),
                email: String::new(),
            },
        )
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("keyed"), "{refused}");
    plain.close().await;

    // The whole chain recomputed the plain way is found at the first keyed event.
    let pool = raw(&path).await;
    rechain_without_key(&pool).await;
    pool.close().await;
    let report = verify(&path, &trust).await;
    assert_eq!(report.chain.first_bad_seq, Some(5), "{}", report.summary());
}

#[tokio::test]
async fn a_head_that_does_not_continue_the_anchor_is_not_written_down() {
    let b = keyed_book().await;
    busy(&b.ledger).await;
    let head = b.ledger.chain_head().await.unwrap();
    assert!(head.keyed);
    assert_eq!(head.fingerprint.len(), 19);
    b.ledger.anchor("backup", at(30)).await.unwrap().unwrap();
    let path = b.path();
    let pool = raw(&path).await;
    exec(&pool, "DROP TRIGGER audit_events_no_delete").await;
    exec(
        &pool,
        &format!("DELETE FROM audit_events WHERE seq = {}", head.seq),
    )
    .await;
    pool.close().await;
    let err = b.ledger.anchor("export", at(31)).await.unwrap_err();
    assert!(err.to_string().contains("cut off or rewritten"), "{err}");
}

#[tokio::test]
async fn the_sample_book_agrees_with_its_history() {
    let b = keyed_book().await;
    b.ledger.load_sample_data(&me()).await.unwrap();
    let report = b.ledger.verify_book().await.unwrap();
    let state = report.state.as_ref().unwrap();
    assert!(state.records > 50, "{}", state.records);
    assert!(report.intact(), "{}", report.summary());
}

/// The classic payout fraud: the customer's IBAN swapped for another that ends in the same
/// four characters, so every masked view looks the same. The trail seals each account under
/// the key, so Verify still names the account and the payout made to it.
#[tokio::test]
async fn an_iban_swapped_for_one_with_the_same_last_four_is_found() {
    let b = keyed_book().await;
    let c = customer(&b.ledger, "ada").await;
    b.ledger
        .add_payment_account(
            &me(),
            c.id,
            &iban_account("Ada Example", "DE89370400440532013000"),
        )
        .await
        .unwrap();
    let r = approved(&b.ledger, c.id, "20.00", "EUR").await;
    pay(&b.ledger, r.id).await;
    let (_dir, path, trust) = b.closed().await;
    let pool = raw(&path).await;
    exec(
        &pool,
        "UPDATE payment_accounts SET iban = 'DE02100500000054540000' || '3000'",
    )
    .await;
    exec(
        &pool,
        "UPDATE payouts SET account_snapshot = replace(account_snapshot, 'DE89370400440532013000', 'DE021005000000545400003000')",
    )
    .await;
    pool.close().await;
    let report = verify(&path, &trust).await;
    let found: Vec<(String, String, serde_json::Value)> = report
        .state
        .unwrap()
        .differences
        .into_iter()
        .map(|d| (d.record, d.field, d.stored))
        .collect();
    let masked = serde_json::json!("Bank · Commerzbank · IBAN DE •••• 3000");
    assert_eq!(
        found,
        vec![
            ("PA-000001".into(), "account".into(), masked.clone()),
            ("PO-000001".into(), "account".into(), masked),
        ]
    );
    // Without the key the seal cannot be checked, and nothing is claimed either way.
    std::fs::remove_dir_all(trust.dir().join("keys")).unwrap();
    let report = verify(&path, &trust).await;
    assert_eq!(report.state.unwrap().total_differences, 0);
}

/// Renaming the key in the book (so its events read as "cannot check" rather than failing
/// under the real key) is a rewrite: this computer's anchor names the key that sealed the
/// anchored event.
#[tokio::test]
async fn renaming_the_key_to_dodge_the_check_is_found_by_the_anchor() {
    let b = keyed_book().await;
    busy(&b.ledger).await;
    let key = b.ledger.history(Record::Book).await.unwrap();
    let key_id = key
        .iter()
        .rev()
        .find(|e| e.action == "key")
        .and_then(|e| e.changes[0].new.as_str().map(str::to_owned))
        .unwrap();
    let (_dir, path, trust) = b.closed().await;
    let pool = raw(&path).await;
    exec(&pool, "DROP TRIGGER audit_events_no_update").await;
    exec(
        &pool,
        &format!(
            "UPDATE audit_events SET changes = replace(changes, '{key_id}', '0123456789abcdef')"
        ),
    )
    .await;
    pool.close().await;
    let report = verify(&path, &trust).await;
    assert!(!report.chain.unchecked.is_empty(), "{}", report.summary());
    assert_eq!(
        report.chain.anchor.as_ref().map(|a| a.verdict),
        Some(AnchorVerdict::Rewritten),
        "{}",
        report.summary()
    );
    assert!(!report.intact());
}

/// What the book derives (a payout's customer, a request's open payout, the totals) and its
/// schema (a trigger dropped, one added), each changed as sqlite3 would, named where it is.
#[tokio::test]
async fn derived_data_and_the_schema_changed_with_sqlite3_are_named() {
    let b = keyed_book().await;
    let bos_payout = busy(&b.ledger).await;
    let (_dir, path, trust) = b.closed().await;
    let pool = raw(&path).await;
    // Ada's payout shown as Bo's; Bo's request loses its open payout; the totals hide money;
    // a trigger that keeps the totals goes and one that multiplies new payouts comes.
    exec(
        &pool,
        &format!(
            "UPDATE payouts SET customer_id = (SELECT customer_id FROM payouts WHERE id = {})
              WHERE id = 1",
            bos_payout.0
        ),
    )
    .await;
    exec(
        &pool,
        &format!(
            "UPDATE incentive_requests SET open_payout_id = NULL WHERE open_payout_id = {}",
            bos_payout.0
        ),
    )
    .await;
    exec(
        &pool,
        "UPDATE payout_totals SET amount_minor = amount_minor - 100 WHERE status = 'success'",
    )
    .await;
    exec(
        &pool,
        "UPDATE request_totals SET n = n + 5 WHERE kind = 'pending'",
    )
    .await;
    exec(&pool, "DROP TRIGGER payout_totals_update").await;
    exec(
        &pool,
        "CREATE TRIGGER sneaky AFTER INSERT ON payouts BEGIN
             UPDATE payouts SET amount_minor = amount_minor * 10 WHERE id = NEW.id;
         END",
    )
    .await;
    pool.close().await;

    let found = named_differences(&path, &trust).await;
    let open_request: String = {
        let ledger = Ledger::open_read_only(&path).await.unwrap();
        let request = ledger.payout(bos_payout).await.unwrap().request_id;
        ledger.close().await;
        request.to_string()
    };
    let totals = found
        .iter()
        .find(|(r, f)| r.starts_with("totals success ") && f == "amount_minor")
        .map(|(r, _)| r.clone())
        .unwrap_or_else(|| panic!("no success total in {found:?}"));
    assert_named(
        &found,
        &[
            ("PO-000001", "customer"),
            ("PO-000001", "account_customer"),
            (open_request.as_str(), "open_payout"),
            (totals.as_str(), "amount_minor"),
            ("request totals pending", "count"),
            ("schema trigger payout_totals_update", "sql"),
            ("schema trigger sneaky", "sql"),
        ],
    );
}
