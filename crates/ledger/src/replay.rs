//! State = history: every record's audit events replayed and compared with its stored row.
//!
//! The audit trail records each change of a field a person sees, in the words the trail shows
//! (an amount as "12.50 EUR", an account in its masked form). Replaying a record's events gives
//! what its row must say now; a row changed behind the app's back (`sqlite3`, a hex editor)
//! differs, and the difference names the record and the field. A row with no event that made
//! it, or events whose row is gone, are differences too (rows are never deleted).
//!
//! Records are streamed in id order beside their events in (record, event) order, so a check
//! of a million payouts holds one record at a time. Payment accounts are replayed in event
//! order instead, since a default account moves between a customer's accounts.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use futures_util::TryStreamExt;
use serde::Serialize;
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::FromRow;

use crate::accounts::{AccountDetails, AccountRow};
use crate::anchors::seal;
use crate::audit::{Action, FieldChange};
use crate::chain::ChainKey;
use crate::error::Result;
use crate::ids::{AccountId, CustomerId, Entity, PayoutId, ProgramId, RequestId, RunId};
use crate::money::Money;
use crate::Ledger;

/// One field where a record's row and its history disagree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// The record's number ("PO-000012"), or "setting <key>".
    pub record: String,
    pub field: String,
    /// What the audit trail says the field is.
    pub history: Value,
    /// What the row says.
    pub stored: Value,
}

/// What [`Ledger::replay_history`] found: the first differences (at most [`SHOWN`]) and how
/// many there are in all.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StateReport {
    pub records: i64,
    pub differences: Vec<Difference>,
    pub total_differences: i64,
}

/// The differences a report lists; the rest are only counted.
pub const SHOWN: usize = 50;

/// Settings the app derives and keeps without an event.
const DERIVED_SETTINGS: [&str; 4] = [
    "payout_search_version",
    "request_search_version",
    "payouts_out_of_time_order",
    "audit_events_out_of_time_order",
];

/// The flags a book keeps once its rows are out of time order (migrations 0016 and 0018), each
/// with the query that finds such rows. Without its flag, lists would read date ranges as
/// ranges of ids and skip rows, so a flag missing where the rows need it is a difference.
const TIME_ORDER_FLAGS: [(&str, &str); 2] = [
    (
        "payouts_out_of_time_order",
        "SELECT EXISTS (SELECT 1 FROM (SELECT created_at < lag(created_at) OVER (ORDER BY id)
                                           AS back FROM payouts) WHERE back)",
    ),
    (
        "audit_events_out_of_time_order",
        "SELECT EXISTS (SELECT 1 FROM (SELECT at < lag(at) OVER (ORDER BY seq) AS back
                                        FROM audit_events) WHERE back)",
    ),
];

impl StateReport {
    pub(crate) fn differ(&mut self, record: String, field: &str, history: Value, stored: Value) {
        self.total_differences += 1;
        if self.differences.len() < SHOWN {
            self.differences.push(Difference {
                record,
                field: field.to_owned(),
                history,
                stored,
            });
        }
    }

    /// Each field of `expected` that `stored` does not hold, by name.
    fn compare(&mut self, record: String, expected: &Fields, stored: &Fields) {
        for (field, stored_value) in stored {
            let history = expected.get(field).cloned().unwrap_or(Value::Null);
            if history != *stored_value {
                self.differ(record.clone(), field, history, stored_value.clone());
            }
        }
    }
}

type Fields = BTreeMap<&'static str, Value>;

/// The field that carries an account's seal (see [`Ledger::account_seal`]). In a row's
/// projection it holds the account's full details, which are compared through the seal only
/// and never shown.
const SEAL: &str = "account_seal";

fn masked(details: Option<&AccountDetails>) -> Value {
    text(details.map_or_else(|| "(unreadable)".to_owned(), |d| d.masked()))
}

fn sealable(details: Option<&AccountDetails>) -> Value {
    details.map_or(Value::Null, |d| {
        serde_json::to_value(d).expect("account details serialise")
    })
}

/// One event as the replay reads it.
#[derive(FromRow)]
struct Step {
    entity_id: i64,
    at: String,
    action: String,
    changes: String,
    note: String,
}

impl Step {
    fn changes(&self) -> Vec<FieldChange> {
        serde_json::from_str(&self.changes).unwrap_or_default()
    }
}

/// How one kind of record is replayed: the fields compared (with their value before any
/// event), how its row reads in the trail's words, and what an event implies beyond its
/// recorded changes.
struct Kind<R> {
    entity: Entity,
    initial: fn() -> Fields,
    rows: &'static str,
    project: fn(R) -> (i64, Fields),
    implied: fn(&mut Fields, &Step, &[FieldChange]),
    number: fn(i64) -> String,
}

fn nothing_implied(_: &mut Fields, _: &Step, _: &[FieldChange]) {}

/// When a record was made: the time of its create event, which is the row's `created_at`.
const CREATED: &str = "created";

/// What every create event implies: the record's creation time.
fn created_implied(fields: &mut Fields, step: &Step, _: &[FieldChange]) {
    if step.action == Action::Create.as_str() {
        fields.insert(CREATED, text(&step.at));
    }
}

fn text(value: impl Into<String>) -> Value {
    Value::String(value.into())
}

fn optional(value: Option<String>) -> Value {
    value.map_or(Value::Null, Value::String)
}

/// An amount as the trail writes it; an amount the money type refuses (an unknown currency
/// written behind the app's back) as its raw parts, so it shows as a difference.
fn amount(minor: i64, currency: &str) -> Value {
    text(match Money::stored(minor, currency) {
        Ok(money) => money.to_string(),
        Err(_) => format!("{minor} {currency}"),
    })
}

#[derive(FromRow)]
struct PayoutRow {
    id: i64,
    request_id: i64,
    amount_minor: i64,
    currency: String,
    method: String,
    account_snapshot: String,
    status: String,
    description: String,
    external_reference: Option<String>,
    paid_on: Option<String>,
    fee_minor: Option<i64>,
    fee_currency: Option<String>,
    failure_reason: Option<String>,
    paid_via: Option<String>,
    created_at: String,
}

const PAYOUTS: Kind<PayoutRow> = Kind {
    entity: Entity::Payout,
    initial: || {
        Fields::from([
            ("request", Value::Null),
            ("amount", Value::Null),
            ("method", Value::Null),
            ("account", Value::Null),
            (SEAL, Value::Null),
            ("status", Value::Null),
            ("description", Value::Null),
            ("external_reference", Value::Null),
            ("paid_on", Value::Null),
            ("paid_via", Value::Null),
            ("fee", Value::Null),
            ("failure_reason", Value::Null),
            (CREATED, Value::Null),
        ])
    },
    rows: "SELECT id, request_id, amount_minor, currency, method, account_snapshot, status,
                  description, external_reference, paid_on, fee_minor, fee_currency,
                  failure_reason, paid_via, created_at
             FROM payouts ORDER BY id",
    project: |p| {
        let details =
            serde_json::from_str::<crate::accounts::AccountDetails>(&p.account_snapshot).ok();
        let fields = Fields::from([
            ("request", text(RequestId(p.request_id).to_string())),
            ("amount", amount(p.amount_minor, &p.currency)),
            ("method", text(p.method)),
            ("account", masked(details.as_ref())),
            (SEAL, sealable(details.as_ref())),
            ("status", text(p.status)),
            ("description", text(p.description)),
            ("external_reference", optional(p.external_reference)),
            ("paid_on", optional(p.paid_on)),
            ("paid_via", optional(p.paid_via)),
            (
                "fee",
                p.fee_minor.map_or(Value::Null, |f| {
                    amount(f, p.fee_currency.as_deref().unwrap_or(&p.currency))
                }),
            ),
            ("failure_reason", optional(p.failure_reason)),
            (CREATED, text(p.created_at)),
        ]);
        (p.id, fields)
    },
    // Books from before paid-on days were recorded: a move to Success paid on its own day
    // (what the migration that added the column filled in), any other move cleared it.
    implied: |fields, step, changes| {
        created_implied(fields, step, changes);
        let Some(status) = changes.iter().find(|c| c.field == "status") else {
            return;
        };
        if !changes.iter().any(|c| c.field == "paid_on") {
            let day = (status.new == "success").then(|| text(&step.at[..10.min(step.at.len())]));
            fields.insert("paid_on", day.unwrap_or(Value::Null));
        }
    },
    number: |id| PayoutId(id).to_string(),
};

#[derive(FromRow)]
struct RequestRow {
    id: i64,
    customer_id: i64,
    program_id: Option<i64>,
    amount_minor: i64,
    currency: String,
    status: String,
    note: String,
    decision_note: String,
    void_reason: Option<String>,
    created_at: String,
}

const REQUESTS: Kind<RequestRow> = Kind {
    entity: Entity::Request,
    initial: || {
        Fields::from([
            ("customer", Value::Null),
            ("program", Value::Null),
            ("amount", Value::Null),
            ("status", Value::Null),
            ("note", Value::Null),
            ("decision_note", text("")),
            ("void_reason", Value::Null),
            (CREATED, Value::Null),
        ])
    },
    rows: "SELECT id, customer_id, program_id, amount_minor, currency, status, note, decision_note,
                  void_reason, created_at
             FROM incentive_requests ORDER BY id",
    project: |r| {
        let fields = Fields::from([
            ("customer", text(CustomerId(r.customer_id).to_string())),
            (
                "program",
                optional(r.program_id.map(|p| ProgramId(p).to_string())),
            ),
            ("amount", amount(r.amount_minor, &r.currency)),
            ("status", text(r.status)),
            ("note", text(r.note)),
            ("decision_note", text(r.decision_note)),
            ("void_reason", optional(r.void_reason)),
            (CREATED, text(r.created_at)),
        ]);
        (r.id, fields)
    },
    // A decision's note is the approve or reject event's note; a void's reason, the void
    // event's.
    implied: |fields, step, changes| {
        created_implied(fields, step, changes);
        if step.action == Action::Approve.as_str() || step.action == Action::Reject.as_str() {
            fields.insert("decision_note", text(&step.note));
        } else if step.action == Action::Void.as_str() {
            fields.insert("void_reason", text(&step.note));
        }
    },
    number: |id| RequestId(id).to_string(),
};

#[derive(FromRow)]
struct CustomerRow {
    id: i64,
    username: String,
    display_name: String,
    email: Option<String>,
    created_at: String,
}

const CUSTOMERS: Kind<CustomerRow> = Kind {
    entity: Entity::Customer,
    initial: || {
        Fields::from([
            ("username", Value::Null),
            ("display_name", Value::Null),
            ("email", Value::Null),
            (CREATED, Value::Null),
        ])
    },
    rows: "SELECT id, username, display_name, email, created_at FROM customers ORDER BY id",
    project: |c| {
        let fields = Fields::from([
            ("username", text(c.username)),
            ("display_name", text(c.display_name)),
            ("email", optional(c.email)),
            (CREATED, text(c.created_at)),
        ]);
        (c.id, fields)
    },
    implied: created_implied,
    number: |id| CustomerId(id).to_string(),
};

#[derive(FromRow)]
struct ProgramRow {
    id: i64,
    name: String,
    default_reward_minor: Option<i64>,
    default_currency: Option<String>,
    archived_at: Option<String>,
    created_at: String,
}

const PROGRAMS: Kind<ProgramRow> = Kind {
    entity: Entity::Program,
    initial: || {
        Fields::from([
            ("name", Value::Null),
            ("default_reward", Value::Null),
            ("archived", Value::Bool(false)),
            (CREATED, Value::Null),
        ])
    },
    rows: "SELECT id, name, default_reward_minor, default_currency, archived_at, created_at
             FROM incentive_programs ORDER BY id",
    project: |p| {
        let reward = match (p.default_reward_minor, &p.default_currency) {
            (Some(minor), Some(currency)) => amount(minor, currency),
            _ => Value::Null,
        };
        let fields = Fields::from([
            ("name", text(p.name)),
            ("default_reward", reward),
            ("archived", Value::Bool(p.archived_at.is_some())),
            (CREATED, text(p.created_at)),
        ]);
        (p.id, fields)
    },
    implied: created_implied,
    number: |id| ProgramId(id).to_string(),
};

#[derive(FromRow)]
struct RunRow {
    id: i64,
    kind: String,
    file_name: String,
    payouts: String,
    total_minor: i64,
    currency: String,
    batch_id: Option<String>,
    content: Vec<u8>,
}

/// Payment runs never change: their one event says what they hold, down to the SHA-256 of the
/// file's bytes, which is computed here from the stored bytes.
const RUNS: Kind<RunRow> = Kind {
    entity: Entity::PaymentRun,
    initial: || {
        Fields::from([
            ("kind", Value::Null),
            ("file", Value::Null),
            ("payouts", Value::Null),
            ("total", Value::Null),
            ("batch_id", Value::Null),
            ("sha256", Value::Null),
        ])
    },
    rows: "SELECT r.id, r.kind, r.file_name, r.total_minor, r.currency, r.batch_id, r.content,
                  (SELECT json_group_array(payout_id)
                     FROM (SELECT x.payout_id FROM payment_run_payouts x
                            WHERE x.run_id = r.id ORDER BY x.payout_id)) AS payouts
             FROM payment_runs r ORDER BY r.id",
    project: |r| {
        use sha2::Digest;
        let fields = Fields::from([
            ("kind", text(r.kind)),
            ("file", text(r.file_name)),
            (
                "payouts",
                serde_json::from_str::<Vec<i64>>(&r.payouts).map_or(Value::Null, |ids| {
                    ids.into_iter()
                        .map(|id| text(PayoutId(id).to_string()))
                        .collect()
                }),
            ),
            ("total", amount(r.total_minor, &r.currency)),
            ("batch_id", optional(r.batch_id)),
            (
                "sha256",
                text(crate::chain::hex(&sha2::Sha256::digest(&r.content))),
            ),
        ]);
        (r.id, fields)
    },
    implied: nothing_implied,
    number: |id| RunId(id).to_string(),
};

impl Ledger {
    /// Replays the history of every payout, request, customer, payment account and program,
    /// and of the book's settings, and compares it with what the rows say.
    pub async fn replay_history(&self) -> Result<StateReport> {
        let mut report = StateReport::default();
        self.replay(&CUSTOMERS, &mut report).await?;
        self.replay_accounts(&mut report).await?;
        self.replay(&PROGRAMS, &mut report).await?;
        self.replay(&REQUESTS, &mut report).await?;
        self.replay(&PAYOUTS, &mut report).await?;
        self.replay(&RUNS, &mut report).await?;
        self.replay_settings(&mut report).await?;
        Ok(report)
    }

    /// Rows in id order merged with their events in (record, event) order.
    async fn replay<R>(&self, kind: &Kind<R>, report: &mut StateReport) -> Result<()>
    where
        R: for<'r> FromRow<'r, SqliteRow> + Send + Unpin,
    {
        let mut steps = sqlx::query_as::<_, Step>(
            "SELECT entity_id, at, action, changes, note FROM audit_events
              WHERE entity = ? AND entity_id IS NOT NULL ORDER BY entity_id, seq",
        )
        .bind(kind.entity.as_str())
        .fetch(&self.reader);
        let mut rows = sqlx::query_as::<_, R>(kind.rows).fetch(&self.reader);
        let mut keys = HashMap::new();
        let mut step = steps.try_next().await?;
        let mut record = rows.try_next().await?.map(kind.project);
        let mut rows_left = record.is_some();
        loop {
            let id = match (&record, &step) {
                (None, None) => break,
                (Some((r, _)), Some(s)) => (*r).min(s.entity_id),
                (Some((r, _)), None) => *r,
                (None, Some(s)) => s.entity_id,
            };
            let mut history: Option<Fields> = None;
            while let Some(s) = step.take_if(|s| s.entity_id == id) {
                let fields = history.get_or_insert_with(kind.initial);
                let changes = s.changes();
                for change in &changes {
                    if let Some(value) = fields.get_mut(change.field.as_str()) {
                        *value = change.new.clone();
                    }
                }
                (kind.implied)(fields, &s, &changes);
                step = steps.try_next().await?;
            }
            let number = (kind.number)(id);
            match (record.take_if(|(r, _)| *r == id), history) {
                (Some((_, mut stored)), Some(mut history)) => {
                    report.records += 1;
                    self.compare_seal(&mut keys, &number, &mut history, &mut stored, report);
                    report.compare(number, &history, &stored);
                }
                // A row no event made: added behind the app's back.
                (Some(_), None) => {
                    report.records += 1;
                    report.differ(number, "record", Value::Null, text("present"));
                }
                // Events whose row is gone: rows are never deleted.
                (None, _) => report.differ(number, "record", text("present"), Value::Null),
            }
            if record.is_none() && rows_left {
                record = rows.try_next().await?.map(kind.project);
                rows_left = record.is_some();
            }
        }
        Ok(())
    }

    /// Payment accounts in event order: which of a customer's accounts is the default moves
    /// between them, recorded on the account that gained or lost it.
    async fn replay_accounts(&self, report: &mut StateReport) -> Result<()> {
        #[derive(Default)]
        struct Replayed {
            customer: Value,
            account: Value,
            seal: Value,
            archived: bool,
        }
        let mut replayed: HashMap<i64, Replayed> = HashMap::new();
        // Customer number -> account number of the default.
        let mut defaults: HashMap<String, Value> = HashMap::new();
        let mut steps = sqlx::query_as::<_, Step>(
            "SELECT entity_id, at, action, changes, note FROM audit_events
              WHERE entity = ? AND entity_id IS NOT NULL ORDER BY seq",
        )
        .bind(Entity::PaymentAccount.as_str())
        .fetch(&self.reader);
        while let Some(step) = steps.try_next().await? {
            let account = replayed.entry(step.entity_id).or_default();
            let number = text(AccountId(step.entity_id).to_string());
            for change in step.changes() {
                match change.field.as_str() {
                    "customer" => account.customer = change.new,
                    "account" => account.account = change.new,
                    SEAL => account.seal = change.new,
                    "archived" => account.archived = change.new == Value::Bool(true),
                    "is_default" if change.new == Value::Bool(true) => {
                        defaults.insert(account.customer.to_string(), number.clone());
                    }
                    "default_account" => {
                        defaults.insert(account.customer.to_string(), change.new);
                    }
                    _ => {}
                }
            }
        }
        drop(steps);
        let mut keys = HashMap::new();
        let mut rows =
            sqlx::query_as::<_, AccountRow>("SELECT * FROM payment_accounts ORDER BY id")
                .fetch(&self.reader);
        while let Some(row) = rows.try_next().await? {
            report.records += 1;
            let number = row.id.to_string();
            let Some(history) = replayed.remove(&row.id.0) else {
                report.differ(number, "record", Value::Null, text("present"));
                continue;
            };
            let details = row.details().ok();
            let is_default = defaults.get(&history.customer.to_string()) == Some(&text(&number));
            let mut expected = Fields::from([
                ("customer", history.customer),
                ("account", history.account),
                (SEAL, history.seal),
                ("archived", Value::Bool(history.archived)),
                ("is_default", Value::Bool(is_default)),
            ]);
            let mut stored = Fields::from([
                ("customer", text(row.customer_id.to_string())),
                ("account", masked(details.as_ref())),
                (SEAL, sealable(details.as_ref())),
                ("archived", Value::Bool(row.archived_at.is_some())),
                ("is_default", Value::Bool(row.is_default)),
            ]);
            self.compare_seal(&mut keys, &number, &mut expected, &mut stored, report);
            report.compare(number, &expected, &stored);
        }
        let mut gone: Vec<i64> = replayed.into_keys().collect();
        gone.sort_unstable();
        for id in gone {
            report.differ(
                AccountId(id).to_string(),
                "record",
                text("present"),
                Value::Null,
            );
        }
        Ok(())
    }

    /// Takes the seal out of both sides and, when the trail sealed the account with a key this
    /// computer holds, seals the row's account again: a different account (a changed IBAN that
    /// keeps its last four characters, say) is a difference of the field `account`, shown
    /// masked. Without the key the seal cannot be checked and is left, as the chain's keyed
    /// part is.
    fn compare_seal(
        &self,
        keys: &mut HashMap<String, Option<Arc<ChainKey>>>,
        number: &str,
        history: &mut Fields,
        stored: &mut Fields,
        report: &mut StateReport,
    ) {
        let (sealed, details) = (history.remove(SEAL), stored.remove(SEAL));
        let (Some(Value::String(sealed)), Some(details)) = (sealed, details) else {
            return;
        };
        let Some((key_id, _)) = sealed.split_once(':') else {
            return;
        };
        let key = keys
            .entry(key_id.to_owned())
            .or_insert_with(|| self.key_named(key_id));
        let Some(key) = key else {
            return;
        };
        let resealed = serde_json::from_value::<AccountDetails>(details)
            .ok()
            .map(|d| seal(key, &d));
        // A change the masked form shows already is reported once, by the masked form.
        let masked_agrees = history.get("account") == stored.get("account");
        if masked_agrees && resealed.as_deref() != Some(sealed.as_str()) {
            let shown = stored.get("account").cloned().unwrap_or(Value::Null);
            report.differ(
                number.to_owned(),
                "account",
                text("the account sealed in the trail"),
                shown,
            );
        }
    }

    /// The book's settings: each `update` event of the book sets the keys it names.
    async fn replay_settings(&self, report: &mut StateReport) -> Result<()> {
        let mut history: BTreeMap<String, Value> = BTreeMap::new();
        let mut steps = sqlx::query_as::<_, (String,)>(
            "SELECT changes FROM audit_events
              WHERE entity = ? AND entity_id IS NULL AND action = ? ORDER BY seq",
        )
        .bind(Entity::Book.as_str())
        .bind(Action::Update.as_str())
        .fetch(&self.reader);
        while let Some((changes,)) = steps.try_next().await? {
            let changes: Vec<FieldChange> = serde_json::from_str(&changes).unwrap_or_default();
            for change in changes {
                history.insert(change.field, change.new);
            }
        }
        drop(steps);
        let stored: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM settings")
            .fetch_all(&self.reader)
            .await?;
        for (flag, out_of_order) in TIME_ORDER_FLAGS {
            let needed: bool = sqlx::query_scalar(out_of_order)
                .fetch_one(&self.reader)
                .await?;
            if needed && !stored.iter().any(|(key, _)| key == flag) {
                report.differ(format!("setting {flag}"), "value", "1".into(), Value::Null);
            }
        }
        let mut stored: BTreeMap<String, Value> = stored
            .into_iter()
            .filter(|(key, _)| !DERIVED_SETTINGS.contains(&key.as_str()))
            .map(|(key, value)| {
                let value = serde_json::from_str(&value).unwrap_or(Value::String(value));
                (key, value)
            })
            .collect();
        for (key, value) in history {
            let now = stored.remove(&key).unwrap_or(Value::Null);
            if now != value {
                report.differ(format!("setting {key}"), "value", value, now);
            }
        }
        for (key, value) in stored {
            report.differ(format!("setting {key}"), "value", Value::Null, value);
        }
        Ok(())
    }
}
