//! Matching: what each statement line is, by the evidence it carries. The payouts the lines
//! name (by payout id), the payment files they book and the stored references they carry are
//! looked up in one query each, and the remaining lines are matched by amount, currency,
//! recipient and time window in one join along `payouts_by_amount`; never by the amount alone.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::names::{name_key, same_recipient};
use super::{amount_agrees, LineKind, ReferenceSource};
use crate::audit::timestamp;
use crate::error::{Error, Result};
use crate::ids::{CustomerId, PayoutId};
use crate::payouts::PayoutStatus;
use crate::Ledger;

/// How far before a statement line a payout may have been created and still match it.
const WINDOW_DAYS: i64 = 45;
/// How long after a line its payout may have been recorded (the owner paid at the provider
/// first and wrote it down later that day).
const RECORDING_GRACE_HOURS: i64 = 12;
/// The most payouts a line suggests.
const MOST_CANDIDATES: usize = 10;

/// What a line is, as matching (or the owner) decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum MatchState {
    /// One payout, by an exact reference.
    Matched,
    /// One or more likely payouts: the user decides.
    Suggested,
    Unmatched,
    /// Confirmed earlier.
    Confirmed,
    /// The provider has not completed it: shown with what it may match, never confirmed.
    Pending,
    /// Set aside by the owner with a note ("a supplier's payment, not a payout").
    Dismissed,
    /// The line could not be read (only in a review of a file not imported).
    Unreadable,
}

/// A statement line as matching reads it (stored, or read from a file by the headless review).
#[derive(sqlx::FromRow)]
pub(super) struct LineRow {
    pub(super) id: i64,
    pub(super) booked_on: String,
    /// The UTC instant, where the statement gives a time and zone.
    pub(super) booked_at: Option<String>,
    pub(super) amount_minor: i64,
    pub(super) currency: String,
    pub(super) counterparty: String,
    pub(super) payout_reference: Option<String>,
    pub(super) reference_source: ReferenceSource,
    pub(super) provider_reference: String,
    pub(super) kind: LineKind,
    pub(super) payout_id: Option<PayoutId>,
    pub(super) pending: bool,
    pub(super) fee_minor: i64,
    pub(super) reference_is_id: bool,
    pub(super) batch_reference: Option<String>,
}

/// What matching needs to know of a payout a line names.
#[derive(Deserialize)]
struct Named {
    id: PayoutId,
    customer_id: CustomerId,
    amount_minor: i64,
    currency: String,
    status: PayoutStatus,
    /// The account holder (bank) or handle (wallet) the payout went to.
    recipient: String,
    display_name: String,
    /// A line was confirmed as this payout's payment (or return) before.
    paid_by_line: bool,
    returned_by_line: bool,
}

impl Named {
    /// What disagrees between `line` and this payout, in words; empty when all agree. The
    /// recipient counts only when `recipient_needed`.
    fn disagreements(
        &self,
        line: &LineRow,
        recipient_needed: bool,
        remembered: Option<CustomerId>,
    ) -> Vec<String> {
        let mut why = Vec::new();
        if self.currency != line.currency {
            why.push(format!("the currency differs ({})", line.currency));
        } else if !amount_agrees(line.amount_minor, line.fee_minor, self.amount_minor) {
            why.push("the amount differs".to_owned());
        }
        let direction_agrees = match line.kind {
            LineKind::Payment => matches!(
                self.status,
                PayoutStatus::Pending | PayoutStatus::OnProcess | PayoutStatus::Success
            ),
            LineKind::Return => matches!(
                self.status,
                PayoutStatus::OnProcess | PayoutStatus::Success | PayoutStatus::Failed
            ),
            LineKind::Other => false,
        };
        let what = if line.kind == LineKind::Return {
            "return"
        } else {
            "payment"
        };
        if !direction_agrees {
            why.push(format!(
                "a {what} does not fit a payout that is {}",
                self.status.label()
            ));
        }
        let confirmed_before = match line.kind {
            LineKind::Payment => self.paid_by_line,
            LineKind::Return => self.returned_by_line,
            LineKind::Other => false,
        };
        if confirmed_before {
            why.push(format!(
                "another statement line was confirmed as its {what} already"
            ));
        }
        if recipient_needed
            && !same_recipient(&line.counterparty, &self.recipient)
            && !same_recipient(&line.counterparty, &self.display_name)
            && remembered != Some(self.customer_id)
        {
            why.push(if line.counterparty.trim().is_empty() {
                "the line names no recipient".to_owned()
            } else {
                format!("the recipient differs ({})", line.counterparty.trim())
            });
        }
        why
    }
}

impl LineRow {
    /// A line read from a file, as matching sees it, known by `id` until it is stored.
    pub(super) fn read(id: i64, l: &super::ParsedLine, payout_id: Option<PayoutId>) -> LineRow {
        LineRow {
            id,
            booked_on: l.booked_on.to_string(),
            booked_at: l.booked_at.map(timestamp),
            amount_minor: l.amount.minor(),
            currency: l.amount.currency().code().to_owned(),
            counterparty: l.counterparty.clone(),
            payout_reference: l.payout_reference.clone(),
            reference_source: l.reference_source,
            provider_reference: l.provider_reference.clone(),
            kind: l.kind,
            payout_id,
            pending: l.pending,
            fee_minor: l.fee_minor,
            reference_is_id: l.reference_is_id,
            batch_reference: l.batch_reference.clone(),
        }
    }
}

/// What matching decided for one line; the payouts are read in full only for the page shown.
pub(super) struct Decision {
    pub(super) state: MatchState,
    pub(super) candidates: Vec<PayoutId>,
    pub(super) evidence: String,
}

impl Decision {
    fn new(state: MatchState, candidates: Vec<PayoutId>, evidence: impl Into<String>) -> Decision {
        Decision {
            state,
            candidates,
            evidence: evidence.into(),
        }
    }
}

/// A payment file the app wrote that names itself, as a collective line is compared with it.
#[derive(sqlx::FromRow)]
pub(super) struct WrittenFile {
    batch_id: String,
    pub(super) currency: String,
    pub(super) total_minor: i64,
    file_name: String,
    /// A JSON array of its payouts' ids.
    payouts: String,
}

impl WrittenFile {
    pub(super) fn payouts(&self) -> Result<Vec<PayoutId>> {
        serde_json::from_str(&self.payouts).map_err(|_| damaged())
    }
}

/// A line that is a bank's one entry for a whole payment file: matched to all its payouts
/// when the amount, currency and direction agree with the file's total.
fn by_file(r: &LineRow, file: &WrittenFile) -> Result<Decision> {
    let payouts = file.payouts()?;
    let name = std::path::Path::new(&file.file_name)
        .file_name()
        .map_or(file.file_name.clone(), |n| n.to_string_lossy().into_owned());
    let said = format!(
        "one entry for the {} payouts of payment file {name} ({})",
        payouts.len(),
        file.batch_id
    );
    let mut why = Vec::new();
    if r.currency != file.currency {
        why.push(format!("the currency differs ({})", r.currency));
    } else if !super::amount_agrees(r.amount_minor, r.fee_minor, file.total_minor) {
        why.push("the amount is not the file's total".to_owned());
    }
    if r.kind != LineKind::Payment {
        why.push("it is not money out".to_owned());
    }
    Ok(if why.is_empty() {
        Decision::new(MatchState::Matched, payouts, said)
    } else {
        Decision::new(
            MatchState::Suggested,
            payouts,
            format!("{said}, but {}", why.join(" and ")),
        )
    })
}

/// A payout found by a stored reference: its id, amount and currency.
type ByReference = (PayoutId, i64, String);

/// The payout number a line carries and the payout it names, if the book issued it.
fn named_in<'a, 'r>(
    r: &'r LineRow,
    named: &'a HashMap<PayoutId, Named>,
) -> Option<(&'r str, &'a Named)> {
    let number = r.payout_reference.as_deref()?;
    Some((number, named.get(&number_id(number)?)?))
}

/// A line that carries the number of `payout`: a number in the app's own field is proof with
/// the amount and direction; one found in free text also needs the recipient.
fn by_number(
    r: &LineRow,
    number: &str,
    payout: &Named,
    remembered: Option<CustomerId>,
) -> Decision {
    let (recipient_needed, said) = match r.reference_source {
        ReferenceSource::Field => (false, format!("payout id {number} on the statement line")),
        ReferenceSource::Text => (true, format!("payout number {number} in the line's text")),
    };
    let why = payout.disagreements(r, recipient_needed, remembered);
    if why.is_empty() {
        Decision::new(MatchState::Matched, vec![payout.id], said)
    } else {
        Decision::new(
            MatchState::Suggested,
            vec![payout.id],
            format!("{said}, but {}", why.join(" and ")),
        )
    }
}

/// A line whose provider reference a payout already carries.
fn by_stored_reference(r: &LineRow, (id, minor, currency): &ByReference) -> Decision {
    let why = format!("external reference {}", r.provider_reference);
    if *minor == r.amount_minor.abs() && *currency == r.currency {
        Decision::new(MatchState::Matched, vec![*id], why)
    } else {
        Decision::new(
            MatchState::Suggested,
            vec![*id],
            format!("{why}, but the amount differs"),
        )
    }
}

/// A stored day or instant that does not read is damage, not a user's mistake.
pub(super) fn damaged() -> Error {
    Error::Storage("A statement line has a damaged date.".into())
}

/// The first instant of `day` anywhere on earth (UTC+14), and its last (UTC−12): a statement
/// date without a time or zone could be either.
fn day_bounds(day: &str) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| damaged())?;
    let midnight = day.and_time(NaiveTime::MIN).and_utc();
    Ok((
        midnight - Duration::hours(14),
        midnight + Duration::days(1) + Duration::hours(12),
    ))
}

/// The earliest a payout of a line booked on `day` may have been created.
pub(super) fn window_from(day: &str) -> Result<String> {
    Ok(timestamp(day_bounds(day)?.0 - Duration::days(WINDOW_DAYS)))
}

/// The latest a payout of a line booked on `day` may have been created.
pub(super) fn window_until(day: &str) -> Result<String> {
    Ok(timestamp(
        day_bounds(day)?.1 + Duration::hours(RECORDING_GRACE_HOURS),
    ))
}

/// The window of payout creation instants a line may match: from [`WINDOW_DAYS`] before it
/// to [`RECORDING_GRACE_HOURS`] after it, by the instant where the statement gives a time and
/// zone (an evening PST line is the next morning in UTC), else by the widest reading of its day.
fn line_window(r: &LineRow) -> Result<(String, String)> {
    match &r.booked_at {
        Some(at) => {
            let at = DateTime::parse_from_rfc3339(at)
                .map_err(|_| damaged())?
                .with_timezone(&Utc);
            Ok((
                timestamp(at - Duration::days(WINDOW_DAYS)),
                timestamp(at + Duration::hours(RECORDING_GRACE_HOURS)),
            ))
        }
        None => Ok((window_from(&r.booked_on)?, window_until(&r.booked_on)?)),
    }
}

/// What the window join needs of line `k`: currency, amount, the window, the recipient and the
/// customer a name was remembered for.
fn window_line(k: usize, r: &LineRow, remembered: Option<CustomerId>) -> Result<serde_json::Value> {
    let (from, until) = line_window(r)?;
    Ok(json!([
        k,
        r.currency,
        r.amount_minor.abs(),
        from,
        until,
        r.counterparty.trim().to_lowercase(),
        r.kind == LineKind::Return,
        remembered,
    ]))
}

/// A line matched by amount, currency and recipient within the window: never more than a
/// suggestion.
fn by_window(found: Vec<PayoutId>, r: &LineRow) -> Decision {
    match found.len() {
        0 => Decision::new(
            MatchState::Unmatched,
            found,
            "no payout with this amount, currency and recipient",
        ),
        1 => Decision::new(
            MatchState::Suggested,
            found,
            format!("same amount, currency and recipient ({})", r.counterparty),
        ),
        n => Decision::new(
            MatchState::Suggested,
            found,
            format!("{n} payouts have the same amount, currency and recipient: choose one"),
        ),
    }
}

/// The id in a stored payout number ("PO-000012").
fn number_id(number: &str) -> Option<PayoutId> {
    number.parse().ok()
}

impl Ledger {
    /// Decides every line: confirmed; matched by an exact reference (the payout id the
    /// provider carried back, else a stored external reference) with the same amount; else
    /// suggested by the reference (amount differs) or by amount + currency + recipient within
    /// [`WINDOW_DAYS`] (a payment among Pending and On Process payouts, a return among On
    /// Process and Success ones, the likeliest first); never by the amount alone.
    pub(super) async fn match_lines(&self, rows: &[LineRow]) -> Result<Vec<Decision>> {
        let open = |r: &&LineRow| r.payout_id.is_none() && r.kind != LineKind::Other;
        // The customers the owner confirmed lines' names for before.
        let remembered = self
            .remembered_customers(rows.iter().filter(open).map(|r| r.counterparty.as_str()))
            .await?;
        let named = self
            .named_payouts(
                rows.iter()
                    .filter(open)
                    .filter_map(|r| r.payout_reference.as_deref().and_then(number_id)),
            )
            .await?;
        // The payment files collective lines name, for the lines no payout number settles.
        let files = self
            .written_files(
                rows.iter()
                    .filter(open)
                    .filter(|r| named_in(r, &named).is_none())
                    .filter_map(|r| r.batch_reference.as_deref()),
            )
            .await?;
        // Stored references, for the lines no payout number settles.
        let by_reference = self
            .payouts_by_reference(
                rows.iter()
                    .filter(open)
                    .filter(|r| r.reference_is_id && named_in(r, &named).is_none())
                    .map(|r| r.provider_reference.as_str()),
            )
            .await?;
        // What can be decided without the window; the rest go into it.
        let mut decisions: Vec<Option<Decision>> = Vec::with_capacity(rows.len());
        let mut window = Vec::new();
        for (k, r) in rows.iter().enumerate() {
            let remembered = remembered.get(&name_key(&r.counterparty)).copied();
            let decision = if let Some(id) = r.payout_id {
                Some(Decision::new(MatchState::Confirmed, vec![id], "confirmed"))
            } else if r.kind == LineKind::Other {
                Some(Decision::new(
                    MatchState::Unmatched,
                    Vec::new(),
                    "not a payment or a return",
                ))
            } else if let Some((number, payout)) = named_in(r, &named) {
                Some(by_number(r, number, payout, remembered))
            } else if let Some(file) = r.batch_reference.as_deref().and_then(|b| files.get(b)) {
                Some(by_file(r, file)?)
            } else if let Some(payout) = by_reference
                .get(&r.provider_reference)
                .filter(|_| r.reference_is_id)
            {
                Some(by_stored_reference(r, payout))
            } else if r.counterparty.trim().is_empty() {
                Some(Decision::new(
                    MatchState::Unmatched,
                    Vec::new(),
                    "no recipient on the line to match by",
                ))
            } else {
                window.push(window_line(k, r, remembered)?);
                None
            };
            decisions.push(decision);
        }
        let mut candidates = self.window_candidates(window).await?;
        Ok(decisions
            .into_iter()
            .zip(rows)
            .enumerate()
            .map(|(k, (decision, row))| {
                let decision = decision
                    .unwrap_or_else(|| by_window(candidates.remove(&k).unwrap_or_default(), row));
                // What the provider has not completed is shown, never confirmed.
                if row.pending && decision.state != MatchState::Confirmed {
                    Decision {
                        state: MatchState::Pending,
                        evidence: format!("pending at the provider; {}", decision.evidence),
                        ..decision
                    }
                } else {
                    decision
                }
            })
            .collect())
    }

    /// The payouts of `ids`, with what matching compares, in one query.
    async fn named_payouts(
        &self,
        ids: impl Iterator<Item = PayoutId>,
    ) -> Result<HashMap<PayoutId, Named>> {
        let ids: Vec<PayoutId> = ids.collect();
        // One JSON array of rows, in `Named`'s field order: for the 90,000 payouts of a large
        // statement a third of the time of reading them as rows.
        let rows: String = sqlx::query_scalar(
            "SELECT json_group_array(json_array(
                        p.id, p.customer_id, p.amount_minor, p.currency, p.status,
                        coalesce(p.account_snapshot ->> '$.holder_name',
                                 p.account_snapshot ->> '$.handle', ''),
                        c.display_name,
                        iif(EXISTS (SELECT 1 FROM statement_lines s WHERE s.payout_id = p.id
                                       AND s.kind = 'payment'), json('true'), json('false')),
                        iif(EXISTS (SELECT 1 FROM statement_lines s WHERE s.payout_id = p.id
                                       AND s.kind = 'return'), json('true'), json('false'))))
               FROM payouts p JOIN customers c ON c.id = p.customer_id
              WHERE p.id IN (SELECT value FROM json_each(?))",
        )
        .bind(json!(ids).to_string())
        .fetch_one(&self.reader)
        .await?;
        let rows: Vec<Named> = serde_json::from_str(&rows).map_err(|_| damaged())?;
        Ok(rows.into_iter().map(|named| (named.id, named)).collect())
    }

    /// The payment files of `batch_ids` the app wrote, by id, with their payouts.
    pub(super) async fn written_files<'a>(
        &self,
        batch_ids: impl Iterator<Item = &'a str>,
    ) -> Result<HashMap<String, WrittenFile>> {
        let ids: Vec<&str> = batch_ids.collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(sqlx::query_as::<_, WrittenFile>(
            "SELECT b.batch_id, b.currency, b.total_minor, b.file_name,
                    json_group_array(p.payout_id) AS payouts
               FROM payment_batches b JOIN payment_batch_payouts p ON p.batch_id = b.batch_id
              WHERE b.batch_id IN (SELECT value FROM json_each(?))
              GROUP BY b.batch_id",
        )
        .bind(json!(ids).to_string())
        .fetch_all(&self.reader)
        .await?
        .into_iter()
        .map(|f| (f.batch_id.clone(), f))
        .collect())
    }

    /// The oldest payout carrying each of `references` as its external reference.
    async fn payouts_by_reference<'a>(
        &self,
        references: impl Iterator<Item = &'a str>,
    ) -> Result<HashMap<String, ByReference>> {
        let references: Vec<&str> = references.collect();
        let found: Vec<(String, PayoutId, i64, String)> = sqlx::query_as(
            "SELECT external_reference, id, amount_minor, currency FROM payouts
              WHERE external_reference IN (SELECT value FROM json_each(?)) ORDER BY id DESC",
        )
        .bind(json!(references).to_string())
        .fetch_all(&self.reader)
        .await?;
        // Rows come newest first, so the oldest payout with a reference is the one kept.
        Ok(found
            .into_iter()
            .map(|(reference, id, minor, currency)| (reference, (id, minor, currency)))
            .collect())
    }

    /// The candidates of each window line (by its index), by amount, currency and recipient
    /// within the window, likeliest first, in one join along `payouts_by_amount`.
    async fn window_candidates(
        &self,
        window: Vec<serde_json::Value>,
    ) -> Result<HashMap<usize, Vec<PayoutId>>> {
        let mut candidates: HashMap<usize, Vec<PayoutId>> = HashMap::new();
        if window.is_empty() {
            return Ok(candidates);
        }
        let found: Vec<(i64, PayoutId)> = sqlx::query_as(
            "WITH line (k, currency, amount, from_at, until_at, recipient, is_return, customer) AS (
                 SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4,
                        value ->> 5, value ->> 6, value ->> 7
                   FROM json_each(?))
             SELECT line.k, p.id FROM line JOIN payouts p
                 ON p.currency = line.currency AND p.amount_minor = line.amount
                AND p.created_at >= line.from_at AND p.created_at <= line.until_at
              WHERE p.status IN ('pending', 'on_process', 'success')
                AND (p.status = 'on_process' OR (p.status = 'success') = (line.is_return = 1))
                -- A payout another line was confirmed against, in this import or another, is
                -- not offered again for the same kind of line.
                AND NOT EXISTS (SELECT 1 FROM statement_lines s WHERE s.payout_id = p.id
                                   AND s.kind = iif(line.is_return, 'return', 'payment'))
                AND (lower(p.account_snapshot ->> '$.handle') = line.recipient
                     OR lower(p.account_snapshot ->> '$.holder_name') = line.recipient
                     -- A name the owner confirmed for this customer before.
                     OR p.customer_id = line.customer)
              ORDER BY line.k,
                    -- A payment most likely pays a payout that was sent (On Process), a
                    -- return most likely returns one marked paid (Success).
                    p.status = iif(line.is_return, 'success', 'on_process') DESC,
                    p.created_at DESC, p.id DESC",
        )
        .bind(serde_json::Value::Array(window).to_string())
        .fetch_all(&self.reader)
        .await?;
        for (k, id) in found {
            let list = candidates.entry(k as usize).or_default();
            if list.len() < MOST_CANDIDATES {
                list.push(id);
            }
        }
        Ok(candidates)
    }
}
