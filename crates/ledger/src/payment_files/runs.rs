//! Payment runs (issue 14, item 6): each payment file the app writes, kept with its bytes and
//! its payouts, so it can be written again and followed to its end.
//!
//! Invariants: a run never changes (triggers refuse an UPDATE or DELETE); its bytes are the
//! file as first written, their SHA-256 is in the run's audit event (Verify compares them);
//! writing a run again writes exactly those bytes and never over an existing file; marking a
//! run paid moves its payouts by the same checked moves as a bulk change, each with its event,
//! and what happens to a run is only ever what happens to its payouts.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{PaymentFileKind, WrittenFile};
use crate::audit::{Action, Diff, Event, Origin, Record, WriteTx};
use crate::chain::hex;
use crate::error::{Error, Result};
use crate::files::{AtomicFile, Staged};
use crate::ids::{PayoutId, RunId};
use crate::lifecycle::PaidVia;
use crate::money::Money;
use crate::payouts::status::{FAILED_SINCE, RUN_WRITTEN};
use crate::payouts::{BulkOutcome, Payment, Payout, PayoutStatus, Skipped, StatusChange};
use crate::refusal::Refusal;
use crate::{Ledger, Page, PageRequest};

/// A payment run as the Runs screen lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub id: RunId,
    pub number: String,
    pub kind: PaymentFileKind,
    pub kind_label: &'static str,
    pub file_name: String,
    /// The folder it was first written to.
    pub folder: String,
    pub payout_count: i64,
    pub total: Money,
    /// The id a SEPA file names itself by (MsgId and PmtInfId).
    pub batch_id: Option<String>,
    pub operator: String,
    pub created_at: String,
    /// How many of its payouts are in each status now.
    pub statuses: Vec<StatusCount>,
    /// The statement entries that booked the whole file, confirmed.
    pub paid_by: Vec<StatementEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCount {
    pub status: PayoutStatus,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementEntry {
    pub reference: String,
    pub booked_on: String,
}

/// A run and its payouts (the first [`PAYOUTS_SHOWN`], in number order).
#[derive(Debug, Clone, Serialize)]
pub struct RunDetail {
    pub run: Run,
    pub payouts: Vec<Payout>,
}

/// The payouts a run's detail lists; the statuses count them all.
pub const PAYOUTS_SHOWN: i64 = 500;

#[derive(sqlx::FromRow)]
struct RunRow {
    id: RunId,
    kind: PaymentFileKind,
    currency: String,
    file_name: String,
    folder: String,
    payout_count: i64,
    total_minor: i64,
    batch_id: Option<String>,
    operator: String,
    created_at: String,
    statuses: String,
    paid_by: String,
}

const SELECT_RUN: &str = "
    SELECT r.id, r.kind, r.currency, r.file_name, r.folder, r.payout_count, r.total_minor,
           r.batch_id, r.operator, r.created_at,
           (SELECT json_group_array(json_object('status', status, 'count', n))
              FROM (SELECT p.status, COUNT(*) AS n
                      FROM payment_run_payouts x JOIN payouts p ON p.id = x.payout_id
                     WHERE x.run_id = r.id GROUP BY p.status)) AS statuses,
           (SELECT json_group_array(json_object('reference', l.provider_reference,
                                                'booked_on', l.booked_on))
              FROM statement_lines l
             WHERE r.batch_id IS NOT NULL AND l.batch_reference = r.batch_id
               AND l.match_state = 'confirmed') AS paid_by
      FROM payment_runs r";

impl TryFrom<RunRow> for Run {
    type Error = Error;
    fn try_from(row: RunRow) -> Result<Run> {
        let damaged = |_| Error::Storage(format!("Payment run {} could not be read.", row.id));
        let mut statuses: Vec<StatusCount> =
            serde_json::from_str(&row.statuses).map_err(damaged)?;
        statuses.sort_by_key(|s| PayoutStatus::ALL.iter().position(|&x| x == s.status));
        Ok(Run {
            number: row.id.to_string(),
            id: row.id,
            kind: row.kind,
            kind_label: row.kind.label(),
            file_name: row.file_name,
            folder: row.folder,
            payout_count: row.payout_count,
            total: Money::stored(row.total_minor, &row.currency)?,
            batch_id: row.batch_id,
            operator: row.operator,
            created_at: row.created_at,
            statuses,
            paid_by: serde_json::from_str(&row.paid_by).map_err(damaged)?,
        })
    }
}

/// Keeps `file`, just written, as a payment run, with its audit event; and, when it names
/// itself, as the payment batch a collective statement entry is matched to.
pub(crate) async fn record_run(
    tx: &mut WriteTx<'_>,
    kind: PaymentFileKind,
    file: &WrittenFile,
) -> Result<RunId> {
    let sha256 = hex(&Sha256::digest(&file.bytes));
    let payouts = serde_json::to_string(&file.payouts).expect("ids serialise");
    let at = tx.at();
    let operator = tx.operator().to_owned();
    let id: RunId = sqlx::query_scalar(
        "INSERT INTO payment_runs (kind, currency, file_name, folder, payout_count, total_minor,
                                   batch_id, content, sha256, operator, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(kind)
    .bind(file.currency)
    .bind(&file.name)
    .bind(&file.folder)
    .bind(file.payouts.len() as i64)
    .bind(file.total_minor)
    .bind(&file.batch_id)
    .bind(&file.bytes)
    .bind(&sha256)
    .bind(&operator)
    .bind(&at)
    .fetch_one(tx.conn())
    .await?;
    sqlx::query(
        "INSERT INTO payment_run_payouts (run_id, payout_id) SELECT ?, value FROM json_each(?)",
    )
    .bind(id)
    .bind(&payouts)
    .execute(tx.conn())
    .await?;
    if let Some(batch_id) = &file.batch_id {
        sqlx::query(
            "INSERT INTO payment_batches (batch_id, kind, currency, total_minor, file_name,
                                          created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(batch_id)
        .bind(kind.file_stem())
        .bind(file.currency)
        .bind(file.total_minor)
        .bind(
            Path::new(&file.folder)
                .join(&file.name)
                .display()
                .to_string(),
        )
        .bind(&at)
        .execute(tx.conn())
        .await?;
        sqlx::query(
            "INSERT INTO payment_batch_payouts (batch_id, payout_id)
             SELECT ?, value FROM json_each(?)",
        )
        .bind(batch_id)
        .bind(&payouts)
        .execute(tx.conn())
        .await?;
    }
    let numbers: Vec<String> = file.payouts.iter().map(PayoutId::to_string).collect();
    let total = Money::stored(file.total_minor, file.currency)?;
    tx.record(Event {
        action: Action::Export,
        record: Record::PaymentRun(id),
        diff: Diff::new()
            .created("kind", kind)
            .created("file", &file.name)
            .created("payouts", &numbers)
            .created("total", total.to_string())
            .created("batch_id", &file.batch_id)
            .created("sha256", &sha256),
        note: &format!("{} file written.", kind.label()),
    })
    .await?;
    Ok(id)
}

impl Ledger {
    /// The payment runs, newest first.
    pub async fn list_runs(&self, page: PageRequest) -> Result<Page<Run>> {
        let page = page.checked()?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payment_runs")
            .fetch_one(&self.reader)
            .await?;
        let rows: Vec<RunRow> =
            sqlx::query_as(&format!("{SELECT_RUN} ORDER BY r.id DESC LIMIT ? OFFSET ?"))
                .bind(page.page_size)
                .bind(page.offset())
                .fetch_all(&self.reader)
                .await?;
        Ok(Page {
            items: rows.into_iter().map(Run::try_from).collect::<Result<_>>()?,
            total,
            page: page.page,
            page_size: page.page_size,
        })
    }

    /// One run with its payouts.
    pub async fn payment_run(&self, id: RunId) -> Result<RunDetail> {
        let row: RunRow = sqlx::query_as(&format!("{SELECT_RUN} WHERE r.id = ?"))
            .bind(id)
            .fetch_optional(&self.reader)
            .await?
            .ok_or_else(|| not_found(id))?;
        let ids = self.run_payouts(id, Some(PAYOUTS_SHOWN)).await?;
        let mut found = self.payouts_by_ids(&ids).await?;
        Ok(RunDetail {
            run: row.try_into()?,
            payouts: ids.iter().filter_map(|id| found.remove(id)).collect(),
        })
    }

    /// The payouts of run `id` in number order, the first `limit` of them if given.
    async fn run_payouts(&self, id: RunId, limit: Option<i64>) -> Result<Vec<PayoutId>> {
        Ok(sqlx::query_scalar(
            "SELECT payout_id FROM payment_run_payouts WHERE run_id = ? ORDER BY payout_id
              LIMIT ?",
        )
        .bind(id)
        .bind(limit.unwrap_or(-1))
        .fetch_all(&self.reader)
        .await?)
    }

    /// Writes run `id`'s file into `dir` again, byte for byte as it was first written, under
    /// its name; an existing file is never overwritten. Refused when any of its payouts is paid
    /// already (a second upload would pay it again) and when the stored bytes are not those
    /// whose SHA-256 the trail recorded. Audited. Returns the path written.
    pub async fn write_run_again(&self, origin: &Origin, id: RunId, dir: &Path) -> Result<String> {
        let (name, bytes, paid, recorded): (String, Vec<u8>, i64, Option<String>) =
            sqlx::query_as(
                "SELECT r.file_name, r.content,
                        (SELECT COUNT(*) FROM payment_run_payouts x JOIN payouts p ON p.id = x.payout_id
                          WHERE x.run_id = r.id AND p.status = 'success'),
                        (SELECT c.value ->> 'new' FROM audit_events e, json_each(e.changes) c
                          WHERE e.entity = 'payment_run' AND e.entity_id = r.id
                            AND c.value ->> 'field' = 'sha256' ORDER BY e.seq LIMIT 1)
                   FROM payment_runs r WHERE r.id = ?",
            )
            .bind(id)
            .fetch_optional(&self.reader)
            .await?
            .ok_or_else(|| not_found(id))?;
        if paid > 0 {
            return Err(Error::Conflict(format!(
                "{paid} of {id}'s payouts are paid already; uploading its file again would pay them twice. It was not written."
            )));
        }
        if recorded.as_deref() != Some(hex(&Sha256::digest(&bytes)).as_str()) {
            return Err(Error::Conflict(format!(
                "{id}'s stored file is not the one the audit trail recorded (its SHA-256 differs); it was not written. Run Verify integrity in Settings."
            )));
        }
        let target = dir.join(&name);
        if target.exists() {
            return Err(Error::Conflict(format!(
                "{} already exists; a payment file is never overwritten. Move it, or choose another folder.",
                target.display()
            )));
        }
        let (atomic, mut out) = AtomicFile::create(&target)?;
        std::io::Write::write_all(&mut out, &bytes)
            .map_err(|e| crate::files::io_error("write", &target, e))?;
        let mut tx = self.begin_write(origin).await?;
        tx.record(Event {
            action: Action::Export,
            record: Record::PaymentRun(id),
            diff: Diff::new().created("written_to", target.display().to_string()),
            note: "Written again.",
        })
        .await?;
        let placed = Staged(vec![(atomic, out)]).place()?;
        if let Err(err) = tx.commit().await {
            placed.undo();
            return Err(err);
        }
        Ok(target.display().to_string())
    }

    /// Marks every payout of run `id` that can move to Success paid, as `payment` says (the
    /// day, the way, a fee for each; by default the way of the run's kind), in one change;
    /// the others are listed with the reason. A payout that went into a later run, or that
    /// failed since this one was written, was not paid by it and is listed.
    pub async fn mark_run_paid(
        &self,
        origin: &Origin,
        id: RunId,
        payment: &Payment,
    ) -> Result<BulkOutcome> {
        let failed = FAILED_SINCE.replace("{since}", &RUN_WRITTEN.replace("{run}", "x.run_id"));
        let rows: Vec<(PayoutId, RunId, bool)> = sqlx::query_as(&format!(
            "SELECT x.payout_id,
                    (SELECT MAX(y.run_id) FROM payment_run_payouts y WHERE y.payout_id = x.payout_id),
                    {}
               FROM payment_run_payouts x
              WHERE x.run_id = ? ORDER BY x.payout_id",
            failed.replace("?1", "x.payout_id")
        ))
        .bind(id)
        .fetch_all(&self.reader)
        .await?;
        if rows.is_empty() {
            return Err(not_found(id));
        }
        let mut skipped = Vec::new();
        let mut ids = Vec::new();
        for (payout, latest, failed_since) in rows {
            if latest != id {
                skipped.push(Skipped::new(payout, Refusal::PaidByLaterRun(latest)));
            } else if failed_since {
                skipped.push(Skipped::new(payout, Refusal::FailedSinceRun));
            } else {
                ids.push(payout);
            }
        }
        let kind: PaymentFileKind =
            sqlx::query_scalar("SELECT kind FROM payment_runs WHERE id = ?")
                .bind(id)
                .fetch_one(&self.reader)
                .await?;
        let mut payment = payment.clone();
        payment.paid_via = payment.paid_via.or(Some(match kind {
            PaymentFileKind::Paypal => PaidVia::Paypal,
            PaymentFileKind::Wise => PaidVia::Wise,
            PaymentFileKind::Sepa => PaidVia::BankTransfer,
        }));
        let change = StatusChange {
            note: format!("Paid with payment run {id}."),
            payment,
            ..StatusChange::to(PayoutStatus::Success)
        };
        let mut outcome = if ids.is_empty() {
            BulkOutcome::default()
        } else {
            self.bulk_change_status(origin, &ids, &change).await?
        };
        outcome.skipped.extend(skipped);
        // A payout paid already is no news in a run's outcome.
        outcome
            .skipped
            .retain(|s| !matches!(s.refusal, Refusal::AlreadyInStatus(PayoutStatus::Success)));
        Ok(outcome)
    }
}

fn not_found(id: RunId) -> Error {
    Error::NotFound(format!("There is no payment run {id}."))
}
