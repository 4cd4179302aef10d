//! The audit trail and the one way to change the book.
//!
//! Invariants:
//! - data changes only inside a [`WriteTx`], which starts with `BEGIN IMMEDIATE` and refuses to
//!   commit unless it recorded at least one audit event, so a change and its trace commit
//!   together or not at all;
//! - events are append-only (triggers refuse UPDATE and DELETE) and numbered without gaps (a
//!   trigger refuses any other `seq`);
//! - each event's `hash` covers the previous event's hash and this event's stored fields, so an
//!   edit made behind the app's back breaks the chain at the first bad event. From a book's
//!   first `key` event on, the hash is an HMAC under a key kept outside the book (see
//!   [`crate::chain`]), so the chain cannot be recomputed by someone holding only the book;
//! - derived data follows the events: at commit the payout search index is rewritten for
//!   every record whose events changed an indexed field (see [`crate::search_index`]) and the
//!   audit log's word index takes the new events (see [`crate::audit_search`]); after a change
//!   of more than 1,000 records or events, both catch up right after its commit instead.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

use crate::chain::{sha256, Anchor, ChainKey, KEY_FIELD};
use crate::error::{Error, Result};
pub use crate::ids::Entity;
use crate::ids::{AccountId, CustomerId, PayoutId, ProgramId, RequestId, RunId};
use crate::progress::Progress;
use crate::search_index::{Touched, CUSTOMER_FIELDS, PAYOUT_FIELDS, REQUEST_FIELDS};
use crate::store::Ledger;

/// How many events one INSERT writes.
const EVENTS_PER_INSERT: usize = 1_000;

/// The hash that stands before the first event.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How a change came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Manual,
    Bulk,
    Import,
    System,
}

impl Source {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Source::Manual => "manual",
            Source::Bulk => "bulk",
            Source::Import => "import",
            Source::System => "system",
        }
    }
}

/// Who makes a change, how, and when. The caller supplies the time, so tests are deterministic.
#[derive(Debug, Clone)]
pub struct Origin {
    pub operator: String,
    pub source: Source,
    pub at: DateTime<Utc>,
}

impl Origin {
    pub fn manual(operator: impl Into<String>, at: DateTime<Utc>) -> Origin {
        Origin {
            operator: operator.into(),
            source: Source::Manual,
            at,
        }
    }
}

/// RFC 3339 UTC with microseconds: sorts as text in time order.
pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// One field's move, as stored in an event's `changes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Value,
    pub new: Value,
}

/// The field changes of one event; unchanged fields are left out.
#[derive(Debug, Default)]
pub(crate) struct Diff(Vec<FieldChange>);

impl Diff {
    pub(crate) fn new() -> Diff {
        Diff::default()
    }

    /// Records `field` going from `old` to `new`, if they differ.
    pub(crate) fn field(mut self, field: &str, old: impl Serialize, new: impl Serialize) -> Diff {
        let (old, new) = (json(old), json(new));
        if old != new {
            self.0.push(FieldChange {
                field: field.to_owned(),
                old,
                new,
            });
        }
        self
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether any of `fields` changed.
    pub(crate) fn touches(&self, fields: &[&str]) -> bool {
        self.0.iter().any(|c| fields.contains(&c.field.as_str()))
    }

    /// Records a field of a new record (from nothing to `new`).
    pub(crate) fn created(self, field: &str, new: impl Serialize) -> Diff {
        self.field(field, Value::Null, new)
    }
}

fn json(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// What an event did, stored as the lower-case word old books hold (`status`, `reveal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    /// An edit of a record's fields.
    Update,
    /// A payout's status move.
    Status,
    Approve,
    Reject,
    /// An approved request written off: it will never be paid.
    Void,
    Archive,
    /// A payment account made the customer's default.
    Default,
    /// Full account details shown.
    Reveal,
    /// A file written (CSV export, payment file).
    Export,
    /// A statement imported.
    Import,
    /// A statement line confirmed for a payout that was already settled.
    Reconcile,
    /// A statement line set aside with a note, or brought back.
    Dismiss,
    Backup,
    /// A restore scheduled for the next start.
    Restore,
    /// A restore carried out at start.
    Restored,
    /// The chain's hashes keyed from this event on, with the key the event names.
    Key,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Status => "status",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Void => "void",
            Action::Archive => "archive",
            Action::Default => "default",
            Action::Reveal => "reveal",
            Action::Export => "export",
            Action::Import => "import",
            Action::Reconcile => "reconcile",
            Action::Dismiss => "dismiss",
            Action::Backup => "backup",
            Action::Restore => "restore",
            Action::Restored => "restored",
            Action::Key => crate::chain::KEY_ACTION,
        }
    }
}

/// The record an event is about: the book as a whole, or one record by its typed id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    Book,
    Customer(CustomerId),
    PaymentAccount(AccountId),
    Program(ProgramId),
    Request(RequestId),
    Payout(PayoutId),
    PaymentRun(RunId),
    /// A statement import, by its row id; stored as the book's event, as it always was.
    StatementImport(i64),
}

impl Record {
    pub fn entity(self) -> Entity {
        match self {
            Record::Book | Record::StatementImport(_) => Entity::Book,
            Record::Customer(_) => Entity::Customer,
            Record::PaymentAccount(_) => Entity::PaymentAccount,
            Record::Program(_) => Entity::Program,
            Record::Request(_) => Entity::Request,
            Record::Payout(_) => Entity::Payout,
            Record::PaymentRun(_) => Entity::PaymentRun,
        }
    }

    /// The row id stored in the event, `None` for the book.
    pub fn id(self) -> Option<i64> {
        match self {
            Record::Book => None,
            Record::Customer(id) => Some(id.0),
            Record::PaymentAccount(id) => Some(id.0),
            Record::Program(id) => Some(id.0),
            Record::Request(id) => Some(id.0),
            Record::Payout(id) => Some(id.0),
            Record::PaymentRun(id) => Some(id.0),
            Record::StatementImport(id) => Some(id),
        }
    }
}

macro_rules! record_from {
    ($($id:ident => $variant:ident),*) => {$(
        impl From<$id> for Record {
            fn from(id: $id) -> Record {
                Record::$variant(id)
            }
        }
    )*};
}
record_from!(CustomerId => Customer, AccountId => PaymentAccount, ProgramId => Program,
    RequestId => Request, PayoutId => Payout, RunId => PaymentRun);

/// An event to record.
pub(crate) struct Event<'a> {
    pub action: Action,
    pub record: Record,
    pub diff: Diff,
    pub note: &'a str,
}

/// A write transaction that must leave an audit event. See the module invariants.
pub(crate) struct WriteTx<'o> {
    tx: Transaction<'static, Sqlite>,
    origin: &'o Origin,
    /// The last event's (seq, hash), read once and then carried along for bulk writes.
    head: Option<(i64, String)>,
    recorded: usize,
    /// Events chained but not yet inserted: written many to a statement (see
    /// [`WriteTx::write_events`]), at the latest at commit.
    unwritten: Vec<EventRow>,
    /// What the change did to the search index's sources.
    touched: Touched,
    /// Whether the change touched what statement matching reads (a payout, a customer's
    /// remembered names): stored match decisions are then made again.
    matching_inputs: bool,
    /// The key that hashes this change's events; `None` for a book that is not keyed yet.
    key: Option<Arc<ChainKey>>,
    /// For the search indexes to catch up after a large change.
    writer: SqlitePool,
}

impl Ledger {
    pub(crate) async fn begin_write<'o>(&self, origin: &'o Origin) -> Result<WriteTx<'o>> {
        let key = self.keying.for_writing()?;
        let tx = match self.writer.begin_with("BEGIN IMMEDIATE").await {
            Ok(tx) => tx,
            // A write that failed on a full disk can leave the one writer connection believing
            // it is still inside a transaction: that connection is closed and a fresh one
            // takes its place, so the next write works once there is space again.
            Err(sqlx::Error::InvalidSavePointStatement) => {
                tracing::warn!(
                    "the writer connection was left inside a failed transaction; reopening it"
                );
                let stale = self.writer.acquire().await?;
                sqlx::Connection::close(stale.detach()).await?;
                self.writer.begin_with("BEGIN IMMEDIATE").await?
            }
            Err(err) => return Err(err.into()),
        };
        Ok(WriteTx {
            tx,
            origin,
            head: None,
            recorded: 0,
            unwritten: Vec::new(),
            touched: Touched::default(),
            matching_inputs: false,
            key,
            writer: self.writer.clone(),
        })
    }
}

impl WriteTx<'_> {
    pub(crate) fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }

    pub(crate) fn at(&self) -> String {
        timestamp(self.origin.at)
    }

    /// Who makes the change.
    pub(crate) fn operator(&self) -> &str {
        &self.origin.operator
    }

    /// The change's day (UTC), `YYYY-MM-DD`.
    pub(crate) fn day(&self) -> String {
        self.origin.at.date_naive().to_string()
    }

    /// Appends `event` to the chain; returns its sequence number.
    pub(crate) async fn record(&mut self, event: Event<'_>) -> Result<i64> {
        let (prev_seq, prev_hash) = match self.head.take() {
            Some(head) => head,
            None => sqlx::query_as::<_, (i64, String)>(
                "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1",
            )
            .fetch_optional(&mut *self.tx)
            .await?
            .unwrap_or_else(|| (0, GENESIS.to_owned())),
        };
        let row = EventRow {
            seq: prev_seq + 1,
            uuid: Uuid::now_v7(),
            at: timestamp(self.origin.at),
            actor: self.origin.operator.clone(),
            source: self.origin.source.as_str().to_owned(),
            action: event.action.as_str().to_owned(),
            entity: event.record.entity().as_str().to_owned(),
            entity_id: event.record.id(),
            changes: serde_json::to_string(&event.diff.0).expect("JSON values serialise"),
            note: event.note.to_owned(),
            prev_hash,
            hash: String::new(),
        };
        let hash = row.chain_hash(self.key.as_deref());
        self.head = Some((row.seq, hash.clone()));
        self.recorded += 1;
        let seq = row.seq;
        self.unwritten.push(EventRow { hash, ..row });
        if self.unwritten.len() >= EVENTS_PER_INSERT {
            self.write_events().await?;
        }
        self.matching_inputs |= matches!(event.record, Record::Payout(_) | Record::Customer(_));
        match event.record {
            Record::Payout(id) if event.diff.touches(&PAYOUT_FIELDS) => self.touched.payout(id),
            Record::Request(id) if event.diff.touches(&REQUEST_FIELDS) => self.touched.request(id),
            Record::Customer(id) if event.diff.touches(&CUSTOMER_FIELDS) => {
                self.touched.customer(id)
            }
            _ => {}
        }
        Ok(seq)
    }

    /// Inserts the events recorded so far, [`EVENTS_PER_INSERT`] to a statement: a batch of
    /// 40,000 status moves pays for 40 statements instead of 40,000. Nothing in a write reads
    /// the trail back before commit, which calls this.
    async fn write_events(&mut self) -> Result<()> {
        for chunk in self.unwritten.chunks(EVENTS_PER_INSERT) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|r| {
                    (
                        r.seq,
                        r.uuid.simple().to_string(),
                        &r.at,
                        &r.actor,
                        &r.source,
                        &r.action,
                        &r.entity,
                        r.entity_id,
                        &r.changes,
                        &r.note,
                        &r.prev_hash,
                        &r.hash,
                    )
                })
                .collect();
            sqlx::query(
                "INSERT INTO audit_events
                     (seq, uuid, at, actor, source, action, entity, entity_id, changes, note, prev_hash, hash)
                 SELECT e.value ->> 0, unhex(e.value ->> 1), e.value ->> 2, e.value ->> 3,
                        e.value ->> 4, e.value ->> 5, e.value ->> 6, e.value ->> 7, e.value ->> 8,
                        e.value ->> 9, e.value ->> 10, e.value ->> 11
                   FROM json_each(?) e ORDER BY e.key",
            )
            .bind(serde_json::to_string(&rows).expect("events serialise"))
            .execute(&mut *self.tx)
            .await?;
        }
        self.unwritten.clear();
        Ok(())
    }

    /// Records the change's one event and commits: the usual end of a write.
    pub(crate) async fn commit_with(mut self, event: Event<'_>) -> Result<()> {
        self.record(event).await?;
        self.commit().await
    }

    pub(crate) async fn commit(mut self) -> Result<()> {
        if self.recorded == 0 {
            // A programming error, not a user's: refuse rather than change the book untraced.
            tracing::error!("a write transaction tried to commit without an audit event");
            return Err(Error::Storage(
                "The change was not saved because it carried no audit event.".into(),
            ));
        }
        self.write_events().await?;
        let search_behind = match &self.head {
            Some((head, _)) => crate::audit_search::at_commit(&mut self.tx, *head).await?,
            None => false,
        };
        let payouts_behind = self.touched.reindex(&mut self.tx).await?;
        if self.matching_inputs {
            sqlx::query("UPDATE matching_generation SET value = value + 1")
                .execute(&mut *self.tx)
                .await?;
        }
        self.tx.commit().await?;
        if search_behind || payouts_behind {
            catch_up_later(&self.writer);
        }
        Ok(())
    }
}

/// Brings both search indexes up to date beside the caller, after a large change; a failure
/// is logged, and the next search or open tries again.
fn catch_up_later(writer: &SqlitePool) {
    let writer = writer.clone();
    tokio::spawn(async move {
        let caught_up = async {
            crate::audit_search::catch_up(&writer).await?;
            crate::search_index::catch_up(&writer).await
        };
        if let Err(err) = caught_up.await {
            tracing::warn!(error = %err, "the search indexes could not catch up yet");
        }
    });
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct EventRow {
    seq: i64,
    uuid: Uuid,
    at: String,
    actor: String,
    source: String,
    action: String,
    entity: String,
    entity_id: Option<i64>,
    changes: String,
    note: String,
    prev_hash: String,
    hash: String,
}

impl EventRow {
    /// The hash (hex) over the previous hash and a JSON array of this event's stored fields:
    /// HMAC-SHA-256 under `key` in a keyed segment, plain SHA-256 before the first key.
    fn chain_hash(&self, key: Option<&ChainKey>) -> String {
        let fields = self.hashed_fields();
        let data: [&[u8]; 3] = [self.prev_hash.as_bytes(), b"\n", fields.as_bytes()];
        match key {
            Some(key) => key.mac(&data),
            None => sha256(&data),
        }
    }

    /// The event's stored fields as the JSON array its hash covers. A tuple serialises as the
    /// array `json!([...])` made in earlier versions, byte for byte, without building a tree.
    fn hashed_fields(&self) -> String {
        let uuid = self.uuid.hyphenated().to_string();
        serde_json::to_string(&(
            self.seq,
            &uuid,
            &self.at,
            &self.actor,
            &self.source,
            &self.action,
            &self.entity,
            self.entity_id,
            &self.changes,
            &self.note,
        ))
        .expect("strings and numbers serialise")
    }

    /// The key id a `key` event starts, if this is one.
    fn starts_key(&self) -> Option<String> {
        if self.action != Action::Key.as_str() || self.entity != Entity::Book.as_str() {
            return None;
        }
        let changes: Vec<FieldChange> = serde_json::from_str(&self.changes).ok()?;
        let change = changes.into_iter().find(|c| c.field == KEY_FIELD)?;
        change.new.as_str().map(str::to_owned)
    }
}

/// An audit event as the UI shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub source: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub changes: Vec<FieldChange>,
    pub note: String,
}

impl From<EventRow> for AuditEvent {
    fn from(row: EventRow) -> AuditEvent {
        AuditEvent {
            seq: row.seq,
            at: row.at,
            actor: row.actor,
            source: row.source,
            action: row.action,
            entity: row.entity,
            entity_id: row.entity_id,
            changes: serde_json::from_str(&row.changes).unwrap_or_default(),
            note: row.note,
        }
    }
}

/// The outcome of [`Ledger::verify_audit_chain`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub events: i64,
    /// The first event whose hash or link does not match, if any.
    pub first_bad_seq: Option<i64>,
    /// The first event of the keyed part, if the book has one.
    pub keyed_from: Option<i64>,
    /// Keyed events whose key this computer does not hold: they link, but their hashes
    /// cannot be checked. Never counted as tampering.
    pub unchecked: Vec<Unchecked>,
    /// The newest chain head written outside the book, and whether the book agrees with it;
    /// `None` when this computer has no anchor for the book (or no trust folder was given).
    pub anchor: Option<AnchorCheck>,
}

impl ChainReport {
    /// Whether nothing that could be checked was found changed.
    pub fn intact(&self) -> bool {
        self.first_bad_seq.is_none()
            && self
                .anchor
                .as_ref()
                .is_none_or(|a| a.verdict == AnchorVerdict::Agrees)
    }
}

/// A run of keyed events whose key is not on this computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unchecked {
    pub from_seq: i64,
    pub to_seq: i64,
    pub key_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnchorCheck {
    pub anchor: Anchor,
    pub verdict: AnchorVerdict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnchorVerdict {
    /// The anchored event is in the book with the anchored hash.
    Agrees,
    /// The book ends before the anchored event: history was cut off.
    CutOff,
    /// The anchored event is in the book with another hash: history was rewritten.
    Rewritten,
}

impl Ledger {
    /// The history of one record, newest first.
    pub async fn history(&self, record: Record) -> Result<Vec<AuditEvent>> {
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT * FROM audit_events WHERE entity = ? AND entity_id IS ? ORDER BY seq DESC",
        )
        .bind(record.entity().as_str())
        .bind(record.id())
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(AuditEvent::from).collect())
    }

    /// Recomputes the whole chain, streaming, and reports the first event that does not match.
    pub async fn verify_audit_chain(&self) -> Result<ChainReport> {
        self.verify_audit_chain_with(&|_| true).await
    }

    /// As [`Ledger::verify_audit_chain`], telling `progress` the events checked every 10,000;
    /// when it answers false the check stops with [`Error::Cancelled`].
    ///
    /// Plain links are recomputed; keyed ones with their key from the trust folder when it
    /// holds it (a key file that names another first event than the book is a rewrite); the
    /// newest anchor must name an event the book holds with the same hash.
    pub async fn verify_audit_chain_with(&self, progress: Progress<'_>) -> Result<ChainReport> {
        use futures_util::TryStreamExt;
        let mut report = ChainReport {
            events: 0,
            first_bad_seq: None,
            keyed_from: None,
            unchecked: Vec::new(),
            anchor: None,
        };
        let mut keys: HashMap<String, Option<(Arc<ChainKey>, i64)>> = HashMap::new();
        // The segment's key id and key: `None` before the first key event; the key `None`
        // when it is not on this computer.
        let mut segment: Option<(String, Option<Arc<ChainKey>>)> = None;
        let mut hashes_at_anchor = None;
        let anchor = self.newest_anchor().await?;
        let mut rows = sqlx::query_as::<_, EventRow>("SELECT * FROM audit_events ORDER BY seq")
            .fetch(&self.reader);
        let (mut expected_seq, mut prev_hash) = (1, GENESIS.to_owned());
        while let Some(row) = rows.try_next().await? {
            let linked = row.seq == expected_seq && row.prev_hash == prev_hash;
            let mut sound = linked;
            if let Some(id) = row.starts_key() {
                report.keyed_from.get_or_insert(row.seq);
                let found = keys
                    .entry(id.clone())
                    .or_insert_with(|| {
                        self.trust
                            .as_ref()
                            .and_then(|t| t.key(&id))
                            .map(|(k, from)| (Arc::new(k), from))
                    })
                    .clone();
                // This computer started that key at another event: the book was rewritten.
                sound &= found.as_ref().is_none_or(|(_, from)| *from == row.seq);
                segment = Some((id, found.map(|(k, _)| k)));
            }
            match &segment {
                None => sound &= row.chain_hash(None) == row.hash,
                Some((_, Some(key))) => sound &= row.chain_hash(Some(key)) == row.hash,
                Some((key_id, None)) => match report.unchecked.last_mut() {
                    Some(run) if run.to_seq + 1 == row.seq && run.key_id == *key_id => {
                        run.to_seq = row.seq
                    }
                    _ => report.unchecked.push(Unchecked {
                        from_seq: row.seq,
                        to_seq: row.seq,
                        key_id: key_id.clone(),
                    }),
                },
            }
            if !sound {
                report.events = expected_seq - 1;
                report.first_bad_seq = Some(expected_seq.min(row.seq));
                return Ok(report);
            }
            if anchor.as_ref().is_some_and(|a| a.seq == row.seq) {
                let key_there = segment.as_ref().map(|(id, _)| id.clone());
                hashes_at_anchor = Some((row.hash.clone(), key_there));
            }
            if expected_seq % 10_000 == 0 && !progress(expected_seq as u64) {
                return Err(Error::Cancelled);
            }
            expected_seq += 1;
            prev_hash = row.hash;
        }
        report.events = expected_seq - 1;
        report.anchor = anchor.map(|anchor| {
            let verdict = match hashes_at_anchor {
                None => AnchorVerdict::CutOff,
                // The same hash under another key's name: the segment was renamed so that its
                // events read as "cannot check" instead of failing under the real key.
                Some((_, key_there)) if anchor.key.is_some() && key_there != anchor.key => {
                    AnchorVerdict::Rewritten
                }
                Some((hash, _)) if hash == anchor.hash => AnchorVerdict::Agrees,
                Some(_) => AnchorVerdict::Rewritten,
            };
            AnchorCheck { anchor, verdict }
        });
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Books written before this encoding must still chain: the fields hash exactly as the
    /// `json!` array earlier versions built.
    #[test]
    fn the_hashed_fields_are_the_json_array_of_earlier_versions() {
        for entity_id in [None, Some(42)] {
            let row = EventRow {
                seq: 7,
                uuid: Uuid::now_v7(),
                at: "2026-11-30T03:00:00.000000Z".into(),
                actor: "Zoë \"the owner\" \\ Ltd".into(),
                source: "manual".into(),
                action: "update".into(),
                entity: "customer".into(),
                entity_id,
                changes: r#"[{"field":"email","old":null,"new":"ž@example.com"}]"#.into(),
                note: "line one\nline two\t\u{1F600}".into(),
                prev_hash: "0".repeat(64),
                hash: String::new(),
            };
            let earlier = serde_json::json!([
                row.seq,
                row.uuid.to_string(),
                row.at,
                row.actor,
                row.source,
                row.action,
                row.entity,
                row.entity_id,
                row.changes,
                row.note,
            ])
            .to_string();
            assert_eq!(row.hashed_fields(), earlier);
        }
        assert_eq!(crate::chain::hex(&[0, 15, 16, 255]), "000f10ff");
    }
}
