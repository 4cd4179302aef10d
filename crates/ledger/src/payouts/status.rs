//! Changing a payout after it is made: status moves (one or many), retries (to another
//! account, too), description and reference edits, the audited reveal of the account
//! snapshot, and the detail panel's read.
//!
//! Invariants: only the moves of [`PayoutStatus::can_move_to`] happen, Success → Failed only
//! with a note, a move to Cancelled only with one; a payout leaves Failed for Pending only when
//! its request is not voided and has no other open payout; every move to Failed says why ([`FailureReason`], Other with a note), and a
//! payout that leaves Failed no longer has a reason; each move leaves exactly one audit event
//! (old → new per field), and a retry to another account one more for the new snapshot, in
//! the same transaction; a bulk move is one transaction that changes the allowed rows and
//! lists the others, never half of one row; the full account details leave the ledger only
//! with a `reveal` event.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use super::paid::{Payment, Settlement, USUAL_VIA};
use super::{FailureReason, PaidVia, Payout, PayoutStatus};
use crate::accounts::AccountSummary;
use crate::accounts::{AccountDetails, AccountField};
use crate::audit::{Action, AuditEvent, Diff, Event, Origin, Record, WriteTx};
use crate::customers::Customer;
use crate::error::{Error, Result};
use crate::ids::{AccountId, CustomerId, PayoutId, RequestId};
use crate::money::Money;
use crate::refusal::Refusal;
use crate::requests::{Request, RequestStatus};
use crate::text::{self, Lines};
use crate::Ledger;

/// A status move, with what the user adds to it.
#[derive(Debug, Clone, Deserialize)]
pub struct StatusChange {
    pub status: PayoutStatus,
    /// Set (or replace) the external reference; empty leaves it as it is.
    #[serde(default)]
    pub external_reference: String,
    #[serde(default)]
    pub note: String,
    /// Why it failed: required for a move to Failed, ignored for any other.
    #[serde(default)]
    pub failure_reason: Option<FailureReason>,
    /// When, how and at what cost it was paid: for a move to Success, ignored for any other.
    #[serde(default)]
    pub payment: Payment,
}

/// A retry of a Failed payout: back to Pending, to be paid to `account_id` (one of the
/// customer's active accounts) or, when `None`, to the account it failed on.
#[derive(Debug, Clone, Deserialize)]
pub struct Retry {
    pub account_id: Option<AccountId>,
    /// Set (or replace) the external reference; empty leaves it as it is.
    #[serde(default)]
    pub external_reference: String,
    #[serde(default)]
    pub note: String,
}

/// New description and external reference (empty clears the reference), with a note.
#[derive(Debug, Clone, Deserialize)]
pub struct PayoutEdit {
    pub description: String,
    pub external_reference: String,
    #[serde(default)]
    pub note: String,
}

/// A payout a bulk move, a payment file or a statement confirm left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub id: PayoutId,
    pub refusal: Refusal,
}

impl Skipped {
    pub(crate) fn new(id: PayoutId, refusal: Refusal) -> Skipped {
        Skipped { id, refusal }
    }
}

/// `{ "id": 12, "number": "PO-000012", "code": "not_pending", "reason": "It is Failed, not
/// Pending." }`: the UI lists the sentence and may branch on the code.
impl Serialize for Skipped {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Skipped", 4)?;
        s.serialize_field("id", &self.id)?;
        s.serialize_field("number", &self.id.to_string())?;
        s.serialize_field("code", self.refusal.code())?;
        s.serialize_field("reason", &self.refusal.to_string())?;
        s.end()
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BulkOutcome {
    /// The payout numbers that moved.
    pub changed: Vec<String>,
    pub skipped: Vec<Skipped>,
}

/// Everything the detail panel shows about one payout.
#[derive(Debug, Clone, Serialize)]
pub struct PayoutDetail {
    pub payout: Payout,
    pub request: Request,
    pub customer: Customer,
    /// The snapshot of the account paid to, secret fields masked.
    pub account: Vec<AccountField>,
    /// Newest first.
    pub history: Vec<AuditEvent>,
    /// The statuses this payout can move to now.
    pub moves: Vec<PayoutStatus>,
    /// For a Failed payout, the customer's active accounts a retry may pay instead.
    pub retry_accounts: Vec<AccountSummary>,
}

const MOST_IN_ONE_BULK: usize = 10_000;

pub(crate) struct Clean {
    status: PayoutStatus,
    reference: Option<String>,
    note: String,
    /// What the owner or a statement says of the payment, for a move to Success.
    settlement: Option<Settlement>,
    failure_reason: Option<FailureReason>,
}

impl Clean {
    /// A move made by the ledger itself (from a statement), whose texts need no checking.
    pub(crate) fn new(
        status: PayoutStatus,
        reference: Option<String>,
        note: String,
        settlement: Option<Settlement>,
    ) -> Clean {
        Clean {
            status,
            reference,
            note,
            settlement,
            failure_reason: None,
        }
    }

    /// A return from a statement: a move to Failed for `reason`.
    pub(crate) fn returned(reason: FailureReason, note: String) -> Clean {
        Clean {
            failure_reason: Some(reason),
            ..Clean::new(PayoutStatus::Failed, None, note, None)
        }
    }
}

fn reference(value: &str) -> Result<Option<String>> {
    text::optional(
        "external_reference",
        "External reference",
        value,
        100,
        Lines::One,
    )
}

fn note(value: &str) -> Result<String> {
    Ok(text::optional("note", "Note", value, 1000, Lines::Many)?.unwrap_or_default())
}

impl StatusChange {
    /// A move to `status` with nothing added.
    pub fn to(status: PayoutStatus) -> StatusChange {
        StatusChange {
            status,
            external_reference: String::new(),
            note: String::new(),
            failure_reason: None,
            payment: Payment::default(),
        }
    }

    /// The move checked, as the owner asks for it at `now`.
    pub(crate) fn clean(&self, now: DateTime<Utc>) -> Result<Clean> {
        let settlement = (self.status == PayoutStatus::Success)
            .then(|| self.payment.settlement(now))
            .transpose()?;
        Ok(Clean {
            status: self.status,
            reference: reference(&self.external_reference)?,
            note: note(&self.note)?,
            settlement,
            failure_reason: self.failure_reason,
        })
    }
}

/// The fields a move reads and writes.
#[derive(Deserialize)]
pub(crate) struct Current {
    id: PayoutId,
    request_id: RequestId,
    pub(crate) status: PayoutStatus,
    pub(crate) external_reference: Option<String>,
    pub(crate) amount_minor: i64,
    pub(crate) currency: String,
    paid_on: Option<String>,
    fee_minor: Option<i64>,
    failure_reason: Option<FailureReason>,
    paid_via: Option<PaidVia>,
    fee_currency: Option<String>,
    /// The way its account is paid ([`USUAL_VIA`]).
    usual_via: PaidVia,
}

/// A payout's row as a JSON array in `Current`'s field order: for 40,000 payouts about half
/// the time of reading them as rows.
fn current_json() -> String {
    format!(
        "json_array(id, request_id, status, external_reference, amount_minor, currency, paid_on,
                    fee_minor, failure_reason, paid_via, fee_currency, {USUAL_VIA})"
    )
}

fn read_current(json: &str) -> Result<Vec<Current>> {
    serde_json::from_str(json)
        .map_err(|e| Error::Storage(format!("A payout could not be read: {e}")))
}

/// Applies `change` to one payout inside `tx`, or says why it may not move; `current` becomes
/// what the payout now is.
pub(crate) async fn apply(
    tx: &mut WriteTx<'_>,
    current: &mut Current,
    change: &Clean,
) -> Result<std::result::Result<(), Refusal>> {
    let mut moves = Moves::default();
    let checked = moves.stage(tx, current, change).await?;
    moves.write(tx).await?;
    Ok(checked)
}

/// Status moves of many payouts, each checked (and audited) as it is staged, all written by
/// [`Moves::write`] in one UPDATE per 10,000 payouts: a confirm of 40,000 statement lines or a
/// bulk move pays for a few statements, not one per payout. A payout staged twice is written
/// as it was last staged.
#[derive(Default)]
pub(crate) struct Moves {
    rows: Vec<MovedRow>,
    /// Where each staged payout is in `rows`.
    at: HashMap<PayoutId, usize>,
}

/// What a move writes to a payout's row: id, status, reference, paid on, fee, failure reason,
/// paid via, fee currency.
#[derive(Serialize)]
struct MovedRow(
    PayoutId,
    PayoutStatus,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<FailureReason>,
    Option<PaidVia>,
    Option<String>,
);

impl Moves {
    /// Checks `change` against the payout as it is `current`ly (after the moves staged before)
    /// and stages it with its audit event, or says why it may not move; `current` becomes what
    /// the payout now is, for a batch that meets it again.
    pub(crate) async fn stage(
        &mut self,
        tx: &mut WriteTx<'_>,
        current: &mut Current,
        change: &Clean,
    ) -> Result<std::result::Result<(), Refusal>> {
        let (from, to) = (current.status, change.status);
        if from == to {
            return Ok(Err(Refusal::AlreadyInStatus(to)));
        }
        if !from.can_move_to(to) {
            return Ok(Err(Refusal::MoveNotAllowed { from, to }));
        }
        if from.needs_note(to) && change.note.is_empty() {
            return Ok(Err(if to == PayoutStatus::Cancelled {
                Refusal::CancelReasonRequired
            } else {
                Refusal::NoteRequired
            }));
        }
        // Only a Failed payout has a reason, and every one has.
        let failure_reason = match (to, change.failure_reason) {
            (PayoutStatus::Failed, None) => return Ok(Err(Refusal::FailureReasonRequired)),
            (PayoutStatus::Failed, Some(FailureReason::Other)) if change.note.is_empty() => {
                return Ok(Err(Refusal::FailureNoteRequired))
            }
            (PayoutStatus::Failed, reason) => reason,
            _ => None,
        };
        if to == PayoutStatus::Cancelled && from == PayoutStatus::Pending {
            if let Some(run) = run_that_may_pay(tx.conn(), current.id).await? {
                return Ok(Err(Refusal::InPaymentRun(run)));
            }
        }
        if !from.is_open() && to.is_open() {
            // The book must show the moves staged so far before it is asked.
            self.write(tx).await?;
            if let Some(refusal) = reopening_refused(tx.conn(), current).await? {
                return Ok(Err(refusal));
            }
        }
        let reference = change
            .reference
            .clone()
            .or_else(|| current.external_reference.clone());
        // A Success is paid on the day said (a statement's booking day), else the day it is
        // marked, the way said, else the way its account is paid; any other status is not paid.
        let (paid_on, paid_via, fee) = match (to, &change.settlement) {
            (PayoutStatus::Success, Some(s)) => {
                let currency = Money::stored(0, &current.currency)?.currency();
                (
                    Some(s.paid_on.map_or_else(|| tx.day(), |day| day.to_string())),
                    Some(s.via.unwrap_or(current.usual_via)),
                    s.fee
                        .as_ref()
                        .map(|f| f.money(currency))
                        .transpose()
                        .map_err(|err| match err {
                            // A fee typed once for many payouts names the one it does not fit.
                            Error::Validation { field, message } => Error::validation(
                                field,
                                format!("{message} ({}, in {})", current.id, current.currency),
                            ),
                            other => other,
                        })?,
                )
            }
            (PayoutStatus::Success, None) => (Some(tx.day()), Some(current.usual_via), None),
            _ => (None, None, None),
        };
        let old_fee = current
            .fee_minor
            .map(|minor| {
                let currency = current.fee_currency.as_deref().unwrap_or(&current.currency);
                Money::stored(minor, currency).map(|m| m.to_string())
            })
            .transpose()?;
        let (fee_minor, fee_currency) = (
            fee.map(Money::minor),
            fee.map(|f| f.currency().code().to_owned()),
        );
        let diff = Diff::new()
            .field("status", from, to)
            .field(
                "external_reference",
                &current.external_reference,
                &reference,
            )
            .field("paid_on", &current.paid_on, &paid_on)
            .field("paid_via", current.paid_via, paid_via)
            .field("fee", old_fee, fee.map(|f| f.to_string()))
            .field("failure_reason", current.failure_reason, failure_reason);
        tx.record(Event {
            action: Action::Status,
            record: Record::Payout(current.id),
            diff,
            note: &change.note,
        })
        .await?;
        let row = MovedRow(
            current.id,
            to,
            reference.clone(),
            paid_on.clone(),
            fee_minor,
            failure_reason,
            paid_via,
            fee_currency.clone(),
        );
        match self.at.get(&current.id) {
            Some(&k) => self.rows[k] = row,
            None => {
                self.at.insert(current.id, self.rows.len());
                self.rows.push(row);
            }
        }
        current.status = to;
        current.external_reference = reference;
        current.paid_on = paid_on;
        current.fee_minor = fee_minor;
        current.failure_reason = failure_reason;
        current.paid_via = paid_via;
        current.fee_currency = fee_currency;
        Ok(Ok(()))
    }

    /// Writes every staged move into the book, 10,000 payouts to a statement.
    pub(crate) async fn write(&mut self, tx: &mut WriteTx<'_>) -> Result<()> {
        let at = tx.at();
        for chunk in self.rows.chunks(10_000) {
            sqlx::query(
                "UPDATE payouts
                    SET status = m.value ->> 1, external_reference = m.value ->> 2,
                        updated_at = ?1, status_at = ?1, paid_on = m.value ->> 3,
                        fee_minor = m.value ->> 4, failure_reason = m.value ->> 5,
                        paid_via = m.value ->> 6, fee_currency = m.value ->> 7
                   FROM json_each(?2) m
                  WHERE payouts.id = m.value ->> 0",
            )
            .bind(&at)
            .bind(serde_json::to_string(chunk).expect("moves serialise"))
            .execute(tx.conn())
            .await?;
        }
        self.rows.clear();
        self.at.clear();
        Ok(())
    }
}

/// Whether the payout with id `?1` moved to Failed after the event `{since}` (a sequence
/// number in SQL): then a payment file written at that event did not pay it.
pub(crate) const FAILED_SINCE: &str = "EXISTS (SELECT 1 FROM audit_events e, json_each(e.changes) c
                   WHERE e.entity = 'payout' AND e.entity_id = ?1 AND e.seq > {since}
                     AND c.value ->> 'field' = 'status' AND c.value ->> 'new' = 'failed')";

/// The event that wrote payment run `{run}` (SQL): its first.
pub(crate) const RUN_WRITTEN: &str = "(SELECT MIN(w.seq) FROM audit_events w
                  WHERE w.entity = 'payment_run' AND w.entity_id = {run})";

/// The payment run that may still pay `payout`: the last run it went into, unless it failed
/// since. A payout in it is not cancelled: the bank or provider may be paying it.
async fn run_that_may_pay(
    conn: &mut SqliteConnection,
    payout: PayoutId,
) -> Result<Option<crate::ids::RunId>> {
    let failed = FAILED_SINCE.replace("{since}", &RUN_WRITTEN.replace("{run}", "latest.id"));
    Ok(sqlx::query_scalar(&format!(
        "WITH latest AS (SELECT MAX(x.run_id) AS id FROM payment_run_payouts x
                          WHERE x.payout_id = ?1)
         SELECT id FROM latest WHERE id IS NOT NULL AND NOT {failed}"
    ))
    .bind(payout)
    .fetch_optional(conn)
    .await?)
}

/// Why a Failed payout may not stand for its request again, if it may not: the request was
/// voided, or has another open payout.
async fn reopening_refused(
    conn: &mut SqliteConnection,
    current: &Current,
) -> Result<Option<Refusal>> {
    let (status, open): (RequestStatus, Option<PayoutId>) =
        sqlx::query_as("SELECT status, open_payout_id FROM incentive_requests WHERE id = ?")
            .bind(current.request_id)
            .fetch_one(conn)
            .await?;
    Ok(if status == RequestStatus::Voided {
        Some(Refusal::RequestVoided(current.request_id))
    } else {
        open.filter(|&open| open != current.id)
            .map(Refusal::OtherPayoutOpen)
    })
}

async fn account_snapshot(conn: &mut SqliteConnection, id: PayoutId) -> Result<AccountDetails> {
    let snapshot: String = sqlx::query_scalar("SELECT account_snapshot FROM payouts WHERE id = ?")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| super::not_found(id))?;
    serde_json::from_str(&snapshot).map_err(|_| super::damaged_snapshot(id))
}

/// What a move reads of each payout of `ids` that exists, 10,000 to a query.
pub(crate) async fn currents(
    conn: &mut SqliteConnection,
    ids: &[PayoutId],
) -> Result<HashMap<PayoutId, Current>> {
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(10_000) {
        let rows: String = sqlx::query_scalar(&format!(
            "SELECT json_group_array({})
               FROM payouts WHERE id IN (SELECT value FROM json_each(?))",
            current_json()
        ))
        .bind(serde_json::to_string(chunk).expect("ids serialise"))
        .fetch_one(&mut *conn)
        .await?;
        let rows = read_current(&rows)?;
        found.extend(rows.into_iter().map(|c| (c.id, c)));
    }
    Ok(found)
}

/// The payout's fields a move reads, or `None` when there is no such payout.
pub(crate) async fn current(conn: &mut SqliteConnection, id: PayoutId) -> Result<Option<Current>> {
    let row: Option<String> = sqlx::query_scalar(&format!(
        "SELECT json_group_array({}) FROM payouts WHERE id = ?",
        current_json()
    ))
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(read_current(row.as_deref().unwrap_or("[]"))?.pop())
}

impl Ledger {
    /// Moves one payout to another status, optionally setting its reference, with a note.
    pub async fn change_payout_status(
        &self,
        origin: &Origin,
        id: PayoutId,
        change: &StatusChange,
    ) -> Result<Payout> {
        let change = change.clean(origin.at)?;
        let mut tx = self.begin_write(origin).await?;
        let mut current = current(tx.conn(), id)
            .await?
            .ok_or_else(|| super::not_found(id))?;
        apply(&mut tx, &mut current, &change).await??;
        tx.commit().await?;
        self.payout(id).await
    }

    /// Retries a Failed payout (Failed → Pending, as [`Ledger::change_payout_status`] checks
    /// it), paid next time to `retry.account_id` when it names another of the customer's active
    /// accounts: the payout takes that account's snapshot, audited old → new in an event of its
    /// own, in the same transaction.
    pub async fn retry_payout(
        &self,
        origin: &Origin,
        id: PayoutId,
        retry: &Retry,
    ) -> Result<Payout> {
        let back = Clean::new(
            PayoutStatus::Pending,
            reference(&retry.external_reference)?,
            note(&retry.note)?,
            None,
        );
        let mut tx = self.begin_write(origin).await?;
        let mut current = current(tx.conn(), id)
            .await?
            .ok_or_else(|| super::not_found(id))?;
        if current.status != PayoutStatus::Failed {
            return Err(Refusal::MoveNotAllowed {
                from: current.status,
                to: PayoutStatus::Pending,
            }
            .into());
        }
        apply(&mut tx, &mut current, &back).await??;
        if let Some(account_id) = retry.account_id {
            self.pay_to(&mut tx, id, account_id).await?;
        }
        tx.commit().await?;
        self.payout(id).await
    }

    /// Makes payout `id` pay `account_id`, one of its customer's active accounts, with that
    /// account's snapshot; nothing when it pays that account already.
    async fn pay_to(
        &self,
        tx: &mut WriteTx<'_>,
        id: PayoutId,
        account_id: AccountId,
    ) -> Result<()> {
        let (customer_id, was_paying): (CustomerId, AccountId) =
            sqlx::query_as("SELECT customer_id, account_id FROM payouts WHERE id = ?")
                .bind(id)
                .fetch_one(tx.conn())
                .await?;
        if was_paying == account_id {
            return Ok(());
        }
        let Some(account) = super::account_to_pay(tx.conn(), customer_id, Some(account_id)).await?
        else {
            unreachable!("a chosen account is found or refused");
        };
        let (old, new) = (account_snapshot(tx.conn(), id).await?, account.details()?);
        sqlx::query(
            "UPDATE payouts SET account_id = ?, method = ?, account_snapshot = ?, updated_at = ?
              WHERE id = ?",
        )
        .bind(account_id)
        .bind(new.method())
        .bind(serde_json::to_string(&new).expect("account details serialise"))
        .bind(tx.at())
        .bind(id)
        .execute(tx.conn())
        .await?;
        let diff = Diff::new()
            .field("method", old.method(), new.method())
            .field("account", old.masked(), new.masked())
            .field(
                "account_seal",
                self.account_seal(&old),
                self.account_seal(&new),
            );
        tx.record(Event {
            action: Action::Update,
            record: Record::Payout(id),
            diff,
            note: "Retried to another account.",
        })
        .await?;
        Ok(())
    }

    /// Moves every payout of `ids` that may move, in one transaction; lists the others.
    pub async fn bulk_change_status(
        &self,
        origin: &Origin,
        ids: &[PayoutId],
        change: &StatusChange,
    ) -> Result<BulkOutcome> {
        if ids.is_empty() {
            return Err(Error::validation("ids", "Select at least one payout."));
        }
        if ids.len() > MOST_IN_ONE_BULK {
            return Err(Error::validation(
                "ids",
                format!("Change at most {MOST_IN_ONE_BULK} payouts at once."),
            ));
        }
        let change = change.clean(origin.at)?;
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut outcome = BulkOutcome::default();
        let mut tx = self.begin_write(origin).await?;
        let mut currents = currents(tx.conn(), &ids).await?;
        let mut moves = Moves::default();
        for &id in &ids {
            let Some(current) = currents.get_mut(&id) else {
                outcome
                    .skipped
                    .push(Skipped::new(id, Refusal::NoSuchPayout(id)));
                continue;
            };
            match moves.stage(&mut tx, current, &change).await? {
                Ok(()) => outcome.changed.push(id.to_string()),
                Err(refusal) => outcome.skipped.push(Skipped::new(id, refusal)),
            }
        }
        if !outcome.changed.is_empty() {
            moves.write(&mut tx).await?;
            tx.commit().await?;
        }
        Ok(outcome)
    }

    /// Changes the description and the external reference. Saving without a change writes
    /// nothing.
    pub async fn edit_payout(
        &self,
        origin: &Origin,
        id: PayoutId,
        edit: &PayoutEdit,
    ) -> Result<Payout> {
        let description = text::optional(
            "description",
            "Description",
            &edit.description,
            1000,
            Lines::Many,
        )?
        .unwrap_or_default();
        let reference = reference(&edit.external_reference)?;
        let note = note(&edit.note)?;
        let mut tx = self.begin_write(origin).await?;
        let (old_description, old_reference): (String, Option<String>) =
            sqlx::query_as("SELECT description, external_reference FROM payouts WHERE id = ?")
                .bind(id)
                .fetch_optional(tx.conn())
                .await?
                .ok_or_else(|| super::not_found(id))?;
        let diff = Diff::new()
            .field("description", &old_description, &description)
            .field("external_reference", &old_reference, &reference);
        if diff.is_empty() {
            return self.payout(id).await;
        }
        let at = tx.at();
        sqlx::query(
            "UPDATE payouts SET description = ?, external_reference = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&description)
        .bind(&reference)
        .bind(&at)
        .bind(id)
        .execute(tx.conn())
        .await?;
        tx.record(Event {
            action: Action::Update,
            record: Record::Payout(id),
            diff,
            note: &note,
        })
        .await?;
        tx.commit().await?;
        self.payout(id).await
    }

    /// The full account details the payout was made to, for the person who pays it. Leaves a
    /// `reveal` event, so the trail shows who saw the number and when.
    pub async fn reveal_payout_account(
        &self,
        origin: &Origin,
        id: PayoutId,
    ) -> Result<Vec<AccountField>> {
        let mut tx = self.begin_write(origin).await?;
        let details = account_snapshot(tx.conn(), id).await?;
        tx.commit_with(Event {
            action: Action::Reveal,
            record: Record::Payout(id),
            diff: Diff::new(),
            note: "Payment account shown in full.",
        })
        .await?;
        Ok(details.fields(true))
    }

    /// The payout, its request, its customer, the masked account and the history.
    pub async fn payout_detail(&self, id: PayoutId) -> Result<PayoutDetail> {
        let payout = self.payout(id).await?;
        let request = self.request(payout.request_id).await?;
        let details = account_snapshot(&mut *self.reader.acquire().await?, id).await?;
        // A voided request's payouts never stand for it again.
        let voided = request.status == RequestStatus::Voided;
        let moves = PayoutStatus::ALL
            .into_iter()
            .filter(|to| payout.status.can_move_to(*to))
            .filter(|to| !(voided && to.is_open()))
            .collect();
        let retry_accounts = if payout.status == PayoutStatus::Failed && !voided {
            self.customer_accounts(payout.customer_id).await?
        } else {
            Vec::new()
        };
        Ok(PayoutDetail {
            retry_accounts,
            request,
            customer: self.customer(payout.customer_id).await?,
            account: details.fields(false),
            history: self.history(Record::Payout(id)).await?,
            moves,
            payout,
        })
    }
}
